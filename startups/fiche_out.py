"""Fiche changes out: the phases and events Jalons holds, written back into a startup's beta.gouv.fr fiche.

Each startup keeps the history its fiche had when last imported (`Startup.fiche_history`). When what Jalons
holds differs (a signed-off decision changed the phase, closed a period or added a committee event), the
fiche is « à mettre à jour »: `rewrite` replaces only the `phases:` and `events:` blocks of its front matter
and keeps every other byte of the file (other fields, their order, quotes, comments, the body); the next
import records the new history, and the startup is in sync again.
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
TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


class ExportError(ValueError):
    """A fiche that cannot be rewritten; str() is the French reason."""


# --- the two histories ----------------------------------------------------------------------------------


def _day(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def fiche_history(periods, events) -> dict:
    """The `phases` and `events` of a fiche, as plain JSON (ISO dates), from parsed data or from rows."""
    return {
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


def held_history(startup: Startup) -> dict:
    """What Jalons holds now, in the fiche's order: periods by start then position, events by date."""
    periods = sorted(startup.periods, key=lambda p: (p.effective_start_on or dt.date.min, p.position))
    events = sorted(startup.events, key=lambda e: (e.happened_on, e.position))
    return fiche_history(periods, events)


def _block_key(history: dict, block: str) -> tuple:
    """A block's items as the import reads them, in order."""
    return tuple(tuple("" if value is None else str(value) for value in item.values())
                 for item in history.get(block) or [])


def _comparable(history: dict) -> tuple:
    return tuple(tuple(sorted(_block_key(history, block))) for block in BLOCKS)


def needs_update(startup: Startup) -> bool:
    """True when the startup has a fiche (it was imported) and Jalons holds another history than it."""
    return startup.fiche_history is not None and _comparable(startup.fiche_history) != _comparable(held_history(startup))


def diff(startup: Startup) -> str:
    """The change to make to the fiche, as a unified diff of the two blocks (empty when in sync)."""
    if not needs_update(startup):
        return ""
    before, after = _blocks_yaml(startup.fiche_history), _blocks_yaml(held_history(startup))
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


def _block_yaml(block: str, items: list[dict]) -> str:
    stream = io.StringIO()
    _yaml().dump({block: _plain_items(items)}, stream)
    return stream.getvalue()


def rewrite(text: str, history: dict) -> str:
    """The fiche's text with its `phases:` and `events:` blocks holding `history`, every other line kept
    byte for byte. An unchanged history gives back the very same text. Raises ExportError."""
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

    body = list(lines)
    # Replace from the bottom up, so that the line numbers of the blocks above stay right.
    spans = []
    for block in BLOCKS:
        wanted = _plain_items(history.get(block) or [])
        if _block_key(now, block) == _block_key(history, block):
            continue
        new = _block_yaml(block, history.get(block) or []) if wanted else ""
        new = new.replace("\n", newline)
        where = [index for index, (_, name) in enumerate(keys) if name == block]
        if where:
            first = keys[where[0]][0]
            last = keys[where[0] + 1][0] if where[0] + 1 < len(keys) else end
            while last > first + 1 and (not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#")):
                last -= 1  # a blank line or a comment before the next key belongs to that key
            spans.append((first, last, new))
        elif new:
            spans.append((end, end, new))
    for first, last, new in sorted(spans, reverse=True):
        body[first:last] = [new] if new else []
    return "".join(body)


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
