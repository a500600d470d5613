"""The nightly refresh of the open datasets' files (scheduler: 5:30 Paris, after the beta.gouv.fr sync at
5:00; by hand: `flask donnees refresh`).

Each dataset is generated and stored (CSV and JSON, their ETag, time and row count) in its own transaction:
a dataset whose generation fails is logged and keeps its previous files, and the others are refreshed all
the same. A database that cannot be reached or stops answering stops the run instead. The job is idempotent: running it twice writes the same bytes again (two schedulers on one
database write the same rows; the last one wins, with the same content).
"""

import dataclasses
import datetime as dt
import hashlib
import logging

from sqlalchemy.dialects import postgresql, sqlite

from core import clock, errors
from core.db import db
from donnees.datasets import DATASETS, Dataset
from donnees.models import OpenFile

log = logging.getLogger(__name__)

KINDS = ("csv", "json")


@dataclasses.dataclass
class Refresh:
    refreshed: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        text = f"{len(self.refreshed)} jeu(x) de données mis à jour"
        if self.failed:
            text += f", en échec (fichiers précédents gardés) : {', '.join(self.failed)}"
        return text


def etag(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store(dataset: Dataset, today: dt.date, now: dt.datetime) -> None:
    """Generate one dataset and write its files (flushes, never commits)."""
    rows = dataset.rows(today, now)
    dialect = sqlite if db.session.get_bind().dialect.name == "sqlite" else postgresql
    for kind in KINDS:
        content = dataset.file(kind, rows)
        values = {"content": content, "etag": etag(content), "generated_at": now, "row_count": len(rows)}
        statement = dialect.insert(OpenFile).values(dataset=dataset.name, kind=kind, **values)
        db.session.execute(statement.on_conflict_do_update(index_elements=["dataset", "kind"], set_=values))


def refresh_files(*, today: dt.date) -> Refresh:
    """The daily job: regenerate every dataset's files, each dataset committed on its own."""
    done = Refresh()
    for dataset in DATASETS.values():
        try:
            store(dataset, today, clock.now())
            db.session.commit()
        except Exception as error:
            if errors.is_unavailable(error):
                # The database is gone: the next datasets would fail the same way, each after its timeout. The
                # run stops (`flask donnees refresh`: exit code 4), every file as it was.
                errors.rollback_quietly()
                raise
            db.session.rollback()
            log.exception("open dataset %s not refreshed (%s): its previous files stay published", dataset.name, today)
            done.failed.append(dataset.name)
        else:
            done.refreshed.append(dataset.name)
    return done
