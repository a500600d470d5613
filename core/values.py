"""Values as JSON holds them: dates ISO 8601, enums by value, decimals as strings, containers walked.
Used by the audit trail (before/after) and the personal-data export alike."""

import datetime as dt
import decimal
import enum


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value):
    if type(value) in _PLAIN:  # most values, at the cost of one lookup (an import walks thousands)
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
