"""The SQLAlchemy base and the Flask-SQLAlchemy extension every area's models use."""

import datetime as dt
import enum

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, registry


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite too (SQLite has no timezone type)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: Jalons stores timezone-aware UTC datetimes only")
            value = value.astimezone(dt.timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = registry(
        type_annotation_map={
            dt.datetime: UTCDateTime(),
            # Enums (StrEnums) are stored as their value, in a plain string column (no native enum type).
            enum.Enum: sa.Enum(enum.Enum, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]),
        }
    )
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

