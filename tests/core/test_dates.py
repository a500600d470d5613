"""French working days: weekends and public holidays (core/dates.py)."""

import datetime as dt

from core.dates import easter, non_working_day, public_holiday


def test_french_public_holidays_and_weekends():
    assert [easter(y) for y in (2024, 2025, 2026, 2027)] == [
        dt.date(2024, 3, 31), dt.date(2025, 4, 20), dt.date(2026, 4, 5), dt.date(2027, 3, 28)]
    assert public_holiday(dt.date(2026, 4, 6)) == "lundi de Pâques"
    assert public_holiday(dt.date(2026, 5, 14)) == "Ascension"
    assert public_holiday(dt.date(2026, 5, 25)) == "lundi de Pentecôte"
    assert public_holiday(dt.date(2026, 7, 14)) == "fête nationale"
    assert public_holiday(dt.date(2026, 7, 15)) is None
    assert non_working_day(dt.date(2026, 11, 28)) == "un samedi"
    assert non_working_day(dt.date(2026, 11, 29)) == "un dimanche"
    assert non_working_day(dt.date(2026, 12, 25)) == "un jour férié (Noël)"
    assert non_working_day(dt.date(2026, 11, 27)) is None
