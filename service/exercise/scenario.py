"""Scenario files (format `gridcommand-scenario`, version 1; YAML or JSON) -> the cues of an exercise.

The format is documented in docs/scenarios.md; every problem names the field path, e.g. `reports[3].lon`.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from service.domain.catalog import CATEGORIES, Channel
from service.domain.replay import Cue, CueKind
from service.exercise.errors import ScenarioProblem

FORMAT = "gridcommand-scenario"
VERSIONS = frozenset({1})
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
_OFFSET = re.compile(r"^(\d+):([0-5]\d):([0-5]\d)$")
REPORT_CHANNELS = frozenset({Channel.POLICE_110, Channel.HOTLINE_12345, Channel.CITY_MANAGEMENT,
                             Channel.ONLINE_HELP, Channel.OPEN311})


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    start: datetime
    duration: timedelta
    cues: list[Cue]
    expected: dict[str, Any]   # per scenario report id: what a good operator does (best unit, duplicate_of)


def available() -> list[str]:
    """Scenario files shipped under resources/scenarios/ (their file names)."""
    return sorted(p.name for p in SCENARIO_DIR.glob("*") if p.suffix in (".yaml", ".yml", ".json"))


def resolve(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = SCENARIO_DIR / name_or_path
    for candidate in (shipped, shipped.with_suffix(".yaml"), shipped.with_suffix(".json")):
        if candidate.is_file():
            return candidate
    raise ScenarioProblem("scenario", f"no scenario file {name_or_path!r}; shipped: {', '.join(available())}")


def load(name_or_path: str) -> Scenario:
    path = resolve(name_or_path)
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioProblem("scenario", f"{path.name} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    return parse(doc)


def _offset(value: Any, where: str) -> timedelta:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return timedelta(minutes=float(value))
    m = _OFFSET.match(str(value))
    if not m:
        raise ScenarioProblem(where, f"must be HH:MM:SS after the start or minutes as a number, got {value!r}")
    return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=int(m[3]))


def _need(item: dict[str, Any], key: str, where: str) -> Any:
    if key not in item or item[key] in (None, ""):
        raise ScenarioProblem(f"{where}.{key}", "is required")
    return item[key]


def _report_payload(item: dict[str, Any], where: str, external_id: str) -> dict[str, Any]:
    channel = str(item.get("channel", Channel.HOTLINE_12345.value))
    if channel not in {c.value for c in REPORT_CHANNELS}:
        raise ScenarioProblem(f"{where}.channel", f"unknown channel {channel!r}")
    category = str(_need(item, "category", where))
    if category not in CATEGORIES:
        raise ScenarioProblem(f"{where}.category", f"unknown category code {category!r}")
    lon, lat = _need(item, "lon", where), _need(item, "lat", where)
    for key, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
        if not isinstance(value, (int, float)) or not -limit <= value <= limit:
            raise ScenarioProblem(f"{where}.{key}", f"must be a number within ±{limit}, got {value!r}")
    return {"channel": channel, "external_id": external_id, "category": category,
            "description": str(item.get("description") or CATEGORIES[category].name_en), "lon": float(lon),
            "lat": float(lat), "address": item.get("address"), "reporter_name": item.get("reporter_name"),
            "reporter_phone": item.get("reporter_phone")}


def parse(doc: Any) -> Scenario:
    if not isinstance(doc, dict):
        raise ScenarioProblem("scenario", "must be a mapping with format, version, name, start, reports …")
    if doc.get("format") != FORMAT:
        raise ScenarioProblem("format", f"must be {FORMAT!r}")
    if doc.get("version") not in VERSIONS:
        raise ScenarioProblem("version", f"unsupported version {doc.get('version')!r}; this service reads "
                                         f"{sorted(VERSIONS)}")
    name = str(_need(doc, "name", "scenario"))
    try:
        start = datetime.fromisoformat(str(_need(doc, "start", "scenario")))
    except ValueError as exc:
        raise ScenarioProblem("start", f"must be an ISO 8601 time with its offset: {exc}") from exc
    if start.tzinfo is None:
        raise ScenarioProblem("start", "needs its UTC offset, e.g. 2026-07-14T07:00:00+08:00")
    cues: list[Cue] = []
    expected: dict[str, Any] = {}
    seq = 0

    def add(offset: timedelta, kind: CueKind, payload: dict[str, Any]) -> None:
        nonlocal seq
        cues.append(Cue(start + offset, seq, kind, payload))
        seq += 1

    for i, item in enumerate(doc.get("reports") or []):
        where = f"reports[{i}]"
        rid = str(_need(item, "id", where))
        payload = _report_payload(item, where, f"scenario-{rid}")
        payload["scenario_id"] = rid
        add(_offset(_need(item, "at", where), f"{where}.at"), CueKind.REPORT, payload)
        if item.get("expected"):
            expected[rid] = dict(item["expected"])
    for i, item in enumerate(doc.get("surges") or []):
        where = f"surges[{i}]"
        first = _offset(_need(item, "at", where), f"{where}.at")
        count, every = int(_need(item, "count", where)), float(item.get("every_seconds", 60))
        around = _need(item, "around", where)
        radius = float(around.get("radius_m", 300))
        rng = random.Random(item.get("seed", i))
        for k in range(count):
            angle, dist = rng.uniform(0, 2 * math.pi), radius * math.sqrt(rng.random())
            spot = {**item, "lon": around["lon"] + dist * math.cos(angle) / (111_320 * math.cos(math.radians(around["lat"]))),
                    "lat": around["lat"] + dist * math.sin(angle) / 110_540}
            rid = f"{item.get('id', f's{i}')}-{k + 1:03d}"
            payload = _report_payload(spot, where, f"scenario-{rid}")
            payload["scenario_id"] = rid
            add(first + timedelta(seconds=every * k), CueKind.REPORT, payload)
    for i, item in enumerate(doc.get("breakdowns") or []):
        where = f"breakdowns[{i}]"
        add(_offset(_need(item, "at", where), f"{where}.at"), CueKind.BREAKDOWN,
            {"unit": str(_need(item, "unit", where)), "note": item.get("note") or "breakdown"})
    for i, item in enumerate(doc.get("injects") or []):
        where = f"injects[{i}]"
        add(_offset(_need(item, "at", where), f"{where}.at"), CueKind.INJECT,
            {"message": str(_need(item, "message", where)), "to": item.get("to")})
    last = max((c.at for c in cues), default=start)
    duration = _offset(doc["duration_minutes"], "duration_minutes") if "duration_minutes" in doc else last - start
    return Scenario(name, str(doc.get("description") or ""), start, duration, cues, expected)
