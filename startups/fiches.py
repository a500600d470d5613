"""Parse beta.gouv.fr fiches (Markdown files with a YAML front matter) into plain dataclasses.

Every format found in the public data is accepted: the current one (2026), the `phases:` lists with
legacy names (2021, 2023) and the pre-2020 single `status:` with a top-level `start:`/`end:`. Anything
that cannot be understood raises FicheError with a French reason; nothing here touches the database.

What the database would refuse, or store and publish as it is, is refused here, in French, naming the field:
a text longer than its column, a control character (NUL, escape, bell… in any text; a line feed or a tab
outside the multi-line texts: mission, comments, description, address), a number outside its bounds
(core/bounds.py). A value the database refused anyway would be rejected alone by the import, with its
reason in English.
"""

import dataclasses
import datetime as dt
import html
import re
import unicodedata
from pathlib import Path

import yaml

from core.bounds import AMOUNT_EUR, Range
from core.text import control_character
from startups.models import EventKind, unprintable_in_id
from startups.phases import Phase, UnknownPhase, parse_phase, resolve_starts

try:  # libyaml is about 7 times faster on the real fiches (measured on the bundled snapshot)
    Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    Loader = yaml.SafeLoader

EVENT_NAMES = tuple(kind.value for kind in EventKind)

# Column sizes of startups/models.py: a longer value is rejected here rather than by the database
# (SQLite would store it, PostgreSQL would refuse it).
ID_MAX = 200
NAME_MAX = 300
URL_MAX = 1000
SHORT_MAX = 100
# A FAST amount is euros granted to a startup (120 000 €, 300 000 €): the bounds of every amount of Jalons.
FAST_AMOUNT = AMOUNT_EUR
# The FAST calls are numbered from 1 (the 17th in 2026).
FAST_PROMOTION = Range(0, 1000, "", grouped=False)


class FicheError(ValueError):
    """A fiche that cannot be imported; str() is the French reason shown to the user."""


@dataclasses.dataclass
class PeriodData:
    position: int
    phase: Phase
    source_name: str | None  # the name written in the fiche, when it differs from the phase's code
    start_on: dt.date | None
    end_on: dt.date | None
    comment: str | None
    effective_start_on: dt.date | None = None  # filled by phases.resolve_starts


@dataclasses.dataclass(frozen=True)
class EventData:
    position: int
    kind: EventKind
    happened_on: dt.date
    comment: str | None


@dataclasses.dataclass(frozen=True)
class OrganisationData:
    id: str
    name: str
    acronym: str | None = None
    kind: str | None = None
    ministerial_domain: str | None = None


@dataclasses.dataclass(frozen=True)
class SponsorRef:
    """A sponsor of a startup: a reference to an organisation fiche, or (2021) an inline description."""

    id: str
    inline: OrganisationData | None = None


@dataclasses.dataclass
class StartupData:
    id: str
    name: str
    mission: str | None = None
    incubator_id: str | None = None
    # Further incubators of the 2026 `incubators:` list, the main one excluded, in source order.
    co_incubator_ids: list[str] = dataclasses.field(default_factory=list)
    legacy_owner: str | None = None
    link: str | None = None
    repository: str | None = None
    stats: bool | None = None
    stats_url: str | None = None
    impact_url: str | None = None
    budget_url: str | None = None
    dashlord_url: str | None = None
    user_types: list[str] = dataclasses.field(default_factory=list)
    themes: list[str] = dataclasses.field(default_factory=list)
    techno: list[str] = dataclasses.field(default_factory=list)
    accessibility_status: str | None = None
    risk_analysis_done: bool | None = None
    risk_analysis_url: str | None = None
    mon_service_securise: bool | None = None
    fast_promotion: int | None = None
    fast_amount: int | None = None
    sponsors: list[SponsorRef] = dataclasses.field(default_factory=list)
    periods: list[PeriodData] = dataclasses.field(default_factory=list)
    events: list[EventData] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class IncubatorData:
    id: str
    name: str
    owner_id: str | None = None
    website: str | None = None
    github: str | None = None
    address: str | None = None
    description: str | None = None


# --- front matter --------------------------------------------------------------------------------


def fiche_id(path: Path) -> str:
    """The id of a fiche: its file name without `.md`, kept exactly (accents, capitals, dots)."""
    return path.name[: -len(".md")] if path.name.endswith(".md") else path.name


