"""Fiche changes out: what Jalons decided, written back into the beta.gouv.fr fiche, every other byte kept."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from core.db import db
from startups import fiche_out, fiches
from startups.importer import import_directory
from startups.models import Startup
from tests.factories import d
from tests.startups.test_import_ownership import FICHE, lieu, sign_off_construction, write

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "betagouv" / "2026-08"
FICHES = sorted((SNAPSHOT / "_startups").glob("*.md"))
TODAY = d("2026-11-27")


def _front_and_body(text: str) -> tuple[dict, str]:
    lines = text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    return fiches.read_front_matter(text), "".join(lines[end:])


def test_every_fiche_of_the_snapshot_is_given_back_byte_for_byte_when_nothing_changed():
    assert len(FICHES) > 400
    for path in FICHES:
        text = path.read_bytes().decode("utf-8")
        data = fiches.load_startup(path)
        assert fiche_out.rewrite(text, fiche_out.fiche_history(data.periods, data.events)) == text, path.name


def test_a_new_phase_and_event_change_only_their_blocks_in_every_fiche_of_the_snapshot():
    for path in FICHES:
        text = path.read_bytes().decode("utf-8")
        data = fiches.load_startup(path)
        history = fiche_out.fiche_history(data.periods, data.events)
        history["phases"].append({"name": "abandon", "start": "2027-01-04", "end": None, "comment": None})
        history["events"].append({"name": "committee", "date": "2026-12-15", "comment": "Comité : arrêt"})

        new = fiche_out.rewrite(text, history)

        before, body = _front_and_body(text)
        after, new_body = _front_and_body(new)
        assert new_body == body, path.name
        assert {k: v for k, v in after.items() if k not in fiche_out.BLOCKS} == \
               {k: v for k, v in before.items() if k not in fiche_out.BLOCKS}, path.name
        # Every line that is not in a rewritten block is still there, in the same order.
        kept = [line for line in text.splitlines() if line.strip() and not line.startswith((" ", "-", "phases:", "events:"))]
        assert [line for line in new.splitlines() if line in set(kept)] == kept, path.name
        reread = fiches.parse_startup(path.stem, after)
        assert (reread.periods[-1].phase.value, reread.periods[-1].start_on) == ("abandon", d("2027-01-04"))
        assert (reread.events[-1].kind.value, reread.events[-1].happened_on, reread.events[-1].comment) == \
               ("committee", d("2026-12-15"), "Comité : arrêt")


def test_a_fiche_with_windows_line_ends_and_comments_keeps_them():
    text = ("---\r\ntitle: Lieu # le nom\r\nphases:\r\n  - name: investigation\r\n    start: 2026-03-01\r\n"
            "# la suite\r\nincubator: dinum\r\n---\r\nCorps de la fiche\r\n")
    history = {"phases": [{"name": "investigation", "start": "2026-03-01", "end": "2026-11-10", "comment": None},
                          {"name": "construction", "start": "2026-11-10", "end": None, "comment": None}],
               "events": []}
    new = fiche_out.rewrite(text, history)
    assert new == ("---\r\ntitle: Lieu # le nom\r\nphases:\r\n  - name: investigation\r\n    start: 2026-03-01\r\n"
                   "    end: 2026-11-10\r\n  - name: construction\r\n    start: 2026-11-10\r\n"
                   "# la suite\r\nincubator: dinum\r\n---\r\nCorps de la fiche\r\n")


@pytest.mark.parametrize("text, reason", [
    ("title: Lieu\n", "pas d'en-tête YAML"),
    ("---\ntitle: Lieu\n", "en-tête YAML non fermé"),
    ("---\ntitle: [Lieu\n---\n", "YAML illisible"),
    ("---\n- a\n- b\n---\n", "liste de clés et de valeurs"),
])
def test_a_broken_fiche_is_refused_with_its_reason(text, reason):
    with pytest.raises(fiche_out.ExportError, match=reason):
        fiche_out.rewrite(text, {"phases": [], "events": []})


def test_the_imported_snapshot_is_in_sync(clock_on):
    clock_on(TODAY)
    import_directory(SNAPSHOT, TODAY)
    db.session.commit()
    startups = db.session.query(Startup).all()
    assert len(startups) > 400
    assert [s.id for s in startups if fiche_out.needs_update(s)] == []


def _checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "beta.gouv.fr" / "content" / "_startups"
    folder.mkdir(parents=True)
    return folder


def test_a_signed_off_decision_is_exported_reimported_and_then_in_sync(tmp_path, app, client, clock_on):
    clock_on(TODAY)
    upstream = _checkout(tmp_path)
    write(upstream)
    original = (upstream / "lieu.md").read_text(encoding="utf-8")
    import_directory(upstream, TODAY)
    db.session.commit()
    assert not fiche_out.needs_update(lieu())

    sign_off_construction(lieu())
    db.session.commit()
    startup = lieu()
    assert fiche_out.needs_update(startup)
    change = fiche_out.diff(startup)
    assert "+  - name: construction" in change and "+  - name: committee" in change
    page = client.get("/startups/lieu").get_data(as_text=True)
    assert "Fiche beta.gouv.fr à mettre à jour" in page and "name: construction" in page

    result = app.test_cli_runner().invoke(args=["export-fiches", str(tmp_path / "beta.gouv.fr")])
    assert result.exit_code == 0, result.output
    assert "1 fiche(s) mise(s) à jour" in result.output and "lieu.md" in result.output
    exported = (upstream / "lieu.md").read_text(encoding="utf-8")
    assert exported.startswith(original.split("phases:")[0])  # title, mission, incubator, sponsors untouched
    data = fiches.load_startup(upstream / "lieu.md")
    assert [(p.phase.value, p.start_on, p.end_on) for p in data.periods] == [
        ("investigation", d("2026-03-01"), d("2026-11-10")), ("construction", d("2026-11-10"), None)]
    assert [(e.kind.value, e.happened_on) for e in data.events] == [
        ("product_launch", d("2026-06-15")), ("committee", d("2026-11-10"))]

    report = import_directory(upstream, TODAY)  # the daily import sees the change upstream
    db.session.commit()
    assert report.rejected == [] and report.conflicts == []
    assert not fiche_out.needs_update(lieu())
    assert "Fiche beta.gouv.fr à mettre à jour" not in client.get("/startups/lieu").get_data(as_text=True)
    again = app.test_cli_runner().invoke(args=["export-fiches", str(tmp_path / "beta.gouv.fr")])
    assert again.exit_code == 0 and "rien d'écrit" in again.output
    assert (upstream / "lieu.md").read_text(encoding="utf-8") == exported


def test_the_command_says_what_it_could_not_write(tmp_path, app, clock_on):
    clock_on(TODAY)
    upstream = _checkout(tmp_path)
    write(upstream)
    import_directory(upstream, TODAY)
    sign_off_construction(lieu())
    db.session.commit()

    not_a_checkout = app.test_cli_runner().invoke(args=["export-fiches", str(tmp_path / "ailleurs")])
    assert not_a_checkout.exit_code == 2
    assert "n'est pas une copie de beta.gouv.fr" in not_a_checkout.output

    (upstream / "lieu.md").unlink()
    missing = app.test_cli_runner().invoke(args=["export-fiches", str(tmp_path / "beta.gouv.fr")])
    assert missing.exit_code == 1
    assert "lieu : pas de fiche lieu.md" in missing.output
