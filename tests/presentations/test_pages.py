"""Presentation and pack pages through the test client: editing, review, freezing, uploads and
downloads, the pack as page and PDF, and who may do what."""

import datetime as dt
import html as html_module
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from committees import services as committee_services
from committees.models import ActionItem, CommitteeKind, Decision, DecisionKind
from core.db import db
from presentations import services
from presentations.models import Attachment, PresentationStatus
from tests.factories import login
from tests.presentations.conftest import NOW, PDF, complete


def _attachments() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))


def _text(response) -> str:
    return re.sub(r"\s+", " ", html_module.unescape(response.get_data(as_text=True)))


def test_the_team_prepares_fills_and_submits_the_presentation(client, world):
    login(client, world.people.intrapreneur)
    page = client.get(f"/presentations/committee/{world.committee.id}")
    assert page.status_code == 200 and "Préparer la présentation" in _text(page)

    prepared = client.post(f"/presentations/committee/{world.committee.id}/prepare")
    assert prepared.status_code == 303 and prepared.headers["Location"].endswith("/edit")
    presentation = services.presentation_of(world.committee)
    form = client.get(f"/presentations/committee/{world.committee.id}/edit")
    assert form.status_code == 200
    text = _text(form)
    assert "Objectif fixé au comité précédent : 2 000 au 1er décembre 2026" in text
    assert "valeur atteinte : 2 100 (novembre 2026)" in text

    users = next(line for line in presentation.lines if line.indicator_id == world.users.id)
    data = {
        "version": presentation.version, "done_and_learned": "Déployé dans 3 départements", "team_size": "4",
        "envelope_eur": "320 000", "hypotheses": "Les agents adoptent l'outil",
        "success_criteria": "4 000 utilisateurs actifs", f"ligne_{users.id}_valeur": "4 000",
        f"ligne_{users.id}_date": "2027-06-01", "norme_accessibilite_aujourdhui": "Audit RGAA à 70 %",
    }
    saved = client.post(f"/presentations/committee/{world.committee.id}/edit", data=data)
    assert saved.status_code == 303
    assert presentation.envelope_eur == 320000 and str(users.new_objective_value) in ("4000", "4000.0000")

    # Each indicator shown needs its objective at six months (issue 12): the delay's is missing.
    refused = client.post(f"/presentations/committee/{world.committee.id}/submit",
                          data={"version": presentation.version})
    assert refused.status_code == 422
    assert f"l'objectif à 6 mois de « {world.delay.name} »" in _text(refused)
    assert presentation.status is not PresentationStatus.SUBMITTED
    delay = next(line for line in presentation.lines if line.indicator_id == world.delay.id)
    data.update({"version": presentation.version, f"ligne_{delay.id}_valeur": "3", f"ligne_{delay.id}_date": "2027-06-01"})
    assert client.post(f"/presentations/committee/{world.committee.id}/edit", data=data).status_code == 303

    submitted = client.post(f"/presentations/committee/{world.committee.id}/submit",
                            data={"version": presentation.version})
    assert submitted.status_code == 303
    assert presentation.status is PresentationStatus.SUBMITTED
    shown = _text(client.get(f"/presentations/committee/{world.committee.id}"))
    assert "Soumise, en attente de relecture" in shown and "320 000" in shown
    assert "Modifier la présentation" not in shown


def test_a_wrong_field_keeps_what_was_typed_and_saves_nothing(client, world, presentation):
    login(client, world.people.member)
    users = next(line for line in presentation.lines if line.indicator_id == world.users.id)
    response = client.post(f"/presentations/committee/{world.committee.id}/edit", data={
        "version": presentation.version, "done_and_learned": "Texte tapé", f"ligne_{users.id}_valeur": "beaucoup",
    })
    assert response.status_code == 422
    text = _text(response)
    assert "« beaucoup » n'est pas un nombre." in text and "Texte tapé" in text
    response = client.post(f"/presentations/committee/{world.committee.id}/edit", data={
        "version": presentation.version, "done_and_learned": "Texte tapé", f"ligne_{users.id}_valeur": "12",
    })
    assert response.status_code == 422
    assert "à la fois la valeur et la date" in _text(response)
    db.session.expire_all()
    assert services.presentation_of(world.committee).done_and_learned is None


