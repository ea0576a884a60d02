"""`python -m bench [--check] [section ...]`: run every bench module (each `bench/<name>.py` with a
`run(report)` function), print the table, save test-artifacts/bench.json; with --check exit 1 when a
median misses its aim."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path

import bench
from bench.harness import Report

NOT_SECTIONS = {"harness", "report", "baseline"}


def sections() -> dict[str, Callable[[Report], None]]:
    """Every bench module with a run(report): other engineers' modules join by existing."""
    found = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in NOT_SECTIONS:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module.run
    return found


def main(argv: list[str]) -> int:
    check = "--check" in argv
    names = [a for a in argv if not a.startswith("--")]
    known = sections()
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    report = Report()
    for name in names or list(known):
        print(f"[{name}]", flush=True)
        report.section = name
        known[name](report)
    report.save(Path("test-artifacts/bench.json"))
    missed = report.missed()
    if missed:
        print(f"{len(missed)} aim(s) missed: " + "; ".join(f"{r.name} ({r.aim.describe(r.unit)})" for r in missed))
    return 1 if check and missed else 0


raise SystemExit(main(sys.argv[1:]))
