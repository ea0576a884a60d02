"""Case statuses and which action may move a case from which status (the dispatch lifecycle).

received -> acknowledged -> dispatched -> en_route -> on_scene -> resolved -> closed, with
escalation to law enforcement, referral to mediation, whistling in departments, reassignment,
cancellation and marking as duplicate along the way.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"


OPEN_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.ACKNOWLEDGED, CaseStatus.DISPATCHED,
                           CaseStatus.EN_ROUTE, CaseStatus.ON_SCENE})