def read_front_matter(text: str) -> dict:
    """The YAML mapping between the first two `---` lines."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise FicheError("pas d'en-tête YAML : le fichier doit commencer par une ligne « --- »")
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":
            break
    else:
        raise FicheError("en-tête YAML non fermé : il manque la seconde ligne « --- »")
    try:
        data = yaml.load("\n".join(lines[1:index]), Loader=Loader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 2 if error.problem_mark else None  # +1: 0-based, +1: the `---`
        where = f" (ligne {line})" if line else ""
        raise FicheError(f"YAML illisible{where} : {error.problem}") from None
    except yaml.YAMLError as error:
        raise FicheError(f"YAML illisible : {error}") from None
    except ValueError as error:  # e.g. an unquoted 2024-13-01, which the YAML loader turns into a date
        raise FicheError(f"valeur invalide dans l'en-tête YAML : {error}") from None
    if data is None:
        raise FicheError("en-tête YAML vide")
    if not isinstance(data, dict):
        raise FicheError("l'en-tête YAML doit être une liste de clés et de valeurs")
    return data


def read_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FicheError("le fichier n'est pas en UTF-8") from None
    except OSError as error:
        raise FicheError(f"fichier illisible : {error.strerror}") from None
    return read_front_matter(text)


# --- values --------------------------------------------------------------------------------------


TAG = re.compile(r"<[^>]*>")


def _plain(value: str | None) -> str | None:
    """Text of a field that beta.gouv.fr's site renders as HTML (incubators' descriptions carry
    <span class="fr-text--bold">…</span>): Jalons shows text, escaped, so the tags are dropped."""
    if value is None:
        return None
    return " ".join(html.unescape(TAG.sub("", value)).split()) or None


def _text(data: dict, key: str, *, max_len: int | None = None, required: bool = False, label: str | None = None,
          multiline: bool = False):
    """A stripped text, None when empty. A single-line text (a name, an id) refuses every control character,
    a multi-line one (a mission, a comment) every one but line feeds, carriage returns and tabs."""
    value = data.get(key)
    label = label or key
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise FicheError(f"« {label} » doit être un texte")
    if isinstance(value, (int, float)):
        value = str(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    value = value.strip() if isinstance(value, str) else None
    if not value:
        if required:
            raise FicheError(f"« {label} » est obligatoire")
        return None
    if max_len and len(value) > max_len:
        raise FicheError(f"« {label} » dépasse {max_len} caractères")
    _check_controls(value, label, multiline=multiline)
    return value


def _check_controls(value: str, label: str, *, multiline: bool = False) -> None:
    """PostgreSQL refuses a NUL; SQLite would store an escape or a bell as it is, and publish it in the pages,
    the CSV and the API: refused, as in the forms (core/fields.py) and the services."""
    found = control_character(value, multiline=multiline)
    if found is None:
        return
    if multiline:
        raise FicheError(f"« {label} » ne peut pas contenir {found}")
    raise FicheError(f"« {label} » doit tenir sur une ligne : il ne peut pas contenir {found}")


def _bool(data: dict, key: str) -> bool | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, bool):
        raise FicheError(f"« {key} » doit valoir true ou false, pas « {value} »")
    return value


def _int(value, label: str, bounds: Range) -> int | None:
    """An integer within its bounds: 3 000 000 000 € fits no column of PostgreSQL's, 10^20 none of SQLite's."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FicheError(f"« {label} » doit être un nombre entier")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\d[\d\s\u202f\u00a0]*", value.strip()):
        number = int(re.sub(r"\D", "", value))
    else:
        raise FicheError(f"« {label} » doit être un nombre entier, pas « {value} »")
    refusal = bounds.refusal(number, label)
    if refusal:
        raise FicheError(refusal.rstrip("."))
    return number


