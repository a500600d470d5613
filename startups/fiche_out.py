"""Fiche changes out: the phases, events and links Jalons holds, written back into a startup's beta.gouv.fr fiche.

Each startup keeps the history and the links its fiche had when last imported (`Startup.fiche_history`:
`phases`, `events`, `links`). When what Jalons holds differs (a signed-off decision changed the phase, closed
a period or added a committee event; a link field of the startup — `repository`, `stats_url`, … — holds
another address than the fiche, set by a commitment's evidence (commitments/services.py, FICHE_LINKS) or
by the startup form), the fiche is « à mettre à jour »: `rewrite` replaces only the `phases:` and `events:`
blocks and the changed link keys of its front matter (a key the fiche lacks is added at its end) and keeps
every other byte of the file (other fields, their order, quotes, comments, the body); the next import
records what the fiche says, and the startup is in sync again.

Links are compared as the import reads them (fiches.normalise_link: `github.com/x` is
`https://github.com/x`), and only a non-empty address is written: Jalons never removes a link from a fiche.
"""

import datetime as dt
import difflib
import io
import os
import re
from pathlib import Path

from ruamel.yaml import YAML

from startups import fiches
from startups.models import Startup

BLOCKS = ("phases", "events")
# The fiche's link keys, each the Startup column of the same name (the import's StartupData fields too).
LINK_KEYS = ("link", "repository", "stats_url", "impact_url", "budget_url", "dashlord_url")
TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


class ExportError(ValueError):
    """A fiche that cannot be rewritten; str() is the French reason."""


# --- the two histories ----------------------------------------------------------------------------------


def _day(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def fiche_history(periods, events, links: dict | None = None) -> dict:
    """The `phases` and `events` of a fiche, as plain JSON (ISO dates), from parsed data or from rows; with
    `links` ({key: address or None}), its link keys too."""
    history = {
        "phases": [
            {"name": p.source_name or p.phase.value, "start": _day(p.start_on), "end": _day(p.end_on),
             "comment": p.comment}
            for p in periods
        ],
        "events": [
            {"name": e.kind.value, "date": _day(e.happened_on), "comment": e.comment}
            for e in events
        ],
    }
    if links is not None:
        history["links"] = {key: links.get(key) for key in LINK_KEYS}
    return history


def fiche_links(data) -> dict:
    """The link keys of a parsed fiche (fiches.StartupData), as the import reads them."""
    return {key: getattr(data, key) for key in LINK_KEYS}


def _link(value: str | None) -> str | None:
    """An address as the import would read it from a fiche, to compare what Jalons holds with it."""
    try:
        return fiches.normalise_link(value)
    except fiches.FicheError:
        return value


def seen_links(startup: Startup) -> dict:
    """The links of the fiche at the last import: from `fiche_history`, or, for a startup imported before it
    kept them, the values the import wrote (`imported_values`, equal to the fiche's but in a conflict)."""
    history = startup.fiche_history or {}
    if "links" in history:
        return {key: history["links"].get(key) for key in LINK_KEYS}
    imported = startup.imported_values or {}
    return {key: imported.get(key) for key in LINK_KEYS}


def link_changes(startup: Startup) -> dict[str, tuple[str | None, str]]:
    """{key: (the fiche's address, Jalons' address)} of the links Jalons holds otherwise than the fiche at
    its last import (empty when the startup has no fiche). An address emptied in Jalons is not a change."""
    if startup.fiche_history is None:
        return {}
    seen = seen_links(startup)
    changes = {}
    for key in LINK_KEYS:
        held = getattr(startup, key)
        if held and _link(held) != _link(seen[key]):
            changes[key] = (seen[key], held)
    return changes


def held_history(startup: Startup) -> dict:
    """What Jalons holds now, in the fiche's order: periods by start then position, events by date; and
    the links it holds otherwise than the fiche (only those: a link upstream changed since the last import
    is not put back)."""
    periods = sorted(startup.periods, key=lambda p: (p.effective_start_on or dt.date.min, p.position))
    events = sorted(startup.events, key=lambda e: (e.happened_on, e.position))
    history = fiche_history(periods, events)
    history["links"] = {key: held for key, (_, held) in link_changes(startup).items()}
    return history


def _block_key(history: dict, block: str) -> tuple:
    """A block's items as the import reads them, in order."""
    return tuple(tuple("" if value is None else str(value) for value in item.values())
                 for item in history.get(block) or [])


def _comparable(history: dict) -> tuple:
    return tuple(tuple(sorted(_block_key(history, block))) for block in BLOCKS)


def needs_update(startup: Startup) -> bool:
    """True when the startup has a fiche (it was imported) and Jalons holds another history or other links
    than it."""
    if startup.fiche_history is None:
        return False
    return _comparable(startup.fiche_history) != _comparable(held_history(startup)) or bool(link_changes(startup))


def diff(startup: Startup) -> str:
    """The change to make to the fiche, as a unified diff of the two blocks and of the changed links (empty
    when in sync)."""
    if not needs_update(startup):
        return ""
    changes = link_changes(startup)
    before = _blocks_yaml(startup.fiche_history) + _links_yaml({key: seen for key, (seen, _) in changes.items()})
    after = _blocks_yaml(held_history(startup)) + _links_yaml({key: held for key, (_, held) in changes.items()})
    return "".join(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"{startup.id}.md (fiche actuelle)", tofile=f"{startup.id}.md (selon Jalons)",
    ))


