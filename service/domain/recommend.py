"""Which unit to send: available units ranked by estimated time of arrival, with the reason for each rank.

ETA = straight-line distance x detour factor / the unit type's typical speed, plus turn-out time.
The right team type for the case's category ranks first; the case's own grid staff get a head start
(they know the place and the people). Everything is vectorised over the fleet, so ranking 500 units
takes well under a millisecond and can run on every click.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from service.domain.coords import haversine_m
from service.domain.units import DETOUR_FACTOR, TYPICAL_SPEED_MS, UnitStatus, UnitType

WRONG_TYPE_PENALTY_S = 600.0     # another team type can go, but only if it is 10 minutes sooner
OWN_GRID_BONUS_S = 120.0
TURNOUT_S = 30.0
_TYPES = list(UnitType)


@dataclass
class UnitPosition:
    unit_id: int
    callsign: str
    unit_type: UnitType
    status: UnitStatus
    lon: float | None
    lat: float | None
    home_grid: str | None
    stale: bool


@dataclass
class Fleet:
    """The units as arrays, rebuilt whenever a unit's status or position changes."""

    units: list[UnitPosition] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        u = self.units
        self.ids = np.array([x.unit_id for x in u], dtype=np.int64)
        self.type_idx = np.array([_TYPES.index(x.unit_type) for x in u], dtype=np.int64)
        self.lon = np.array([x.lon if x.lon is not None else np.nan for x in u], dtype=float)
        self.lat = np.array([x.lat if x.lat is not None else np.nan for x in u], dtype=float)
        self.available = np.array([x.status is UnitStatus.AVAILABLE and not x.stale and x.lon is not None
                                   for x in u], dtype=bool)
        self.speed = np.array([TYPICAL_SPEED_MS[t] for t in (x.unit_type for x in u)], dtype=float)
        self.home_grid = np.array([x.home_grid or "" for x in u], dtype=object)


@dataclass(frozen=True)
class Recommendation:
    unit_id: int
    callsign: str
    unit_type: str
    eta_s: float
    distance_m: float
    rank: int
    reasons: list[str]


def _eta(distance_m: NDArray[np.float64], speed: NDArray[np.float64]) -> NDArray[np.float64]:
    return distance_m * DETOUR_FACTOR / speed + TURNOUT_S


def rank(fleet: Fleet, *, lon: float, lat: float, needed: UnitType, case_grid: str | None,
         limit: int = 10) -> list[Recommendation]:
    idx = np.flatnonzero(fleet.available)
    if not len(idx):
        return []
    distance = haversine_m(lon, lat, fleet.lon[idx], fleet.lat[idx])
    eta = _eta(distance, fleet.speed[idx])
    right_type = fleet.type_idx[idx] == _TYPES.index(needed)
    own_grid = (fleet.home_grid[idx] == case_grid) if case_grid else np.zeros(len(idx), dtype=bool)
    score = eta + np.where(right_type, 0.0, WRONG_TYPE_PENALTY_S) - np.where(own_grid, OWN_GRID_BONUS_S, 0.0)
    top = np.argsort(score, kind="stable")[:limit]
    out = []
    for r, j in enumerate(top.tolist()):
        unit = fleet.units[int(idx[j])]
        reasons = [f"ETA {_minutes(eta[j])} over {distance[j] / 1000:.1f} km at "
                   f"~{TYPICAL_SPEED_MS[unit.unit_type] * 3.6:.0f} km/h"]
        reasons.append(f"right team: {needed.value}" if right_type[j]
                       else f"other team type ({unit.unit_type.value}, needs {needed.value}): ranked 10 min later")
        if own_grid[j]:
            reasons.append("staff of the case's own grid: knows the place (2 min head start)")
        out.append(Recommendation(unit.unit_id, unit.callsign, unit.unit_type.value, float(eta[j]),
                                  float(distance[j]), r + 1, reasons))
    return out


def _minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s"


def best_eta(fleet: Fleet, *, lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray[np.float64]:
    """For each place, the best ETA of any available unit (inf when none is available)."""
    idx = np.flatnonzero(fleet.available)
    if not len(idx):
        return np.full(len(lons), np.inf)
    best = np.full(len(lons), np.inf)
    for start in range(0, len(idx), 256):  # bounded memory: places x 256 units at a time
        chunk = idx[start:start + 256]
        d = haversine_m(lons[:, None], lats[:, None], fleet.lon[chunk][None, :], fleet.lat[chunk][None, :])
        best = np.minimum(best, _eta(d, fleet.speed[chunk][None, :]).min(axis=1))
    return best
