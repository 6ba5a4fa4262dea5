"""Walk every route with hostile input, as each role, and collect every 500 (issue 14).

Routes come from the URL map. The inputs each one takes are found three ways, so a new
route or field is walked without anyone adding it here:
  - the ``<form>``s and links of every page the walk renders, mapped to their route by their
    action or href (field names and their current values; hand-written forms included);
  - the WTForms classes a view names (every field, with its type);
  - the names a view, or a helper of its module that it calls, reads from ``request.args``,
    ``request.form`` or ``request.files``.
Each input gets each hostile value while the others keep a valid value, so the hostile one
gets as deep into the code as it can.
"""
import inspect
import io
import random
import re
import traceback
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import got_request_exception
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter, RequestRedirect
from wtforms.fields.core import UnboundField

from tests.conftest import PASSWORD

# What a person can type, paste or forge, by the name a report shows.
TEXT = {
    "2**31": "2147483648",
    "2**63": "9223372036854775808",
    "2**64": "18446744073709551616",
    "30 digits": "9" * 30,
    "5000 digits": "9" * 5000,
    "unused id": "654321",
    "-1": "-1",
    "0": "0",
    "superscript two": "²",
    "circled one": "①",
    "arabic-indic three": "٣",
    "fullwidth five": "５",
    "double minus": "--5",
    "exponent": "1e309",
    "NUL": "a\x00b",
    "10 kB": "x" * 10240,
    "emoji": "🛒😀",
    "RTL marks": "\u202eabc\u202c\u200f",
    "empty": "",
    "blank": " \t ",
    "CR LF": "a\r\nb",
    "formula": "=HYPERLINK(\"http://x\")",
    "markup": "<script>alert(1)</script>",
    "impossible date": "2025-02-30",
    "year 9999": "9999-12-31",
    "dot dot": "../../etc/passwd",
    "percent": "%s%n%00",
    "quotes": "'\"\\",
}
# Beyond the value: the field left out, or sent twice with two different values.
SHAPES = ("missing", "repeated")
INT_PATH = ("unused id", "2**31", "2**63", "2**64", "30 digits", "5000 digits", "0", "-1", "superscript two")
BODIES = ("empty body", "oversized body", "json body", "all fields 10 kB", "all fields NUL")
FILES = ("empty file", "not an image", "hostile file name", "two files")
# A name no route reads: unknown input must be ignored, however long or often it comes.
UNKNOWN = "zz_unknown"
UNKNOWN_VALUES = ("10 kB", "NUL", "repeated")
INT_SENTINEL = 7777777771
TEXT_SENTINEL = "zzhostilezz"


@dataclass(frozen=True)
class Case:
    rule: str
    method: str
    role: str
    where: str  # path, query, form, file, body
    name: str
    value: str  # a key of TEXT, SHAPES, BODIES or FILES

    def __str__(self):
        return f"{self.method} {self.rule} as {self.role}: {self.where} {self.name!r} = {self.value}"


@dataclass
class Inputs:
    """What one route takes: path parameters by kind, and query/form/file names with a valid value."""
    path: dict = field(default_factory=dict)  # name -> "int" | "text"
    query: dict = field(default_factory=dict)  # name -> a valid value ("" when nobody showed one)
    form: dict = field(default_factory=dict)
    files: set = field(default_factory=set)
    shown: dict = field(default_factory=dict)  # role -> {form name: value} as that role's page shows it


