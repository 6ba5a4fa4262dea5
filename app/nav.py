"""The navigation bar: each feature adds its own entries, shown to the roles they fit.

Features call ``nav_item(...)`` at import time of their blueprint package, so the base
template needs no change when a feature arrives.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for

_ITEMS: list["NavItem"] = []


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    icon: str = ""
    roles: tuple = field(default=())  # empty: everyone; ("anon",) only logged-out
    order: int = 50
    badge: str = ""  # name of a context value holding a count, e.g. "cart_count"
    when: Callable[..., bool] | None = None  # optional fn(user), for duties that are not roles (purchaser)


def nav_item(endpoint, label, icon="", roles=(), order=50, badge="", when=None):
    item = NavItem(endpoint, label, icon, tuple(roles), order, badge, when)
    if item not in _ITEMS:
        _ITEMS.append(item)


def visible_items(user):
    items = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.when is not None and not (user.is_authenticated and item.when(user)):
            continue
        if not item.roles:
            items.append(item)
        elif "anon" in item.roles and not user.is_authenticated:
            items.append(item)
        elif user.is_authenticated and user.has_role(*[r for r in item.roles if r != "anon"]):
            items.append(item)
    return items


_COUNTERS: dict[str, Callable] = {}


def nav_counter(name, fn):
    """``fn(user)`` gives the number shown as a badge on items with ``badge=name``."""
    _COUNTERS[name] = fn


class _Nav:
    """The items and badge counts, worked out the first time a template asks (an e-mail or a
    PDF rendered during a request never does, and so costs no query)."""

    def __init__(self):
        self._items = self._counts = None

    def items(self):
        if self._items is None:
            from flask_login import current_user

            self._items = visible_items(current_user)
        return self._items

    def counts(self):
        if self._counts is None:
            from flask_login import current_user

            self._counts = {}
            if current_user.is_authenticated:
                for item in self.items():
                    if item.badge in _COUNTERS and item.badge not in self._counts:
                        self._counts[item.badge] = _COUNTERS[item.badge](current_user)
        return self._counts


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


def register(app):
    @app.context_processor
    def inject_nav():
        nav = _Nav()
        return {"nav_items": _Lazy(nav.items), "nav_url": url_for, "nav_counts": _Lazy(nav.counts)}