def test_the_coach_asks_for_changes_with_a_comment_then_accepts(client, world, presentation):
    complete(presentation, world.people.intrapreneur)
    services.submit(presentation, actor=world.people.intrapreneur, now=NOW)
    db.session.commit()
    login(client, world.people.coach)
    page = _text(client.get(f"/presentations/committee/{world.committee.id}"))
    assert "Accepter la présentation" in page and "Demander des modifications" in page

    refused = client.post(f"/presentations/committee/{world.committee.id}/request-changes",
                          data={"version": presentation.version, "comment": ""})
    assert refused.status_code == 422
    assert "le commentaire est obligatoire" in _text(refused)
    asked = client.post(f"/presentations/committee/{world.committee.id}/request-changes",
                        data={"version": presentation.version, "comment": "Chiffrez les critères de réussite"})
    assert asked.status_code == 303
    assert presentation.status is PresentationStatus.CHANGES_REQUESTED

    login(client, world.people.intrapreneur)
    team_page = _text(client.get(f"/presentations/committee/{world.committee.id}"))
    assert "Modifications demandées par le coach" in team_page and "Chiffrez les critères de réussite" in team_page
    client.post(f"/presentations/committee/{world.committee.id}/submit", data={"version": presentation.version})
    login(client, world.people.coach)
    accepted = client.post(f"/presentations/committee/{world.committee.id}/accept", data={"version": presentation.version})
    assert accepted.status_code == 303 and presentation.status is PresentationStatus.ACCEPTED


