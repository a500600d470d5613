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


def test_the_application_asks_only_core_clock_for_the_time():
    allowed = {ROOT / "core" / "clock.py"}
    files = [path for path in ROOT.glob("*.py")] + [
        path for folder in ROOT.iterdir() if folder.is_dir() and (folder / "__init__.py").exists()
        and folder.name != "tests" for path in folder.rglob("*.py")]
    files += list((ROOT / "bench").glob("*.py"))
    assert len(files) > 50
    assert [call for path in files if path not in allowed for call in calls_to_the_system_clock(path)] == []
