"""A small hand-built history whose figures are known, on 15 June 2026.

- `reprise` (incubator A, sponsored by the partner): investigation 2024-01-01, construction 2024-03-01,
  acceleration 2024-09-01, back to construction 2025-03-01 (a phase re-entered, current); a committee held
  in Jalons on 2025-09-10, signed off 7 days after its decision, with the `committee` event the sign-off adds.
- `transferee` (A): investigation 2023-01-01, construction 2023-04-01, acceleration 2024-01-01,
  consolidation 2025-01-01, transferred 2025-07-01; a committee event on 2024-12-20.
- `ancienne-alumni` (B): investigation 2024-02-01 then `alumni` (→ abandon-investigation) 2024-06-01.
- `ancienne-perennisation` (B): investigation 2023-06-01, construction 2023-09-01, `perennisation`
  (→ consolidation) 2024-09-01, `alumni` after a construction (→ abandon) 2025-09-01; a committee event on
  2025-02-10.
- `recente` (B): investigation 2026-03-01 (current), a committee held on 2026-05-20 with a pivot pending
  sign-off; reports quarterly.
- `future`: investigation planned on 2026-09-01 (not entered yet).
"""

import datetime as dt

import pytest

from committees.models import Committee, CommitteeKind, CommitteeStatus, Decision, DecisionKind, SignOff
from conventions.models import Activity, Convention, ConventionKind, Invoice, Order, Release, Resource
from core.db import db
from indicators.models import Category, Indicator, IndicatorKind, IndicatorReporting, IndicatorValue, Reporting, StartupBudget
from startups.phases import Phase, parse_phase
from tests.factories import d, make_incubator, make_organisation, make_startup

TODAY = dt.date(2026, 6, 15)
UTC = dt.timezone.utc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def legacy(names_and_starts):
    """Phases as the import maps a fiche's names (parse_phase, given the names listed before)."""
    phases, specs = [], []
    for name, start in names_and_starts:
        phase = parse_phase(name, phases)
        phases.append(phase)
        specs.append((phase, d(start)))
    return specs


