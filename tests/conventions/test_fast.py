"""FAST, DINUM's acceleration fund, as a funder: grants per startup and year within the fund's ceiling per
project, audited, recorded by admins and DINUM finance, shown per year on the Financement page, the public
budget page and in the API."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from audit.models import AuditEvent
from conventions import services
from conventions import fast_fund
from conventions.models import FastGrant
from conventions.values import ConventionError
from core.db import db
from tests.api.test_openapi import matches
from tests.api.test_startups import get_json
from tests.conventions.builders import EUR, TODAY, seed_convention
from tests.conventions.test_pages import text
from tests.factories import login, make_membership, make_person, make_startup


def grant(startup, year, ae, cp=0, *, reference=None, decided_on=dt.date(2024, 3, 1)):
    return fast_fund.record_fast_grant(startup, year=year, ae_cents=ae, cp_cents=cp, decided_on=decided_on,
                                      reference=reference or f"FAST-{year}-{ae}", actor=None, today=TODAY)


def grants():
    return db.session.scalar(sa.select(sa.func.count()).select_from(FastGrant))


@pytest.mark.parametrize(("year", "cap", "granted"), [(2024, 300_000, "299 900"), (2025, 200_000, "199 900"),
                                                      (2026, 200_000, "199 900")])
def test_fast_may_reach_its_ceiling_per_project_and_year_and_not_one_cent_more(app, year, cap, granted):
    startup = make_startup(name="Fondation")
    grant(startup, year, cap * EUR - 100 * EUR)
    with pytest.raises(ConventionError) as refused:
        grant(startup, year, 100 * EUR + 1)
    assert refused.value.message.replace("\u202f", " ").replace("\u00a0", " ") == (
        f"FAST {year} : accordé {granted} € + 100,01 € > {cap // 1000} 000 €, plafond par projet en {year}.")
    assert grants() == 1
    grant(startup, year, 100 * EUR)
    assert grants() == 2


def test_fast_cp_never_exceed_the_ae_granted_and_bad_values_are_refused(app):
    startup = make_startup(name="Fondation")
    grant(startup, 2024, 100_000 * EUR, 100_000 * EUR)
    with pytest.raises(ConventionError, match="CP .* > .* d'AE accordées"):
        grant(startup, 2025, 0, 1)
    for values, message in (({"year": 1999}, "entre 2000 et 2100"), ({"ae_cents": -1}, "négatifs"),
                            ({"ae_cents": 0, "cp_cents": 0}, "Indiquez un montant"),
                            ({"reference": ""}, "La référence de la décision est obligatoire"),
                            ({"decided_on": dt.date(2024, 11, 28)}, "dans le futur"),
                            ({"reference": "FAST-2024-10000000"}, "porte déjà la référence")):
        arguments = {"year": 2025, "ae_cents": 1_000 * EUR, "cp_cents": 0, "decided_on": dt.date(2024, 3, 1),
                     "reference": "FAST-X"} | values
        with pytest.raises(ConventionError, match=message) as refused:
            fast_fund.record_fast_grant(startup, **arguments, actor=None, today=TODAY)
        if "year" in values or "reference" in values:  # said at that field of the form too (conventions.views.refused)
            assert refused.value.field == next(iter(values)), message
    assert grants() == 1


def test_fast_grants_are_audited_with_what_a_correction_changed(app):
    startup = make_startup(name="Fondation")
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    item = fast_fund.record_fast_grant(startup, year=2024, ae_cents=50_000 * EUR, cp_cents=0, decided_on=dt.date(2024, 3, 1),
                                      reference="FAST-1", actor=finance, today=TODAY)
    fast_fund.update_fast_grant(item, ae_cents=60_000 * EUR, actor=finance, today=TODAY)
    with pytest.raises(ConventionError, match="plafond"):
        fast_fund.update_fast_grant(item, ae_cents=300_000 * EUR + 1, actor=finance, today=TODAY)
    db.session.expire_all()
    assert item.ae_cents == 60_000 * EUR
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "fast_grant").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["fast.granted", "fast.updated"]
    assert events[1].before == {"ae_cents": 50_000 * EUR} and events[1].after == {"ae_cents": 60_000 * EUR}


@pytest.mark.usefixtures("fixed_today")
def test_finance_records_fast_and_every_page_shows_it_per_year(client):
    convention, startup, finance = seed_convention()
    coach = make_person("Coralie Coach")
    make_membership(coach, startup, "coach")
    url = f"/conventions/startup/{startup.id}/fast/new"
    login(client, coach)
    assert client.get(url).status_code == 403
    assert "Enregistrer un financement FAST" not in text(client.get(f"/conventions/startup/{startup.id}"))
    login(client, finance)
    form = {"year": "2024", "ae": "150 000", "cp": "100 000", "decided_on": "2024-02-15", "reference": "FAST-13"}
    refused = client.post(url, data=form | {"ae": "300 000,01"})
    assert refused.status_code == 422 and "plafond par projet en 2024" in text(refused)
    assert client.post(url, data=form | {"year": "20x4"}).status_code == 422
    assert client.post(url, data=form).status_code == 303
    item = db.session.scalars(sa.select(FastGrant)).one()
    page = text(client.get(f"/conventions/startup/{startup.id}"))
    assert "2024 FAST (DINUM) 150 000 € 100 000 €" in page
    assert "2024 Conseil supérieur de la magistrature" in page and "FAST-13 du 15 février 2024" in page
    edit = f"/conventions/fast/{item.id}/edit"
    assert 'value="150000"' in client.get(edit).get_data(as_text=True)
    assert client.post(edit, data=form | {"cp": "120 000"}).status_code == 303
    db.session.expire_all()
    assert item.cp_cents == 120_000 * EUR
    public = text(client.get(f"/conventions/budget/{startup.id}"))
    assert "2024 FAST (DINUM) 150 000 € 120 000 €" in public


def test_the_api_lists_fast_as_a_funder_of_the_startup(client):
    convention, startup, finance = seed_convention()
    services.update_follow_up(convention, actor=finance, datagouv_url="https://www.data.gouv.fr/fr/datasets/x/",
                              datagouv_published_on=dt.date(2024, 2, 1))
    grant(startup, 2024, 150_000 * EUR, 100_000 * EUR)
    spec = get_json(client, "/api/v1/openapi.json")
    body = get_json(client, f"/api/v1/startups/{startup.id}")
    matches(spec, "Startup", body)
    assert [f["funder"] for f in body["funding"]] == ["convention", "fast"]
    fast = body["funding"][1]
    assert fast["convention"] is None and fast["years"] == [{
        "year": 2024, "ae_planned_cents": 15_000_000, "ae_released_cents": 15_000_000, "engaged_cents": 0,
        "cp_planned_cents": 10_000_000, "cp_released_cents": 10_000_000, "paid_cents": 0}]


def test_a_correction_from_a_page_loaded_before_another_correction_is_refused(client):
    """The correction's form sends every value back: sent from a page loaded before someone else's correction, it
    undid theirs silently (the CP corrected to 120 000 € put back to 100 000 €)."""
    startup = make_startup(name="Fondation")
    item = grant(startup, 2024, 150_000 * EUR, 100_000 * EUR, reference="FAST-13")
    login(client, make_person("Fanny Finance", is_dinum_finance=True))
    edit = f"/conventions/fast/{item.id}/edit"
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', client.get(edit).get_data(as_text=True))
    form = {"year": "2024", "ae": "150 000", "cp": "100 000", "decided_on": "2024-03-01", "reference": "FAST-13",
            "version": version.group(1)}
    assert client.post(edit, data=form | {"cp": "120 000"}).status_code == 303
    response = client.post(edit, data=form | {"note": "Décision signée"})
    assert response.status_code == 422 and "a été corrigé entre-temps par quelqu'un d'autre" in text(response)
    db.session.expire_all()
    assert item.cp_cents == 120_000 * EUR and item.note is None
