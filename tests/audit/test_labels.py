"""The audit pages read in French: every action by its label, every field by its label, values by their
French form (enums, dates, Paris times, money, people), internal fields left out; the log keeps the values
as they were recorded."""

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from audit import labels
from audit.models import AuditEvent
from audit.services import record
from committees import decisions, services
from committees.models import Attendance, CommitteeStatus
from core.db import db
from tests.committees.lifecycle import NOW, cast, decided
from tests.factories import d, login

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("users", "audit", "startups", "indicators", "committees", "conventions", "grids", "presentations", "portfolio", "api")
RECORDED = re.compile(r"""(?:\brecord|\b_?audit|\baction=)\(?\s*["']([a-z_]+\.[a-z_]+)["']""")
# The actions written through a formatted name (startups.organisations.set_archived, committees' calendar tokens).
FORMATTED = ("organisation.archived", "organisation.restored", "incubator.archived", "incubator.restored",
             "calendar_token.created", "calendar_token.regenerated", "startup.phase_corrected",
             "committee.decision_revised", "committee.action_reopened",
             # users.services.record_about_person (the users area writes its events itself)
             "person.anonymised", "person.dinum_finance_granted", "person.dinum_finance_removed")


def recorded_actions() -> set[str]:
    found = set(FORMATTED)
    for area in AREAS:
        for path in (ROOT / area).glob("*.py"):
            source = path.read_text(encoding="utf-8")
            found.update(RECORDED.findall(source))
            # Conditional names: record("a.b" if x else "a.c", …)
            found.update(re.findall(r"""(?:record|_?audit)\(\s*["'][a-z_]+\.[a-z_]+["']\s+if .+? else\s+["']([a-z_]+\.[a-z_]+)["']""",
                                    source))
    return found


def test_every_action_the_code_records_has_a_french_label(app):
    actions = recorded_actions()
    assert {"committee.planned", "startup.phase_changed", "grid.submitted", "person.anonymised",
            "presentation.frozen", "indicator.values"} <= actions  # the scan finds them
    missing = sorted(a for a in actions if a not in labels.action_labels())
    assert not missing


def test_an_unknown_action_never_shows_its_code(app):
    assert labels.action_label("quelque.chose") == "Modification"


def history_text(client, startup_id: str) -> str:
    page = client.get(f"/audit/startups/{startup_id}")
    assert page.status_code == 200
    table = page.get_data(as_text=True).split("<table", 1)[1].split("</table>", 1)[0]
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", table)))


RAW_CODE = ("scheduled_at", "duration_minutes", "video_link", "chair_id", "ical_sequence", "next_phase",
            "envelope_eur", "success_criteria", "next_committee_on", "sign_off", "committee_id", "person_id",
            "'role'", "planifie", "decide", "phase_suivante", "poursuite", "en_attente", " valide ")


def test_a_committees_history_reads_in_french(client):
    c = cast(name="Registre")
    committee = decided(c)
    services.record_attendance(committee, {p.id: Attendance.PRESENT for p in committee.participants}, "Bon comité",
                               actor=c.coach, now=NOW)
    db.session.commit()
    login(client, c.admin)
    text = history_text(client, c.startup.id)
    for raw in RAW_CODE:
        assert raw not in text, raw
    assert "{" not in text  # no Python data
    assert "Comité planifié" in text and "Décision du comité" in text
    assert "Type de comité : Comité semestriel" in text
    assert "Date et heure : 10 novembre 2026 à 14 h 00" in text
    assert "Durée : 50 minutes" in text
    assert "Présidence de séance : Rémi Représentant" in text
    assert "Inès Intra (Intrapreneur·e)" in text and "Sophie Sponsor (Sponsor)" in text
    assert "Inès Intra (Intrapreneur·e, présent·e)" in text  # the attendance, once recorded
    assert "Statut : Planifié" in text
    assert "Statut : Planifié → Tenu, décision à saisir" in text and "Tenu le : 10 novembre 2026" in text
    assert "Statut : Décidé, en attente de validation" in text
    assert "Phase suivante" not in text and "Conditions" not in text  # empty when recorded: not shown
    assert "Décision : Poursuite au même budget ou supérieur" in text
    assert "Enveloppe de la prochaine période : 300\u202f000\u00a0€" in text
    assert "Taille de l'équipe : 5 personnes" in text
    assert "Prochain comité : 10 mai 2027" in text
    assert "Validation du sponsor : En attente du sponsor" in text
    assert "Participant ajouté au comité" in text and "Personne : Paula Portefeuille" in text


