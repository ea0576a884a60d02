"""An exercise's results, read from its own record: the score, and the material the review draws."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.domain.roads import RoadNetwork
from service.domain.units import epoch_ms, from_epoch_ms
from service.exercise.manifest import ExerciseFolder, Manifest, SourceKind, parse_time
from service.exercise.scoring import Tracks, score_cases
from service.store import exercise as exercise_store
from service.store import roads as road_store
from service.store.db import Database


@dataclass
class ExerciseMaterial:
    """Everything the score and the review need, read once from the exercise's record."""

    manifest: Manifest
    cases: list[dict[str, Any]]
    units: list[dict[str, Any]]
    tracks: dict[int, list[tuple[int, float, float]]]
    roads: RoadNetwork | None
    actual: list[dict[str, Any]] | None
    clock_end: datetime


def read_material(folder: ExerciseFolder, db: Database) -> ExerciseMaterial:
    manifest = folder.read()
    with db.read() as session:
        cases = exercise_store.case_histories(session=session)
        units = exercise_store.unit_catalog(session=session)
        tracks = exercise_store.unit_tracks(session=session, since_ms=0, until_ms=2**62)
        lines = road_store.all_lines(session=session)
    last = max((t[-1][0] for t in tracks.values() if t), default=epoch_ms(parse_time(manifest.origin)))
    return ExerciseMaterial(manifest, cases, units, tracks, RoadNetwork(lines) if lines else None,
                            folder.read_actual(), from_epoch_ms(last))


def score(material: ExerciseMaterial) -> dict[str, Any]:
    m = material.manifest
    tracks = Tracks(material.tracks)
    recorded = m.source.get("kind") == SourceKind.RECORDED.value
    expected = dict(m.expected)
    if recorded and material.actual:
        # What the center actually did that day is the reference for duplicates.
        expected = {str(c["id"]): {"duplicate_of": str(c["duplicate_of"])} for c in material.actual
                    if c["duplicate_of"] is not None}
    result = score_cases(cases=material.cases, units=material.units, tracks=tracks, roads=material.roads,
                         expected=expected, reference_key="recorded_id" if recorded else "scenario_id")
    out: dict[str, Any] = {"exercise": m.public(), **result}
    if recorded and material.actual is not None:
        actual = score_cases(cases=material.actual, units=material.units, tracks=tracks, roads=material.roads,
                             expected=expected, reference_key="__none__")
        by_ref = {d["reference"]: d for d in actual["decisions"]}
        out["actual"] = {"overall": actual["overall"], "operators": actual["operators"]}
        out["side_by_side"] = [{"reference": d["reference"], "exercise": _brief(d), "actual": _brief(by_ref.get(d["reference"]))}
                               for d in result["decisions"]]
    return out


def _brief(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {k: d[k] for k in ("operator", "ack_s", "dispatch_s", "unit", "chosen_rank", "sla_met", "left_open",
                              "score")}
