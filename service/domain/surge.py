"""Surge alerts: a category or a community well above its usual level for this hour of the day."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

MIN_SURGE_COUNT = 3     # two cases of a kind in an hour are never a surge, whatever the history
SIGMAS = 3.0            # counts are roughly Poisson: mean + 3 sqrt(mean) is rarely crossed by chance


class SurgeDimension(StrEnum):
    CATEGORY = "category"
    COMMUNITY = "community"


@dataclass(frozen=True)
class Surge:
    dimension: SurgeDimension
    key: str
    count: int          # cases in the window now
    usual: float        # mean count in the same window of the day over the baseline days
    threshold: float    # the count above which the window is a surge

    @property
    def ratio(self) -> float:
        return self.count / max(self.usual, 1.0)

    def as_dict(self) -> dict[str, object]:
        return {"dimension": self.dimension.value, "key": self.key, "count": self.count,
                "usual": round(self.usual, 2), "threshold": round(self.threshold, 2), "ratio": round(self.ratio, 2)}


def threshold(usual: float, *, min_count: int = MIN_SURGE_COUNT, sigmas: float = SIGMAS) -> float:
    """The count that counts as a surge: never below `min_count`; a quiet history still needs a real jump."""
    return max(float(min_count), usual + sigmas * math.sqrt(max(usual, 1.0)))


def detect(*, dimension: SurgeDimension, current: Mapping[str, int], history: Sequence[Mapping[str, int]],
           min_count: int = MIN_SURGE_COUNT, sigmas: float = SIGMAS) -> list[Surge]:
    """Keys whose count now reaches the surge threshold, given one count map per baseline day (the same
    hour of the day); days with no cases count as zero. Strongest first."""
    days = max(len(history), 1)
    out = []
    for key, count in current.items():
        usual = sum(day.get(key, 0) for day in history) / days
        limit = threshold(usual, min_count=min_count, sigmas=sigmas)
        if count >= limit:
            out.append(Surge(dimension, key, count, usual, limit))
    return sorted(out, key=lambda s: (-s.ratio, -s.count, s.key))