class _FormParser(HTMLParser):
    """The forms and links of a page: [(action, method, [(name, value, type)])] and [href]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.links = [], []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = (a.get("action") or "", (a.get("method") or "get").upper(), [])
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag in ("input", "button"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind in ("checkbox", "radio") and "checked" not in a and any(
                    n == a["name"] for n, _, _ in self._form[2]):
                return
            self._form[2].append((a["name"], a.get("value") or "", kind))
        elif tag == "select":
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in a:
                self._select[1] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form[2].append((self._select[0], self._select[1] or "", "select"))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form[2].append((self._textarea[0], self._textarea[1], "textarea"))
            self._textarea = None


_READS = re.compile(r"request\.(args|form|files|values)(?:\.get(?:list)?\(|\[)\s*[\"'](\w+)[\"']")


def _source(fn):
    try:
        return inspect.getsource(inspect.unwrap(fn))
    except (OSError, TypeError):
        return ""


def form_classes():
    """Every FlaskForm subclass of the app by class name, after importing every ``forms``
    module (a view may name its form as ``forms.CheckoutForm``, out of its module's scope)."""
    import importlib
    import pkgutil

    import app as package

    for module in pkgutil.walk_packages(package.__path__, "app."):
        if module.name.rsplit(".", 1)[-1] == "forms":
            importlib.import_module(module.name)
    found, todo = {}, [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("app."):
                found.setdefault(sub.__name__, []).append(sub)
            todo.append(sub)
    return found


def _default_for(name, unbound=None):
    """A value a person would type, so the other fields pass and the hostile one is what fails."""
    kind = unbound.field_class.__name__ if unbound is not None else ""
    if "Date" in kind or name.endswith(("_date", "_on", "day")) or name.startswith("period_"):
        return date.today().isoformat()
    if "Integer" in kind or "Decimal" in kind or name.endswith("_id") or name in (
            "quantity", "amount", "rating", "price", "stock", "page"):
        return "1"
    if "Boolean" in kind:
        return "y"
    if "Email" in kind or "email" in name:
        return "walk@pontianak.go.id"
    if "Password" in kind or "password" in name:
        return PASSWORD
    return "Walk"


def view_inputs(app, endpoint, named):
    """Names the view reads and the fields of the WTForms classes it names: (query, form, files)."""
    view = app.view_functions[endpoint]
    source = _source(view)
    module = inspect.getmodule(inspect.unwrap(view))
    scope = vars(module) if module else {}
    # one level down: the module's own helpers the view calls (``_payment_data(request.form)``)
    for name in set(re.findall(r"\b(_?\w+)\(", source)):
        helper = scope.get(name)
        if inspect.isfunction(helper) and helper.__module__ == getattr(module, "__name__", None):
            source += _source(helper)
    query, form, files = {}, {}, set()
    for where, name in _READS.findall(source):
        if where == "files":
            files.add(name)
        elif where == "args":
            query[name] = _default_for(name)
        else:
            form[name] = _default_for(name)
    for name in set(re.findall(r"\b([A-Z]\w*Form)\b", source)):
        cls = scope.get(name)
        # the form in the view's scope, else every form of the app with that name
        classes = [cls] if inspect.isclass(cls) and issubclass(cls, FlaskForm) else named.get(name, [])
        for attr in {a for c in classes for a in dir(c)}:
            unbound = next((getattr(c, attr) for c in classes if isinstance(getattr(c, attr, None), UnboundField)),
                           None)
            if unbound is None:
                continue
            if "File" in unbound.field_class.__name__:
                files.add(attr)
            else:
                form[attr] = _default_for(attr, unbound)
    form.pop("csrf_token", None)
    return query, form, files


def discover(app, rules, clients, urls):
    """Inputs of every rule: from the views' code, then from every page each role is shown."""
    adapter = app.url_map.bind("localhost")
    found, named = {}, form_classes()
    for key, rule in rules.items():
        inputs = Inputs()
        for name, converter in rule._converters.items():
            inputs.path[name] = "int" if isinstance(converter, IntegerConverter) else "text"
        inputs.query, inputs.form, inputs.files = view_inputs(app, rule.endpoint, named)
        found[key] = inputs

    def rule_of(url, method):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            return None
        try:
            matched, _args = adapter.match(parts.path, method, return_rule=True)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            return None
        return found.get(matched.rule)

    for key, rule in rules.items():
        if "GET" not in rule.methods:
            continue
        for role, client in clients.items():
            response = client.get(urls[key])
            if response.status_code != 200 or "html" not in (response.content_type or ""):
                response.close()
                continue
            page = _FormParser()
            page.feed(response.get_data(as_text=True))
            for href in page.links:
                target = rule_of(href, "GET")
                if target is not None:
                    for name, value in parse_qsl(urlsplit(href).query, keep_blank_values=True):
                        target.query.setdefault(name, value)
            for action, method, fields in page.forms:
                target = rule_of(action or urls[key], method)
                if target is None:
                    continue
                shown = target.shown.setdefault(role, {})
                for name, value, kind in fields:
                    if name == "csrf_token":
                        continue
                    if kind == "file":
                        target.files.add(name)
                    elif method == "GET":
                        target.query.setdefault(name, value)
                    else:
                        target.form.setdefault(name, value or target.form.get(name) or "")
                        shown.setdefault(name, value)
    return found


def cases_for(key, rule, inputs, roles):
    """Every hostile input of one route, for each role and method."""
    out = []
    methods = [m for m in ("GET", "POST") if m in rule.methods]
    for method in methods:
        for role in roles:
            for name, kind in inputs.path.items():
                for value in (INT_PATH if kind == "int" else [v for v in TEXT if v != "empty"]):
                    out.append(Case(key, method, role, "path", name, value))
            for name in inputs.query:
                for value in (*TEXT, *SHAPES):
                    out.append(Case(key, method, role, "query", name, value))
            for value in UNKNOWN_VALUES:
                out.append(Case(key, method, role, "query", UNKNOWN, value))
            if method == "POST":
                for name in inputs.form:
                    for value in (*TEXT, *SHAPES):
                        out.append(Case(key, method, role, "form", name, value))
                for name in sorted(inputs.files):
                    for value in FILES:
                        out.append(Case(key, method, role, "file", name, value))
                for value in BODIES:
                    out.append(Case(key, method, role, "body", "", value))
    return out


def sample(cases, size, rng):
    """``size`` cases, spread over the routes (round robin over route and method) so every route
    gets some in every run, whatever its number of inputs."""
    groups = {}
    for case in cases:
        groups.setdefault((case.rule, case.method), []).append(case)
    for group in groups.values():
        rng.shuffle(group)
    order = list(groups)
    rng.shuffle(order)
    picked = []
    while len(picked) < size and order:
        for key in list(order):
            if len(picked) >= size:
                break
            group = groups[key]
            picked.append(group.pop())
            if not group:
                order.remove(key)
    rng.shuffle(picked)
    return picked


class Walker:
    """Sends cases and records every 500, with the exception behind it."""

    def __init__(self, app, rules, inputs, values, per_endpoint, clients, emails, relogin):
        self.app, self.rules, self.inputs = app, rules, inputs
        self.values, self.per_endpoint = values, per_endpoint
        self.clients, self.emails, self.relogin = clients, emails, relogin
        self.oversized = b"a=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
        self.failures = []  # (case, description)
        self._exceptions = []

    def _url(self, case):
        rule = self.rules[case.rule]
        chosen = self.per_endpoint.get(rule.endpoint, {})
        args = {name: chosen.get(name, self.values.get(name)) for name in rule.arguments}
        raw = None
        if case.where == "path":
            raw = TEXT[case.value]
            args[case.name] = INT_SENTINEL if self.inputs[case.rule].path[case.name] == "int" else TEXT_SENTINEL
        url = rule.build(args, append_unknown=False)[1]
        if raw is not None:
            sentinel = str(args[case.name])
            url = url.replace(sentinel, quote(raw, safe=""), 1)
        return url

    @staticmethod
    def _fields(base, case, where):
        pairs = list(base.items())
        if case.where == where and case.name not in base and case.value != "missing":
            pairs.append((case.name, ""))  # an unknown name: sent as well as the known ones
        if case.where == where:
            pairs = [(n, v) for n, v in pairs if n != case.name]
            if case.value == "repeated":
                pairs += [(case.name, "1"), (case.name, TEXT["10 kB"])]
            elif case.value != "missing":
                pairs.append((case.name, TEXT[case.value]))
        return pairs

    def request(self, case):
        inputs = self.inputs[case.rule]
        url = self._url(case)
        query = urlencode(self._fields(inputs.query, case, "query"))
        kwargs = {"method": case.method, "query_string": query}
        if case.method == "POST":
            base = dict(inputs.form)
            base.update(inputs.shown.get(case.role, {}))
            pairs = self._fields(base, case, "form")
            if case.where == "body":
                if case.value == "empty body":
                    pairs = []
                elif case.value == "all fields 10 kB":
                    pairs = [(n, TEXT["10 kB"]) for n, _ in pairs]
                elif case.value == "all fields NUL":
                    pairs = [(n, "\x00") for n, _ in pairs]
            data = MultiDict(pairs)
            for name in sorted(inputs.files):
                if case.where == "file" and case.name == name:
                    for upload in self._files(case.value):
                        data.add(name, upload)
                else:
                    data.add(name, (io.BytesIO(b""), ""))
            kwargs["data"] = data
            if case.value == "oversized body":
                kwargs.update(data=self.oversized, content_type="application/x-www-form-urlencoded")
            elif case.value == "json body":
                kwargs.update(data='{"id": 2147483648, "a": [', content_type="application/json")
        return url, kwargs

    @staticmethod
    def _files(value):
        if value == "empty file":
            return [(io.BytesIO(b""), "empty.jpg")]
        if value == "not an image":
            return [(io.BytesIO(b"%PDF-1.4 not an image"), "photo.jpg")]
        if value == "hostile file name":
            return [(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "../../\x00\u202e" + "a" * 300 + ".png")]
        return [(io.BytesIO(b"GIF89a"), "a.gif"), (io.BytesIO(b"GIF89a"), "b.gif")]

    def _record(self, sender, exception, **extra):
        self._exceptions.append(exception)

    def run(self, cases):
        self.app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is a status the walk can see
        got_request_exception.connect(self._record, self.app)
        try:
            for case in cases:
                self._send(case)
        finally:
            got_request_exception.disconnect(self._record, self.app)
            self.app.config["PROPAGATE_EXCEPTIONS"] = None
        return self.failures

    def _send(self, case):
        client = self.clients[case.role]
        self._exceptions.clear()
        url, kwargs = self.request(case)
        try:
            response = client.open(url, **kwargs)
            response.get_data()  # streamed exports run to the end inside the request
            status = response.status_code
            response.close()
        except Exception as error:  # noqa: BLE001 - the error page itself failed: that is the finding
            self._exceptions.append(error)
            status = 500
        if status == 500:
            self.failures.append((case, describe(self._exceptions)))
        if case.role in self.emails:
            self.relogin(client, self.emails[case.role])


def describe(exceptions):
    """The exception in a line: its type, message and the last frame inside the app."""
    if not exceptions:
        return "500 without an exception"
    error = exceptions[-1]
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if "/app/" in frame.filename:
            where = f" at {frame.filename.split('/app/', 1)[1]}:{frame.lineno}"
    message = str(error).splitlines()[0][:160] if str(error) else ""
    return f"{type(error).__name__}: {message}{where}"


def grouped(failures):
    """One line per route, method, input and exception, with the values and roles that reach it."""
    groups = {}
    for case, description in failures:
        key = (case.rule, case.method, case.where, case.name, description)
        values, roles = groups.setdefault(key, (set(), set()))
        values.add(case.value)
        roles.add(case.role)
    return [f"{method} {rule} {where} {name!r} = {', '.join(sorted(values))} (as {', '.join(sorted(roles))})"
            f"  ->  {description}"
            for (rule, method, where, name, description), (values, roles) in sorted(groups.items())]


def new_rng(seed):
    return random.Random(seed)
