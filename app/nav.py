"""The navigation bar: each feature adds its own entries, shown to the roles they fit.

Features call ``nav_item(...)`` at import time of their blueprint package, so the base
template needs no change when a feature arrives.

The bar must fit one line for the largest set of roles a person can hold (admin, mentor,
seller and a buyer who purchases and approves for their department: 13 entries). So:
- each entry belongs to a *group*, the role it serves (``GROUPS``); entries of no group
  (the catalogue) stand on their own;
- *tools* (cart, notifications) are icons with a count, beside the language switch;
- a person whose entries all fall in one group sees them side by side; a person with
  several groups sees each group of two or more entries as one menu (its badge the sum of
  its entries'), and a group of one entry as that entry.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

_ITEMS: list["NavItem"] = []

# The groups, in the order they stand in the bar; the label names the role served.
GROUPS = {
    "shop": _l("Shopping"),
    "department": lazy_pgettext("menu of a department's purchaser or approver", "Department"),
    "store": _l("My store"),
    "mentor": _l("Mentor"),
    "admin": _l("Admin"),
}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    icon: str = ""
    roles: tuple = field(default=())  # empty: everyone; ("anon",) only logged-out
    order: int = 50
    badge: str = ""  # name of a context value holding a count, e.g. "cart_count"
    when: Callable[..., bool] | None = None  # optional fn(user), for duties that are not roles (purchaser)
    group: str = ""  # a key of GROUPS; "" stands on its own
    tool: bool = False  # an icon beside the language switch (cart, notifications)


def nav_item(endpoint, label, icon="", roles=(), order=50, badge="", when=None, group="", tool=False):
    if group and group not in GROUPS:
        raise ValueError(f"unknown nav group {group!r}; known: {', '.join(GROUPS)}")
    item = NavItem(endpoint, label, icon, tuple(roles), order, badge, when, group, tool)
    if item not in _ITEMS:
        _ITEMS.append(item)
        _VISIBLE.clear()


@dataclass
class NavEntry:
    """One place in the bar: a link (``items`` has one entry) or a group's menu."""

    key: str
    label: object
    items: list
    menu: bool = False

    @property
    def badges(self):
        return [i.badge for i in self.items if i.badge]

    def is_current(self, endpoint):
        return any(i.endpoint == endpoint for i in self.items)


def arrange(items):
    """(entries of the bar, tools) for the visible ``items``: see the module doc."""
    tools = [i for i in items if i.tool]
    links = [i for i in items if not i.tool]
    grouped: dict[str, list] = {}
    for item in links:
        grouped.setdefault(item.group, []).append(item)
    several = len([g for g in grouped if g]) > 1
    entries = []
    for item in links:
        if not item.group or not several or len(grouped[item.group]) == 1:
            entries.append(NavEntry(item.endpoint, item.label, [item]))
        elif not any(e.key == item.group for e in entries):
            entries.append(NavEntry(item.group, GROUPS[item.group], grouped[item.group], menu=True))
    return entries, tools


def visible_items(user):
    items = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        # The roles first: ``when`` may query (a duty in a department), only for those it can concern.
        if not item.roles:
            shown = True
        elif "anon" in item.roles and not user.is_authenticated:
            shown = True
        else:
            shown = user.is_authenticated and user.has_role(*[r for r in item.roles if r != "anon"])
        if shown and item.when is not None:
            shown = user.is_authenticated and item.when(user)
        if shown:
            items.append(item)
    return items


_COUNTERS: dict[str, Callable] = {}


def nav_counter(name, fn):
    """``fn(user)`` gives the number shown as a badge on items with ``badge=name``."""
    _COUNTERS[name] = fn


_VISIBLE: dict[tuple, tuple] = {}
_VISIBLE_MAX = 256


def _signature(user):
    """What decides which items a person sees: their roles, and for the duties that are not
    roles (``when``: purchaser, approver, treasurer) their department and department roles."""
    from app.authz import department_roles_of

    if not user.is_authenticated:
        return ("anonymous",)
    return (frozenset(user.roles), getattr(user, "department_id", None), department_roles_of(user))


def visible_items_for(user):
    """``visible_items(user)``, kept per process by ``_signature``: the roles and department
    roles are read with the signed-in user anyway, and going through ~30 items with a role
    check each cost every page more than the rest of the bar. A ``when`` must therefore
    depend on nothing but those (it may query them)."""
    key = _signature(user)
    items = _VISIBLE.get(key)
    if items is None:
        items = tuple(visible_items(user))
        if len(_VISIBLE) >= _VISIBLE_MAX:
            _VISIBLE.clear()
        _VISIBLE[key] = items
    return items


class _Nav:
    """The items and badge counts, worked out the first time a template asks (an e-mail or a
    PDF rendered during a request never does, and so costs no query)."""

    def __init__(self):
        self._items = self._counts = self._arranged = self._user = None

    def user(self):
        # The user itself, not the current_user proxy: each attribute read through the proxy
        # goes through flask_login's lookup again.
        if self._user is None:
            from flask_login import current_user

            self._user = current_user._get_current_object()
        return self._user

    def items(self):
        if self._items is None:
            self._items = visible_items_for(self.user())
        return self._items

    def entries(self):
        if self._arranged is None:
            self._arranged = arrange(self.items())
        return self._arranged[0]

    def tools(self):
        if self._arranged is None:
            self._arranged = arrange(self.items())
        return self._arranged[1]

    def counts(self):
        if self._counts is None:
            user = self.user()
            self._counts = {}
            if user.is_authenticated:
                for item in self.items():
                    if item.badge in _COUNTERS and item.badge not in self._counts:
                        self._counts[item.badge] = _COUNTERS[item.badge](user)
        return self._counts

    def key(self):
        """What the bar shows depends on: a cached copy of the bar is kept under it
        (``fragment("header", nav_key())`` in base.html)."""
        from flask import request

        user = self.user()
        # Not the path: the language form's ``next`` is a placeholder in the cached bar
        # (``NEXT_PLACEHOLDER``, replaced by base.html), so one bar serves every page of a view.
        place = (request.endpoint,)
        if not user.is_authenticated:
            return ("anonymous",) + place
        counts = self.counts()
        return (user.id, user.full_name, tuple(item.endpoint for item in self.items()),
                tuple(sorted(counts.items()))) + place


class _Lazy:
    """A list or dict made by ``make()`` on first use."""

    def __init__(self, make):
        self._make = make

    def __iter__(self):
        return iter(self._make())

    def __len__(self):
        return len(self._make())

    def __bool__(self):
        return bool(self._make())

    def __getitem__(self, key):
        return self._make()[key]

    def get(self, key, default=None):
        return self._make().get(key, default)


#: Where the page's own path goes in the bar kept rendered (the language form's ``next``).
NEXT_PLACEHOLDER = "PKB-NEXT-PLACEHOLDER-5c1e"


def register(app):
    @app.context_processor
    def inject_nav():
        nav = _Nav()
        return {"nav_items": _Lazy(nav.items), "nav_entries": _Lazy(nav.entries), "nav_tools": _Lazy(nav.tools),
                "nav_url": url_for, "nav_counts": _Lazy(nav.counts), "nav_key": nav.key,
                "nav_next_placeholder": NEXT_PLACEHOLDER}
