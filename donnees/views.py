"""/donnees: the list of the open datasets, and each one's CSV, JSON and Table Schema at a stable URL.

The files are those the nightly job stored (donnees/jobs.py), served in one statement with their ETag and
generation time; before the job's first run (a fresh install) a file is generated on request instead."""

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from audit.models import AuditEvent
from core import clock
from core.db import db
from core.urls import external_url
from donnees.datasets import DATASETS, LICENCE
from donnees.models import OpenFile
from users.permissions import public

bp = Blueprint("donnees", __name__, url_prefix="/donnees")

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
CACHE_CONTROL = "public, max-age=3600"


def last_update():
    """The last change recorded (every write, an import's included, is in the audit trail)."""
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.at)))


@bp.get("/")
@public
def index():
    # What each dataset's published CSV says of itself (its JSON twin is written in the same transaction).
    files = {row.dataset: (row.generated_at.astimezone(clock.PARIS), row.row_count) for row in db.session.execute(
        sa.select(OpenFile.dataset, OpenFile.generated_at, OpenFile.row_count).where(OpenFile.kind == "csv"))}
    return render_template("donnees/index.html", datasets=DATASETS.values(), licence=LICENCE, stable_url=external_url,
                           files=files, last_update=last_update(), active_section="donnees")


def _etag(name: str, kind: str) -> str:
    """For a file generated on request (no stored file yet): changes with the data (the last change in the
    audit trail, where every write is), the day (the figures are « as of » today) and the file asked: one
    indexed read, before any of the file's work."""
    token = f"{last_update()}|{clock.today().isoformat()}|{name}|{kind}"
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@bp.get("/<dataset>.<kind>")
@public
def download(dataset: str, kind: str):
    name, dataset = dataset, DATASETS.get(dataset)
    if dataset is None or kind not in MEDIA_TYPES:
        abort(404)
    headers = {"Content-Disposition": f'inline; filename="jalons-{name}.{kind}"', "Cache-Control": CACHE_CONTROL}
    stored = db.session.get(OpenFile, (name, kind))
    if stored is not None:
        response = Response(stored.content, mimetype=MEDIA_TYPES[kind], headers=headers)
        response.set_etag(stored.etag)
        response.last_modified = stored.generated_at
        return response.make_conditional(request)
    etag = _etag(name, kind)
    if etag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{etag}"', "Cache-Control": CACHE_CONTROL})
    response = Response(dataset.file(kind, dataset.rows(clock.today(), clock.now())), mimetype=MEDIA_TYPES[kind], headers=headers)
    response.set_etag(etag)
    return response


@bp.get("/<dataset>.schema.json")
@public
def schema(dataset: str):
    dataset = DATASETS.get(dataset)
    if dataset is None:
        abort(404)
    return Response(json.dumps(dataset.schema(), ensure_ascii=False, indent=1), mimetype="application/json; charset=utf-8",
                    headers={"Cache-Control": CACHE_CONTROL})
