"""The record contract served: the words (event kinds, statuses, channels, actions) and record fields
a client must know, from the one module that defines them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import Reader
from service.domain.records import EVENT_FIELDS, INCIDENT_FIELDS, UNIT_FIELDS, VOCABULARY

router = APIRouter(prefix="/api/v1", tags=["live"])


@router.get("/vocabulary", summary="Event kinds, statuses, channels, actions and record fields, as the service uses them")
def vocabulary(who: Reader) -> dict[str, Any]:
    return {**VOCABULARY, "fields": {"incident": list(INCIDENT_FIELDS), "unit": [*UNIT_FIELDS, "fix_time", "updated_at"],
                                     "event": list(EVENT_FIELDS)}}