def test_a_frozen_presentation_cannot_be_edited(client, world, presentation):
    complete(presentation, world.people.intrapreneur)
    committee_services.mark_held(world.committee, actor=world.people.coach, today=dt.date(2026, 12, 10))
    db.session.commit()
    login(client, world.people.intrapreneur)
    page = _text(client.get(f"/presentations/committee/{world.committee.id}"))
    assert "Figée : le comité s'est tenu" in page and "Modifier la présentation" not in page
    assert client.get(f"/presentations/committee/{world.committee.id}/edit").status_code == 303
    posted = client.post(f"/presentations/committee/{world.committee.id}/edit",
                         data={"version": presentation.version, "done_and_learned": "Réécrit après coup"})
    assert posted.status_code == 303
    assert presentation.done_and_learned == "Lancement dans 3 départements"
    upload = client.post(f"/presentations/committee/{world.committee.id}/attachments",
                         data={"fichier": (io.BytesIO(PDF), "deck.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 422 and "figée" in _text(upload)
    assert _attachments() == 0


def test_a_cancelled_committees_presentation_is_closed_and_the_next_one_takes_it_up(client, world, presentation):
    complete(presentation, world.people.intrapreneur)
    committee_services.cancel(world.committee, reason="Sponsor indisponible", actor=world.people.coach, now=NOW)
    db.session.commit()
    login(client, world.people.intrapreneur)
    page = _text(client.get(f"/presentations/committee/{world.committee.id}"))
    assert "Close : le comité a été annulé" in page and "Modifier la présentation" not in page
    posted = client.post(f"/presentations/committee/{world.committee.id}/edit",
                         data={"version": presentation.version, "done_and_learned": "Réécrit pour rien"})
    assert posted.status_code == 303
    submitted = client.post(f"/presentations/committee/{world.committee.id}/submit", data={"version": presentation.version})
    assert submitted.status_code in (303, 422)
    upload = client.post(f"/presentations/committee/{world.committee.id}/attachments",
                         data={"fichier": (io.BytesIO(PDF), "deck.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 422 and "annulé" in _text(upload)
    db.session.expire_all()
    assert presentation.done_and_learned == "Lancement dans 3 départements"
    assert presentation.status is PresentationStatus.DRAFT and _attachments() == 0

    # Planned again: its presentation starts from what the team wrote, with the figures of the new date.
    replanned = committee_services.plan_committee(
        world.startup, kind=CommitteeKind.SEMESTRIAL, scheduled_at=dt.datetime(2027, 1, 14, 13, 0, tzinfo=dt.timezone.utc),
        place="Salle 3", video_link=None, chair=None, actor=world.people.coach, now=NOW)
    db.session.commit()
    assert client.post(f"/presentations/committee/{replanned.id}/prepare").status_code == 303
    taken_up = services.presentation_of(replanned)
    assert taken_up.done_and_learned == "Lancement dans 3 départements" and taken_up.envelope_eur == 320000
    assert {line.indicator.name: line.new_objective_value for line in taken_up.lines} == {
        "Utilisateurs actifs": 4000, "Délai de réponse": 3}
    assert {row.code: row.in_six_months for row in taken_up.standards}["accessibilite"] == "Audit RGAA à 90 %"
    assert taken_up.status is PresentationStatus.DRAFT
    history = _text(client.get(f"/audit/startups/{world.startup.id}"))
    assert "Reprend la présentation du comité annulé du" in history


@pytest.mark.parametrize(("content", "message"), [
    (b"", "Le fichier envoyé est vide"),
    (b"PK\x03\x04" + b"\x00" * 2000, "Ce fichier n'est pas un PDF valide"),
    (b"%PDF-1.4\n" + b"\x00" * 2000, "Ce fichier n'est pas un PDF valide"),  # cut short: no %%EOF
    (PDF[:-6] + b" " * (20 * 1024 * 1024) + PDF[-6:], "ne peut pas dépasser 20,0 Mo"),
])
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(client, world, presentation, content, message):
    login(client, world.people.intrapreneur)
    response = client.post(f"/presentations/committee/{world.committee.id}/attachments",
                           data={"fichier": (io.BytesIO(content), "presentation.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in _text(response)
    assert _attachments() == 0


def test_a_request_bigger_than_the_limit_gets_the_french_413_page(client, world, presentation):
    login(client, world.people.intrapreneur)
    response = client.post(f"/presentations/committee/{world.committee.id}/attachments",
                           data={"fichier": (io.BytesIO(b"%PDF-1.4" + b"\x00" * (22 * 1024 * 1024)), "enorme.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Fichier trop volumineux" in _text(response)
    assert _attachments() == 0


def test_a_good_upload_downloads_identical(client, world, presentation):
    login(client, world.people.intrapreneur)
    response = client.post(f"/presentations/committee/{world.committee.id}/attachments",
                           data={"fichier": (io.BytesIO(PDF), "Présentation comité.pdf", "application/octet-stream")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    attachment = presentation.attachments[0]
    assert (attachment.filename, attachment.size, attachment.content_type) == ("Présentation comité.pdf", len(PDF), "application/pdf")
    page = _text(client.get(f"/presentations/committee/{world.committee.id}"))
    assert "Présentation comité.pdf" in page

    login(client, world.people.sponsor)
    download = client.get(f"/presentations/committee/{world.committee.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''Pr%C3%A9sentation%20comit%C3%A9.pdf" in disposition
    assert client.get(f"/presentations/committee/{world.committee.id}/attachments/{attachment.id + 99}").status_code == 404

    login(client, world.people.intrapreneur)
    removed = client.post(f"/presentations/committee/{world.committee.id}/attachments/{attachment.id}/remove")
    assert removed.status_code == 303 and _attachments() == 0


def _previous_decision(world):
    decision = Decision(committee=world.previous, kind=DecisionKind.CONTINUE, envelope_eur=200000, team_size=3,
                        hypotheses="Les agents trouvent les aides", success_criteria="2 000 utilisateurs actifs",
                        next_committee_on=dt.date(2026, 12, 10), decided_at=NOW)
    db.session.add(decision)
    db.session.add(ActionItem(committee=world.previous, title="Mesurer la satisfaction des usagers"))
    db.session.flush()


def test_the_pack_page(client, world, presentation):
    _previous_decision(world)
    complete(presentation, world.people.intrapreneur)
    login(client, world.people.manager)  # a participant without a role in the startup
    response = client.get(f"/presentations/committee/{world.committee.id}/pack")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(response)
    assert "<h1>Dossier du comité d&#39;Aides Locales</h1>" in html
    assert "Trouver les aides locales" in text and "Lancement du produit" in text and "Construction" in text
    assert "Poursuite au même budget ou supérieur" in text and "200 000" in text
    assert "Mesurer la satisfaction des usagers" in text
    assert "2 000 utilisateurs au 1er décembre 2026" in text and "2 100 utilisateurs (novembre 2026)" in text
    assert "<line-chart" in html and f'data-indicateur="{world.users.id}"' in html
    assert "DSFRChart.js" in html
    assert "Les résultats des grilles figurent au dossier une fois le comité tenu." in text
    assert "https://aides-locales.beta.gouv.fr/stats" in text and "Inscrite sur MonServiceSécurisé" in text
    assert "Bouton « Je donne mon avis »" in text


def test_the_pack_says_whether_the_previous_decision_was_signed_off_or_contested(client, world, presentation):
    """A contested decision (its committee held again, awaiting the revised one) is not the previous committee's
    decision: the pack, page and PDF, says where the sponsor's review stands."""
    from committees.models import SignOff

    _previous_decision(world)
    world.previous.decision.sign_off = SignOff.CONTESTED
    db.session.commit()
    login(client, world.people.sponsor)
    assert ('Validation du sponsor</dt><dd>Contestée par le sponsor</dd>'
            in _text(client.get(f"/presentations/committee/{world.committee.id}/pack")))
    reader = PdfReader(io.BytesIO(client.get(f"/presentations/committee/{world.committee.id}/pack.pdf").data))
    assert "Contestée par le sponsor" in re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_pack_shows_the_grids_results_once_held(client, world, presentation):
    from grids.versions import seed_official_grids
    from indicators.queries import official_grids

    seed_official_grids(official_grids(), now=NOW)
    committee_services.mark_held(world.committee, actor=world.people.coach, today=dt.date(2026, 12, 10))
    login(client, world.people.coach)
    text = _text(client.get(f"/presentations/committee/{world.committee.id}/pack"))
    assert "une fois le comité tenu" not in text
    assert "Aucune grille soumise." in text
    # A team member who is not a participant reads the pack, not the grids' results (grid.results).
    login(client, world.people.member)
    text = _text(client.get(f"/presentations/committee/{world.committee.id}/pack"))
    assert "Aucune grille soumise." not in text
    assert "Les résultats des grilles sont réservés aux participants du comité" in text


def test_the_pack_pdf_is_produced_and_readable(client, world, presentation):
    _previous_decision(world)
    complete(presentation, world.people.intrapreneur)
    login(client, world.people.sponsor)
    response = client.get(f"/presentations/committee/{world.committee.id}/pack.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert "Aides Locales" in text
    assert "Utilisateurs actifs" in text and "Poursuite" in text
    fonts = {str(font.get("/BaseFont", "")) for page in reader.pages
             for font in page["/Resources"]["/Font"].values() if hasattr(font, "get")} if reader.pages else set()
    assert any("Marianne" in name for name in fonts)


def test_the_reminder_link_leads_to_the_pack(client, world):
    login(client, world.people.sponsor)
    response = client.get(f"/committees/{world.committee.id}/pack")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/presentations/committee/{world.committee.id}/pack")


def test_who_may_do_what(client, world, presentation):
    base = f"/presentations/committee/{world.committee.id}"
    people = world.people
    # Another startup's member sees nothing.
    login(client, people.outsider)
    for url in (base, f"{base}/pack", f"{base}/pack.pdf", f"/committees/{world.committee.id}/pack"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{base}/edit", data={}).status_code == 403
    # The sponsor and the coach read, but do not write the team's presentation.
    for person in (people.sponsor, people.coach, people.staff):
        login(client, person)
        assert client.get(base).status_code == 200
        assert client.get(f"{base}/edit").status_code == 403
        assert client.post(f"{base}/submit").status_code == 403
    # The team writes, but does not review its own presentation.
    for person in (people.intrapreneur, people.member):
        login(client, person)
        assert client.get(f"{base}/edit").status_code == 200
        assert client.post(f"{base}/accept").status_code == 403
        assert client.post(f"{base}/request-changes").status_code == 403
    # Incubator staff review.
    complete(presentation, people.intrapreneur)
    services.submit(presentation, actor=people.intrapreneur, now=NOW)
    login(client, people.staff)
    assert client.post(f"{base}/accept", data={"version": presentation.version}).status_code == 303
    # Anonymous visitors are sent to the login page.
    client.get("/users/logout")
    with client.session_transaction() as session:
        session.clear()
    response = client.get(f"{base}/pack")
    assert response.status_code in (302, 303) and "/users/login" in response.headers["Location"]


def test_the_committee_page_links_to_the_presentation_and_the_pack(client, world):
    login(client, world.people.sponsor)
    html = client.get(f"/committees/{world.committee.id}").get_data(as_text=True)
    assert f'href="/presentations/committee/{world.committee.id}"' in html
    assert f'href="/presentations/committee/{world.committee.id}/pack"' in html
    login(client, world.people.outsider)
    assert client.get(f"/committees/{world.committee.id}").status_code == 403


def test_the_pack_of_a_held_committee_says_the_team_brought_no_written_presentation(client, world):
    login(client, world.people.coach)
    before = _text(client.get(f"/presentations/committee/{world.committee.id}/pack"))
    assert "L'équipe n'a pas encore préparé sa présentation." in before
    committee_services.mark_held(world.committee, actor=world.people.coach, today=dt.date(2026, 12, 10))
    db.session.commit()
    after = _text(client.get(f"/presentations/committee/{world.committee.id}/pack"))
    assert "L'équipe n'a pas remis de présentation écrite pour ce comité." in after
    assert "pas encore préparé" not in after
    pdf = PdfReader(io.BytesIO(client.get(f"/presentations/committee/{world.committee.id}/pack.pdf").data))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert "n'a pas remis de présentation écrite pour ce comité" in text.replace("’", "'")


def test_the_edit_form_explains_amounts_and_values_not_yet_computed(client, world):
    from indicators.models import Category, IndicatorKind
    from indicators.services import create_indicator

    create_indicator(world.startup, name="Coût par utilisation", kind=IndicatorKind.COST_PER_USE,
                     category=Category.EFFICIENT)
    services.prefill(world.committee, actor=world.people.intrapreneur, now=NOW)
    db.session.commit()
    login(client, world.people.intrapreneur)
    response = client.get(f"/presentations/committee/{world.committee.id}/edit")
    text = _text(response)
    # An <input type="number"> takes no space: the hint shows what can be typed.
    assert "En euros, sans espace : 240000" in text and "240 000" not in text
    assert "pas encore calculé (budget annuel et utilisateurs actifs nécessaires)" in text
    # A value stays on the same line as its month.
    assert "2\u202f100&nbsp;(novembre 2026)" in response.get_data(as_text=True)


def test_the_pack_of_a_first_committee_in_jalons_names_the_last_committee_of_the_imported_history(client, world, presentation):
    from startups.models import Event, EventKind, Source
    from tests.factories import d

    login(client, world.people.sponsor)
    url = f"/presentations/committee/{world.previous.id}/pack"  # the startup's first committee in Jalons
    assert "aucun passage en comité antérieur n'est connu" in _text(client.get(url))
    world.committee.startup.events.append(Event(
        position=90, kind=EventKind.COMMITTEE, happened_on=d("2025-10-14"), comment="Comité de fin de construction",
        source=Source.BETAGOUV))
    db.session.commit()
    text = _text(client.get(url))
    assert "premier comité" not in text
    assert ("Aucun comité précédent dans Jalons. Dernier passage en comité de l'historique beta.gouv.fr : "
            "le 14 octobre 2025 (Comité de fin de construction).") in text


def test_each_indicators_comment_appears_in_the_pdf_pack_as_in_the_page(client, world, presentation):
    complete(presentation, world.people.intrapreneur)
    users = next(line for line in presentation.lines if line.indicator_id == world.users.id)
    users.comment = "Hausse portée par trois départements pilotes"
    db.session.commit()
    login(client, world.people.sponsor)
    assert users.comment in _text(client.get(f"/presentations/committee/{world.committee.id}/pack"))
    response = client.get(f"/presentations/committee/{world.committee.id}/pack.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert users.comment in text
