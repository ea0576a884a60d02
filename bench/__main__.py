"""`python -m bench`: run every benchmark and save the table to test-artifacts/bench.json."""

from __future__ import annotations

import sys
from pathlib import Path

from bench import cockpit, dispatch, intake, plugin, spine
from bench.report import Report

SECTIONS = {"intake": intake.run, "dispatch": dispatch.run, "plugin": plugin.run, "spine": spine.run, "cockpit": cockpit.run}


def main(argv: list[str]) -> int:
    wanted = argv or list(SECTIONS)
    report = Report()
    for name in wanted:
        print(f"[{name}]", flush=True)
        SECTIONS[name](report)
    report.save(Path("test-artifacts/bench.json"))
    return 0


raise SystemExit(main(sys.argv[1:]))
