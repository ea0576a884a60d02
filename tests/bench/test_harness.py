"""The bench harness other engineers build on: interleaved repeats, median and minimum, aims that can fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.harness import MIN_REPEATS, Aim, Report

ROOT = Path(__file__).resolve().parents[2]


def test_a_benchmark_row_interleaves_baseline_and_case_and_reports_median_and_minimum() -> None:
    calls: list[str] = []
    ours = iter([99.0, 5.0, 3.0, 4.0, 6.0, 2.0, 7.0])  # first value is the unrecorded warm-up
    base = iter([1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0])

    def measure() -> float:
        calls.append("m")
        return next(ours)

    def baseline() -> float:
        calls.append("b")
        return next(base)

    report = Report()
    row = report.compare("x", measure=measure, baseline=baseline, baseline_name="y", unit="ms", repeats=3,
                         aim=Aim.ratio_at_most(2.5))
    assert calls == ["b", "m"] * (1 + MIN_REPEATS)  # never fewer than five, always alternating
    assert row.samples == [5.0, 3.0, 4.0, 6.0, 2.0]
    assert (row.median, row.minimum, row.baseline_median) == (4.0, 2.0, 2.0)
    assert row.ratio == 2.0 and row.met is True and report.missed() == []


def test_a_median_over_its_aim_is_reported_missed() -> None:
    report = Report()
    report.samples("tick", [20, 17, 30, 1, 18], "ms", baseline_name="-", baseline_samples=[1] * 5,
                   aim=Aim.at_most(16))
    report.samples("info", [1, 2, 3, 4, 5], "ms", baseline_name="-", baseline_samples=[1] * 5, aim=Aim.none())
    assert [r.name for r in report.missed()] == ["tick"]


def test_older_free_text_aims_are_still_checked() -> None:
    assert Aim.parse("ratio <= 1.3").met(0, 1.4) is False
    assert Aim.parse("<= 250 ms").met(200, 99) is True
    assert Aim.parse(">= 5000/s and ratio >= 0.33").met(4000, 1) is False
    assert Aim.parse("same order as bare").met(1, 1) is None


def test_bench_check_names_an_unknown_section_and_refuses_it() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "--check", "no_such_section"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no_such_section" in done.stderr and "plugin" in done.stderr
