"""Editing a convention's terms through its forms (a draft's edit, an avenant): what the form shows is what is
kept, and a form loaded before someone else's change does not undo it."""

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from conventions import services
from conventions.models import Party
from core.db import db
from tests.conventions.builders import EUR, TODAY
from tests.conventions.test_pages import text
from tests.factories import login, make_organisation, make_person, make_startup

pytestmark = pytest.mark.usefixtures("fixed_today")

FIVE_YEARS = {year: ((10_000 + year) * EUR, (20_000 + year) * EUR) for year in range(2024, 2029)}


def five_year_convention(signed: bool):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    convention = services.create_convention(
        actor=finance, partner=make_organisation(name="CSM"), startups=[make_startup(name="Fondation")],
        years=FIVE_YEARS, title="Cinq ans", ends_on=dt.date(2028, 12, 31), today=TODAY)
    if signed:
        for party, on in ((Party.PARTNER, dt.date(2024, 1, 10)), (Party.DINUM, dt.date(2024, 1, 16))):
            services.sign(convention, party, signatory="S", signatory_title="T", signed_on=on, actor=finance, today=TODAY)
    return convention, finance


def filled(page: str) -> dict[str, str]:
    """What a browser posts back of a page's form: every input's value and every select's chosen option."""
    values = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="checkbox"' not in tag:
            value = re.search(r'value="([^"]*)"', tag)
            values[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = [re.search(r'value="([^"]*)"', tag).group(1)
                  for tag in re.findall(r"<option[^>]*>", body) if re.search(r"\bselected\b", tag)]
        values[name] = chosen if name == "startup_ids" else (chosen[0] if chosen else "")
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(body).strip()
    return values


def schedule(convention) -> dict[int, tuple[int, int]]:
    db.session.expire_all()
    return {y.year: (y.ae_planned_cents, y.cp_planned_cents) for y in convention.years}


def test_an_avenant_form_shows_and_keeps_every_year_of_the_schedule(client):
    convention, finance = five_year_convention(signed=True)
    login(client, finance)
    page = client.get(f"/conventions/{convention.id}/amend").get_data(as_text=True)
    values = filled(page)
    assert [values[f"year_{n}"] for n in range(1, 8)] == ["2024", "2025", "2026", "2027", "2028", "", ""]
    values.update(summary="CP 2025 revus", partner_signed_on="2024-06-01", dinum_signed_on="2024-06-02", cp_2="9000")
    response = client.post(f"/conventions/{convention.id}/amend", data=values)
    assert response.status_code == 303, text(response)
    assert schedule(convention) == {**FIVE_YEARS, 2025: (FIVE_YEARS[2025][0], 9_000 * EUR)}


def test_a_draft_form_shows_and_keeps_every_year_and_adds_one_in_a_blank_row(client):
    convention, finance = five_year_convention(signed=False)
    login(client, finance)
    values = filled(client.get(f"/conventions/{convention.id}/edit").get_data(as_text=True))
    assert values["year_5"] == "2028" and values["year_6"] == ""
    values["startup_ids"] = [s.id for s in convention.startups]  # checked boxes, which filled() leaves out
    values.update(title="Cinq ans et demi", ends_on="2029-12-31", year_6="2029", ae_6="1000", cp_6="1000")
    response = client.post(f"/conventions/{convention.id}/edit", data=values)
    assert response.status_code == 303, text(response)
    assert schedule(convention) == {**FIVE_YEARS, 2029: (1_000 * EUR, 1_000 * EUR)}
    # A year cleared in the form is a year removed, as the form says.
    values = filled(client.get(f"/conventions/{convention.id}/edit").get_data(as_text=True))
    values.update(year_6="", ae_6="", cp_6="", startup_ids=[s.id for s in convention.startups])
    assert client.post(f"/conventions/{convention.id}/edit", data=values).status_code == 303
    assert schedule(convention) == FIVE_YEARS


STALE = ("La convention a été modifiée entre-temps par quelqu'un d'autre : vos changements n'ont pas été "
         "enregistrés")


def test_an_avenant_from_a_form_loaded_before_another_avenant_is_refused(client):
    """Two tabs open the avenant form; the first extends the end date, the second (loaded before) raises a CP:
    saved as it was, it would bring the end date back without anyone noticing."""
    convention, finance = five_year_convention(signed=True)
    login(client, finance)
    url = f"/conventions/{convention.id}/amend"
    first, second = (filled(client.get(url).get_data(as_text=True)) for _ in range(2))
    first.update(summary="Prolongation", partner_signed_on="2024-06-01", dinum_signed_on="2024-06-02", ends_on="2029-06-30")
    assert client.post(url, data=first).status_code == 303
    second.update(summary="CP 2024 revus", partner_signed_on="2024-06-03", dinum_signed_on="2024-06-04", cp_1="30000")
    response = client.post(url, data=second)
    assert response.status_code == 422 and STALE in text(response)
    db.session.expire_all()
    assert convention.ends_on == dt.date(2029, 6, 30) and len(convention.amendments) == 1
    assert schedule(convention) == FIVE_YEARS
    # Reloaded, the form carries the terms in force and goes through.
    again = filled(client.get(url).get_data(as_text=True))
    again.update(summary="CP 2024 revus", partner_signed_on="2024-06-03", dinum_signed_on="2024-06-04", cp_1="30000")
    assert client.post(url, data=again).status_code == 303
    db.session.expire_all()
    assert convention.ends_on == dt.date(2029, 6, 30) and schedule(convention)[2024] == (FIVE_YEARS[2024][0], 30_000 * EUR)


def test_a_draft_saved_from_a_form_loaded_before_another_save_is_refused(client):
    convention, finance = five_year_convention(signed=False)
    login(client, finance)
    url = f"/conventions/{convention.id}/edit"
    first, second = (filled(client.get(url).get_data(as_text=True)) for _ in range(2))
    startups = [s.id for s in convention.startups]
    first.update(title="Titre corrigé", startup_ids=startups)
    assert client.post(url, data=first).status_code == 303
    second.update(ae_1="1", startup_ids=startups)
    response = client.post(url, data=second)
    assert response.status_code == 422 and STALE in text(response)
    db.session.expire_all()
    assert convention.title == "Titre corrigé" and schedule(convention) == FIVE_YEARS


def test_a_drafts_partner_changed_on_its_form_is_kept(client):
    """The draft's form offers the partner, but the edit passed every term but it to the service: « Le brouillon est
    enregistré » while the partner stayed the old one."""
    convention, finance = five_year_convention(signed=False)
    other = make_organisation(name="Agence nationale de la cohésion des territoires", acronym="ANCT")
    login(client, finance)
    csm = convention.partner_id
    values = filled(client.get(f"/conventions/{convention.id}/edit").get_data(as_text=True))
    values.update(partner_id=other.id, startup_ids=[s.id for s in convention.startups])
    response = client.post(f"/conventions/{convention.id}/edit", data=values)
    assert response.status_code == 303, text(response)
    db.session.expire_all()
    assert convention.partner_id == other.id
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "convention.updated")).one()
    assert event.before == {"partner_id": csm} and event.after == {"partner_id": other.id}
    # The partner's budget contact is one of its people: named, they are changed first.
    convention.budget_contact_id = make_person("Bruno Budget", organisation_id=other.id).id
    values = filled(client.get(f"/conventions/{convention.id}/edit").get_data(as_text=True))
    values.update(partner_id=csm, startup_ids=[s.id for s in convention.startups])
    response = client.post(f"/conventions/{convention.id}/edit", data=values)
    assert response.status_code == 422
    assert "Le contact budgétaire, Bruno Budget, n'est pas de CSM : changez-le d'abord" in text(response)
    db.session.expire_all()
    assert convention.partner_id == other.id


