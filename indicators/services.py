"""The rules of indicators: definitions, the mandatory impact-matrix indicators, values by period (grid and
CSV, all or nothing), objectives, yearly budgets and the cost per use. Flush, never commit."""

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from audit.services import changes, record, snapshot
from core import clock, csv_safe, dates
from core.bounds import AMOUNT_EUR, OBJECTIVE_DATE, PROGRAMME_START, budget_years
from core.db import db
from core.formats import month_fr, number_fr
from core.text import control_character, fold
from indicators.models import (
    Category,
    Direction,
    Frequency,
    Indicator,
    IndicatorKind,
    IndicatorReporting,
    IndicatorValue,
    Objective,
    Reporting,
    StartupBudget,
)
from indicators.queries import indicators_of, north_star, official_grids, period_label
from startups.models import Startup
from users.models import Person

# The mandatory indicator of the "utilisé" axis that the cost per use divides by.
ACTIVE_USERS_NAME = "Nombre d'utilisateurs actifs par mois"
MAX_VALUE = Decimal("1e14")  # Numeric(18, 4)
MAX_COMMENT = 2000  # a value's comment, as an objective's (forms.ObjectiveForm)
INDICATOR_FIELDS = ("name", "description", "unit", "direction", "frequency", "category", "kind", "source_url",
                    "allow_negative", "position")
CSV_COLUMNS = ("indicateur", "periode", "valeur", "commentaire")


class IndicatorError(Exception):
    """A rule refused the change; message is French, for the user. `field`, when the refusal is about one
    value of the form, names it: the page shows the message at that field too."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValuesError(IndicatorError):
    """Some cells of the values grid are wrong: {(indicator_id, period_start): French message}."""

    def __init__(self, cells: dict[tuple[int, dt.date], str]):
        count = len(cells)
        super().__init__(f"{count} case{'s' if count > 1 else ''} à corriger : rien n'a été enregistré.")
        self.cells = cells


class CsvImportError(IndicatorError):
    """Some rows of an imported file are wrong: [(line number, French message)]; nothing was written."""

    def __init__(self, rows: list[tuple[int, str]]):
        count = len(rows)
        super().__init__(f"{count} ligne{'s' if count > 1 else ''} en erreur : aucune valeur n'a été importée.")
        self.rows = rows


# --- Definitions ----------------------------------------------------------------------------------------


def _check_definition(startup: Startup, fields: dict, indicator: Indicator | None = None) -> None:
    name = (fields.get("name") or "").strip()
    if not name:
        raise IndicatorError("Le nom de l'indicateur est obligatoire.", field="name")
    fields["name"] = name
    for label, key in (("Le nom de l'indicateur", "name"), ("L'unité", "unit")):
        if found := control_character(fields.get(key)):
            raise IndicatorError(f"{label} doit tenir sur une ligne, sans {found}.", field=key)
    for other in indicators_of(startup):
        if other is indicator:
            continue
        if other.name.casefold() == name.casefold():
            raise IndicatorError(f"La startup a déjà un indicateur nommé « {other.name} ».", field="name")
        kind = fields.get("kind", IndicatorKind.MANUAL)
        if kind is not IndicatorKind.MANUAL and other.kind is kind:
            raise IndicatorError(f"Un seul indicateur « {kind.label} » par startup : c'est déjà « {other.name} ».",
                                 field="kind")
    url = (fields.get("source_url") or "").strip() or None
    if url and not re.match(r"^https?://\S+$", url):
        raise IndicatorError("Le lien vers la source doit commencer par http:// ou https://.", field="source_url")
    fields["source_url"] = url
    for key in ("description", "unit"):
        if key in fields:
            fields[key] = (fields[key] or "").strip() or None


def create_indicator(startup: Startup, *, actor: Person | None = None, is_north_star: bool = False,
                     **fields) -> Indicator:
    """A new indicator for the startup (fields: name, description, unit, direction, frequency, category,
    kind, source_url, allow_negative)."""
    fields.setdefault("kind", IndicatorKind.MANUAL)
    _check_definition(startup, fields)
    position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Indicator.position), -1)).where(Indicator.startup_id == startup.id)
    ) + 1
    indicator = Indicator(startup=startup, position=fields.pop("position", position), **fields)
    db.session.add(indicator)
    db.session.flush()
    record("indicator.create", "indicator", indicator.id, actor=actor, startup_id=startup.id,
           after=snapshot(indicator, INDICATOR_FIELDS))
    if is_north_star:
        set_north_star(indicator, actor=actor)
    return indicator


def update_indicator(indicator: Indicator, *, actor: Person | None = None, **fields) -> Indicator:
    if indicator.is_archived:
        raise IndicatorError("Un indicateur archivé ne se modifie plus.")
    fields.setdefault("kind", indicator.kind)
    _check_definition(indicator.startup, fields, indicator)
    if indicator.kind is IndicatorKind.MANUAL and fields["kind"].is_computed and indicator.values:
        raise IndicatorError("Cet indicateur a des valeurs saisies : il ne peut pas devenir un indicateur calculé.")
    before = snapshot(indicator, INDICATOR_FIELDS)
    for key, value in fields.items():
        setattr(indicator, key, value)
    db.session.flush()
    old, new = changes(before, snapshot(indicator, INDICATOR_FIELDS))
    if new:
        record("indicator.update", "indicator", indicator.id, actor=actor, startup_id=indicator.startup_id,
               before=old, after=new)
    return indicator


def archive_indicator(indicator: Indicator, *, now: dt.datetime, actor: Person | None = None) -> None:
    """Archive rather than delete: values and objectives stay for the committees that read them."""
    if indicator.is_archived:
        return
    indicator.archived_at = now
    indicator.is_north_star = False
    db.session.flush()
    record("indicator.archive", "indicator", indicator.id, actor=actor, startup_id=indicator.startup_id)


def set_north_star(indicator: Indicator, *, actor: Person | None = None) -> None:
    """Make this indicator the startup's one North Star (the previous one stops being it)."""
    if indicator.is_archived:
        raise IndicatorError("Un indicateur archivé ne peut pas être la North Star.")
    previous = north_star(indicator.startup)
    if previous is indicator:
        return
    if previous is not None:
        previous.is_north_star = False
        db.session.flush()  # before setting the new one: the unique index allows one at a time
    indicator.is_north_star = True
    db.session.flush()
    record("indicator.north_star", "indicator", indicator.id, actor=actor, startup_id=indicator.startup_id,
           before={"north_star": previous.name if previous else None}, after={"north_star": indicator.name})


