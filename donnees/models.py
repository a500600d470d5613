"""The published files of the open datasets: what the nightly job wrote, served as they are by /donnees.

In the database rather than on disk: the web process and the scheduler may run on different machines
(README, « Deploying »), and both reach PostgreSQL. The datasets themselves read the other areas.
"""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db


class OpenFile(db.Model):
    """One dataset in one format (csv, json), as of its last successful generation."""

    __tablename__ = "open_files"

    dataset: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    etag: Mapped[str] = mapped_column(sa.String(64))  # sha256 of content, hex
    generated_at: Mapped[dt.datetime]
    row_count: Mapped[int]
