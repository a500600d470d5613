"""The committee pages for the people they concern: sections by role, captions hidden under the heading
that says the same, names with the French « de », and the six-month rule on the next committee's date."""

import html as html_module
import re

import pytest

from committees import decisions, services
from committees.models import Committee, CommitteeStatus, DecisionKind
from committees.models import datetime_fr
from core import clock
from core.db import db
from tests.committees.lifecycle import NOW, ahead, cast, decided, held, paris, plan
from tests.factories import d, login, make_incubator


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html_module.unescape(response.get_data(as_text=True))


SPONSOR_SECTION, DECIDE_SECTION, UPCOMING = "À valider par le sponsor", "Tenus ou passés, décision à saisir", "À venir"


@pytest.mark.parametrize("who, sponsor_section, decide_section", [
    ("intrapreneur", False, False),
    ("sponsor", True, False),
    ("coach", False, True),
    ("head", False, True),  # incubator staff
    ("admin", False, True),  # an admin who is not a sponsor signs off nothing
])
def test_the_committees_page_shows_each_section_to_whom_it_concerns(client, who, sponsor_section, decide_section):
    c = cast()
    day = ahead("12-15")
    plan(c, day, now=clock.now())
    db.session.commit()
    login(client, getattr(c, who))
    text = page_text(client, "/committees/")
    assert (SPONSOR_SECTION in text) == sponsor_section
    assert ("Aucune décision n'attend votre validation" in text) == sponsor_section
    assert (DECIDE_SECTION in text) == decide_section
    assert UPCOMING in text and datetime_fr(paris(day)).split(" à ")[0] in text


def test_a_decision_awaiting_the_sponsor_shows_in_their_section(client):
    c = cast()
    decided(c)
    db.session.commit()
    login(client, c.sponsor)
    text = page_text(client, "/committees/")
    assert SPONSOR_SECTION in text and "Lieu" in text.split(SPONSOR_SECTION, 1)[1]


def test_a_sponsor_who_recorded_the_decision_does_not_find_it_to_sign(client):
    from tests.factories import make_membership

    c = cast()
    make_membership(c.head, c.startup, "sponsor")
    committee = held(c)
    decisions.record_decision(committee, kind=DecisionKind.CONTINUE, envelope_eur=300_000,
                              next_committee_on=d("2027-05-10"), actor=c.head, now=NOW)
    db.session.commit()
    login(client, c.head)
    assert "Aucune décision n'attend votre validation" in page_text(client, "/committees/")
    login(client, c.sponsor)
    assert "Aucune décision n'attend votre validation" not in page_text(client, "/committees/")


def test_captions_repeating_the_heading_are_for_screen_readers_only(client):
    c = cast()
    committee = plan(c, ahead("12-15"), now=clock.now())
    db.session.commit()
    login(client, c.coach)
    for url in ("/committees/", f"/committees/startup/{c.startup.id}", f"/committees/{committee.id}",
                f"/committees/{committee.id}/participants"):
        html = client.get(url).get_data(as_text=True)
        assert "no-caption-hidden" not in html
        tables = re.findall(r'<div class="(fr-table[^"]*)"[^>]*>\s*(?:<div[^>]*>\s*)*<table[^>]*>\s*<caption>', html)
        assert tables and all("fr-table--no-caption" in classes.split() for classes in tables), url


def test_page_headings_take_the_french_de(client):
    incubator = make_incubator("incubateur-territoires", name="L'Incubateur des Territoires")
    c = cast(name="Aides-territoires", incubator=incubator)
    db.session.commit()
    login(client, c.head)
    assert "<h1>Planifier un comité d'Aides-territoires</h1>" in page_text(client, f"/committees/startup/{c.startup.id}/plan")
    assert "<h1>Comités d'Aides-territoires</h1>" in page_text(client, f"/committees/startup/{c.startup.id}")
    assert "<h1>Calendrier des comités de l'Incubateur des Territoires</h1>" in page_text(
        client, "/committees/incubator/incubateur-territoires")


def test_the_decision_page_refuses_a_next_committee_beyond_six_months(client):
    c = cast()
    committee = held(c)  # held on 10 November 2026
    db.session.commit()
    login(client, c.coach)
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": "poursuite", "envelope_eur": "100000", "next_committee_on": "2027-05-11"})
    assert response.status_code == 422
    assert "au plus tard le 10 mai 2027" in html_module.unescape(response.get_data(as_text=True))
    assert db.session.get(Committee, committee.id).decision is None
    response = client.post(f"/committees/{committee.id}/decision", data={
        "version": committee.version, "kind": "poursuite", "envelope_eur": "100000", "next_committee_on": "2027-05-10"})
    assert response.status_code == 303


@pytest.mark.parametrize("kind, next_on, accepted", [
    (DecisionKind.CONTINUE, "2028-02-29", True),   # six calendar months, clamped to the end of the month
    (DecisionKind.CONTINUE, "2028-03-01", False),
    (DecisionKind.PROVISIONAL_RENEWAL, "2027-10-31", True),  # a provisional renewal, one or two months: within
    (DecisionKind.PIVOT, "2028-08-31", False),
])
def test_the_next_committee_is_at_most_six_calendar_months_after_this_one(kind, next_on, accepted):
    c = cast()
    committee = held(c, "2027-08-31")

    def decide():
        decisions.record_decision(committee, kind=kind, envelope_eur=100_000, next_committee_on=d(next_on),
                                 actor=c.coach, now=NOW)

    if accepted:
        decide()
        assert committee.status == CommitteeStatus.DECIDED
    else:
        with pytest.raises(services.CommitteeError, match="au plus tard le 29 février 2028"):
            decide()
        assert committee.status == CommitteeStatus.HELD


def test_the_plan_button_keeps_its_text_beside_its_icon(client):
    # Inside a button group, the DSFR hides an icon button's text unless the group says where the icon goes.
    c = cast()
    db.session.commit()
    login(client, c.head)
    html = client.get(f"/committees/startup/{c.startup.id}").get_data(as_text=True)
    group = re.search(r'<ul class="([^"]*)">\s*<li><a class="fr-btn fr-icon-calendar-line[^>]*>Planifier un comité', html)
    assert group and "fr-btns-group--icon-left" in group.group(1).split()


def test_the_schedule_form_says_paris_time_once(client):
    c = cast()
    committee = plan(c, ahead("12-15"), now=clock.now())
    db.session.commit()
    login(client, c.head)
    for url in (f"/committees/startup/{c.startup.id}/plan", f"/committees/{committee.id}/edit"):
        text = page_text(client, url)
        assert text.lower().count("heure de paris") == 1, url


def test_the_decision_form_asks_for_an_envelope_that_can_be_typed(client):
    c = cast()
    committee = held(c)
    db.session.commit()
    login(client, c.coach)
    text = page_text(client, f"/committees/{committee.id}/decision")
    assert "En euros, sans espace : 240000" in text
