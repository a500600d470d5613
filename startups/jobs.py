"""Scheduled work of the startups area."""

import datetime as dt

from core.db import db
from startups.models import refresh_current_phases as refresh


def refresh_current_phases(*, today: dt.date) -> int:
    """Each night, every startup's cached current phase becomes today's (a planned period may have
    started). Idempotent: a second run the same day refreshes nothing. Returns the number refreshed."""
    count = refresh(db.session, today)
    db.session.commit()
    return count
