"""The home page tells a signed-in person what waits for them, from the header's counts:
a seller their new orders, an approver the orders to approve; nothing for a visitor."""
from tests.department_helpers import make_team
from tests.helpers import page_text
from tests.order_helpers import use_english
from tests.test_department_flow import login, place_department_order


def waiting(html):
    if 'id="home-waiting"' not in html:
        return None
    section = html.split('id="home-waiting"', 1)[1].split("</section>", 1)[0]
    return " ".join(section.split())


def test_home_shows_what_waits_for_each_person(client, auth, factories):
    team = make_team(factories)
    place_department_order(client, auth, team)
    login(client, auth, team.approver)
    shown = waiting(page_text(client.get("/")))
    assert shown is not None and "Approvals" in shown and "/department/approvals" in shown
    auth.logout()
    use_english(client)
    assert waiting(page_text(client.get("/"))) is None  # a visitor (and the cached page) has none
