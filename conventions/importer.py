"""`flask conventions import FILE`: conventions, their yearly schedule and releases, and orders from a CSV file,
the way finance teams keep them. Each line is checked by the same services as the pages (every invariant
holds); a bad line is rejected alone, with its number and reason; a second run writes nothing.

One file, one line per record, its kind in the column `type`:
- `convention`: reference, nature, intitule, partenaire, startups, date_effet, date_fin, montants, the Chorus
  codes, and optionally the signatures (date, name, title of each party);
- `annee`: reference, annee, ae, cp (planned), and optionally ae_mises_a_disposition, cp_mis_a_disposition,
  date_mise_a_disposition;
- `commande`: reference, startup, numero, titulaire, montant, date_engagement, activite, ressource.
Amounts in euros (« 42000 », « 42000.50 » or « 42 000,50 »), dates AAAA-MM-JJ, startups separated by « | ».
"""

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from conventions import services
from conventions import spending
from conventions.models import Activity, Convention, ConventionKind, Order, Party, Resource, TaxBasis
from conventions.values import ConventionError, cents_fr, parse_cents
from core import csv_safe
from core.text import control_character, whole_number
from core.db import db
from core.formats import date_fr
from startups.models import Organisation, Startup

COLUMNS = (
    "type", "reference", "nature", "intitule", "partenaire", "startups", "date_effet", "date_fin", "montants",
    "uo", "domaine_fonctionnel", "centre_financier", "activites", "centre_cout", "axe_ministeriel",
    "signature_partenaire", "signataire_partenaire", "qualite_partenaire",
    "signature_dinum", "signataire_dinum", "qualite_dinum",
    "annee", "ae", "cp", "ae_mises_a_disposition", "cp_mis_a_disposition", "date_mise_a_disposition",
    "startup", "numero", "titulaire", "montant", "date_engagement", "activite", "ressource",
)
REQUIRED = ("type", "reference")
KINDS = {"convention": "Conventions", "annee": "Années", "commande": "Bons de commande"}
EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2

TEMPLATE_ROWS = (
    {"type": "convention", "reference": "CSM-DINUM-2024", "nature": "delegation",
     "intitule": "Délégation de gestion CSM – DINUM", "partenaire": "csm", "startups": "fondation",
     "date_fin": "2024-12-31", "montants": "HT", "uo": "0335-CCSM-C001", "domaine_fonctionnel": "0335-01",
     "centre_financier": "0335-CCSM-C001", "activites": "033501010101", "centre_cout": "DSJCSM1075",
     "signature_partenaire": "2024-01-16", "signataire_partenaire": "Secrétaire général",
     "qualite_partenaire": "Ordonnateur secondaire", "signature_dinum": "2024-01-16",
     "signataire_dinum": "Directeur de la DINUM", "qualite_dinum": "Directeur"},
    {"type": "annee", "reference": "CSM-DINUM-2024", "annee": "2024", "ae": "42000", "cp": "42000",
     "ae_mises_a_disposition": "42000", "cp_mis_a_disposition": "42000", "date_mise_a_disposition": "2024-02-01"},
    {"type": "commande", "reference": "CSM-DINUM-2024", "startup": "fondation", "numero": "BC-2024-001",
     "titulaire": "Titulaire du marché", "montant": "20000", "date_engagement": "2024-03-01",
     "activite": "developpement", "ressource": "prestations"},
)


class ImportFileError(Exception):
    """The file cannot be read at all (exit 2)."""


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rejected: list[tuple[int, str]] = field(default_factory=list)
    rejected_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def reject(self, line: int, kind: str, reason: str) -> None:
        self.rejected.append((line, reason))
        self.rejected_kinds[kind] += 1


def template_csv() -> str:
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in TEMPLATE_ROWS:
        writer.writerow([row.get(key, "") for key in COLUMNS])
    return out.getvalue()


