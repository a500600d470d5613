"""Scheduled work of the startups area."""

import datetime as dt
from pathlib import Path

from core.db import db
from startups.kept import refresh_current_phases as refresh
from startups.kept import rebuild_search_index, refresh_phase_counts
from startups.models import SyncStatus


def refresh_current_phases(*, today: dt.date) -> int:
    """Each night, every startup's cached current phase becomes today's (a planned period may have
    started), and the phase counts of the list pages follow; on SQLite, the text search's trigram table is
    rebuilt (a VACUUM may have renumbered the startups' rows). Idempotent: a second run the same day
    refreshes nothing. Returns the number refreshed."""
    count = refresh(db.session, today)
    if count:
        refresh_phase_counts(db.session, today)
    rebuild_search_index(db.session)
    db.session.commit()
    return count


def sync_betagouv(*, today: dt.date) -> int:
    """Each night, the fiches of beta.gouv.fr (BETAGOUV_SOURCE) imported; returns 1 when the run failed."""
    from flask import current_app

    from startups import sync

    source = current_app.config.get("BETAGOUV_SOURCE")
    if not source:
        return 0  # not configured: nothing to synchronise (README « Configuration »)
    run = sync.run(Path(source))  # None: another scheduler's run is under way
    return 1 if run is not None and run.status == SyncStatus.FAILED else 0
