"""Bad input to the money, by class: a French refusal naming the value, never a 500, nothing saved; through
the pages, the services and the CSV import alike."""

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from conventions import importer, services, values
from conventions.models import Convention, FastGrant
from conventions.values import ConventionError
from core.db import db
from tests.conventions.builders import TODAY, seed_convention
from tests.conventions.test_import import HEADER, convention_line, line, world
from tests.factories import login, make_organisation, make_person, make_startup

pytestmark = pytest.mark.usefixtures("fixed_today")

# Unicode digits: str.isdigit() takes them all, int() refuses the superscripts and reads the others.
NOT_ASCII_DIGITS = ("²", "2⁰²⁴", "٢٠٢٤", "２０２４")


def text(response) -> str:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", plain.replace("\u202f", " ").replace("\u00a0", " "))


def draft(partner, startup, **values):
    return {"kind": "delegation", "title": "Délégation CSM", "partner_id": partner.id, "startup_ids": [startup.id],
            "phase": "", "tax_basis": "ht", "end_bound": "engagement_paiement", "ends_on": "2024-12-31",
            "year_1": "2024", "ae_1": "42 000", "cp_1": "42 000", **values}


@pytest.mark.parametrize("digits", NOT_ASCII_DIGITS)
def test_a_year_in_other_digits_is_refused_in_french_never_a_500(client, digits):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    partner, startup = make_organisation(name="CSM"), make_startup(name="Fondation")
    login(client, finance)
    assert client.get("/conventions/", query_string={"year": digits}).status_code == 200
    response = client.post("/conventions/new", data=draft(partner, startup, year_1=digits))
    assert response.status_code == 422
    assert "L'année doit être comprise entre 2000 et 2100." in text(response)
    response = client.post(f"/conventions/startup/{startup.id}/fast/new", data={
        "year": digits, "ae": "1000", "cp": "1000", "decided_on": "2024-03-01", "reference": "FAST-1"})
    assert response.status_code == 422
    assert "L'année doit être comprise entre 2000 et 2100." in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Convention)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FastGrant)) == 0


@pytest.mark.parametrize("digits", NOT_ASCII_DIGITS)
def test_a_release_for_a_year_in_other_digits_is_refused(client, digits):
    convention, _, actor = seed_convention(released_ae=0, released_cp=0)
    login(client, actor)
    response = client.post(f"/conventions/{convention.id}/release", data={
        "year": digits, "released_on": "2024-02-01", "ae": "1000", "cp": "1000"})
    assert response.status_code == 422 and "Choisissez une année de l'échéancier." in text(response)
    assert convention.releases == []


@pytest.mark.parametrize("amount", ["٤٢٠٠٠", "４２０００", "42²"])
def test_an_amount_or_a_chorus_code_in_other_digits_is_refused(amount):
    with pytest.raises(ConventionError, match="n'est pas un montant en euros"):
        values.parse_cents(amount)
    with pytest.raises(ConventionError, match="mal formée"):
        values.check_chorus({"chorus_uo": "٠٣٣٥-CCSM-C001"})


def test_an_import_line_with_a_year_in_other_digits_is_rejected_alone(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line() + line(type="annee", reference="CSM-2024", annee="2024", ae="42000",
                                                      cp="42000")
                    + line(type="annee", reference="CSM-2024", annee="²", ae="1000", cp="1000"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    [(number, reason)] = report.rejected
    assert number == 4 and reason.startswith("l'année « ² » n'est pas une année. La convention CSM-2024 est importée "
                                             "sans cette ligne")
    assert report.created["convention"] == 1


@pytest.mark.parametrize("ends_on", ["0001-03-01", "1900-01-01", "9999-12-31", "2035-01-01"])
def test_a_convention_dated_out_of_any_plausible_term_is_refused_with_the_bounds(client, ends_on):
    finance = make_person("Fanny Finance", is_dinum_finance=True)
    partner, startup = make_organisation(name="CSM"), make_startup(name="Fondation")
    login(client, finance)
    response = client.post("/conventions/new", data=draft(partner, startup, ends_on=ends_on, year_1="", ae_1="", cp_1=""))
    assert response.status_code == 422
    assert "« Date de fin » : la date doit être comprise entre le 1er janvier 2013 et le 27 novembre 2034." in text(response)
    response = client.post("/conventions/new", data=draft(partner, startup, starts_on=ends_on))
    assert response.status_code == 422 and "« Prise d'effet » : la date doit être comprise" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Convention)) == 0


def test_a_release_signature_or_follow_up_out_of_the_term_is_refused(client):
    convention, _, actor = seed_convention(released_ae=0, released_cp=0)
    login(client, actor)
    response = client.post(f"/conventions/{convention.id}/release", data={
        "year": "2024", "released_on": "1900-01-01", "ae": "1000", "cp": "1000"})
    assert response.status_code == 422
    assert "La mise à disposition (1er janvier 1900) précède la signature de la convention (16 janvier 2024)." in text(response)
    response = client.post(f"/conventions/{convention.id}/follow-up", data={"cbcm_partner_sent_on": "1900-01-01"})
    assert response.status_code == 422
    assert "« Copie envoyée au CBCM du partenaire le » : la date doit être comprise" in text(response)
    assert convention.releases == [] and convention.cbcm_partner_sent_on is None
    draft_ = services.create_convention(actor=actor, partner=convention.partner, startups=convention.startups,
                                        years={}, title="Brouillon", ends_on=dt.date(2024, 12, 31), today=TODAY)
    response = client.post(f"/conventions/{draft_.id}/sign", data={
        "party": "partenaire", "signatory": "S", "signatory_title": "Ordonnateur", "signed_on": "1900-01-01"})
    assert response.status_code == 422 and "« Date de signature » : la date doit être comprise" in text(response)


def test_the_report_of_a_convention_stored_with_a_year_1_end_is_shown(client):
    """Stored before the dates were bounded: its report is shown, not a 500."""
    convention, _, actor = seed_convention()
    db.session.execute(sa.update(Convention).where(Convention.id == convention.id)
                       .values(ends_on=dt.date(1, 3, 1), starts_on=dt.date(1, 1, 1)))
    db.session.expire_all()
    login(client, actor)
    assert client.get(f"/conventions/{convention.id}/report").status_code == 200


def test_an_import_line_with_an_end_out_of_the_term_is_rejected(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line().replace("2024-12-31", "9999-12-31"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    assert dict(report.rejected) == {
        2: "« Date de fin » : la date doit être comprise entre le 1er janvier 2013 et le 27 novembre 2034."}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Convention)) == 0
