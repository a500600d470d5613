"""The commitments' checklist of a startup as of a day, and the portfolio's commitments × startups, each in
a bounded number of statements."""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from commitments.models import Condition, FrozenFacts, Kind, RiskWorkshop, State, Statement
from committees.models import ActionItem, Committee
from core import clock
from core.bounds import years_after
from core.db import db
from startups import fiche_out
from startups.kept import current_periods
from startups.models import PhasePeriod, Startup, SyncRun, SyncStatus, startup_sponsors
from startups.phases import Phase

# « Régulièrement » made a rule: in construction or later, a workshop at least every twelve months.
WORKSHOP_PHASES = (Phase.CONSTRUCTION, Phase.ACCELERATION, Phase.CONSOLIDATION)
WORKSHOP_MONTHS = 12

BADGES = {State.MET: "success", State.PARTLY: "info", State.NOT_MET: "warning", State.NOT_APPLICABLE: "no-icon"}


@dataclasses.dataclass
class Fact:
    """What Jalons could check itself, from the fiche or its own records."""

    text: str
    url: str | None = None


@dataclasses.dataclass
class Item:
    kind: Kind
    statement: Statement | None
    facts: list[Fact]
    rule: str | None = None  # when the workshop rule decides the state, why
    conditions: list = dataclasses.field(default_factory=list)  # committees.models.ActionItem tied to it

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def state(self) -> State | None:
        if self.rule is not None:
            return State.NOT_MET
        return self.statement.state if self.statement else None

    @property
    def state_label(self) -> str:
        return self.state.label if self.state else "Non renseigné"

    @property
    def badge(self) -> str:
        return BADGES[self.state] if self.state else "no-icon"


def workshop_due_on(in_phase_since: dt.date | None, last_held_on: dt.date | None) -> dt.date | None:
    """The day a workshop is due: twelve months after the last one, or after entering construction (None
    when the startup has not reached construction)."""
    start = max(day for day in (in_phase_since, last_held_on) if day) if (in_phase_since or last_held_on) else None
    if in_phase_since is None or start is None:
        return None
    return years_after(start, 1)


def _workshop_rule(phase: Phase | None, due_on: dt.date | None, on: dt.date) -> str | None:
    if phase not in WORKSHOP_PHASES or due_on is None or due_on >= on:
        return None
    return f"aucun atelier d'analyse de risques depuis plus de {WORKSHOP_MONTHS} mois (dû le {due_on:%d/%m/%Y})"


def _since_construction(periods, on: dt.date) -> dt.date | None:
    starts = [p.effective_start_on for p in periods
              if p.phase in WORKSHOP_PHASES and p.effective_start_on and p.effective_start_on <= on]
    return min(starts, default=None)


def last_sync_on() -> dt.date | None:
    finished = db.session.scalar(sa.select(sa.func.max(SyncRun.finished_at)).where(SyncRun.status != SyncStatus.FAILED))
    return clock.day_of(finished) if finished else None


