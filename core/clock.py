"""The one clock of Jalons: the only place the application asks the system for the date and time.

A French service's day turns at midnight in Paris, not in UTC: `today()` is the calendar date in Paris
for the web, the CLI and the scheduler alike; `now()` is an instant, timezone-aware in UTC (what the
`*_at` columns store). Tests move this clock with time-machine (tests/conftest.py), never by patching
a module's own « today »."""

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    return now().astimezone(PARIS).date()