# --- writing the front matter --------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)  # the fiches' own layout: `phases:` then `  - name: …`
    yaml.width = 4096  # never fold a long comment onto two lines
    return yaml


def _plain_items(items: list[dict]) -> list[dict]:
    """The fiche's layout of an item: no empty key, dates as dates (unquoted in YAML)."""
    out = []
    for item in items:
        clean = {}
        for name, value in item.items():
            if value is None or value == "":
                continue
            if name in ("start", "end", "date"):
                value = dt.date.fromisoformat(value)
            clean[name] = value
        out.append(clean)
    return out


def _blocks_yaml(history: dict) -> str:
    stream = io.StringIO()
    _yaml().dump({block: _plain_items(history.get(block) or []) for block in BLOCKS if history.get(block)}, stream)
    return stream.getvalue()


def _links_yaml(links: dict) -> str:
    """`key: address` lines, quoted where YAML needs it (an empty address: no line)."""
    present = {key: value for key, value in links.items() if value}
    if not present:
        return ""
    stream = io.StringIO()
    _yaml().dump(present, stream)
    return stream.getvalue()


def _block_yaml(block: str, items: list[dict]) -> str:
    stream = io.StringIO()
    _yaml().dump({block: _plain_items(items)}, stream)
    return stream.getvalue()


def rewrite(text: str, history: dict) -> str:
    """The fiche's text with its `phases:` and `events:` blocks holding `history`, and each link key of
    `history["links"]` (when given) holding its address (added at the end of the front matter when absent),
    every other line kept byte for byte. An unchanged history and links give back the very same text.
    Raises ExportError."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    start = 1 if lines and lines[0].lstrip("\ufeff").rstrip() == "---" else None
    if start is None:
        raise ExportError("pas d'en-tête YAML : le fichier doit commencer par une ligne « --- »")
    end = next((i for i in range(start, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        raise ExportError("en-tête YAML non fermé : il manque la seconde ligne « --- »")
    keys = [(i, match.group(1)) for i in range(start, end) if (match := TOP_LEVEL_KEY.match(lines[i]))]
    try:
        current = fiches.read_front_matter(text)
        periods, events = fiches.history_of(current)
    except fiches.FicheError as error:
        raise ExportError(str(error)) from None
    now = fiche_history(periods, events)

    replaced = {}  # top-level key: its new text ("" removes it)
    for block in BLOCKS:
        wanted = _plain_items(history.get(block) or [])
        if _block_key(now, block) == _block_key(history, block):
            continue
        replaced[block] = _block_yaml(block, history.get(block) or []) if wanted else ""
    for key, address in (history.get("links") or {}).items():
        if key not in LINK_KEYS:
            raise ExportError(f"« {key} » n'est pas un lien de fiche")
        if address and _link(address) != _link(_plain_link(current.get(key))):
            replaced[key] = _links_yaml({key: address})

    body = list(lines)
    spans, added = [], []
    for key, new in replaced.items():
        new = new.replace("\n", newline)
        where = [index for index, (_, name) in enumerate(keys) if name == key]
        if where:
            first = keys[where[0]][0]
            last = keys[where[0] + 1][0] if where[0] + 1 < len(keys) else end
            while last > first + 1 and (not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#")):
                last -= 1  # a blank line or a comment before the next key belongs to that key
            spans.append((first, last, new))
        elif new:
            added.append(new)
    if added:
        spans.append((end, end, "".join(added)))
    # Replace from the bottom up, so that the line numbers of the keys above stay right.
    for first, last, new in sorted(spans, key=lambda span: span[:2], reverse=True):
        body[first:last] = [new] if new else []
    return "".join(body)


def _plain_link(value):
    """A link key's value as the fiche holds it, as text (None when absent or not text)."""
    return value if isinstance(value, str) else None


# --- the command ---------------------------------------------------------------------------------------


def fiche_folder(checkout: Path) -> Path:
    """The startups' fiches in a checkout of beta.gouv.fr (content/_startups) or a folder laid out like it."""
    for candidate in (checkout / "content" / "_startups", checkout / "_startups"):
        if candidate.is_dir():
            return candidate
    raise ExportError(f"{checkout} n'est pas une copie de beta.gouv.fr : ni content/_startups/ ni _startups/")


def export(startups: list[Startup], folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Write the fiches of `startups` that need it into `folder`. Returns (written ids, [(id, reason)])."""
    written, failed = [], []
    for startup in startups:
        if not needs_update(startup):
            continue
        path = folder / f"{startup.id}.md"
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            failed.append((startup.id, f"pas de fiche {path.name} dans {folder}"))
            continue
        except (OSError, UnicodeDecodeError) as error:
            failed.append((startup.id, f"fiche illisible : {getattr(error, 'strerror', None) or error}"))
            continue
        try:
            new = rewrite(text, held_history(startup))
        except ExportError as error:
            failed.append((startup.id, str(error)))
            continue
        if new != text:
            temporary = path.with_name(f".{path.name}.jalons")
            temporary.write_bytes(new.encode("utf-8"))
            os.replace(temporary, path)  # never a half-written fiche
            written.append(startup.id)
    return written, failed