def fiche_facts(startup: Startup, workshops: list[RiskWorkshop], synced_on: dt.date | None) -> dict[Kind, list[Fact]]:
    source = f"fiche beta.gouv.fr{f', importée le {synced_on:%d/%m/%Y}' if synced_on else ''}"
    changed = fiche_out.link_changes(startup)

    def origin(key: str) -> str:
        """Where a link comes from: the fiche, or Jalons when the fiche does not hold it yet."""
        return "Jalons, fiche beta.gouv.fr à mettre à jour" if key in changed else source

    facts: dict[Kind, list[Fact]] = {kind: [] for kind in Kind}
    if startup.fiche_history is not None:
        facts[Kind.FICHE].append(Fact(f"Fiche présente sur beta.gouv.fr ({source})",
                                      f"https://beta.gouv.fr/startups/{startup.id}.html"))
    if startup.budget_url:
        facts[Kind.FICHE].append(Fact("Page budget publiée", startup.budget_url))
    if startup.repository:
        facts[Kind.OPEN_SOURCE].append(Fact(f"Dépôt de code ({origin('repository')})", startup.repository))
    if startup.stats_url:
        facts[Kind.STATS].append(Fact(f"Page de statistiques ({origin('stats_url')})", startup.stats_url))
    elif startup.stats is not None:
        facts[Kind.STATS].append(Fact(f"« stats » : {'oui' if startup.stats else 'non'} ({source})"))
    if startup.accessibility_status:
        facts[Kind.ACCESSIBILITY].append(Fact(f"Accessibilité : {startup.accessibility_status} ({source})"))
    if startup.dashlord_url:
        facts[Kind.ACCESSIBILITY].append(Fact(f"Audit DashLord ({origin('dashlord_url')})", startup.dashlord_url))
    if startup.risk_analysis_done is not None or startup.risk_analysis_url:
        done = "réalisée" if startup.risk_analysis_done else "non déclarée"
        facts[Kind.RISK].append(Fact(f"Analyse de risques {done} ({source})", startup.risk_analysis_url))
    if startup.mon_service_securise is not None:
        facts[Kind.RISK].append(Fact(
            f"{'Inscrite' if startup.mon_service_securise else 'Pas encore inscrite'} sur MonServiceSécurisé ({source})"))
    if workshops:
        last = workshops[0]
        planned = f", prochain prévu le {last.next_on:%d/%m/%Y}" if last.next_on else ""
        facts[Kind.RISK].append(Fact(f"Dernier atelier le {last.held_on:%d/%m/%Y} ({len(workshops)} au total{planned})"))
    return facts


def workshops_until(startup: Startup, on: dt.date) -> list[RiskWorkshop]:
    """The startup's workshops held by that day, the latest first."""
    return list(db.session.scalars(
        sa.select(RiskWorkshop).where(RiskWorkshop.startup_id == startup.id, RiskWorkshop.held_on <= on)
        .order_by(RiskWorkshop.held_on.desc(), RiskWorkshop.id.desc())
    ))


def facts_to_json(facts: dict[Kind, list[Fact]]) -> list[dict]:
    return [{"kind": kind.value, "text": fact.text, "url": fact.url} for kind, listed in facts.items() for fact in listed]


def facts_from_json(rows: list[dict]) -> dict[Kind, list[Fact]]:
    facts: dict[Kind, list[Fact]] = {kind: [] for kind in Kind}
    for row in rows:
        facts[Kind(row["kind"])].append(Fact(row["text"], row.get("url")))
    return facts


