"""The open datasets of Jalons, to the conventions of data.gouv.fr: each one a Table Schema (every column
described) and its rows, written as CSV (UTF-8, `,`, ISO dates, one header row) or JSON.

The nightly job (donnees/jobs.py) writes each dataset's files into the database and /donnees serves
them as stored, at URLs that never change; the API (/api/v1/donnees/<name>) computes the rows on request,
with its filters.
"""

import dataclasses
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable

import sqlalchemy as sa

from committees.models import Committee, Decision
from conventions import queries as convention_queries
from conventions import services as convention_services
from conventions.models import Convention
from core import clock, csv_safe
from core.db import db
from startups.kept import current_periods
from startups.models import PhasePeriod, Startup, startup_sponsors
from startups.phases import Phase
from stats import page as stats_page
from stats.queries import Filters

LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence version 2.0",
           "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
PHASES = [p.value for p in Phase]


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema types: string, integer, number, date, boolean
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None

    def schema(self) -> dict:
        found = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "date":
            found["format"] = "%Y-%m-%d"
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            found["constraints"] = constraints
        return found


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    rows: Callable[[dt.date, dt.datetime], list[dict]]
    primary_key: tuple[str, ...] = ()

    def schema(self) -> dict:
        schema = {
            "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
            "name": self.name, "title": self.title, "description": self.description,
            "licenses": [LICENCE], "fields": [f.schema() for f in self.fields], "missingValues": [""],
        }
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        return schema

    def csv(self, rows: list[dict]) -> str:
        out = io.StringIO()
        writer = csv_safe.writer(out, delimiter=",", lineterminator="\n")
        writer.writerow([f.name for f in self.fields])
        for row in rows:
            writer.writerow([_csv_value(row[f.name]) for f in self.fields])
        return out.getvalue()

    def json(self, rows: list[dict]) -> str:
        return json.dumps(rows, ensure_ascii=False, default=_json_value, indent=1)

    def file(self, kind: str, rows: list[dict]) -> bytes:
        """The bytes of the file of this kind (csv, json) that /donnees serves."""
        return (self.csv(rows) if kind == "csv" else self.json(rows)).encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, decimal.Decimal)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    return value if isinstance(value, str) else str(value)


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(type(value))


def _euros(cents: int | None) -> decimal.Decimal | None:
    return None if cents is None else decimal.Decimal(cents) / 100


def _paris_day(value: dt.datetime | None) -> dt.date | None:
    return clock.day_of(value) if value is not None else None


# --- Startups --------------------------------------------------------------------------------------


def startup_rows(today: dt.date, _now: dt.datetime) -> list[dict]:
    current = current_periods(today)
    sponsors: dict[str, list[str]] = {}
    for startup_id, organisation_id in db.session.execute(
            sa.select(startup_sponsors.c.startup_id, startup_sponsors.c.organisation_id)
            .order_by(startup_sponsors.c.startup_id, startup_sponsors.c.position)):
        sponsors.setdefault(startup_id, []).append(organisation_id)
    rows = db.session.execute(
        sa.select(Startup.id, Startup.name, Startup.incubator_id, current.c.phase, current.c.start_on, Startup.link)
        .outerjoin(current, current.c.startup_id == Startup.id)
        .where(Startup.archived_at.is_(None)).order_by(Startup.id)).all()
    return [{
        "id": id, "nom": name, "incubateur": incubator_id, "phase": phase.value if phase else None,
        "phase_libelle": Phase(phase).label if phase else None, "debut_phase": start_on,
        "active": phase is not None and Phase(phase).active, "sponsors": "|".join(sponsors.get(id, [])) or None,
        "site": link,
    } for id, name, incubator_id, phase, start_on, link in rows]


STARTUPS = Dataset(
    "startups", "Startups d'État et leur phase en cours",
    "Chaque Startup d'État suivie par Jalons (hors archivées), avec sa phase au jour où les données ont été produites.",
    (
        Field("id", "string", "Identifiant de la startup (nom de sa fiche sur beta.gouv.fr).", required=True),
        Field("nom", "string", "Nom de la startup.", required=True),
        Field("incubateur", "string", "Identifiant de l'incubateur principal."),
        Field("phase", "string", "Phase en cours : la période commencée le plus récemment.", enum=tuple(PHASES)),
        Field("phase_libelle", "string", "Libellé de la phase en cours."),
        Field("debut_phase", "date", "Début de la phase en cours."),
        Field("active", "boolean", "Vrai si la phase en cours n'est pas terminale (transférée, arrêtée) ; faux "
              "pour une phase terminale ou sans phase commencée, comme le filtre « Inactives » du portefeuille.",
              required=True),
        Field("sponsors", "string", "Identifiants des administrations sponsors, séparés par « | »."),
        Field("site", "string", "Adresse du service."),
    ),
    startup_rows, ("id",),
)


