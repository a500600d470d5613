"""The committee pack: what the participants read a week before the committee — the startup and its
timeline, the previous decision and its action items, the team's presentation with its indicators, the
grids' results once the committee is held, and the commitments of the delegation convention. One set
of data for the page and for the PDF (WeasyPrint)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from committees import services as committee_services
from committees.models import ActionItem, Committee, ParticipantRole
from commitments import queries as commitment_queries
from commitments.models import Kind as CommitmentKind
from committees.queries import carried_items
from conventions import queries as conventions_queries
from core import pdf
from core.db import db
from core.formats import date_fr
from grids import services as grid_services
from indicators.queries import ChartRow, chart_axis, chart_rows
from indicators.views import chart_of
from presentations.models import FROZEN_COMMITTEE_STATUSES, Presentation
from presentations.services import presentation_of, previous_committee
from startups.models import Event, EventKind, Source, Startup
from startups.phases import Phase
from users.models import Person


@dataclass
class TimelineEntry:
    on: dt.date | None
    label: str
    detail: str | None = None
    kind: str = "phase"  # phase | event
    planned: bool = False
    current: bool = False


def timeline(startup: Startup, today: dt.date) -> list[TimelineEntry]:
    """Phase periods and events in date order (undated periods first)."""
    current = startup.current_period(today)
    entries = []
    for period in startup.periods:
        label = Phase(period.phase).label
        detail = None
        if period.end_on:
            detail = f"jusqu'au {date_fr(period.end_on)}"
        entries.append(TimelineEntry(period.effective_start_on, label, period.comment or detail, "phase",
                                     period.is_planned(today), period is current))
    for event in startup.events:
        entries.append(TimelineEntry(event.happened_on, event.kind.label, event.comment, "event"))
    return sorted(entries, key=lambda e: (e.on is not None, e.on or dt.date.min))


def _from_standard(presentation: Presentation | None, code: str) -> str | None:
    if presentation is None:
        return None
    row = next((s for s in presentation.standards if s.code == code), None)
    return row.today if row else None


# What the team wrote in the presentation's standards table, shown beside the commitment it speaks of.
STANDARD_OF = {CommitmentKind.PERSONAL_DATA: "rgpd", CommitmentKind.AUTHENTICATION: "identification",
               CommitmentKind.FEEDBACK: "avis_usagers", CommitmentKind.OPEN_SOURCE: "open_source"}


def commitments(committee: Committee, presentation: Presentation | None) -> list:
    """The commitments of the delegation convention as of the committee's day (commitments area): the
    statements made up to that day, the workshops held by then, what Jalons checks in the fiche, and what
    the team wrote in its presentation. Statements are never overwritten: a held committee's pack shows
    the same checklist whenever it is read."""
    items = commitment_queries.checklist(committee.startup, committee.local_date, held=committee)
    for item in items:
        text = _from_standard(presentation, STANDARD_OF[item.kind]) if item.kind in STANDARD_OF else None
        if text:
            item.facts.append(commitment_queries.Fact(f"Présentation : {text}"))
    return items


@dataclass
class IndicatorBlock:
    line: object  # PresentationLine
    chart: dict  # chart_of(): rows with trends and the dsfr-chart attributes
    svg: str | None  # the same data drawn for the PDF


@dataclass
class GridBlock:
    template: object
    results: list  # grids.services.VersionResults
    submitted: int
    masked: bool = False  # the reader fills this grid, still open, and has not submitted theirs


@dataclass
class MoneyBlock:
    """The money section (conventions area): what the conventions hold, what was consumed since the last
    committee, the burn rate and the forecast run-out date, the envelope asked against the money left."""

    funding: object  # conventions.queries.Funding
    consumed_since_last: int  # cents of services faits since the previous committee (all of them without one)
    since: dt.date | None
    envelope_cents: int | None  # asked by the team for the next period
    exceeds: bool  # the envelope asked exceeds what the open conventions still hold this year


def money_block(committee: Committee, previous: Committee | None, presentation: Presentation | None,
                today: dt.date) -> MoneyBlock:
    funding = conventions_queries.funding(committee.startup, today=today)
    since = (previous.held_on or previous.local_date) if previous is not None else None
    consumed = sum(s.amount_cents for o in funding.orders for s in o.services if since is None or s.delivered_on > since)
    envelope = presentation.envelope_eur * 100 if presentation is not None and presentation.envelope_eur else None
    return MoneyBlock(funding, consumed, since, envelope, envelope is not None and envelope > funding.remaining)


@dataclass
class Pack:
    committee: Committee
    startup: Startup
    today: dt.date
    phase: Phase | None
    timeline: list[TimelineEntry]
    previous: Committee | None
    previous_items: list[ActionItem]
    carried: list[ActionItem]
    presentation: Presentation | None
    indicators: list[IndicatorBlock]
    held: bool
    with_grids: bool = True
    grids: list[GridBlock] = field(default_factory=list)
    commitments: list = field(default_factory=list)  # commitments.queries.Item
    money: MoneyBlock | None = None  # None: the reader may not see the money (funding.view)
    history_previous: Event | None = None  # the last committee of the imported history, without a previous one
    sitting: "Sitting | None" = None


@dataclass
class Sitting:
    """Who chairs and who takes part for the partner administration and the DINUM, against the convention
    (article 2): its gaps, and the reason stated for holding the committee with them."""
    chair: str | None
    partner: list[str]
    dinum: list[str]
    gaps: list[str]
    reason: str | None


def sitting(committee: Committee) -> Sitting:
    def names(roles) -> list[str]:
        return [f"{p.person.name} ({p.role.label.lower()})" if p.role is ParticipantRole.PARTNER_REPRESENTATIVE
                else p.person.name for p in committee.participants if p.role in roles]

    return Sitting(chair=committee.chair.name if committee.chair else None,
                   partner=names(committee_services.PARTNER_ROLES), dinum=names(committee_services.DINUM_ROLES),
                   gaps=committee_services.convention_gaps(committee), reason=committee.convention_reason)


def last_history_committee(committee: Committee) -> Event | None:
    """The latest committee of the imported beta.gouv.fr history before this committee's day: a startup's first
    committee in Jalons is seldom its first committee ever."""
    return db.session.scalar(
        sa.select(Event).where(Event.startup_id == committee.startup_id, Event.kind == EventKind.COMMITTEE,
                               Event.source == Source.BETAGOUV, Event.happened_on <= committee.local_date)
        .order_by(Event.happened_on.desc(), Event.position.desc()).limit(1)
    ) if committee.scheduled_at is not None else None


def build(committee: Committee, today: dt.date, *, with_grids: bool = True, reader: Person | None = None,
          with_money: bool = True) -> Pack:
    """The pack's data. with_grids: whether the reader may see the grids' results (grid.results); the
    results are in the pack only once the committee is held, and each grid's only when the reader may see
    its scores, as on the grids' pages (grids.services.scores_visible). with_money: whether the reader may
    see the startup's money (funding.view), as on its Financement page; without it the pack has no money
    section (money None)."""
    startup = committee.startup
    presentation = presentation_of(committee)
    previous = previous_committee(committee)
    previous_items = list(db.session.scalars(
        sa.select(ActionItem).where(ActionItem.committee_id == previous.id).order_by(ActionItem.id)
    )) if previous else []
    blocks = []
    if presentation is not None:
        for line in presentation.lines:
            rows = chart_axis(chart_rows(line.indicator), line.indicator.frequency)
            blocks.append(IndicatorBlock(line, chart_of(line.indicator), svg_chart(rows)))
    held = committee.status in FROZEN_COMMITTEE_STATUSES
    grids = []
    if held and with_grids:
        for template in grid_services.templates_for(committee):
            filled = grid_services.filled_grids(committee, template)
            masked = not grid_services.scores_visible(committee, template, reader, filled)
            grids.append(GridBlock(template, [] if masked else grid_services.results(filled),
                                   sum(1 for g in filled if g.is_submitted), masked))
    return Pack(
        committee=committee, startup=startup, today=today, phase=startup.current_phase(today),
        timeline=timeline(startup, today), previous=previous, previous_items=previous_items,
        carried=carried_items(committee), presentation=presentation, indicators=blocks, held=held,
        with_grids=with_grids, grids=grids, commitments=commitments(committee, presentation),
        money=money_block(committee, previous, presentation, today) if with_money else None,
        history_previous=last_history_committee(committee) if previous is None else None,
        sitting=sitting(committee),
    )


# -- the PDF ------------------------------------------------------------------------------------------

SVG_WIDTH, SVG_HEIGHT, SVG_PAD = 480, 150, 28


def svg_chart(rows: list[ChartRow]) -> str | None:
    """A small line chart (values as a line, objectives as squares) for the PDF, where dsfr-chart's
    JavaScript does not run. The pack always shows the same data as a table beside it. The rows are the
    periods of the time axis (chart_axis): a period without a value breaks the line; the axis starts at zero."""
    points = [(i, r.value) for i, r in enumerate(rows) if r.value is not None]
    targets = [(i, r.objective) for i, r in enumerate(rows) if r.objective is not None]
    numbers = [v for _, v in points + targets]
    if not numbers:
        return None
    low, high = min(min(numbers), 0), max(numbers)
    if low == high:
        low, high = low - 1, high + 1
    count = max(len(rows) - 1, 1)

    def x(i: int) -> float:
        return SVG_PAD + (SVG_WIDTH - 2 * SVG_PAD) * i / count

    def y(v: Decimal) -> float:
        return SVG_HEIGHT - SVG_PAD - (SVG_HEIGHT - 2 * SVG_PAD) * float((v - low) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{SVG_HEIGHT}" '
             f'viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" role="img" aria-hidden="true">',
             f'<line x1="{SVG_PAD}" y1="{SVG_HEIGHT - SVG_PAD}" x2="{SVG_WIDTH - SVG_PAD}" '
             f'y2="{SVG_HEIGHT - SVG_PAD}" stroke="#929292" stroke-width="1"/>']
    segments: list[list[tuple[int, Decimal]]] = []
    for i, v in points:
        if segments and segments[-1][-1][0] == i - 1:
            segments[-1].append((i, v))
        else:
            segments.append([(i, v)])
    for segment in segments:
        if len(segment) > 1:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in segment)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#000091" stroke-width="2"/>')
    for i, v in points:
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="#000091"/>')
    for i, v in targets:
        parts.append(f'<rect x="{x(i) - 4:.1f}" y="{y(v) - 4:.1f}" width="8" height="8" fill="#ce0500"/>')
    labels = [(0, rows[0].label)] + ([(len(rows) - 1, rows[-1].label)] if len(rows) > 1 else [])
    for i, label in labels:
        anchor = "start" if i == 0 else "end"
        parts.append(f'<text x="{x(i):.1f}" y="{SVG_HEIGHT - 8}" font-size="10" text-anchor="{anchor}" '
                     f'fill="#3a3a3a">{_escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_pdf(pack: Pack) -> bytes:
    """The pack as PDF (core/pdf.py: the DSFR's fonts and nothing else)."""
    return pdf.render_pdf("presentations/pack_print.html", pack=pack)