def _date(value, label: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FicheError(f"date invalide pour « {label} » : « {value} » (attendu AAAA-MM-JJ)")


def _strings(data: dict, key: str) -> list[str]:
    value = data.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise FicheError(f"« {key} » doit être une liste")
    result = []
    for item in value:
        if item is None:
            continue
        if isinstance(item, (list, dict)):
            raise FicheError(f"« {key} » doit être une liste de textes")
        item = str(item).strip()
        _check_controls(item, key)
        if item and item not in result:
            result.append(item)
    return result


def normalise_link(value, label: str = "lien") -> str | None:
    """A usable URL from what fiches hold: surrounding spaces, HTML entities, a stray `;`, no scheme."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FicheError(f"« {label} » doit être une adresse web")
    link = html.unescape(value).strip().rstrip(";,").strip()
    if not link:
        return None
    link = re.sub(r"\s+", "%20", link)
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link):
        link = "https://" + link.lstrip("/")
    if len(link) > URL_MAX:
        raise FicheError(f"« {label} » dépasse {URL_MAX} caractères")
    _check_controls(link, label)  # the spaces and line feeds are %20 by now: a NUL, an escape are left
    return link


def _link(data: dict, key: str) -> str | None:
    return normalise_link(data.get(key), key)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def organisation_ref(value, label: str) -> str | None:
    """`/organisations/x` (or plain `x`) → `x`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FicheError(f"« {label} » doit être une référence « /organisations/… »")
    ref = value.strip().rstrip("/")
    if ref.startswith("/organisations/"):
        ref = ref[len("/organisations/"):]
    if len(ref) > ID_MAX:
        raise FicheError(f"« {label} » dépasse {ID_MAX} caractères")
    _check_controls(ref, label)
    return _check_ref(ref, label) or None


# --- fiches --------------------------------------------------------------------------------------


def parse_organisation(id: str, data: dict) -> OrganisationData:
    _check_id(id)
    return OrganisationData(
        id=id,
        name=_text(data, "name", max_len=NAME_MAX, required=True),
        acronym=_text(data, "acronym", max_len=SHORT_MAX),
        kind=_text(data, "type", max_len=SHORT_MAX),
        ministerial_domain=_text(data, "domaine_ministeriel", max_len=SHORT_MAX),
    )


def parse_incubator(id: str, data: dict) -> IncubatorData:
    _check_id(id)
    return IncubatorData(
        id=id,
        name=_text(data, "title", max_len=NAME_MAX, required=True),
        owner_id=organisation_ref(data.get("owner") or None, "owner"),
        website=_short_link(data, "website"),
        github=_short_link(data, "github"),
        address=_text(data, "address", max_len=500, multiline=True),
        description=_plain(_text(data, "short_description", multiline=True)),
    )


def _short_link(data: dict, key: str) -> str | None:
    link = _link(data, key)
    if link and len(link) > 500:
        raise FicheError(f"« {key} » dépasse 500 caractères")
    return link


def parse_startup(id: str, data: dict) -> StartupData:
    _check_id(id)
    fast = data.get("fast") or {}
    if not isinstance(fast, dict):
        raise FicheError("« fast » doit contenir « promotion » et « montant »")
    incubator_id = _check_ref(_text(data, "incubator", max_len=ID_MAX), "incubator")
    co_incubators = [_check_ref(i, "incubators") for i in _strings(data, "incubators") if i != incubator_id]
    if any(len(i) > ID_MAX for i in co_incubators):
        raise FicheError(f"« incubators » : identifiant de plus de {ID_MAX} caractères")
    startup = StartupData(
        id=id,
        name=_text(data, "title", max_len=NAME_MAX, required=True),
        mission=_text(data, "mission", multiline=True),
        incubator_id=incubator_id,
        co_incubator_ids=co_incubators,
        legacy_owner=_text(data, "owner", max_len=500),
        link=_link(data, "link"),
        repository=_link(data, "repository"),
        stats=_bool(data, "stats"),
        stats_url=_link(data, "stats_url"),
        impact_url=_link(data, "impact_url"),
        budget_url=_link(data, "budget_url"),
        dashlord_url=_link(data, "dashlord_url"),
        user_types=_strings(data, "usertypes"),
        themes=_strings(data, "thematiques"),
        techno=_strings(data, "techno"),
        accessibility_status=_text(data, "accessibility_status", max_len=SHORT_MAX),
        risk_analysis_done=_bool(data, "analyse_risques"),
        risk_analysis_url=_link(data, "analyse_risques_url"),
        mon_service_securise=_bool(data, "mon_service_securise"),
        fast_promotion=_int(fast.get("promotion"), "fast.promotion", FAST_PROMOTION),
        fast_amount=_int(fast.get("montant"), "fast.montant", FAST_AMOUNT),
        sponsors=_sponsors(data.get("sponsors")),
        periods=_periods(data),
        events=_events(data.get("events")),
    )
    return startup


def _check_id(id: str) -> None:
    """The file name is the id, kept exactly: it must be one the pages can be reached by."""
    if not id or len(id) > ID_MAX:
        raise FicheError(f"nom de fichier vide ou de plus de {ID_MAX} caractères")
    if found := unprintable_in_id(id):
        raise FicheError(f"le nom du fichier « {id}.md » ne peut pas servir d'identifiant : il contient le "
                         f"caractère non imprimable {found} (la page de la fiche serait introuvable)")


def _check_ref(ref: str | None, label: str) -> str | None:
    """An incubator or an organisation named by a fiche: the id of its page, by the same rule as _check_id (a
    placeholder would be created by that id)."""
    if ref and (found := unprintable_in_id(ref)):
        raise FicheError(f"« {label} » : l'identifiant « {ref} » contient le caractère non imprimable {found}")
    return ref


def _sponsors(value) -> list[SponsorRef]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise FicheError("« sponsors » doit être une liste")
    sponsors: dict[str, SponsorRef] = {}
    for index, item in enumerate(value, start=1):
        if item is None:
            continue
        if isinstance(item, dict):  # 2021: the organisation described inline
            label = f"sponsors n°{index}"
            name = _text(item, "name", max_len=NAME_MAX, required=True, label=f"{label} : name")
            acronym = _text(item, "acronym", max_len=SHORT_MAX, label=f"{label} : acronym")
            slug = slugify(acronym or name)[:ID_MAX]
            if not slug:
                raise FicheError(f"{label} : impossible de tirer un identifiant de « {name} »")
            inline = OrganisationData(
                id=slug,
                name=name,
                acronym=acronym,
                kind=_text(item, "type", max_len=SHORT_MAX, label=f"{label} : type"),
                ministerial_domain=_text(item, "domaine_ministeriel", max_len=SHORT_MAX, label=f"{label} : domaine_ministeriel"),
            )
            sponsors.setdefault(slug, SponsorRef(slug, inline))
        else:
            ref = organisation_ref(item, f"sponsors n°{index}")
            if ref:
                sponsors.setdefault(ref, SponsorRef(ref))
    return list(sponsors.values())


def history_of(data: dict) -> tuple[list[PeriodData], list[EventData]]:
    """The phase periods and events of a fiche's front matter, as the import reads them."""
    return _periods(data), _events(data.get("events"))


def _periods(data: dict) -> list[PeriodData]:
    raw = data.get("phases")
    if raw is None and data.get("status") is not None:
        # Before mid-2020: one status, with the startup's start and end at the top level.
        raw = [{"name": data.get("status"), "start": data.get("start"), "end": data.get("end")}]
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise FicheError("« phases » doit être une liste")
    periods: list[PeriodData] = []
    for index, item in enumerate(raw, start=1):
        label = f"phase n°{index}"
        if not isinstance(item, dict):
            raise FicheError(f"{label} : attendu « name », « start », « end »")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise FicheError(f"{label} : « name » est obligatoire")
        try:
            phase = parse_phase(name, [p.phase for p in periods])
        except UnknownPhase:
            raise FicheError(f"{label} : phase inconnue « {name} »") from None
        source_name = name.strip()
        if len(source_name) > SHORT_MAX:
            raise FicheError(f"{label} : nom de phase trop long")
        _check_controls(source_name, f"{label} : name")
        periods.append(PeriodData(
            position=len(periods),
            phase=phase,
            source_name=source_name if source_name != phase.value else None,
            start_on=_date(item.get("start"), f"{label} : start"),
            end_on=_date(item.get("end"), f"{label} : end"),
            comment=_text(item, "comment", label=f"{label} : comment", multiline=True),
        ))
    resolve_starts(periods)
    return periods


def _events(value) -> list[EventData]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise FicheError("« events » doit être une liste")
    items = [item for item in value if item is not None]
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise FicheError(f"événement n°{index} : attendu « name », « date », « comment »")
    # A stray dash splits one event into `- name: end` and `- date: …` (geo.data.gouv.fr, 2023): join them.
    merged: list[dict] = []
    for item in items:
        previous = merged[-1] if merged else None
        if previous is not None and "date" not in previous and "name" not in item and "date" in item:
            merged[-1] = {**previous, **item}
        else:
            merged.append(item)
    events = []
    for index, item in enumerate(merged, start=1):
        label = f"événement n°{index}"
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise FicheError(f"{label} : « name » est obligatoire")
        if name.strip() not in EVENT_NAMES:
            raise FicheError(f"{label} : type d'événement inconnu « {name} »")
        happened_on = _date(item.get("date"), f"{label} : date")
        if happened_on is None:
            raise FicheError(f"{label} : « date » est obligatoire")
        events.append(EventData(
            position=len(events),
            kind=EventKind(name.strip()),
            happened_on=happened_on,
            comment=_text(item, "comment", label=f"{label} : comment", multiline=True),
        ))
    return events


def load_startup(path: Path) -> StartupData:
    return parse_startup(fiche_id(path), read_file(path))


def load_incubator(path: Path) -> IncubatorData:
    return parse_incubator(fiche_id(path), read_file(path))


def load_organisation(path: Path) -> OrganisationData:
    return parse_organisation(fiche_id(path), read_file(path))
