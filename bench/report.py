"""Collects benchmark rows and prints them as one table (and JSON for the record)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    aim: str

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def add(self, name: str, value: float, unit: str, *, baseline_name: str, baseline: float, aim: str) -> None:
        row = Row(name, value, unit, baseline_name, baseline, aim)
        self.rows.append(row)
        print(f"  {name:<44} {value:>10.1f} {unit:<10} | {baseline_name:<34} {baseline:>10.1f} "
              f"| ratio {row.ratio:6.3f} | aim {aim}", flush=True)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([{**asdict(r), "ratio": r.ratio} for r in self.rows], indent=2, ensure_ascii=False))