# --- Phase periods ---------------------------------------------------------------------------------


def period_rows(_today: dt.date, _now: dt.datetime) -> list[dict]:
    rows = db.session.execute(
        sa.select(PhasePeriod.startup_id, PhasePeriod.position, PhasePeriod.phase, PhasePeriod.source_name,
                  PhasePeriod.start_on, PhasePeriod.effective_start_on, PhasePeriod.end_on, PhasePeriod.source)
        .join(Startup, Startup.id == PhasePeriod.startup_id).where(Startup.archived_at.is_(None))
        .order_by(PhasePeriod.startup_id, PhasePeriod.position)).all()
    return [{
        "startup": startup_id, "position": position, "phase": phase.value, "nom_dans_la_fiche": source_name,
        "debut": start_on, "debut_retenu": effective_start_on, "fin": end_on, "origine": source.value,
    } for startup_id, position, phase, source_name, start_on, effective_start_on, end_on, source in rows]


PERIODS = Dataset(
    "periodes", "Périodes de phase des Startups d'État",
    "L'historique des phases de chaque startup, tel que les fiches beta.gouv.fr et les décisions prises dans "
    "Jalons le donnent ; les anciens noms de phase sont traduits (alumni, success, transfer, perennisation).",
    (
        Field("startup", "string", "Identifiant de la startup.", required=True),
        Field("position", "integer", "Rang de la période dans l'historique de la startup (à partir de 0).", required=True),
        Field("phase", "string", "Phase de la période.", required=True, enum=tuple(PHASES)),
        Field("nom_dans_la_fiche", "string", "Nom de la phase dans la fiche, quand il diffère (ancien nom)."),
        Field("debut", "date", "Début indiqué par la fiche ou la décision."),
        Field("debut_retenu", "date", "Début retenu : le début, ou pour une ancienne période sans début, la fin ou le début de la précédente."),
        Field("fin", "date", "Fin indiquée par la fiche, le cas échéant."),
        Field("origine", "string", "Origine de la période : fiche beta.gouv.fr ou Jalons.", required=True, enum=("betagouv", "jalons")),
    ),
    period_rows, ("startup", "position"),
)


# --- Committees and decisions ----------------------------------------------------------------------


def committee_rows(_today: dt.date, _now: dt.datetime) -> list[dict]:
    rows = db.session.execute(
        sa.select(Committee.id, Committee.startup_id, Committee.kind, Committee.status, Committee.held_on,
                  Decision.kind, Decision.decided_at, Decision.sign_off, Decision.signed_at, Decision.next_phase,
                  Decision.envelope_eur, Decision.team_size, Decision.next_committee_on)
        .outerjoin(Decision, Decision.committee_id == Committee.id)
        .join(Startup, Startup.id == Committee.startup_id)
        .where(Committee.archived_at.is_(None), Startup.archived_at.is_(None))
        .order_by(Committee.id)).all()
    return [{
        "id": id, "startup": startup_id, "type": kind.value, "statut": status.value, "tenu_le": held_on,
        "decision": decision.value if decision else None, "decidee_le": _paris_day(decided_at),
        "validation": sign_off.value if sign_off else None,
        "validee_le": _paris_day(signed_at) if sign_off is not None and sign_off.value == "valide" else None,
        "phase_suivante": next_phase.value if next_phase else None, "enveloppe_eur": envelope, "taille_equipe": team_size,
        "prochain_comite_le": next_on,
    } for (id, startup_id, kind, status, held_on, decision, decided_at, sign_off, signed_at, next_phase, envelope,
           team_size, next_on) in rows]


