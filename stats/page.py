"""Everything /stats shows: the figures of stats.queries and stats.money_queries, with the attributes of their
charts."""

import dataclasses
import datetime as dt
import json

from committees.models import DecisionKind
from startups.phases import Phase
from stats import money_queries, queries
from stats.money_queries import MEASURES
from stats.queries import INCUBATION_PHASES, Filters


def chart(labels: list[str], series: list[tuple[str, list]]) -> dict:
    """The x, y and name attributes of a @gouvfr/dsfr-chart component (JSON, one list per series)."""
    return {
        "x": json.dumps([labels] * len(series), ensure_ascii=False),
        "y": json.dumps([[None if v is None else round(v, 1) for v in values] for _, values in series]),
        "name": json.dumps([name for name, _ in series], ensure_ascii=False),
    }


def euros(cents: int) -> int:
    return round(cents / 100)


@dataclasses.dataclass
class StatsPage:
    as_of: dt.date
    funnel: list[queries.FunnelRow]
    funnel_total: queries.FunnelRow
    time_in_phase: queries.TimeInPhase
    overdue_by_month: list[queries.Share]
    overdue_by_incubator: list[queries.Share]
    held: queries.BySemester
    committee_delays: list[queries.Delays]
    decision_semesters: list[str]
    decisions_detail: dict[DecisionKind, queries.BySemester]
    signoff_delays: list[queries.Delays]
    reporting: list[queries.Share]
    money_by_partner: dict[tuple, dict[str, int]]
    money_by_phase: dict[tuple, dict[str, int]]
    money_by_year: dict[int, dict[str, int]]
    cost_per_use: dict[Phase, list[float]]
    charts: dict[str, dict] = dataclasses.field(default_factory=dict)

    phases = INCUBATION_PHASES
    phases_with_opere = (*INCUBATION_PHASES, Phase.OPERE)
    measures = MEASURES
    measure_labels = money_queries.MEASURE_LABELS

    @property
    def breakdowns(self) -> list[tuple[str, str, dict, list[tuple]]]:
        """The tables of medians per incubator and per year: (caption, first column, durations, rows)."""
        found = self.time_in_phase
        incubators = sorted(found.incubator_names.items(), key=lambda item: item[1])
        years = sorted({year for year, _ in found.by_year})
        return [
            ("Médiane de la durée des périodes par incubateur (mois)", "Incubateur", found.by_incubator, incubators),
            ("Médiane de la durée des périodes par année de début de la période (mois)", "Année", found.by_year,
             [(year, str(year)) for year in years]),
        ]

    @property
    def held_by_semester(self) -> list[tuple[str, int]]:
        return [(label, self.held.total[label]) for label in self.held.semesters]

    @property
    def decisions(self) -> dict[DecisionKind, dict[str, int]]:
        return {kind: found.total for kind, found in self.decisions_detail.items()}

    @property
    def decisions_by_incubator(self) -> list[tuple[str | None, str, DecisionKind, dict[str, int]]]:
        """(incubator id, its name, kind, {semester: decisions}), by incubator then kind."""
        names = {key: name for found in self.decisions_detail.values() for key, name in found.incubator_names.items()}
        ordered = sorted(names.items(), key=lambda item: (item[0] is None, item[1].lower()))
        return [(key, name, kind, found.by_incubator[key]) for key, name in ordered
                for kind, found in self.decisions_detail.items() if key in found.by_incubator]

    @property
    def cost_per_use_rows(self) -> list[tuple[Phase, int, tuple[float, float, float]]]:
        return [(phase, len(costs), queries.quartiles(costs)) for phase, costs in self.cost_per_use.items()]

    @property
    def money_tables(self) -> list[tuple[str, list[str], list[tuple]]]:
        """(caption, header of the label columns, rows of (labels, {measure: cents}))."""
        def label(value) -> str:
            return value.label if isinstance(value, Phase) else (value or "Non précisée")

        return [
            ("AE et CP par année", ["Année"], [((str(y),), f) for y, f in self.money_by_year.items()]),
            ("AE et CP par ministère partenaire et par année", ["Année", "Partenaire"],
             [((str(y), label(p)), f) for (y, p), f in self.money_by_partner.items()]),
            ("AE et CP par phase financée et par année", ["Année", "Phase financée"],
             [((str(y), label(p)), f) for (y, p), f in self.money_by_phase.items()]),
        ]


def build(today: dt.date, now: dt.datetime, filters: Filters) -> StatsPage:
    """The page's figures, one SQL statement each."""
    funnel = queries.funnel(today, filters)
    money = money_queries.money(today, filters)
    decisions = queries.decisions_per_semester_and_incubator(today, filters)
    semesters = queries.decision_semesters(decisions)
    page = StatsPage(
        as_of=today,
        funnel=funnel,
        funnel_total=queries.funnel_total(funnel),
        time_in_phase=queries.time_in_phase(today, filters),
        overdue_by_month=queries.overdue_by_month(today, filters),
        overdue_by_incubator=queries.overdue_by_incubator(today, filters),
        held=queries.held_per_semester_and_incubator(today, filters),
        committee_delays=queries.committee_delays(today, filters),
        decision_semesters=semesters,
        decisions_detail=decisions,
        signoff_delays=queries.signoff_delays(today, filters),
        reporting=queries.reporting_on_time(today, now, filters),
        money_by_partner=money.by_partner,
        money_by_phase=money.by_phase,
        money_by_year=money_queries.money_by_year(money.by_partner),
        cost_per_use=queries.cost_per_use_by_phase(today, filters),
    )
    total = page.funnel_total
    page.charts = {
        "funnel": chart(["Investigation", "Construction", "Accélération", "Consolidation", "Transférées"],
                        [("Startups", [total.entered, total.construction, total.acceleration, total.consolidation,
                                       total.transferred])]),
        "time_in_phase": chart([p.label for p in INCUBATION_PHASES], [
            ("Périodes terminées (médiane, mois)", [_median(page, p, "ended") for p in INCUBATION_PHASES]),
            ("Périodes en cours (médiane, mois)", [_median(page, p, "ongoing") for p in INCUBATION_PHASES]),
        ]),
        "overdue": chart([s.label for s in page.overdue_by_month],
                         [("Comité en retard (%)", [s.percent for s in page.overdue_by_month])]),
        "held": chart([label for label, _ in page.held_by_semester],
                      [("Comités tenus", [n for _, n in page.held_by_semester])]),
        "decisions": chart(semesters, [(kind.label, [decisions[kind].total.get(s, 0) for s in semesters])
                                       for kind in DecisionKind if kind in decisions]),
        "reporting": chart([s.label for s in page.reporting],
                           [("Indicateurs transmis à temps (%)", [s.percent for s in page.reporting])]),
        "money": chart([str(y) for y in page.money_by_year], [
            (money_queries.MEASURE_LABELS[m], [euros(f[m]) for f in page.money_by_year.values()]) for m in MEASURES]),
        "cost_per_use": chart([p.label for p in page.cost_per_use],
                              [("Coût par usage médian (€)", [queries.quartiles(v)[1] for v in page.cost_per_use.values()])]),
    }
    return page


def _median(page: StatsPage, phase: Phase, which: str) -> float | None:
    durations = page.time_in_phase.by_phase.get(phase)
    found = durations.months(which) if durations else None
    return found[1] if found else None
