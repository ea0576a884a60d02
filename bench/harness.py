"""The shared benchmark harness: each row repeats, interleaves the measured case with its same-run baseline,
reports median and minimum, states its aim, and `python -m bench --check` fails when a median misses it.

Use it from any bench module that defines `run(report: Report) -> None` (`python -m bench` finds it):

    from bench.harness import Aim, Report, timed

    def run(report: Report) -> None:
        report.compare("snapshot -> usable map, 100k cases", measure=timed(load_snapshot),
                       baseline=timed(load_gpkg), baseline_name="QGIS loading the same GeoPackage",
                       unit="s", aim=Aim.ratio_at_most(2.0))

`measure` and `baseline` return one sample each (a time, a percentile of one round, a memory figure);
`compare` calls them alternately, baseline first, `repeats` times (at least 5).  When a figure cannot be
taken one sample at a time (the two sides run together), collect interleaved samples yourself and call
`report.samples(...)`.
"""

from __future__ import annotations

import json
import math
import operator
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

MIN_REPEATS = 5


class AimKind(StrEnum):
    NONE = "none"              # informational: no aim
    AT_MOST = "at_most"        # the measured median, in the row's unit
    AT_LEAST = "at_least"
    RATIO_AT_MOST = "ratio_at_most"    # measured median / baseline median
    RATIO_AT_LEAST = "ratio_at_least"


@dataclass(frozen=True)
class Aim:
    kind: AimKind
    limit: float = math.nan

    @classmethod
    def none(cls) -> Aim:
        return cls(AimKind.NONE)

    @classmethod
    def at_most(cls, limit: float) -> Aim:
        return cls(AimKind.AT_MOST, limit)

    @classmethod
    def at_least(cls, limit: float) -> Aim:
        return cls(AimKind.AT_LEAST, limit)

    @classmethod
    def ratio_at_most(cls, limit: float) -> Aim:
        return cls(AimKind.RATIO_AT_MOST, limit)

    @classmethod
    def ratio_at_least(cls, limit: float) -> Aim:
        return cls(AimKind.RATIO_AT_LEAST, limit)

    @classmethod
    def parse(cls, text: str) -> Aim:
        """The free-text aims of older rows ("ratio <= 1.3", "<= 250 ms", ">= 5000/s"); anything else: none."""
        m = re.fullmatch(r"\s*(ratio\s*)?(<=|>=)\s*([0-9.]+).*", text)
        if not m:
            return cls.none()
        ratio, op, limit = bool(m.group(1)), m.group(2), float(m.group(3))
        if ratio:
            return cls.ratio_at_most(limit) if op == "<=" else cls.ratio_at_least(limit)
        return cls.at_most(limit) if op == "<=" else cls.at_least(limit)

    def describe(self, unit: str) -> str:
        return {AimKind.NONE: "-", AimKind.AT_MOST: f"<= {self.limit:g} {unit}",
                AimKind.AT_LEAST: f">= {self.limit:g} {unit}", AimKind.RATIO_AT_MOST: f"ratio <= {self.limit:g}",
                AimKind.RATIO_AT_LEAST: f"ratio >= {self.limit:g}"}[self.kind]

    def met(self, value: float, ratio: float) -> bool | None:
        """None when there is nothing to meet."""
        checks: dict[AimKind, tuple[float, Callable[[float, float], bool]]] = {
            AimKind.AT_MOST: (value, operator.le), AimKind.AT_LEAST: (value, operator.ge),
            AimKind.RATIO_AT_MOST: (ratio, operator.le), AimKind.RATIO_AT_LEAST: (ratio, operator.ge)}
        if self.kind is AimKind.NONE:
            return None
        figure, compare = checks[self.kind]
        return bool(not math.isnan(figure) and compare(figure, self.limit))


@dataclass
class Row:
    name: str
    unit: str
    samples: list[float]
    baseline_name: str
    baseline_samples: list[float]
    aim: Aim
    section: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def minimum(self) -> float:
        return min(self.samples) if self.samples else math.nan

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline_samples) if self.baseline_samples else math.nan

    @property
    def baseline_minimum(self) -> float:
        return min(self.baseline_samples) if self.baseline_samples else math.nan

    @property
    def ratio(self) -> float:
        base = self.baseline_median
        return self.median / base if base and not math.isnan(base) else math.nan

    @property
    def met(self) -> bool | None:
        return self.aim.met(self.median, self.ratio)

    @property
    def repeats(self) -> int:
        return len(self.samples)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["aim"] = self.aim.describe(self.unit)
        out.update(median=self.median, minimum=self.minimum, baseline_median=self.baseline_median,
                   baseline_minimum=self.baseline_minimum, ratio=self.ratio, met=self.met, repeats=self.repeats)
        return out


def timed(fn: Callable[[], Any], *, scale: float = 1000.0) -> Callable[[], float]:
    """A sample function that times one call of `fn` (milliseconds by default; scale=1 for seconds)."""
    def sample() -> float:
        started = time.perf_counter()
        fn()
        return (time.perf_counter() - started) * scale
    return sample


class Report:
    """Collects rows, prints each as it comes, saves them as JSON, and says which aims were missed."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.section = ""

    def compare(self, name: str, *, measure: Callable[[], float], baseline: Callable[[], float], baseline_name: str,
                unit: str, aim: Aim, repeats: int = MIN_REPEATS, warmup: int = 1) -> Row:
        """Run baseline and measured case alternately `repeats` times (after `warmup` unrecorded rounds)."""
        for _ in range(warmup):
            baseline()
            measure()
        ours: list[float] = []
        base: list[float] = []
        for _ in range(max(repeats, MIN_REPEATS)):
            base.append(baseline())
            ours.append(measure())
        return self.samples(name, ours, unit, baseline_name=baseline_name, baseline_samples=base, aim=aim)

    def samples(self, name: str, samples: Sequence[float], unit: str, *, baseline_name: str,
                baseline_samples: Sequence[float], aim: Aim, **notes: Any) -> Row:
        """A row from samples the caller took itself, interleaved with the baseline's."""
        row = Row(name, unit, [float(s) for s in samples], baseline_name, [float(s) for s in baseline_samples], aim,
                  self.section, dict(notes))
        self.rows.append(row)
        verdict = {True: "met", False: "MISSED", None: ""}[row.met]
        print(f"  {name:<46} med {row.median:>9.2f} min {row.minimum:>9.2f} {unit:<9}| {baseline_name:<36} "
              f"med {row.baseline_median:>9.2f} | ratio {row.ratio:6.3f} | n={row.repeats} | aim "
              f"{aim.describe(unit)} {verdict}", flush=True)
        return row

    def add(self, name: str, value: float, unit: str, *, baseline_name: str, baseline: float, aim: str) -> None:
        """One figure beside one baseline figure (older rows; prefer compare/samples, which repeat)."""
        self.samples(name, [value], unit, baseline_name=baseline_name, baseline_samples=[baseline],
                     aim=Aim.parse(aim))

    def missed(self) -> list[Row]:
        return [r for r in self.rows if r.met is False]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([r.as_json() for r in self.rows], indent=2, ensure_ascii=False, default=str))