COMMITTEES = Dataset(
    "comites", "Comités d'investissement et leurs décisions",
    "Les comités d'investissement planifiés ou tenus dans Jalons et leur décision : ni données personnelles "
    "(participants, présidence), ni notes des grilles, ni compte rendu, ni texte libre.",
    (
        Field("id", "integer", "Identifiant du comité.", required=True),
        Field("startup", "string", "Identifiant de la startup.", required=True),
        Field("type", "string", "Type de comité.", required=True,
              enum=("fin_investigation", "semestriel", "fin_construction", "fin_acceleration", "extraordinaire")),
        Field("statut", "string", "Statut du comité.", required=True,
              enum=("a_planifier", "planifie", "tenu", "decide", "valide", "annule")),
        Field("tenu_le", "date", "Date à laquelle le comité s'est tenu."),
        Field("decision", "string", "Nature de la décision.", enum=(
            "poursuite", "poursuite_budget_reduit", "renouvellement_provisoire", "pivot", "maintenance", "arret",
            "phase_suivante", "dormance", "reorientation")),
        Field("decidee_le", "date", "Date d'enregistrement de la décision (heure de Paris)."),
        Field("validation", "string", "Validation par le sponsor.", enum=("en_attente", "valide", "conteste")),
        Field("validee_le", "date", "Date de la validation par le sponsor."),
        Field("phase_suivante", "string", "Phase décidée, pour un passage à la phase suivante.", enum=tuple(PHASES)),
        Field("enveloppe_eur", "integer", "Enveloppe décidée pour la période suivante, en euros."),
        Field("taille_equipe", "integer", "Taille d'équipe décidée."),
        Field("prochain_comite_le", "date", "Date prévue du prochain comité."),
    ),
    committee_rows, ("id",),
)


# --- Conventions -----------------------------------------------------------------------------------


def convention_rows(_today: dt.date, _now: dt.datetime) -> list[dict]:
    rows = []
    for item in db.session.scalars(convention_queries.published().order_by(Convention.id)).unique():
        head = {
            "convention": item.id, "reference": item.reference, "intitule": item.title, "nature": item.kind.value,
            "partenaire": item.partner_id, "partenaire_nom": item.partner.name,
            "startups": "|".join(s.id for s in item.startups) or None,
            "phase": item.phase.value if item.phase else None, "signee_le": item.signed_on, "date_effet": item.starts_on,
            "date_fin": item.ends_on, "resiliee_le": item.terminated_on, "montants": item.tax_basis.value.upper(),
            "publiee_sur": item.datagouv_url or item.gouvernement_url,
        }
        for year, numbers in convention_services.figures(item).items():
            rows.append(head | {
                "annee": year, "ae_prevues": _euros(numbers.ae_planned), "ae_mises_a_disposition": _euros(numbers.ae_released),
                "ae_engagees": _euros(numbers.engaged), "cp_prevus": _euros(numbers.cp_planned),
                "cp_mis_a_disposition": _euros(numbers.cp_released), "cp_payes": _euros(numbers.paid),
            })
    return rows


def _amount(name: str, what: str) -> Field:
    return Field(name, "number", f"{what}, en euros (deux décimales au plus).", required=True)


CONVENTIONS = Dataset(
    "conventions", "Conventions de délégation de gestion publiées et leurs AE/CP par année",
    "Les conventions signées par les deux parties et publiées (data.gouv.fr ou gouvernement.fr) : une ligne par "
    "convention et par année, avec les autorisations d'engagement (AE) et crédits de paiement (CP).",
    (
        Field("convention", "integer", "Identifiant de la convention dans Jalons.", required=True),
        Field("reference", "string", "Référence de la convention."),
        Field("intitule", "string", "Intitulé.", required=True),
        Field("nature", "string", "Nature de la convention.", required=True, enum=("delegation", "partenariat")),
        Field("partenaire", "string", "Identifiant de l'administration partenaire.", required=True),
        Field("partenaire_nom", "string", "Nom de l'administration partenaire.", required=True),
        Field("startups", "string", "Identifiants des startups couvertes, séparés par « | »."),
        Field("phase", "string", "Phase financée.", enum=tuple(PHASES)),
        Field("signee_le", "date", "Date de la dernière signature."),
        Field("date_effet", "date", "Date d'effet."),
        Field("date_fin", "date", "Date de fin.", required=True),
        Field("resiliee_le", "date", "Date d'effet de la résiliation, le cas échéant."),
        Field("montants", "string", "Montants hors taxes ou toutes taxes comprises.", required=True, enum=("HT", "TTC")),
        Field("publiee_sur", "string", "Adresse de publication."),
        Field("annee", "integer", "Année budgétaire.", required=True),
        _amount("ae_prevues", "AE prévues"), _amount("ae_mises_a_disposition", "AE mises à disposition"),
        _amount("ae_engagees", "AE engagées (bons de commande de l'année)"), _amount("cp_prevus", "CP prévus"),
        _amount("cp_mis_a_disposition", "CP mis à disposition"), _amount("cp_payes", "CP payés (factures payées dans l'année)"),
    ),
    convention_rows, ("convention", "annee"),
)


# --- The figures of /stats -------------------------------------------------------------------------


