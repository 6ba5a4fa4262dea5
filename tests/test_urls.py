"""Links built by the app's lazy URL rules are the links werkzeug's own builders give."""
from flask import url_for
from werkzeug.routing import Rule

from app.urls import LazyBuildRule

SAMPLES = {"IdConverter": 42, "IntegerConverter": 42, "TextConverter": "kain-corak-insang",
           "UnicodeConverter": "kain-corak-insang", "KeyConverter": "public/products/7/a b.jpg",
           "PathConverter": "public/products/7/a b.jpg"}


def _values(rule):
    return {name: SAMPLES.get(type(converter).__name__, "x-1") for name, converter in rule._converters.items()}


def test_every_rule_builds_its_links_as_werkzeug_does(app):
    rules = [r for r in app.url_map.iter_rules() if isinstance(r, LazyBuildRule)]
    assert len(rules) > 150  # every blueprint's rules, not just a few
    for rule in rules:
        values = _values(rule)
        eager = Rule._compile_builder(rule, False).__get__(rule, None)
        eager_unknown = Rule._compile_builder(rule, True).__get__(rule, None)
        assert rule.build(values, append_unknown=False) == eager(**values), rule.rule
        # Unknown values become the query string, whatever their names (the tax rules page
        # links with ?rule=…, which once collided with the builder's own first argument).
        extra = dict(values, halaman="2", q="kopi bubuk", rule="7", self="x", values="y")
        assert rule.build(extra) == eager_unknown(**extra), rule.rule
        # After the first link the rule holds werkzeug's builder itself, and gives the same again.
        assert rule.build(extra) == eager_unknown(**extra)
        assert "build_once" not in rule._build.__qualname__ and "build_once" not in rule._build_unknown.__qualname__


def test_url_for_on_a_fresh_app_matches_the_routes(app):
    with app.test_request_context():
        assert url_for("catalog.product", slug="kopi-bubuk") == "/produk/kopi-bubuk"
        assert url_for("orders.detail", order_id=7) == "/orders/7"
        assert url_for("catalog.index", q="kopi", page=2) in ("/katalog?q=kopi&page=2", "/katalog?page=2&q=kopi")
        assert url_for("static", filename="css/app.css") == "/static/css/app.css"
    assert app.test_client().get("/produk/kopi-bubuk").status_code == 404  # matching needs no builder