def test_the_values_of_the_indicators_read_in_french_with_what_they_were(client):
    from indicators import services as indicators
    from indicators.models import Category, Indicator

    c = cast(name="Registre")
    indicator = Indicator(startup=c.startup, name="Usagers", category=Category.NORTH_STAR)
    db.session.add(indicator)
    db.session.flush()
    indicators.enter_values(c.startup, {(indicator.id, dt.date(2026, 9, 1)): "1234,5"}, today=dt.date(2026, 11, 27),
                            actor=c.intrapreneur)
    indicators.enter_values(c.startup, {(indicator.id, dt.date(2026, 9, 1)): ""}, today=dt.date(2026, 11, 27),
                            actor=c.intrapreneur)
    db.session.commit()
    login(client, c.admin)
    text = history_text(client, c.startup.id)
    assert "Avant : Usagers, septembre 2026 : aucune valeur Après : Usagers, septembre 2026 : 1\u202f234,5" in text
    assert "Avant : Usagers, septembre 2026 : 1\u202f234,5 Après : Usagers, septembre 2026 : aucune valeur" in text


def test_a_signed_off_decision_and_a_phase_change_read_in_french(client):
    c = cast(name="Registre")
    committee = decided(c)
    decisions.sign_off(committee, actor=c.sponsor, now=NOW)
    db.session.commit()
    assert committee.status == CommitteeStatus.SIGNED_OFF
    login(client, c.admin)
    text = history_text(client, c.startup.id)
    assert "Décision validée par le sponsor" in text
    assert "Validation du sponsor : En attente du sponsor → Validée par le sponsor" not in text  # not recorded so
    assert "Statut : Décidé, en attente de validation → Décision validée" in text
    assert "Décision : Poursuite au même budget ou supérieur" in text


def test_a_phase_change_names_the_phase_left_and_the_phase_entered_with_their_dates(client, app):
    c = cast(phases=(("investigation", d("2023-01-09")), ("construction", d("2023-04-03"))), name="Registre")
    record("startup.phase_changed", "startup", c.startup.id, actor=c.coach, startup_id=c.startup.id,
           before={"phase": "construction", "start_on": "2023-04-03"},
           after={"phase": "acceleration", "start_on": "2026-11-20", "period_id": 1132,
                  "previous_period_end_on": "2026-11-20"}, reason="Comité")
    db.session.commit()
    login(client, c.admin)
    text = history_text(client, c.startup.id)
    assert "Phase : Construction (depuis le 3 avril 2023) → Accélération (à partir du 20 novembre 2026)" in text
    assert "1132" not in text and "Période" not in text and "Début :" not in text


def test_values_read_in_french_and_internal_fields_are_left_out(app):
    people = {7: "Camille Coach"}
    rows = labels.change_rows("committee.rescheduled", "committee",
                              {"scheduled_at": "2026-11-10T13:00:00+00:00", "chair_id": None, "ical_sequence": 1},
                              {"scheduled_at": "2026-07-10T08:30:00+00:00", "chair_id": 7, "ical_sequence": 2},
                              people)
    assert rows == [("Date et heure", "10 novembre 2026 à 14 h 00", "10 juillet 2026 à 10 h 30"),
                    ("Présidence de séance", "—", "Camille Coach")]
    # An enum value the code no longer knows shows as recorded rather than failing.
    assert labels.change_rows("committee.held", "committee", {}, {"status": "inconnu"}, {}) == [
        ("Statut", "", "inconnu")]
    # Ids nobody registered are internal.
    assert labels.change_rows("x.y", "thing", {}, {"thing_id": 3, "other_ids": [1]}, {}) == []
    assert labels.person_ids("committee.planned", "committee", {
        "chair_id": 7, "participants": [{"person_id": 8, "role": "coach", "attendance": None}]}) == {7, 8}


def test_the_log_keeps_the_recorded_values(client):
    c = cast(name="Registre")
    committee = decided(c)
    db.session.commit()
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "committee.decided")).one()
    assert event.after["kind"] == "poursuite" and event.after["envelope_eur"] == 300_000
    assert committee.decision.next_committee_on == dt.date(2027, 5, 10)


def test_numbers_recorded_as_decimal_strings_read_the_french_way(app):
    rows = labels.change_rows("indicator.objective", "indicator", {},
                              {"target_value": "12500.50", "target_on": "2027-05-01", "committee_id": 4}, {})
    assert rows == [("Objectif", "", "12\u202f500,5"), ("Échéance de l'objectif", "", "1er mai 2027")]
    assert labels.NUMBER("-0.25", {}) == "-0,25" and labels.NUMBER("n/a", {}) == "n/a"
