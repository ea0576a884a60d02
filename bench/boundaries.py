"""Boundary revisions: topology validation of the 928 micro-grids, and publishing a split with the
relocation of open cases, each beside a bare shapely pass over the same geometries in the same run."""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import shapely

from bench.report import Report
from service.context import ServiceContext
from service.demo import street as demo_street
from service.demo.install import install_demo_street
from service.domain.catalog import Channel
from service.domain.gridcodes import Level
from service.domain.incident import IncidentDraft
from service.domain.topology import Piece, validate
from service.flows.boundaries import Draft
from service.settings import Settings
from service.store import areas as area_store
from tests.support.boundary_drafts import publish, split_rows

REPEATS = 7
OPEN_CASES = 2000
SPLIT = "33010800300100101"


def _interleaved(ours: Callable[[], float], baseline: Callable[[], float]) -> tuple[list[float], list[float]]:
    a, b = [], []
    for _ in range(REPEATS):
        a.append(ours())
        b.append(baseline())
    return a, b


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _add(report: Report, name: str, ours: list[float], baseline_name: str, baseline: list[float], aim: str) -> None:
    report.add(f"{name} median", statistics.median(ours) * 1000, "ms", baseline_name=f"{baseline_name} median",
               baseline=statistics.median(baseline) * 1000, aim=aim)
    report.add(f"{name} min", min(ours) * 1000, "ms", baseline_name=f"{baseline_name} min",
               baseline=min(baseline) * 1000, aim=aim)


def _bare_shapely(micro: list[Any], grids: list[Any]) -> None:
    """The least any gap/overlap check does: validity, the neighbour pairs, and each grid's union."""
    geoms = [a.geometry for a in micro]
    shapely.is_valid(geoms)
    shapely.STRtree(geoms).query(geoms, predicate="intersects")
    by_grid: dict[str, list[Any]] = {}
    for a in micro:
        by_grid.setdefault(a.parent_code, []).append(a.geometry)
    for g in grids:
        shapely.difference(g.geometry, shapely.union_all(by_grid.get(g.code, [])))


def _with_open_cases(street: demo_street.DemoStreet) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gc-bench-rev-"))
    ctx = ServiceContext(Settings(data_dir=folder))
    install_demo_street(ctx, street)
    rng = random.Random(8)
    minx, miny, maxx, maxy = next(a for a in street.areas if a.level is Level.STREET).geometry.bounds
    split = next(a for a in street.areas if a.code == SPLIT).geometry
    now = datetime.now(UTC)
    drafts = []
    for i in range(OPEN_CASES):
        lon, lat = (demo_street.point_in(split, rng) if i % 20 == 0
                    else (rng.uniform(minx, maxx), rng.uniform(miny, maxy)))
        # Two hours apart: never linked as duplicates, so every one stays an open case of its own.
        drafts.append(IncidentDraft(Channel.OPERATOR, f"bench-rev-{i}", now - timedelta(hours=2 * i + 1), "E0402",
                                    "自来水管破裂", lon, lat, crs="WGS84"))
    ctx.intake.ingest(drafts)
    ctx.close()
    return folder


def run(report: Report) -> None:
    street = demo_street.build()
    micro, grids = street.of_level(Level.MICRO_GRID), street.of_level(Level.GRID)
    pieces = [Piece(a.code, a.parent_code, a.geometry) for a in micro]
    parents = [Piece(a.code, a.parent_code, a.geometry) for a in grids]
    problems: list[Any] = []
    ours, bare = _interleaved(lambda: _timed(lambda: problems.extend(validate(pieces, parents))),
                              lambda: _timed(lambda: _bare_shapely(micro, grids)))
    assert not problems
    _add(report, "validate 928 micro-grids", ours, "bare shapely validity+pairs+unions", bare, "≤ 1000 ms")

    template = _with_open_cases(street)
    work = Path(tempfile.mkdtemp(prefix="gc-bench-pub-"))
    relocated: list[int] = []

    def publish_once() -> float:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(template, work)
        ctx = ServiceContext(Settings(data_dir=work))
        try:
            rows, _ = split_rows(ctx, SPLIT)
            draft = Draft(Level.MICRO_GRID, rows, ctx.clock.now(), "bench", "bench")
            started = time.perf_counter()
            outcome = publish(ctx, draft, dry_run=False)
            elapsed = time.perf_counter() - started
            relocated.append(len(outcome.impact["open_cases"]))
            return elapsed
        finally:
            ctx.close()

    def bare_relocation() -> float:
        ctx = ServiceContext(Settings(data_dir=template))
        try:
            rows, _ = split_rows(ctx, SPLIT)
            with ctx.db.read() as session:
                cases = area_store.open_incidents(session=session, statuses=["received"])
            started = time.perf_counter()
            geoms = [r["geometry"] for r in rows]
            shapely.is_valid(geoms)
            shapely.STRtree(geoms).query(shapely.points([c.lon for c in cases], [c.lat for c in cases]),
                                         predicate="intersects")
            return time.perf_counter() - started
        finally:
            ctx.close()

    ours, bare = _interleaved(publish_once, bare_relocation)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(template, ignore_errors=True)
    print(f"  (each publish relocated {relocated[0]} of {OPEN_CASES} open cases)", flush=True)
    _add(report, "publish a split + relocate open cases", ours, "bare shapely validity+locate", bare, "≤ 2000 ms")