def figure_rows(today: dt.date, now: dt.datetime) -> list[dict]:
    page = stats_page.build(today, now, Filters())
    rows: list[dict] = []

    def add(figure: str, period, group, measure: str, value) -> None:
        if value is not None:
            rows.append({"figure": figure, "periode": None if period is None else str(period),
                         "groupe": group, "mesure": measure, "valeur": round(value, 2), "au": today})

    for row in page.funnel:
        for measure in ("entered", "construction", "acceleration", "consolidation", "transferred",
                        "stopped_investigation", "stopped_later"):
            add("entonnoir", row.year, None, FUNNEL_MEASURES[measure], getattr(row, measure))
    for phase, durations in page.time_in_phase.by_phase.items():
        ended, ongoing = durations.months("ended"), durations.months("ongoing")
        add("duree_phase", None, phase.value, "terminees", len(durations.ended))
        add("duree_phase", None, phase.value, "terminees_mediane_mois", ended[1] if ended else None)
        add("duree_phase", None, phase.value, "en_cours", len(durations.ongoing))
        add("duree_phase", None, phase.value, "en_cours_mediane_mois", ongoing[1] if ongoing else None)
        if phase.typical_months:
            add("duree_phase", None, phase.value, "part_au_dela_duree_typique_pct", durations.past_typical_share)
    for share in page.overdue_by_month:
        add("comites_en_retard", share.label, None, "startups_actives", share.whole)
        add("comites_en_retard", share.label, None, "comite_en_retard", share.part)
    for label, count in page.held_by_semester:
        add("comites_tenus", label.replace(" ", "-"), None, "comites", count)
    for incubator_id, counts in page.held.by_incubator.items():
        for label, count in counts.items():
            add("comites_tenus_par_incubateur", label.replace(" ", "-"), incubator_id or "", "comites", count)
    for delays in page.committee_delays:
        add("ecart_echeance_comite", delays.label, None, "ecart_median_jours", delays.median)
    for kind, counts in page.decisions.items():
        for semester, count in counts.items():
            add("decisions", semester.replace(" ", "-"), kind.value, "decisions", count)
    for incubator_id, _, kind, counts in page.decisions_by_incubator:
        for semester, count in counts.items():
            add("decisions_par_incubateur", semester.replace(" ", "-"), incubator_id or "", f"decisions_{kind.value}", count)
    for delays in page.signoff_delays:
        add("delai_validation", delays.label, None, "delai_median_jours", delays.median)
    for share in page.reporting:
        add("indicateurs_a_temps", share.label, None, "startups_sollicitees", share.whole)
        add("indicateurs_a_temps", share.label, None, "a_temps", share.part)
    for phase, count, (q1, median, q3) in page.cost_per_use_rows:
        add("cout_par_usage", None, phase.value, "startups", count)
        add("cout_par_usage", None, phase.value, "mediane_eur", median)
    for (year, partner), figures in page.money_by_partner.items():
        for measure, cents in figures.items():
            add("financement", year, partner, MONEY_MEASURES[measure], float(_euros(cents)))
    return rows


MONEY_MEASURES = {"ae_released": "ae_mises_a_disposition_eur", "ae_engaged": "ae_engagees_eur",
                  "cp_released": "cp_mis_a_disposition_eur", "cp_paid": "cp_payes_eur"}
FUNNEL_MEASURES = {"entered": "entrees_investigation", "construction": "construction", "acceleration": "acceleration",
                   "consolidation": "consolidation", "transferred": "transferees",
                   "stopped_investigation": "arretees_apres_investigation", "stopped_later": "arretees_plus_tard"}

FIGURES = Dataset(
    "statistiques", "Statistiques du programme",
    "Les chiffres de la page /stats de Jalons, sans filtre, au jour où les données ont été produites : une ligne par chiffre "
    "(figure, période, groupe, mesure, valeur) ; chaque figure est définie sur la page /stats.",
    (
        Field("figure", "string", "La figure : entonnoir, duree_phase, comites_en_retard, comites_tenus, "
              "comites_tenus_par_incubateur, ecart_echeance_comite, decisions, decisions_par_incubateur, delai_validation, indicateurs_a_temps, cout_par_usage, financement.",
              required=True),
        Field("periode", "string", "Année, semestre (2025-S1) ou mois (2025-06) ; vide pour toute la période."),
        Field("groupe", "string", "Phase, nature de décision, administration partenaire ou incubateur (son "
              "identifiant, vide pour les startups sans incubateur), selon la figure."),
        Field("mesure", "string", "Ce qui est compté ou mesuré.", required=True),
        Field("valeur", "number", "La valeur.", required=True),
        Field("au", "date", "Date à laquelle les chiffres sont calculés.", required=True),
    ),
    figure_rows,
)

DATASETS = {d.name: d for d in (STARTUPS, PERIODS, COMMITTEES, CONVENTIONS, FIGURES)}
