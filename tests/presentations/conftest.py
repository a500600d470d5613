"""A startup with its team, a committee held six months ago whose presentation set objectives, monthly
values entered since, and the next committee planned on 10 December 2026 (today is 27 November 2026)."""

import datetime as dt
import types
from decimal import Decimal

import pytest

from committees import services as committee_services
from committees.models import Committee, CommitteeKind, CommitteeStatus, Participant, ParticipantRole
from core.db import db
from indicators.models import Category, Direction
from indicators.services import create_indicator, enter_values
from presentations import services
from presentations.services import LineInput, StandardInput
from tests.factories import make_incubator, make_incubator_staff, make_membership, make_person, make_startup

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TODAY = dt.date(2026, 11, 27)
# A small valid PDF (one empty page), as a PDF writer produces it.
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
       b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
       b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n")


def committee_at(startup, day: dt.date, status=CommitteeStatus.PLANNED, participants=()) -> Committee:
    committee = Committee(startup=startup, kind=CommitteeKind.SEMESTRIAL, status=status,
                          scheduled_at=dt.datetime.combine(day, dt.time(13, 0), UTC))
    for person, role in participants:
        committee.participants.append(Participant(person=person, role=role))
        if role is ParticipantRole.PARTNER_REPRESENTATIVE:
            committee.chair = person  # as the convention says: the partner administration's representative chairs
    db.session.add(committee)
    db.session.flush()
    return committee


@pytest.fixture
def world(session):
    incubator = make_incubator(name="Incubateur des territoires")
    startup = make_startup(name="Aides Locales", incubator_id=incubator.id, mission="Trouver les aides locales",
                           phases=[("investigation", dt.date(2025, 6, 2)), ("construction", dt.date(2025, 12, 1))],
                           events=[("product_launch", dt.date(2026, 3, 2))],
                           repository="https://github.com/betagouv/aides-locales", stats=True,
                           stats_url="https://aides-locales.beta.gouv.fr/stats", risk_analysis_done=True,
                           mon_service_securise=True)
    other = make_startup(name="Autre Service", incubator_id=make_incubator().id)
    people = types.SimpleNamespace(
        intrapreneur=make_person("Inès Intrapreneure"), member=make_person("Marc Membre"),
        coach=make_person("Camille Coach"), sponsor=make_person("Sophie Sponsor"),
        staff=make_person("Hugo Incubateur"), manager=make_person("Maya Portefeuille"),
        representative=make_person("Rémi Représentant"),
        outsider=make_person("Octave Autre"), admin=make_person("Ada Admin", is_admin=True),
    )
    make_membership(people.intrapreneur, startup, "intrapreneur")
    make_membership(people.member, startup, "team_member")
    make_membership(people.coach, startup, "coach")
    make_membership(people.sponsor, startup, "sponsor")
    make_membership(people.outsider, other, "team_member")
    make_incubator_staff(people.staff, incubator)

    users = create_indicator(startup, name="Utilisateurs actifs", unit="utilisateurs", category=Category.NORTH_STAR,
                             direction=Direction.HIGHER, is_north_star=True)
    delay = create_indicator(startup, name="Délai de réponse", unit="jours", category=Category.ACTIVATION,
                             direction=Direction.LOWER)
    participants = [(people.intrapreneur, ParticipantRole.INTRAPRENEUR), (people.sponsor, ParticipantRole.SPONSOR),
                    (people.coach, ParticipantRole.COACH), (people.manager, ParticipantRole.PORTFOLIO_MANAGER),
                    (people.representative, ParticipantRole.PARTNER_REPRESENTATIVE)]

    # Six months ago: the previous committee, its presentation setting objectives, then held.
    june_now = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    enter_values(startup, {(users.id, dt.date(2026, 5, 1)): "800", (delay.id, dt.date(2026, 5, 1)): "12"},
                 today=dt.date(2026, 6, 1), now=june_now)
    previous = committee_at(startup, dt.date(2026, 6, 10), participants=participants)
    before = services.prefill(previous, actor=people.intrapreneur, now=june_now)
    lines = {line.indicator_id: line for line in before.lines}
    services.update(before, fields={"done_and_learned": "Investigation menée", "team_size": 3, "envelope_eur": 200000},
                    lines={lines[users.id].id: LineInput(Decimal("2000"), dt.date(2026, 12, 1)),
                           lines[delay.id].id: LineInput(Decimal("5"), dt.date(2026, 12, 1))},
                    standards={"accessibilite": StandardInput("Aucun audit", "Audit RGAA à 75 %"),
                               "securite": StandardInput("Non homologué", None)},
                    actor=people.intrapreneur, now=june_now)
    committee_services.mark_held(previous, actor=people.coach, today=dt.date(2026, 6, 10))

    # Values entered since.
    enter_values(startup, {(users.id, dt.date(2026, 10, 1)): "1800", (users.id, dt.date(2026, 11, 1)): "2100",
                           (delay.id, dt.date(2026, 11, 1)): "7"}, today=TODAY, now=NOW)
    db.session.expire_all()  # as a new request would (enter_values adds rows, not to the loaded collections)
    committee = committee_at(startup, dt.date(2026, 12, 10), participants=participants)
    # Committed (a savepoint, rolled back with the test): a refused request rolls its own transaction back.
    db.session.commit()
    return types.SimpleNamespace(startup=startup, other=other, people=people, users=users, delay=delay,
                                 previous=previous, committee=committee, incubator=incubator)


@pytest.fixture
def presentation(world):
    """The planned committee's presentation, pre-filled, as a draft."""
    presentation = services.prefill(world.committee, actor=world.people.intrapreneur, now=NOW)
    db.session.commit()
    return presentation


def complete(presentation, actor, now=NOW):
    """Fill what submitting requires, and new objectives for both indicators."""
    services.update(
        presentation,
        fields={"done_and_learned": "Lancement dans 3 départements", "difficulties": "Recrutement",
                "team_size": 4, "team_profile": "2 dev, 1 design, 1 déploiement", "envelope_eur": 320000,
                "hypotheses": "Les agents adoptent l'outil", "success_criteria": "4 000 utilisateurs actifs en juin"},
        lines={line.id: LineInput(Decimal("4000") if line.indicator.name == "Utilisateurs actifs" else Decimal("3"),
                                  dt.date(2027, 6, 1), None) for line in presentation.lines},
        standards={"accessibilite": StandardInput("Audit RGAA à 70 %", "Audit RGAA à 90 %")},
        actor=actor, now=now,
    )
