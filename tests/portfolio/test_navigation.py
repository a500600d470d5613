"""From a startup's page and an incubator's page to their committees, for who may go there."""

import html

import pytest

from core.db import db
from tests.committees.lifecycle import cast
from tests.factories import login


def due_box(client, startup_id: str) -> str:
    page = html.unescape(client.get(f"/startups/{startup_id}").get_data(as_text=True))
    assert 'id="prochain-comite"' in page
    return page.split('id="prochain-comite"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("who, may_plan, may_view", [
    ("coach", True, True),
    ("head", True, True),  # incubator staff
    ("admin", True, True),
    ("intrapreneur", False, True),
    ("sponsor", False, True),
    ("outsider", False, False),
    (None, False, False),
])
def test_the_next_committee_box_leads_to_planning_and_to_the_committees(client, who, may_plan, may_view):
    c = cast()
    db.session.commit()
    if who:
        login(client, getattr(c, who))
    box = due_box(client, c.startup.id)
    assert (f'href="/committees/startup/{c.startup.id}/plan"' in box and "Planifier un comité" in box) == may_plan
    assert (f'href="/committees/startup/{c.startup.id}"' in box and "Voir les comités" in box) == may_view


@pytest.mark.parametrize("who, sees", [("head", True), ("admin", True), ("coach", False), ("intrapreneur", False),
                                       (None, False)])
def test_the_incubator_page_links_to_its_committee_calendar_for_who_may_see_it(client, who, sees):
    c = cast()
    incubator_id = c.startup.incubator_id
    db.session.commit()
    if who:
        login(client, getattr(c, who))
    page = client.get(f"/incubators/{incubator_id}").get_data(as_text=True)
    assert (f'href="/committees/incubator/{incubator_id}"' in page) == sees
    if sees:
        assert client.get(f"/committees/incubator/{incubator_id}").status_code == 200
