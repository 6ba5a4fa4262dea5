"""The navigation bar's items and badge counts cost queries: they are worked out only when a
template shows them (a page), never for an e-mail rendered during a request."""
from flask import render_template_string

from app import nav


def test_badge_counts_run_only_when_a_template_shows_the_nav(app, factories, monkeypatch):
    calls = []
    monkeypatch.setitem(nav._COUNTERS, "cart_count", lambda user: calls.append(user.id) or 3)
    buyer = factories.BuyerFactory()
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(buyer)
        assert render_template_string("Halo {{ 1 + 1 }}") == "Halo 2"
        assert calls == []
        shown = render_template_string("{% for i in nav_items %}{% if nav_counts.get(i.badge) %}"
                                       "{{ i.endpoint }}={{ nav_counts.get(i.badge) }} {% endif %}{% endfor %}")
        assert "cart.view=3" in shown and calls == [buyer.id]