@pytest.fixture
def history(clock_on):
    clock_on(TODAY)
    partner = make_organisation("partenaire", name="Ministère partenaire")
    other = make_organisation("autre", name="Autre ministère")
    a = make_incubator("inc-a", name="Incubateur A")
    b = make_incubator("inc-b", name="Incubateur B")
    reprise = make_startup("reprise", incubator_id=a.id, sponsors=[partner], phases=[
        ("investigation", d("2024-01-01")), ("construction", d("2024-03-01")), ("acceleration", d("2024-09-01")),
        ("construction", d("2025-03-01"))], events=[("committee", d("2025-09-10"))])
    transferee = make_startup("transferee", incubator_id=a.id, sponsors=[other], phases=[
        ("investigation", d("2023-01-01")), ("construction", d("2023-04-01")), ("acceleration", d("2024-01-01")),
        ("consolidation", d("2025-01-01")), ("transfere", d("2025-07-01"))], events=[("committee", d("2024-12-20"))])
    alumni = make_startup("ancienne-alumni", incubator_id=b.id, phases=legacy([
        ("investigation", "2024-02-01"), ("alumni", "2024-06-01")]))
    perennisation = make_startup("ancienne-perennisation", incubator_id=b.id, phases=legacy([
        ("investigation", "2023-06-01"), ("construction", "2023-09-01"), ("perennisation", "2024-09-01"),
        ("alumni", "2025-09-01")]), events=[("committee", d("2025-02-10"))])
    recente = make_startup("recente", incubator_id=b.id, phases=[("investigation", d("2026-03-01"))])
    make_startup("future", incubator_id=b.id, phases=[("investigation", d("2026-09-01"))])
    assert [p.phase for p in alumni.periods] == [Phase.INVESTIGATION, Phase.ABANDON_INVESTIGATION]
    assert [p.phase for p in perennisation.periods][2:] == [Phase.CONSOLIDATION, Phase.ABANDON]

    signed = Committee(startup_id=reprise.id, kind=CommitteeKind.SEMESTRIAL, status=CommitteeStatus.SIGNED_OFF,
                       held_on=d("2025-09-10"))
    signed.decision = Decision(kind=DecisionKind.CONTINUE, decided_at=at("2025-09-10T10:00"),
                               sign_off=SignOff.SIGNED, signed_at=at("2025-09-17T09:00"))
    pending = Committee(startup_id=recente.id, kind=CommitteeKind.END_OF_INVESTIGATION, status=CommitteeStatus.DECIDED,
                        held_on=d("2026-05-20"))
    pending.decision = Decision(kind=DecisionKind.PIVOT, decided_at=at("2026-05-20T10:00"))
    db.session.add_all([signed, pending])

    # Indicators: reprise reports monthly; recente quarterly, its indicator made on 5 March 2026.
    north = Indicator(startup_id=reprise.id, name="Usagers", category=Category.NORTH_STAR, created_at=at("2025-01-01T00:00"))
    usage = Indicator(startup_id=recente.id, name="Usagers", category=Category.NORTH_STAR, created_at=at("2026-03-05T00:00"))
    # Active users (the cost per use's denominator); recente's made in April, after its March values were asked.
    users = Indicator(startup_id=reprise.id, name="Usagers actifs", category=Category.ACTIVATION, kind=IndicatorKind.ACTIVE_USERS,
                      created_at=at("2025-01-01T00:00"))
    recent_users = Indicator(startup_id=recente.id, name="Usagers actifs", category=Category.ACTIVATION,
                             kind=IndicatorKind.ACTIVE_USERS, created_at=at("2026-04-02T00:00"))
    db.session.add_all([north, usage, users, recent_users,
                        IndicatorReporting(startup_id=recente.id, frequency=Reporting.QUARTERLY),
                        StartupBudget(startup_id=reprise.id, year=2026, amount_eur=100_000),
                        StartupBudget(startup_id=recente.id, year=2026, amount_eur=50_000)])
    db.session.flush()
    db.session.add_all([
        IndicatorValue(indicator_id=north.id, period_start=d("2026-03-01"), value=10, entered_at=at("2026-04-10T08:00")),
        IndicatorValue(indicator_id=north.id, period_start=d("2026-02-01"), value=9, entered_at=at("2026-04-05T08:00")),
        IndicatorValue(indicator_id=usage.id, period_start=d("2026-03-01"), value=3, entered_at=at("2026-04-20T08:00")),
        IndicatorValue(indicator_id=users.id, period_start=d("2026-02-01"), value=400, entered_at=at("2026-03-02T08:00")),
        IndicatorValue(indicator_id=users.id, period_start=d("2026-03-01"), value=500, entered_at=at("2026-04-02T08:00")),
        IndicatorValue(indicator_id=recent_users.id, period_start=d("2026-04-01"), value=100, entered_at=at("2026-05-02T08:00")),
    ])

    # Money: one published convention (the partner's, financing a construction), one not published.
    published = Convention(kind=ConventionKind.DELEGATION, title="Publiée", partner_id=partner.id, phase=Phase.CONSTRUCTION,
                           ends_on=d("2026-12-31"), partner_signed_on=d("2025-01-10"), dinum_signed_on=d("2025-01-15"),
                           datagouv_url="https://www.data.gouv.fr/x", startups=[reprise])
    hidden = Convention(kind=ConventionKind.DELEGATION, title="Non publiée", partner_id=other.id, phase=Phase.CONSOLIDATION,
                        ends_on=d("2026-12-31"), partner_signed_on=d("2025-01-10"), dinum_signed_on=d("2025-01-15"),
                        startups=[transferee])
    db.session.add_all([published, hidden])
    db.session.flush()
    order = Order(convention_id=published.id, startup_id=reprise.id, number="BC-1", holder="Titulaire", amount_cents=3_000_000,
                  engaged_on=d("2025-03-10"), activity=Activity.DEVELOPMENT, resource=Resource.SERVICES)
    db.session.add_all([
        Release(convention_id=published.id, year=2025, released_on=d("2025-02-01"), ae_cents=10_000_000, cp_cents=5_000_000),
        Release(convention_id=hidden.id, year=2025, released_on=d("2025-02-01"), ae_cents=99_900, cp_cents=99_900),
        order,
    ])
    db.session.flush()
    db.session.add(Invoice(order_id=order.id, number="F-1", amount_cents=2_000_000, filed_on=d("2025-05-20"),
                           paid_on=d("2025-06-01")))
    db.session.flush()
    return TODAY
