"""Units that can be sent, and their live positions (fixes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from service.domain.catalog import Responder

KNOT_MS = 0.514444


class UnitType(StrEnum):
    PATROL = "patrol"                    # a patrol member (巡防队员) or patrol car
    GRID_WORKER = "grid_worker"          # 网格员
    LAW_ENFORCEMENT = "law_enforcement"  # 执法队
    MEDIATION = "mediation"              # 调解队
    DEPARTMENT = "department"            # a line department's contact


class UnitStatus(StrEnum):
    OFF_DUTY = "off_duty"
    AVAILABLE = "available"
    ASSIGNED = "assigned"   # dispatched, not yet moving
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    BUSY = "busy"           # occupied by other work


# Which unit type answers which responder need.
SERVES: dict[Responder, UnitType] = {
    Responder.PATROL: UnitType.PATROL, Responder.GRID_WORKER: UnitType.GRID_WORKER,
    Responder.LAW_ENFORCEMENT: UnitType.LAW_ENFORCEMENT, Responder.MEDIATION: UnitType.MEDIATION,
    Responder.DEPARTMENT: UnitType.DEPARTMENT,
}

# Typical speed through streets (m/s) and detour over the straight line, for ETAs without a road network.
TYPICAL_SPEED_MS: dict[UnitType, float] = {
    UnitType.PATROL: 5.0,           # e-bike / patrol car in town, ~18 km/h
    UnitType.GRID_WORKER: 3.0,      # bicycle or e-bike, ~11 km/h
    UnitType.LAW_ENFORCEMENT: 6.0,  # car
    UnitType.MEDIATION: 5.0,
    UnitType.DEPARTMENT: 6.0,
}
DETOUR_FACTOR = 1.35
TURNOUT_SECONDS: dict[UnitStatus, float] = {UnitStatus.AVAILABLE: 30.0}


@dataclass(frozen=True)
class Fix:
    """One position report of a device, in the stored CRS, at the device's own time."""

    device_id: str
    device_time: datetime
    lon: float
    lat: float
    speed_ms: float | None = None
    heading: float | None = None
    altitude: float | None = None
    accuracy: float | None = None
    battery: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def time_ms(self) -> int:
        return int(self.device_time.timestamp() * 1000)


def epoch_ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
