"""JSON-ready values of what the services answer, fast: a page of 50 cases is some 1,300
values, and FastAPI's general ``jsonable_encoder`` (a dozen type checks per value, dataclass
and model probing first) spent more CPU on them than the query and the audit together. The
same answers for the services' types (checked against it by a test); anything else is handed
to it."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from fastapi.encoders import jsonable_encoder

_SCALARS = (str, int, float, bool, type(None))
_EXACT = frozenset(_SCALARS)  # by exact type: vocabulary (str enums) is not among them


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: mappings as dicts with text keys, sequences and sets as
    lists, dates and times in ISO 8601, vocabulary as its value, decimals as int or float."""
    kind = type(value)
    if kind in _EXACT:
        return value
    if kind is dict:  # the common case, inlined: a row is mostly scalars
        return {
            (k if type(k) is str else plain(k)): (v if type(v) in _EXACT else plain(v))
            for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in _EXACT else plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {(k if isinstance(k, str) else plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal) and isinstance(exponent := value.as_tuple().exponent, int):
        return int(value) if exponent >= 0 else float(value)
    if isinstance(value, (uuid.UUID, PurePath)):
        return str(value)
    return jsonable_encoder(value)


__all__ = ["plain"]
