"""What « today » means in Jalons: the calendar date in Paris, for the web, the CLI and the scheduler alike
(a French service's day turns at midnight in Paris, not in UTC)."""

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today() -> dt.date:
    return dt.datetime.now(PARIS).date()