def read_rows(path: Path) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ImportFileError(f"Fichier illisible : {path} ({error.strerror or error}).") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path} n'est pas en UTF-8.") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(f"Colonnes obligatoires absentes : {', '.join(missing)} (voir le modèle).")
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise ImportFileError(f"Colonnes inconnues : {', '.join(unknown)} (voir le modèle).")
    # csv.DictReader keeps the last of two columns of the same name: the other one's values would be lost unseen.
    doubled = list(dict.fromkeys(name for name in header if name and header.count(name) > 1))
    if doubled:
        raise ImportFileError(f"Colonnes en double : {', '.join(doubled)} ; chacune ne figure qu'une fois dans "
                              "l'en-tête (voir le modèle).")
    reader.fieldnames = header
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]


def _date(row: dict, key: str, label: str, required: bool = False) -> dt.date | None:
    value = row.get(key, "")
    if not value:
        if required:
            raise ConventionError(f"{label} ({key}) est obligatoire.")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConventionError(f"{label} ({key}) « {value} » n'est pas une date AAAA-MM-JJ.") from None


def _enum(enum_type, value: str, key: str):
    try:
        return enum_type(value.lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise ConventionError(f"« {value} » n'est pas une valeur de {key} ({allowed}).") from None


def _amount(row: dict, key: str, required: bool = True) -> int:
    if not row.get(key) and not required:
        return 0
    return parse_cents(row.get(key), label=f"Le montant {key}")


def import_file(path: Path, *, today: dt.date) -> Report:
    """Read and apply the file; each line in its own savepoint, so that a refused line writes nothing."""
    rows = read_rows(path)
    report = Report()
    groups: dict[str, dict] = defaultdict(lambda: {"convention": None, "annee": [], "commande": []})
    order_lines: dict[tuple[str, str], int] = {}
    for line, row in rows:
        kind = row.get("type", "").lower()
        if kind not in KINDS:
            report.reject(line, "convention", f"type « {row.get('type', '')} » inconnu (convention, annee ou commande).")
            continue
        if not row.get("reference"):
            report.reject(line, kind, "la colonne reference est vide.")
            continue
        # Before any lookup: PostgreSQL refuses a NUL in a query, and no cell of the file is multi-line.
        found = next(((key, char) for key, value in row.items() if (char := control_character(value))), None)
        if found:
            report.reject(line, kind, f"la colonne {found[0]} contient {found[1]} : une valeur tient sur une ligne.")
            continue
        group = groups[row["reference"]]
        if kind == "convention":
            if group["convention"] is not None:
                report.reject(line, kind, f"la convention {row['reference']} figure déjà ligne {group['convention'][0]}.")
                continue
            group["convention"] = (line, row)
        elif kind == "commande" and row.get("numero"):
            # Two lines for one order: whichever came second would be counted « inchangée » (or imported
            # when the first was refused), its amount and date lost unseen.
            key = (row["reference"], row["numero"])
            if key in order_lines:
                report.reject(line, kind, f"le bon de commande n° {row['numero']} de la convention {row['reference']} "
                                          f"figure déjà ligne {order_lines[key]}.")
                continue
            order_lines[key] = line
            group[kind].append((line, row))
        else:
            group[kind].append((line, row))
    for reference, group in groups.items():
        convention = db.session.scalars(sa.select(Convention).where(Convention.reference == reference)).first()
        if convention is not None:
            if group["convention"]:
                report.unchanged["convention"] += 1
            for line, row in group["annee"]:
                _known_year(convention, line, row, report)
        elif group["convention"] is None:
            for kind in ("annee", "commande"):
                for line, _ in group[kind]:
                    report.reject(line, kind, f"aucune convention {reference}, ni dans la base ni dans le fichier.")
            continue
        else:
            convention = _create(reference, group, report, today)
            if convention is None:
                for line, row in group["commande"]:
                    report.reject(line, "commande", f"la convention {reference} a été rejetée.")
                continue
        _orders(convention, group["commande"], report, today)
    return report


def _year_of(row: dict) -> int:
    text = row.get("annee", "")
    year = whole_number(text)
    if year is None:
        raise ConventionError(f"l'année « {text} » n'est pas une année.")
    return year


def _year_line(row: dict, year: int, ends_on: dt.date | None) -> tuple[int, int, int, int, dt.date | None]:
    """A schedule line held to its own rules (its amounts, its release, its year within the convention's end):
    (AE and CP planned, AE and CP released, released on)."""
    ae, cp = _amount(row, "ae"), _amount(row, "cp")
    services.check_schedule_year(year, ae, cp, ends_on)
    released_on = _date(row, "date_mise_a_disposition", "La date de mise à disposition")
    ae_released, cp_released = _amount(row, "ae_mises_a_disposition", False), _amount(row, "cp_mis_a_disposition", False)
    if (ae_released or cp_released) and released_on is None:
        raise ConventionError("une mise à disposition demande date_mise_a_disposition.")
    return ae, cp, ae_released, cp_released, released_on


def _years(group: dict, report: Report) -> tuple[dict[int, tuple], list[tuple[int, str]]]:
    """The schedule lines of a convention the file brings, each checked alone: {year: (AE, CP, AE released, CP
    released, released on, line)} and the refused lines with their reasons, which _create reports once it
    knows whether the convention was imported. Two lines for one year: the second is rejected here."""
    try:
        ends_on = _date(group["convention"][1], "date_fin", "La date de fin")
    except ConventionError:
        ends_on = None  # the convention line is refused for it, and its years with it
    years, seen, refused = {}, {}, []
    for line, row in group["annee"]:
        try:
            year = _year_of(row)
            if year in seen:  # whatever became of the first line
                report.reject(line, "annee", f"l'année {year} figure déjà ligne {seen[year]}.")
                continue
            seen[year] = line
            years[year] = (*_year_line(row, year, ends_on), line)
        except ConventionError as error:
            refused.append((line, error.message))
    return years, refused


def _known_year(convention: Convention, line: int, row: dict, report: Report) -> None:
    """A schedule line of a convention already recorded, which the import leaves as it is: « inchangée » when
    the schedule holds that year with the same AE and CP planned, rejected otherwise (a year the file adds or
    changes would else be lost unseen)."""
    try:
        year = _year_of(row)
        ae, cp, *_ = _year_line(row, year, convention.ends_on)
        recorded = convention.year(year)
        if recorded is None:
            raise ConventionError(
                f"l'année {year} n'est pas dans l'échéancier de la convention {convention.reference} déjà "
                "enregistrée, et l'import ne modifie pas une convention connue : ajoutez-la sur la page de la "
                "convention (par avenant une fois signée).")
        if (recorded.ae_planned_cents, recorded.cp_planned_cents) != (ae, cp):
            raise ConventionError(
                f"l'échéancier {year} de la convention {convention.reference} déjà enregistrée prévoit "
                f"{cents_fr(recorded.ae_planned_cents)} d'AE et {cents_fr(recorded.cp_planned_cents)} de CP, et "
                f"l'import ne le modifie pas : la ligne dit {cents_fr(ae)} d'AE et {cents_fr(cp)} de CP.")
    except ConventionError as error:
        report.reject(line, "annee", error.message)
        return
    report.unchanged["annee"] += 1


def _create(reference: str, group: dict, report: Report, today: dt.date) -> Convention | None:
    line, row = group["convention"]
    years, refused = _years(group, report)
    savepoint = db.session.begin_nested()
    try:
        partner = db.session.get(Organisation, row.get("partenaire", ""))
        if partner is None:
            raise ConventionError(f"l'organisation partenaire « {row.get('partenaire', '')} » est inconnue.")
        ids = [s.strip() for s in row.get("startups", "").split("|") if s.strip()]
        startups = list(db.session.scalars(sa.select(Startup).where(Startup.id.in_(ids))))
        unknown = sorted(set(ids) - {s.id for s in startups})
        if unknown:
            raise ConventionError(f"startup(s) inconnue(s) : {', '.join(unknown)}.")
        fields = {
            "kind": _enum(ConventionKind, row.get("nature") or "delegation", "nature"),
            "title": row.get("intitule", ""), "reference": reference,
            "starts_on": _date(row, "date_effet", "La date d'effet"), "ends_on": _date(row, "date_fin", "La date de fin", True),
            "tax_basis": _enum(TaxBasis, row.get("montants") or "ht", "montants"),
            "chorus_uo": row.get("uo") or None, "chorus_domaine": row.get("domaine_fonctionnel") or None,
            "chorus_centre_financier": row.get("centre_financier") or None,
            "chorus_activites": row.get("activites") or None, "chorus_centre_cout": row.get("centre_cout") or None,
            "chorus_axe": row.get("axe_ministeriel") or None,
        }
        convention = services.create_convention(
            actor=None, partner=partner, startups=startups,
            years={year: (values[0], values[1]) for year, values in years.items()}, today=today, **fields)
        for party, prefix in ((Party.PARTNER, "partenaire"), (Party.DINUM, "dinum")):
            signed_on = _date(row, f"signature_{prefix}", f"La signature ({prefix})")
            if signed_on is not None:
                services.sign(convention, party, signatory=row.get(f"signataire_{prefix}", ""),
                              signatory_title=row.get(f"qualite_{prefix}", ""), signed_on=signed_on,
                              actor=None, today=today)
    except ConventionError as error:
        savepoint.rollback()
        report.reject(line, "convention", error.message)
        for year_line, reason in refused:
            report.reject(year_line, "annee", reason)
        for year, values in years.items():
            report.reject(values[5], "annee", f"la convention {reference} (ligne {line}) a été rejetée.")
        return None
    savepoint.commit()
    report.created["convention"] += 1
    # The convention stands without the refused lines; signed, its schedule is then not the one signed, and
    # only an avenant changes it (BUDGETS.md: after signature, amounts change through an avenant only).
    if convention.is_signed:
        consequence = (f"La convention {reference} est importée sans cette ligne : signée, son échéancier n'est donc "
                       "pas celui de la convention signée, et ne se complète plus que par avenant.")
    else:
        consequence = (f"La convention {reference} est importée sans cette ligne, en brouillon : l'année s'ajoute "
                       "sur sa page.")
    for year_line, reason in refused:
        report.reject(year_line, "annee", f"{reason} {consequence}")
    for year, (_, _, ae_released, cp_released, released_on, year_line) in sorted(years.items()):
        savepoint = db.session.begin_nested()
        try:
            if ae_released or cp_released:
                services.release(convention, year=year, released_on=released_on, ae_cents=ae_released,
                                 cp_cents=cp_released, actor=None, today=today)
        except ConventionError as error:
            savepoint.rollback()
            report.reject(year_line, "annee", f"l'échéancier {year} est importé, sa mise à disposition refusée : "
                                              f"{error.message}")
            continue
        savepoint.commit()
        report.created["annee"] += 1
    return convention


def _orders(convention: Convention, lines: list[tuple[int, dict]], report: Report, today: dt.date) -> None:
    """The order lines of one convention: a known order is compared with its line, the others are read, then
    engaged together by spending.engage_orders (the convention locked once, the ceilings checked for each order
    against what the ones before it engaged); each bad line is rejected alone."""
    known = {order.number: order for order in convention.orders}
    new = []
    for line, row in lines:
        try:
            if row.get("numero", "") in known:
                _same_order(known[row["numero"]], row)
                report.unchanged["commande"] += 1
                continue
            startup = next((s for s in convention.startups if s.id == row.get("startup")), None)
            if startup is None:
                raise ConventionError(f"la convention {convention.reference} ne couvre pas la startup « {row.get('startup', '')} ».")
            new.append((line, {
                "startup": startup, "number": row.get("numero", ""), "holder": row.get("titulaire", ""),
                "amount_cents": _amount(row, "montant"),
                "engaged_on": _date(row, "date_engagement", "La date d'engagement", True),
                "activity": _enum(Activity, row.get("activite") or "", "activite"),
                "resource": _enum(Resource, row.get("ressource") or "", "ressource")}))
        except ConventionError as error:
            report.reject(line, "commande", error.message)
    if not new:
        return
    try:
        results = spending.engage_orders(convention, [fields for _, fields in new], actor=None, today=today)
    except ConventionError as error:  # the convention takes no order (a draft, ended): every line says why
        results = [error] * len(new)
    for (line, _), result in zip(new, results):
        if isinstance(result, ConventionError):
            report.reject(line, "commande", result.message)
        else:
            report.created["commande"] += 1


def _same_order(order: Order, row: dict) -> None:
    """An order already recorded is left as it is: a line that says otherwise of what it engages is refused,
    not counted « inchangée »."""
    amount, engaged_on = _amount(row, "montant"), _date(row, "date_engagement", "La date d'engagement", True)
    if (amount, engaged_on, row.get("startup")) != (order.amount_cents, order.engaged_on, order.startup_id):
        raise ConventionError(
            f"le bon de commande n° {order.number} est déjà enregistré sur la convention {order.convention.reference} "
            f"({cents_fr(order.amount_cents)} engagés le {date_fr(order.engaged_on)} pour « {order.startup_id} ») "
            f"et l'import ne le modifie pas : la ligne dit {cents_fr(amount)} le {date_fr(engaged_on)} pour "
            f"« {row.get('startup', '')} ».")


def summary(report: Report) -> str:
    lines = [f"{'':18}{'créées':>8}{'inchangées':>12}{'rejetées':>10}"]
    for kind, label in KINDS.items():
        lines.append(f"{label:18}{report.created[kind]:>8}{report.unchanged[kind]:>12}{report.rejected_kinds[kind]:>10}")
    for line, reason in sorted(report.rejected):
        lines.append(f"Ligne {line} rejetée : {reason}")
    return "\n".join(lines)


EXPORT_COLUMNS = ("reference", "intitule", "nature", "partenaire", "startups", "signee_le", "date_effet", "date_fin",
                  "resiliee_le", "montants", "uo", "domaine_fonctionnel", "centre_financier", "activites",
                  "centre_cout", "publication_datagouv", "publication_gouvernement", "avenants", "annee",
                  "ae_prevues", "ae_mises_a_disposition", "engage", "cp_prevus", "cp_mis_a_disposition", "paye")


def _euros(cents: int) -> str:
    """A plain number for a CSV: « 42000.50 » (exact, from cents)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d}"


def export_csv(conventions) -> str:
    """The published conventions, one line per convention and year, ready for the data.gouv.fr dataset."""
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for item in conventions:
        head = [item.reference or "", item.title, item.kind.value, item.partner.name, "|".join(s.id for s in item.startups),
                _iso(item.signed_on), _iso(item.starts_on), _iso(item.ends_on), _iso(item.terminated_on),
                item.tax_basis.label, item.chorus_uo or "", item.chorus_domaine or "", item.chorus_centre_financier or "",
                item.chorus_activites or "", item.chorus_centre_cout or "", item.datagouv_url or "",
                item.gouvernement_url or "", str(len(item.amendments))]
        for year, numbers in services.figures(item).items():
            writer.writerow(head + [str(year), _euros(numbers.ae_planned), _euros(numbers.ae_released),
                                    _euros(numbers.engaged), _euros(numbers.cp_planned), _euros(numbers.cp_released),
                                    _euros(numbers.paid)])
    return out.getvalue()


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""
