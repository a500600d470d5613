"""Helpers of the editing tests: read a form's hidden fields, fill a startup's form, read the audit log."""


import re

import sqlalchemy as sa

from audit.models import AuditEvent
from core.db import db
from startups.models import Startup
from tests.factories import d

TODAY = d("2026-11-27")


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', page) or re.search(
        rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def startup_form(startup: Startup, **changes) -> dict:
    data = {
        "name": startup.name, "mission": startup.mission or "", "incubator": startup.incubator_id,
        "sponsors": [s.id for s in startup.sponsors], "link": startup.link or "", "repository": "",
        "stats_url": "", "impact_url": "", "budget_url": "", "dashlord_url": "", "user_types": "",
        "themes": "", "techno": "", "accessibility_status": "", "version": str(startup.version),
    }
    data.update(changes)
    return data


def events_of(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