def _unit_of(name: str) -> str | None:
    if name.startswith("Taux"):
        return "%"
    if name == ACTIVE_USERS_NAME:
        return "utilisateurs"
    return None


def propose_mandatory(startup: Startup, *, actor: Person | None = None) -> list[Indicator]:
    """Create the mandatory indicators of the DINUM impact matrix for a startup that has none yet.

    The monthly active users become the active-users indicator, the efficient axis's cost per use the
    computed indicator.
    """
    if indicators_of(startup, include_archived=True):
        raise IndicatorError("Cette startup a déjà des indicateurs : les indicateurs obligatoires ne sont proposés "
                             "qu'à une startup qui n'en a aucun.")
    created = []
    for axis in official_grids()["impact_matrix"]["axes"]:
        category = Category(axis["code"])
        for name in axis["mandatory"]:
            kind, direction, unit = IndicatorKind.MANUAL, Direction.HIGHER, _unit_of(name)
            if name == ACTIVE_USERS_NAME:
                kind = IndicatorKind.ACTIVE_USERS
            elif category is Category.EFFICIENT:
                kind, direction, unit = IndicatorKind.COST_PER_USE, Direction.LOWER, "€ par utilisateur"
            indicator = Indicator(startup=startup, name=name, category=category, kind=kind, direction=direction,
                                  unit=unit, frequency=Frequency.MONTHLY, is_mandatory=True, position=len(created))
            db.session.add(indicator)
            created.append(indicator)
    db.session.flush()
    record("indicator.propose_mandatory", "startup", startup.id, actor=actor, startup_id=startup.id,
           after={"indicators": [i.name for i in created]})
    return created


