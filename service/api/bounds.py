"""Parameter and field types every router shares: ids, offsets and times a database can hold."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, Field

from service.domain.bounds import ID_MAX, to_utc


def _utc_representable(value: datetime) -> datetime:
    if to_utc(value) is None:
        raise ValueError(f"{value.isoformat()} is outside the years 1-9999 once converted to UTC")
    return value


# A time with an offset that still names a real instant in UTC (0001-01-01T00:00+08:00 does not).
UtcTime = Annotated[AwareDatetime, AfterValidator(_utc_representable)]
# A stored row's id or version in a body.
DbInt = Annotated[int, Field(ge=0, le=ID_MAX)]
# A page offset: a database cannot skip more rows than it can number.
Offset = Annotated[int, Query(ge=0, le=ID_MAX, description="Rows to skip")]

IncidentId = Annotated[int, Path(ge=1, le=ID_MAX, description="The incident's id")]
UnitId = Annotated[int, Path(ge=1, le=ID_MAX, description="The unit's id")]
PhotoId = Annotated[int, Path(ge=1, le=ID_MAX, description="The photo's id")]