def test_a_drafts_reference_taken_by_another_convention_is_refused_at_its_field(client):
    """create_convention refused a reference already taken, but the draft's edit did not check it: the unique key
    refused it at the flush, answered « Modification concurrente » (409) as if someone else had changed the draft."""
    convention, finance = five_year_convention(signed=False)
    services.create_convention(actor=finance, partner=convention.partner, startups=convention.startups,
                               years={2024: (1_000 * EUR, 1_000 * EUR)}, title="Autre", reference="CSM-2024-01",
                               ends_on=dt.date(2024, 12, 31), today=TODAY)
    login(client, finance)
    values = filled(client.get(f"/conventions/{convention.id}/edit").get_data(as_text=True))
    values.update(reference="CSM-2024-01", startup_ids=[s.id for s in convention.startups])
    response = client.post(f"/conventions/{convention.id}/edit", data=values)
    assert response.status_code == 422
    assert "Une convention porte déjà la référence « CSM-2024-01 »." in text(response)
    db.session.expire_all()
    assert convention.reference is None


def test_a_follow_up_saved_from_a_page_loaded_before_another_save_is_refused(client):
    """The follow-up form sends every value back: saved from a page loaded before someone else's save, it cleared
    what they had just recorded (the copy to the CBCM), silently."""
    convention, finance = five_year_convention(signed=True)
    login(client, finance)
    url = f"/conventions/{convention.id}/follow-up"
    first, second = (filled(client.get(url).get_data(as_text=True)) for _ in range(2))
    first.update(cbcm_partner_sent_on="2024-01-20")
    assert client.post(url, data=first).status_code == 303
    second.update(datagouv_url="https://www.data.gouv.fr/fr/datasets/x/", datagouv_published_on="2024-02-01")
    response = client.post(url, data=second)
    assert response.status_code == 422 and STALE in text(response)
    db.session.expire_all()
    assert convention.cbcm_partner_sent_on == dt.date(2024, 1, 20) and convention.datagouv_url is None
    again = filled(client.get(url).get_data(as_text=True))
    again.update(datagouv_url="https://www.data.gouv.fr/fr/datasets/x/", datagouv_published_on="2024-02-01")
    assert client.post(url, data=again).status_code == 303
    db.session.expire_all()
    assert convention.cbcm_partner_sent_on == dt.date(2024, 1, 20) and convention.datagouv_url is not None
