"""`make mutation`: plant small bugs (mutmut 3) where a silent bug hurts most and count how many the tests catch.

Two suites, each in its own throw-away copy of the tracked tree under $TMPDIR (the work tree stays clean):
- service: coordinates, dedupe, lifecycle, SLA, masking (access + present), recommendation and the
  stream's event formatting, against the fast service tests (no service process: a mutant must live
  in the process that runs the test);
- plugin: the plugin's event application (plugin/core/live.py) against the tests that load it in QGIS.

mutmut runs, per mutant, only the tests that reached the mutated function. The last line is
`mutation: K killed of N (P %)`; survivors are listed above it (see docs/mutation-survivors.md).

    python tests/mutation/run.py [--suite service|plugin] [--rev COMMIT] [--max-children N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Suite:
    name: str
    mutate: tuple[str, ...]
    tests: tuple[str, ...]
    pytest_args: tuple[str, ...] = ()


SUITES = (
    Suite("service",
          mutate=("service/domain/coords.py", "service/domain/dedupe.py", "service/domain/lifecycle.py",
                  "service/domain/sla.py", "service/domain/access.py", "service/domain/recommend.py",
                  "service/api/present.py", "service/api/stream.py"),
          # Fast tests only (a surviving mutant runs every test that reaches it): the domain's own tests and
          # those with one service per module. The per-test API files would take hours here.
          tests=("tests/service/test_coords.py", "tests/service/test_coords_reference.py",
                 "tests/service/test_dedupe.py", "tests/service/test_rules.py", "tests/service/test_roads.py",
                 "tests/service/test_stream_formatting.py", "tests/service/test_spec_examples.py"),
          pytest_args=("-p", "no:pytest_qgis", "-p", "no:pytest-qt", "-p", "no:timeout")),
    Suite("plugin",
          mutate=("plugin/core/live.py",),
          tests=("tests/plugin/test_core.py", "tests/plugin/test_live_events.py"),
          # mutmut runs pytest several times in one process: QGIS must outlive each session (it cannot start twice)
          pytest_args=("-p", "no:timeout", "-o", "qgis_disable_exit=true")),
)


def _copy_tree(dest: Path, rev: str | None) -> None:
    """Only tracked and new (unignored) files: no var/, no caches, no earlier mutants.
    With `rev`, the tree of that commit instead (to score the tests as they were)."""
    if rev:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _config(suite: Suite, work: Path) -> str:
    def lines(values: tuple[str, ...]) -> str:
        return "\n" + "\n".join(f"    {v}" for v in values)

    # setup.cfg, read by mutmut because pyproject.toml has no [tool.mutmut] section.
    return ("[mutmut]\n"
            "source_paths =" + lines(tuple(sorted({p.split('/')[0] for p in suite.mutate}))) + "\n"
            "only_mutate =" + lines(suite.mutate) + "\n"
            "also_copy =" + lines(("service", "plugin", "conftest.py", "resources", "metadata.txt")) + "\n"
            "pytest_add_cli_args =" + lines(("-q", "-x", *suite.pytest_args)) + "\n"
            "pytest_add_cli_args_test_selection =" + lines(tuple(t for t in suite.tests if (work / t).exists())) + "\n"
            "use_git_change_detection = false\n"
            "timeout_multiplier = 10.0\n")


# mutmut's own reading of a mutant's exit code (mutmut/stats.py); anything else is "suspicious".
STATUS_BY_EXIT: dict[int | None, str] = {
    0: "survived", 1: "killed", 3: "killed", 5: "no tests", 33: "no tests", 34: "skipped", 35: "suspicious",
    36: "timeout", 37: "caught by type check", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
    -11: "segfault", -9: "segfault", 2: "interrupted", None: "not checked"}


def _results(work: Path) -> dict[str, str]:
    """Each mutant's verdict from mutmut's own metadata (mutants/**/*.meta)."""
    verdicts: dict[str, str] = {}
    for meta in (work / "mutants").rglob("*.meta"):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            verdicts[name] = STATUS_BY_EXIT.get(code, "suspicious")
    return verdicts


def run_suite(suite: Suite, base: Path, max_children: int, rev: str | None) -> dict[str, str]:
    work = base / suite.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    _copy_tree(work, rev)
    (work / "setup.cfg").write_text(_config(suite, work), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDCOMMAND_MUTATION": "1"}
    started = time.monotonic()
    print(f"[{suite.name}] mutating {', '.join(suite.mutate)}", flush=True)
    log = work / "mutmut.log"
    with log.open("w") as out:
        code = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)],
                              cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    verdicts = _results(work)
    print(f"[{suite.name}] {len(verdicts)} mutants in {time.monotonic() - started:.0f} s (mutmut exit {code}; log {log})",
          flush=True)
    if not verdicts:
        print(log.read_text()[-3000:])
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", choices=[s.name for s in SUITES], action="append")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--rev", help="score the tests of this commit instead of the work tree")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "gridcommand-mutation")
    args = parser.parse_args()
    wanted = [s for s in SUITES if not args.suite or s.name in args.suite]
    verdicts: dict[str, str] = {}
    for suite in wanted:
        verdicts.update(run_suite(suite, args.workdir, args.max_children, args.rev))
    counted = {k: v for k, v in verdicts.items() if v not in ("skipped", "caught by type check")}
    killed = sorted(k for k, v in counted.items() if v in ("killed", "timeout", "segfault"))
    survivors = sorted(k for k in counted if k not in killed)
    for name in survivors:
        print(f"  {counted[name]:<12} {name}")
    total = len(counted)
    percent = 100.0 * len(killed) / total if total else 0.0
    print(f"mutation: {len(killed)} killed of {total} ({percent:.1f} %)")
    return 0 if total else 1


if __name__ == "__main__":
    sys.exit(main())
