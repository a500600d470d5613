"""Fiche changes out: what Jalons decided, written back into the beta.gouv.fr fiche, every other byte kept."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from core.db import db
from startups import fiche_out, fiches, services
from startups.importer import import_directory
from startups.models import Startup
from tests.factories import d, make_person
from tests.startups.test_import_ownership import FICHE, lieu, sign_off_construction, write

SNAPSHOT = Path(__file__).parents[1] / "fixtures" / "betagouv" / "2026-08"
FICHES = sorted((SNAPSHOT / "_startups").glob("*.md"))
TODAY = d("2026-11-27")
NOW = dt.datetime(2026, 11, 27, 10, tzinfo=dt.timezone.utc)


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


# --- links ------------------------------------------------------------------------------------------------

def test_every_fiche_of_the_snapshot_is_given_back_byte_for_byte_with_its_own_links():
    for path in FICHES:
        text = path.read_bytes().decode("utf-8")
        data = fiches.load_startup(path)
        history = fiche_out.fiche_history(data.periods, data.events, fiche_out.fiche_links(data))
        assert fiche_out.rewrite(text, history) == text, path.name


ODD = "https://stats.exemple.fr/index.php?q='a'&r=\"b\":c#?x=1&y=[2]{3}|>4%20*5,!6@7"


def test_new_links_change_only_their_lines_in_every_fiche_of_the_snapshot():
    for path in FICHES:
        text = path.read_bytes().decode("utf-8")
        data = fiches.load_startup(path)
        history = fiche_out.fiche_history(data.periods, data.events)
        history["links"] = {"repository": "https://github.com/betagouv/nouveau#readme", "stats_url": ODD}

        new = fiche_out.rewrite(text, history)

        before, body = _front_and_body(text)
        after, new_body = _front_and_body(new)
        assert new_body == body, path.name
        assert after["repository"] == "https://github.com/betagouv/nouveau#readme" and after["stats_url"] == ODD
        assert {k: v for k, v in after.items() if k not in ("repository", "stats_url")} == \
               {k: v for k, v in before.items() if k not in ("repository", "stats_url")}, path.name
        # Every other line is still there, in the same order; the rewritten keys take one line each.
        kept = [line for line in text.splitlines() if not line.startswith(("repository:", "stats_url:"))]
        assert [line for line in new.splitlines() if not line.startswith(("repository:", "stats_url:"))] == kept
        assert sum(line.startswith(("repository:", "stats_url:")) for line in new.splitlines()) == 2, path.name
        reread = fiches.parse_startup(path.stem, after)
        assert (reread.repository, reread.stats_url) == ("https://github.com/betagouv/nouveau#readme", ODD)


@pytest.mark.parametrize("url", [
    ODD,
    "https://exemple.fr/a#b",
    "https://exemple.fr/'quoted'",
    "https://exemple.fr/\"double\"",
    "https://exemple.fr/:colon:/x: #y",  # not a URL clean_url accepts (spaces), still valid YAML out
    "https://exemple.fr/&amp;#x2F;",
    "https://exemple.fr/trailing-colon:",
    "https://exemple.fr/*&anchor!tag%",
])
def test_an_odd_address_is_written_as_yaml_that_reads_back_the_same(url):
    text = "---\ntitle: Lieu\nrepository: https://github.com/old # l'ancien\n# un commentaire\nlink: x.fr\n---\nCorps\n"
    new = fiche_out.rewrite(text, {"phases": [], "events": [], "links": {"repository": url}})
    front, body = _front_and_body(new)
    assert front["repository"] == url and front["link"] == "x.fr" and body == "---\nCorps\n"
    assert new.startswith("---\ntitle: Lieu\nrepository: ") and new.endswith("\n# un commentaire\nlink: x.fr\n---\nCorps\n")
    assert YAML(typ="safe").load(new.split("---\n")[1])["repository"] == url


def test_a_link_the_fiche_lacks_is_added_at_the_end_of_its_front_matter_with_its_line_ends():
    text = "---\r\ntitle: Lieu\r\nlink: https://lieu.fr\r\n---\r\nCorps\r\n"
    new = fiche_out.rewrite(text, {"links": {"stats_url": "https://lieu.fr/stats", "repository": "https://git.fr/l"}})
    assert new == ("---\r\ntitle: Lieu\r\nlink: https://lieu.fr\r\nstats_url: https://lieu.fr/stats\r\n"
                   "repository: https://git.fr/l\r\n---\r\nCorps\r\n")


def test_a_link_the_fiche_holds_in_another_spelling_is_not_rewritten():
    text = "---\ntitle: Lieu\nrepository: github.com/betagouv/lieu\nlink: 'https://lieu.fr '\n---\n"
    links = {"repository": "https://github.com/betagouv/lieu", "link": "https://lieu.fr"}
    assert fiche_out.rewrite(text, {"links": links}) == text
    with pytest.raises(fiche_out.ExportError, match="n'est pas un lien de fiche"):
        fiche_out.rewrite(text, {"links": {"title": "https://ailleurs.fr"}})


def test_a_link_changed_in_jalons_is_exported_reimported_and_then_in_sync(tmp_path, app, client, clock_on):
    clock_on(TODAY)
    upstream = _checkout(tmp_path)
    write(upstream, more="repository: github.com/betagouv/lieu\n")
    import_directory(upstream, TODAY)
    db.session.commit()
    assert fiche_out.link_changes(lieu()) == {} and not fiche_out.needs_update(lieu())

    # Emptied in Jalons: nothing to take out of the fiche.
    services.set_link(lieu(), "stats_url", "https://lieu.fr/stats", actor=make_person("Ada"), now=NOW,
                      reason="Essai")
    startup = lieu()
    startup.repository = None
    db.session.commit()
    assert fiche_out.link_changes(lieu()) == {"stats_url": (None, "https://lieu.fr/stats")}
    change = fiche_out.diff(lieu())
    assert "+stats_url: https://lieu.fr/stats" in change and "repository" not in change
    assert "Fiche beta.gouv.fr à mettre à jour" in client.get("/startups/lieu").get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["export-fiches", str(tmp_path / "beta.gouv.fr")])
    assert result.exit_code == 0, result.output
    exported = (upstream / "lieu.md").read_text(encoding="utf-8")
    assert exported.endswith("repository: github.com/betagouv/lieu\nstats_url: https://lieu.fr/stats\n---\n")

    report = import_directory(upstream, TODAY)
    db.session.commit()
    assert report.conflicts == [] and not fiche_out.needs_update(lieu())
    assert lieu().fiche_history["links"]["stats_url"] == "https://lieu.fr/stats"


def test_an_address_typed_in_the_startup_form_goes_out_too(tmp_path, app, clock_on):
    clock_on(TODAY)
    upstream = _checkout(tmp_path)
    write(upstream, more="repository: github.com/betagouv/lieu\n")
    import_directory(upstream, TODAY)
    db.session.commit()
    startup = lieu()
    services.edit_startup(startup, services.StartupData(
        name=startup.name, incubator_id=startup.incubator_id, mission=startup.mission, sponsor_ids=["dinum"],
        link="https://lieu.beta.gouv.fr", repository=None), expected_version=startup.version,
        actor=make_person("Ada"), now=NOW)
    db.session.commit()
    assert fiche_out.link_changes(lieu()) == {"link": (None, "https://lieu.beta.gouv.fr")}  # emptied: not taken out

    assert app.test_cli_runner().invoke(args=["export-fiches", str(tmp_path / "beta.gouv.fr")]).exit_code == 0
    assert (upstream / "lieu.md").read_text(encoding="utf-8").endswith(
        "repository: github.com/betagouv/lieu\nlink: https://lieu.beta.gouv.fr\n---\n")
    report = import_directory(upstream, TODAY)
    db.session.commit()
    assert report.conflicts == [] and not fiche_out.needs_update(lieu())
