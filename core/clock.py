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


def day_of(moment: dt.datetime) -> dt.date:
    """The calendar day in Paris of an instant: what a French reader calls its date. Never `moment.date()`,
    which is the day in UTC, the day before between midnight and 1:00 (2:00 in summer) in Paris. A naive
    instant is read as UTC, as the `*_at` columns store it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(PARIS).date()
