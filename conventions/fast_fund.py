"""FAST (the fund for the State's digital transformation) as a funder of a startup, per year: its grants,
capped at the fund's yearly ceiling per project.

A grant's checks count the startup's other grants read under a lock on the startup's row (as the conventions'
checks run under their convention's, conventions.services.lock): two grants recorded at the same moment take
turns, and the second counts the first.
"""

import datetime as dt
import hashlib
import json

import sqlalchemy as sa

from audit.services import changes, record
from conventions.models import FastGrant
from conventions.values import MAX_CENTS, ConventionError, cents_fr, check_period, one_line
from core.db import db
from core.values import jsonable
from startups.models import Startup
from users.models import Person

# FAST's ceiling per project and year, from the year it was set until the next one (none is known before 2024).
FAST_CAPS_CENTS = {2024: 300_000_00, 2025: 200_000_00}


# -- FAST -----------------------------------------------------------------------------------------------

def fast_cap(year: int) -> int | None:
    """FAST's ceiling per project for the year (cents), or None when none is known for it."""
    known = [y for y in FAST_CAPS_CENTS if y <= year]
    return FAST_CAPS_CENTS[max(known)] if known else None


def _lock(startup: Startup) -> None:
    """Serialise the checks on a startup's FAST grants (SELECT … FOR UPDATE of its row on PostgreSQL; SQLite lets
    one writer at a time): without it, two grants recorded at the same moment each counted the other's
    absence and passed the ceiling together (2 × 200 000 € for a 300 000 € ceiling). Call it before the first
    read of the grants the checks count."""
    db.session.execute(sa.select(Startup.id).where(Startup.id == startup.id).with_for_update())


def _check_fast(startup: Startup, grant: FastGrant | None, fields: dict, today: dt.date) -> None:
    one_line(fields, "reference", "La référence de la décision", required=True, max_length=100)
    year, ae, cp = fields["year"], fields["ae_cents"], fields["cp_cents"]
    if year is None or not 2000 <= year <= 2100:
        raise ConventionError("L'année doit être comprise entre 2000 et 2100.", "year")
    check_period(fields["decided_on"], "La date de la décision", today, "decided_on")
    if ae is None or cp is None or ae < 0 or cp < 0:
        raise ConventionError("Les montants d'AE et de CP ne peuvent pas être négatifs.")
    if ae == 0 and cp == 0:
        raise ConventionError("Indiquez un montant d'AE ou de CP.")
    if max(ae, cp) > MAX_CENTS:
        raise ConventionError("Le montant est trop grand.")
    if fields["note"] is not None:
        fields["note"] = fields["note"].strip()[:2000] or None
    # Read again from the database (populate_existing): a grant loaded earlier may have been corrected since.
    others = list(db.session.scalars(sa.select(FastGrant).where(FastGrant.startup_id == startup.id)
                                     .execution_options(populate_existing=True)))
    others = [g for g in others if grant is None or g.id != grant.id]
    if any(g.reference == fields["reference"] for g in others):
        raise ConventionError(f"Une décision FAST porte déjà la référence « {fields['reference']} » pour {startup.name}.",
                              "reference")
    cap = fast_cap(year)
    granted = sum(g.ae_cents for g in others if g.year == year)
    if cap is not None and granted + ae > cap:
        raise ConventionError(f"FAST {year} : accordé {cents_fr(granted)} + {cents_fr(ae)} > {cents_fr(cap)}, "
                              f"plafond par projet en {year}.", "ae")
    ae_total, cp_total = sum(g.ae_cents for g in others), sum(g.cp_cents for g in others)
    if cp_total + cp > ae_total + ae:
        raise ConventionError(f"FAST : CP {cents_fr(cp_total)} + {cents_fr(cp)} > {cents_fr(ae_total + ae)} d'AE accordées.", "cp")


FAST_FIELDS = ("year", "ae_cents", "cp_cents", "decided_on", "reference", "note")


def record_fast_grant(startup: Startup, *, year: int, ae_cents: int, cp_cents: int, decided_on: dt.date,
                      reference: str, actor: Person | None, today: dt.date, note: str | None = None) -> FastGrant:
    """Money FAST grants a startup for a year (AE and CP): within the fund's ceiling per project and year, and
    CP never beyond the AE granted in all."""
    fields = {"year": year, "ae_cents": ae_cents, "cp_cents": cp_cents, "decided_on": decided_on,
              "reference": reference, "note": note}
    _lock(startup)
    _check_fast(startup, None, fields, today)
    grant = FastGrant(startup=startup, created_by_id=actor.id if actor else None, **fields)
    db.session.add(grant)
    db.session.flush()
    record("fast.granted", "fast_grant", grant.id, actor=actor, startup_id=startup.id, after=jsonable(fields))
    return grant


STALE_GRANT = ("Ce financement FAST a été corrigé entre-temps par quelqu'un d'autre : votre correction n'a pas été "
               "enregistrée, pour ne pas écraser la sienne. Rechargez la page, puis refaites-la.")


def fingerprint(grant: FastGrant) -> str:
    """A short digest of the grant a correction's form shows: the form sends every value back, so that one loaded
    before someone else's correction would otherwise undo it."""
    text = json.dumps({name: jsonable(getattr(grant, name)) for name in FAST_FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def update_fast_grant(grant: FastGrant, *, actor: Person | None, today: dt.date, expected: str | None = None,
                      **fields) -> FastGrant:
    """Correct a FAST grant (same rules); the audit trail keeps what it said before. expected: the fingerprint
    the form was loaded with; a form loaded before another correction is refused."""
    _lock(grant.startup)
    db.session.refresh(grant)
    if expected is not None and fingerprint(grant) != expected:
        raise ConventionError(STALE_GRANT)
    merged = {name: getattr(grant, name) for name in FAST_FIELDS} | {k: v for k, v in fields.items() if k in FAST_FIELDS}
    _check_fast(grant.startup, grant, merged, today)
    before = {name: jsonable(getattr(grant, name)) for name in FAST_FIELDS}
    for name in FAST_FIELDS:
        setattr(grant, name, merged[name])
    db.session.flush()
    old, new = changes(before, {name: jsonable(getattr(grant, name)) for name in FAST_FIELDS})
    if new:
        record("fast.updated", "fast_grant", grant.id, actor=actor, startup_id=grant.startup_id, before=old, after=new)
    return grant