def checklist(startup: Startup, on: dt.date, *, until: dt.datetime | None = None,
              held: Committee | None = None) -> list[Item]:
    """Each commitment of the startup as of `on` (statements made up to `until`, by default the end of that
    day): the latest statement, what Jalons could check itself, the workshop rule, the decisions' conditions
    tied to it. Five statements, six for a held committee (held): what Jalons checked is then as it was
    frozen when the committee was held, not the fiche of today."""
    until = until or dt.datetime.combine(on + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    statements = db.session.scalars(
        sa.select(Statement).where(Statement.startup_id == startup.id, Statement.stated_at < until)
        .order_by(Statement.stated_at, Statement.id)
    ).all()
    latest = {s.kind: s for s in statements}
    workshops = workshops_until(startup, on)
    frozen = db.session.scalar(sa.select(FrozenFacts.facts).where(FrozenFacts.committee_id == held.id)) if held else None
    facts = facts_from_json(frozen) if frozen is not None else fiche_facts(startup, workshops, last_sync_on())
    tied: dict[Kind, list[ActionItem]] = {}
    for condition in db.session.scalars(
        sa.select(Condition).join(Condition.action_item).join(ActionItem.committee)
        .where(Committee.startup_id == startup.id)
        .options(contains_eager(Condition.action_item)).order_by(ActionItem.due_on, ActionItem.id)
    ):
        tied.setdefault(condition.kind, []).append(condition.action_item)
    due_on = workshop_due_on(_since_construction(startup.periods, on), workshops[0].held_on if workshops else None)
    rule = _workshop_rule(startup.current_phase(on), due_on, on)
    return [Item(kind, latest.get(kind), facts[kind], rule if kind is Kind.RISK else None, tied.get(kind, []))
            for kind in Kind]


@dataclasses.dataclass
class Row:
    startup: Startup
    phase: Phase
    states: dict[Kind, State | None]
    workshop_due_on: dt.date | None


@dataclasses.dataclass
class Matrix:
    rows: list[Row]
    shares: dict[Kind, tuple[int, int]]  # met (fully), counted (stated and applicable)


def portfolio(on: dt.date, *, incubator_id: str | None = None, phase: Phase | None = None,
              sponsor_id: str | None = None) -> Matrix:
    """Commitments × active startups (current phase not terminal), filtered; five statements at most."""
    current = current_periods(on)
    query = (sa.select(Startup, current.c.phase).join(current, current.c.startup_id == Startup.id)
             .where(Startup.archived_at.is_(None), current.c.phase.in_([p.value for p in Phase if p.active])))
    if incubator_id:
        query = query.where(Startup.incubator_id == incubator_id)
    if phase:
        query = query.where(current.c.phase == phase.value)
    if sponsor_id:
        query = query.where(Startup.id.in_(sa.select(startup_sponsors.c.startup_id)
                                           .where(startup_sponsors.c.organisation_id == sponsor_id)))
    found = db.session.execute(query.order_by(Startup.sort_name, Startup.id)).all()
    startups, phases = [row[0] for row in found], {row[0].id: Phase(row[1]) for row in found}
    ids = [s.id for s in startups]
    if not ids:
        return Matrix([], {kind: (0, 0) for kind in Kind})
    newest = (sa.select(sa.func.max(Statement.id)).where(Statement.startup_id.in_(ids))
              .group_by(Statement.startup_id, Statement.kind))
    latest = {(s.startup_id, s.kind): s.state
              for s in db.session.scalars(sa.select(Statement).where(Statement.id.in_(newest)))}
    last_workshop = dict(db.session.execute(
        sa.select(RiskWorkshop.startup_id, sa.func.max(RiskWorkshop.held_on))
        .where(RiskWorkshop.startup_id.in_(ids), RiskWorkshop.held_on <= on).group_by(RiskWorkshop.startup_id)
    ).all())
    since = dict(db.session.execute(
        sa.select(PhasePeriod.startup_id, sa.func.min(PhasePeriod.effective_start_on))
        .where(PhasePeriod.startup_id.in_(ids), PhasePeriod.phase.in_(WORKSHOP_PHASES),
               PhasePeriod.effective_start_on <= on).group_by(PhasePeriod.startup_id)
    ).all())
    rows, shares = [], {kind: [0, 0] for kind in Kind}
    for startup in startups:
        due_on = workshop_due_on(since.get(startup.id), last_workshop.get(startup.id))
        states = {kind: latest.get((startup.id, kind)) for kind in Kind}
        if _workshop_rule(phases[startup.id], due_on, on):
            states[Kind.RISK] = State.NOT_MET
        for kind, value in states.items():
            if value is not None and value is not State.NOT_APPLICABLE:
                shares[kind][1] += 1
                shares[kind][0] += value is State.MET
        rows.append(Row(startup, phases[startup.id], states, due_on))
    return Matrix(rows, {kind: (met, counted) for kind, (met, counted) in shares.items()})


def decided_actions(startup: Startup) -> list[tuple[ActionItem, Kind | None]]:
    """The action items of the startup's committees, with the commitment each is tied to: one statement."""
    rows = db.session.execute(
        sa.select(ActionItem, Condition.kind).join(ActionItem.committee)
        .outerjoin(Condition, Condition.action_item_id == ActionItem.id)
        .where(Committee.startup_id == startup.id).order_by(ActionItem.done_at.is_not(None), ActionItem.due_on, ActionItem.id)
    ).all()
    return [(item, Kind(kind) if kind else None) for item, kind in rows]
