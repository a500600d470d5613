"""Bad input to the money, by class: a French refusal naming the value, never a 500, nothing saved; through
the pages, the services and the CSV import alike."""

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from conventions import importer, services
from conventions.models import Convention, FastGrant
from conventions.services import ConventionError
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
        services.parse_cents(amount)
    with pytest.raises(ConventionError, match="mal formée"):
        services.check_chorus({"chorus_uo": "٠٣٣٥-CCSM-C001"})


def test_an_import_line_with_a_year_in_other_digits_is_rejected_alone(app, tmp_path):
    world()
    path = tmp_path / "conventions.csv"
    path.write_text(HEADER + convention_line() + line(type="annee", reference="CSM-2024", annee="2024", ae="42000",
                                                      cp="42000")
                    + line(type="annee", reference="CSM-2024", annee="²", ae="1000", cp="1000"), encoding="utf-8")
    report = importer.import_file(path, today=TODAY)
    assert dict(report.rejected) == {4: "l'année « ² » n'est pas une année."}
    assert report.created["convention"] == 1