# --- Values ----------------------------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """« 1 234,5 », « 1234.5 », « -3 » → Decimal; ValueError with a French message otherwise."""
    raw = (text or "").strip()
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", raw)
    if "," in cleaned and "." in cleaned:
        raise ValueError(f"« {raw} » n'est pas un nombre (utilisez la virgule ou le point comme séparateur décimal, pas les deux).")
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(f"« {raw} » n'est pas un nombre.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"« {raw} » n'est pas un nombre.") from None
    if abs(value) >= MAX_VALUE:
        raise ValueError(f"« {raw} » est trop grand.")
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError(f"« {raw} » a trop de décimales (4 au plus).")
    return value


def parse_period(text: str) -> dt.date:
    """« 2026-03 » → 1 March 2026; ValueError with a French message otherwise."""
    raw = (text or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", raw)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"« {raw} » n'est pas une période au format AAAA-MM (par exemple 2026-03).")
    if not dates.FIRST_YEAR <= int(match.group(1)) <= dates.LAST_YEAR:
        raise ValueError(f"« {raw} » : l'année doit être comprise entre {dates.FIRST_YEAR} et {dates.LAST_YEAR}.")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def check_value(indicator: Indicator, period_start: dt.date, value: Decimal, today: dt.date) -> str | None:
    """Why this value cannot be stored for this period, in French, or None."""
    if indicator.is_archived:
        return f"L'indicateur « {indicator.name} » est archivé."
    if indicator.kind.is_computed:
        return f"« {indicator.name} » est calculé par Jalons : il ne se saisit pas."
    if not indicator.frequency.is_period_start(period_start):
        return (f"« {indicator.name} » est suivi par période {indicator.frequency.label.lower()} : "
                f"indiquez le premier mois de la période ({period_label(indicator.frequency.period_start(period_start), indicator.frequency)}).")
    if period_start > dt.date(today.year, today.month, 1):
        return f"La période {month_fr(period_start)} est dans le futur : on ne saisit que des valeurs mesurées."
    if period_start < PROGRAMME_START:
        return (f"La période {month_fr(period_start)} précède le programme beta.gouv.fr : "
                f"les périodes commencent en {month_fr(PROGRAMME_START)}.")
    if value < 0 and not indicator.allow_negative:
        return f"« {indicator.name} » ne peut pas être négatif."
    return None


def _existing_values(indicators: list[Indicator]) -> dict[tuple[int, dt.date], IndicatorValue]:
    if not indicators:
        return {}
    rows = db.session.scalars(
        sa.select(IndicatorValue).where(IndicatorValue.indicator_id.in_([i.id for i in indicators]))
    )
    return {(v.indicator_id, v.period_start): v for v in rows}


def _put(existing, indicator, period_start, value, comment, actor, now, keep_comment=False) -> bool:
    current = existing.get((indicator.id, period_start))
    if current is None:
        current = IndicatorValue(indicator_id=indicator.id, period_start=period_start, value=value, comment=comment,
                                 entered_by_id=actor.id if actor else None, entered_at=now)
        db.session.add(current)
        existing[(indicator.id, period_start)] = current
        return True
    new_comment = current.comment if keep_comment else comment
    if current.value == value and current.comment == new_comment:
        return False
    current.value, current.comment = value, new_comment
    current.entered_by_id, current.entered_at = (actor.id if actor else None), now
    return True


def enter_values(startup: Startup, cells: Mapping[tuple[int, dt.date], str], *, today: dt.date,
                 now: dt.datetime | None = None, actor: Person | None = None) -> int:
    """Store the cells of the values grid, all or nothing: {(indicator_id, period_start): text typed}.

    An empty cell removes the value of that period. Returns the number of values changed; raises
    ValuesError with a French message per wrong cell, writing nothing.
    """
    now = now or clock.now()
    indicators = {i.id: i for i in indicators_of(startup, include_archived=True)}
    errors: dict[tuple[int, dt.date], str] = {}
    parsed: dict[tuple[int, dt.date], Decimal | None] = {}
    for (indicator_id, period_start), text in cells.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            errors[(indicator_id, period_start)] = "Indicateur inconnu pour cette startup."
            continue
        if not (text or "").strip():
            parsed[(indicator_id, period_start)] = None
            continue
        try:
            value = parse_decimal(text)
        except ValueError as error:
            errors[(indicator_id, period_start)] = str(error)
            continue
        problem = check_value(indicator, period_start, value, today)
        if problem:
            errors[(indicator_id, period_start)] = problem
        else:
            parsed[(indicator_id, period_start)] = value
    if errors:
        raise ValuesError(errors)
    existing = _existing_values(list(indicators.values()))
    cells_before, cells_after = [], []
    for (indicator_id, period_start), value in parsed.items():
        before = _cell(existing.get((indicator_id, period_start)), indicators[indicator_id], period_start)
        if value is None:
            current = existing.pop((indicator_id, period_start), None)
            if current is not None:
                db.session.delete(current)
                cells_before.append(before)
                cells_after.append(_cell(None, indicators[indicator_id], period_start))
        elif _put(existing, indicators[indicator_id], period_start, value, None, actor, now, keep_comment=True):
            cells_before.append(before)
            cells_after.append(_cell(existing[(indicator_id, period_start)], indicators[indicator_id], period_start))
    db.session.flush()
    if cells_after:
        record("indicator.values", "startup", startup.id, actor=actor, startup_id=startup.id,
               before={"values": cells_before}, after={"changed": len(cells_after), "source": "grille",
                                                       "values": cells_after})
    return len(cells_after)


def _cell(current: IndicatorValue | None, indicator: Indicator, period_start: dt.date) -> dict:
    """One value of the grid for the audit trail: which indicator, which period, the value and its comment
    (None: no value)."""
    return {"indicator": indicator.name, "period": period_start.isoformat(),
            "value": format(Decimal(current.value).normalize(), "f") if current is not None else None,
            "comment": current.comment if current is not None else None}


@dataclass(frozen=True)
class ImportResult:
    written: int
    ignored: int


def import_values_csv(startup: Startup, data: bytes, *, today: dt.date, now: dt.datetime | None = None,
                      actor: Person | None = None) -> ImportResult:
    """Import values from a CSV file (columns indicateur, période (AAAA-MM), valeur, commentaire), all or nothing.

    Separator , or ; ; decimal comma accepted; UTF-8 with or without BOM. A row without a value is ignored.
    Raises CsvImportError listing each wrong row with its line number; nothing is written then.
    """
    now = now or clock.now()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError([(0, "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 ».")]) from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise CsvImportError([(1, "Le fichier est vide.")])
    header_line = next(line for line in lines if line.strip())
    delimiter = ";" if header_line.count(";") >= header_line.count(",") and ";" in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [fold(cell) for cell in row]
            break
    header_at = reader.line_num
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    if missing:
        raise CsvImportError([(header_at, "Colonnes attendues : indicateur, période, valeur (et commentaire, facultatif) ; "
                                          f"manquantes : {', '.join(missing)}.")])
    column = {name: header.index(name) for name in CSV_COLUMNS if name in header}

    indicators = {i.name.casefold(): i for i in indicators_of(startup)}
    errors: list[tuple[int, str]] = []
    rows: list[tuple[Indicator, dt.date, Decimal, str | None]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    ignored = 0
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue

            def cell(name: str) -> str:
                index = column.get(name)
                # A text editor keeps the apostrophe that csv_template() put before a formula-like name.
                return csv_safe.unescape_cell(row[index].strip()) if index is not None and index < len(row) else ""

            name = cell("indicateur")
            indicator = indicators.get(name.casefold())
            if indicator is None:
                errors.append((line, f"Indicateur inconnu : « {name} »." if name else "Indicateur manquant."))
                continue
            try:
                period_start = parse_period(cell("periode"))
            except ValueError as error:
                errors.append((line, str(error)))
                continue
            if not cell("valeur"):
                ignored += 1
                continue
            try:
                value = parse_decimal(cell("valeur"))
            except ValueError as error:
                errors.append((line, str(error)))
                continue
            problem = check_value(indicator, period_start, value, today)
            if problem:
                errors.append((line, problem))
                continue
            comment = cell("commentaire") or None
            if found := control_character(comment, multiline=True):
                errors.append((line, f"Le commentaire contient {found} : retirez-le."))
                continue
            if comment and len(comment) > MAX_COMMENT:
                errors.append((line, f"Le commentaire dépasse {number_fr(MAX_COMMENT)} caractères "
                                     f"({number_fr(len(comment))} saisis) : raccourcissez-le."))
                continue
            key = (indicator.id, period_start)
            if key in seen:
                errors.append((line, f"« {indicator.name} » pour {month_fr(period_start)} figure déjà ligne {seen[key]}."))
                continue
            seen[key] = line
            rows.append((indicator, period_start, value, comment))
    except csv.Error as error:
        errors.append((reader.line_num, f"Ligne illisible ({error})."))
    if errors:
        raise CsvImportError(errors)
    if not rows and not ignored:
        raise CsvImportError([(header_at, "Le fichier ne contient aucune valeur.")])
    existing = _existing_values(list(indicators.values()))
    cells_before, cells_after = [], []
    for indicator, period, value, comment in rows:
        before = _cell(existing.get((indicator.id, period)), indicator, period)
        if _put(existing, indicator, period, value, comment, actor, now):
            cells_before.append(before)
            cells_after.append(_cell(existing[(indicator.id, period)], indicator, period))
    db.session.flush()
    if cells_after:
        record("indicator.values", "startup", startup.id, actor=actor, startup_id=startup.id,
               before={"values": cells_before}, after={"changed": len(cells_after), "source": "import CSV",
                                                       "values": cells_after})
    return ImportResult(written=len(cells_after), ignored=ignored)


def csv_template(startup: Startup, month: dt.date) -> str:
    """A CSV to fill: one row per indicator entered by the team, for the given month."""
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\r\n")  # names typed as formulas stay text
    writer.writerow(["indicateur", "période", "valeur", "commentaire"])
    for indicator in indicators_of(startup):
        if not indicator.kind.is_computed:
            writer.writerow([indicator.name, indicator.frequency.period_start(month).strftime("%Y-%m"), "", ""])
    return "\ufeff" + out.getvalue()  # the BOM makes spreadsheet software read UTF-8


# --- Objectives and budgets --------------------------------------------------------------------------------


def set_objective(indicator: Indicator, *, target_value: Decimal, target_on: dt.date, now: dt.datetime | None = None,
                  actor: Person | None = None, comment: str | None = None,
                  committee_id: int | None = None) -> Objective:
    """Record an objective (a target value at a date). Earlier objectives stay: committees compare with them."""
    if indicator.is_archived:
        raise IndicatorError("Un indicateur archivé ne reçoit plus d'objectif.")
    if target_value < 0 and not indicator.allow_negative:
        raise IndicatorError(f"L'objectif de « {indicator.name} » ne peut pas être négatif.")
    if abs(target_value) >= MAX_VALUE:
        raise IndicatorError("L'objectif est trop grand.")
    OBJECTIVE_DATE.check(target_on, "Date cible", clock.day_of(now or clock.now()), IndicatorError)
    objective = Objective(indicator=indicator, target_value=target_value, target_on=target_on,
                          comment=(comment or "").strip() or None, set_at=now or clock.now(),
                          set_by_id=actor.id if actor else None, committee_id=committee_id)
    db.session.add(objective)
    db.session.flush()
    record("indicator.objective", "indicator", indicator.id, actor=actor, startup_id=indicator.startup_id,
           after={"target_value": target_value, "target_on": target_on, "committee_id": committee_id})
    return objective


def _objective_state(objective: Objective) -> dict:
    return {"objective_id": objective.id, "target_value": objective.target_value, "target_on": objective.target_on,
            "comment": objective.comment}


def _check_correctable(objective: Objective, committee_correction: bool) -> None:
    """An objective a committee set is what the committee decided: the team sets a new one beside it (the
    committee's stays, the next committee compares with it); only a correction allowed as such (an admin's,
    indicators.correct_committee_objective) changes it."""
    if objective.committee_id is not None and not committee_correction:
        raise IndicatorError("Cet objectif a été fixé par un comité : il ne se corrige ni ne se supprime ici "
                             "(seul un administrateur le peut). Pour viser autre chose, fixez un nouvel objectif ; "
                             "celui du comité reste dans l'historique.")


def edit_objective(objective: Objective, *, target_value: Decimal, target_on: dt.date, comment: str | None,
                   now: dt.datetime | None = None, actor: Person | None = None,
                   committee_correction: bool = False) -> bool:
    """Correct an objective entered wrong (its value, date or comment): charts and agendas compare with
    it. Same rules as set_objective; audited with the values before and after. Returns whether anything
    changed."""
    _check_correctable(objective, committee_correction)
    indicator = objective.indicator
    if target_value < 0 and not indicator.allow_negative:
        raise IndicatorError(f"L'objectif de « {indicator.name} » ne peut pas être négatif.")
    if abs(target_value) >= MAX_VALUE:
        raise IndicatorError("L'objectif est trop grand.")
    OBJECTIVE_DATE.check(target_on, "Date cible", clock.day_of(now or clock.now()), IndicatorError)
    before = _objective_state(objective)
    objective.target_value, objective.target_on = target_value, target_on
    objective.comment = (comment or "").strip() or None
    after = _objective_state(objective)
    if after == before:
        return False
    db.session.flush()
    record("indicator.objective_edited", "indicator", indicator.id, actor=actor, startup_id=indicator.startup_id,
           before=before, after=after)
    return True


def delete_objective(objective: Objective, *, actor: Person | None = None, committee_correction: bool = False) -> None:
    """Delete an objective entered by mistake; the audit event keeps what it said."""
    _check_correctable(objective, committee_correction)
    indicator = objective.indicator
    before = _objective_state(objective) | {"committee_id": objective.committee_id}
    indicator.objectives.remove(objective)
    db.session.delete(objective)
    db.session.flush()
    record("indicator.objective_deleted", "indicator", indicator.id, actor=actor, startup_id=indicator.startup_id,
           before=before)


def set_budget(startup: Startup, *, year: int, amount_eur: int, now: dt.datetime | None = None,
               actor: Person | None = None) -> StartupBudget:
    """Set the startup's budget for a calendar year (euros), replacing the one entered before."""
    if year is None or amount_eur is None:  # the bounds below let an empty value through
        raise IndicatorError("L'année et le montant sont obligatoires.")
    budget_years(clock.day_of(now or clock.now())).check(year, "Année", IndicatorError)
    AMOUNT_EUR.check(amount_eur, "Budget annuel (en euros)", IndicatorError)
    budget = db.session.scalar(
        sa.select(StartupBudget).where(StartupBudget.startup_id == startup.id, StartupBudget.year == year)
    )
    before = {"amount_eur": budget.amount_eur} if budget else None
    if budget is None:
        budget = StartupBudget(startup_id=startup.id, year=year, amount_eur=amount_eur)
        db.session.add(budget)
    budget.amount_eur = amount_eur
    budget.entered_by_id = actor.id if actor else None
    budget.entered_at = now or clock.now()
    db.session.flush()
    record("startup.budget", "startup_budget", budget.id, actor=actor, startup_id=startup.id,
           before=before, after={"year": year, "amount_eur": amount_eur})
    return budget


def set_reporting(startup: Startup, value: str, *, actor: Person | None = None) -> bool:
    """Set how often the startup is asked for its values (the scheduler's monthly request); returns whether
    it changed. An unknown value is refused with a French message."""
    try:
        frequency = Reporting(value)
    except ValueError:
        raise IndicatorError(f"« {value} » n'est pas une fréquence de demande possible.") from None
    row = db.session.get(IndicatorReporting, startup.id)
    before = row.frequency if row is not None else Reporting.MONTHLY
    if before is frequency:
        return False
    if row is None:
        row = IndicatorReporting(startup_id=startup.id)
        db.session.add(row)
    row.frequency = frequency
    row.updated_at = clock.now()
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
    record("indicator.reporting", "startup", startup.id, actor=actor, startup_id=startup.id,
           before={"reporting": before.value}, after={"reporting": frequency.value})
    return True
