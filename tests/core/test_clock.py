"""The one clock: today in Paris, now in UTC, and nobody else in the application asking the system."""

import ast
import datetime as dt
from pathlib import Path

from core import clock
from tests.conftest import moved_clock_start

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc


def test_today_is_the_date_in_paris_and_now_is_in_utc(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False)
    assert clock.today() == dt.date(2027, 1, 1)  # already New Year's Day in Paris
    assert clock.now() == dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    time_machine.move_to(dt.datetime(2027, 6, 30, 22, 30, tzinfo=UTC), tick=False)
    assert clock.today() == dt.date(2027, 7, 1)  # summer time: UTC+2


def test_jalons_test_today_names_a_day_at_ten_in_paris_or_a_paris_time():
    assert moved_clock_start("2027-01-13") == dt.datetime(2027, 1, 13, 9, 0, tzinfo=UTC)
    assert moved_clock_start("2028-02-29T23:58") == dt.datetime(2028, 2, 29, 22, 58, tzinfo=UTC)


def calls_to_the_system_clock(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, owner = node.func.attr, ast.unparse(node.func.value)
            if (name in {"now", "utcnow", "today"} and owner.split(".")[-1] in {"datetime", "date"}
                    or name in {"time", "time_ns"} and owner == "time"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node.func)}()")
    return found


def application_files() -> list[Path]:
    return [path for path in ROOT.glob("*.py")] + [
        path for folder in ROOT.iterdir() if folder.is_dir() and (folder / "__init__.py").exists()
        and folder.name != "tests" for path in folder.rglob("*.py")]


def test_the_application_asks_only_core_clock_for_the_time():
    allowed = {ROOT / "core" / "clock.py"}
    files = application_files() + list((ROOT / "bench").glob("*.py"))
    assert len(files) > 50
    assert [call for path in files if path not in allowed for call in calls_to_the_system_clock(path)] == []


def test_an_instant_is_dated_by_its_day_in_paris(time_machine):
    """Between midnight and 1:00 in Paris (2:00 in summer), an instant's UTC date is still yesterday: a
    decision signed at 00:20 on 6 December was shown « signée le 5 décembre », and a proof dated today was
    refused as « in the future ». An instant's day is `clock.day_of`, and `date_fr` uses it."""
    from core.formats import date_fr  # noqa: PLC0415

    just_after_midnight = dt.datetime(2026, 12, 5, 23, 20, tzinfo=UTC)
    assert clock.day_of(just_after_midnight) == dt.date(2026, 12, 6)
    assert date_fr(just_after_midnight) == "6 décembre 2026"
    assert clock.day_of(dt.datetime(2027, 6, 30, 22, 30)) == dt.date(2027, 7, 1)  # naive: read as UTC
    assert date_fr(dt.date(2026, 12, 5)) == "5 décembre 2026"


def test_no_instant_is_dated_by_its_day_in_utc():
    """No `x.date()` on an instant in the application: `clock.day_of(x)`. Allowed: a value already in
    Paris time (`astimezone(...)`, `paris_datetime(...)`, a name saying local) and the few that are not
    instants (a CLI's --today option, a date-time written in a fiche's YAML)."""
    not_instants = {"conventions/cli.py", "startups/cli.py", "startups/fiches.py"}
    found = []
    for path in application_files():
        if str(path.relative_to(ROOT)) in not_instants:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "date"
                    and not node.args):
                owner = ast.unparse(node.func.value)
                if not ("astimezone(" in owner or "paris_datetime(" in owner or "local" in owner):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner}.date()")
    for path in (ROOT / "templates").rglob("*.html"):
        found += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in path.read_text().splitlines()
                  if ".date()" in line]
    assert found == []
