"""A scenario with known right answers, played by two trainees through the exercise's API, scores as expected."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.clock import ManualClock
from service.exercise import process, review
from service.exercise.manager import ExerciseManager, ExerciseRequest
from service.exercise.manifest import ExerciseFolder
from service.exercise.scenario import available

START = "2026-07-14T20:00:00+08:00"
SCENARIO = {
    "format": "gridcommand-scenario", "version": 1, "name": "known answers", "start": START, "duration_minutes": 10,
    "reports": [
        {"id": "a", "at": "00:01:00", "category": "E0506", "lon": 120.150, "lat": 30.165},
        # 300 m from a: too far for intake to link it, so the trainee must
        {"id": "b", "at": "00:01:00", "category": "E0506", "lon": 120.153, "lat": 30.166,
         "expected": {"duplicate_of": "a"}},
        {"id": "c", "at": "00:01:30", "category": "L0203", "lon": 120.165, "lat": 30.160},
        {"id": "d", "at": "00:01:30", "category": "E0506", "lon": 120.140, "lat": 30.172},
        {"id": "e", "at": "00:01:00", "category": "E0506", "lon": 120.146, "lat": 30.164,
         "expected": {"duplicate_of": "a"}},
    ]}


@pytest.fixture
def exercise(ctx: ServiceContext, tmp_path: Path) -> Iterator[tuple[ExerciseManager, str, TestClient, dict[str, Any]]]:
    scenario = tmp_path / "known.json"
    scenario.write_text(json.dumps(SCENARIO))
    mgr = ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=ctx.clock)
    created = mgr.create(ExerciseRequest(name="known answers", scenario=str(scenario), speed=60,
                                         trainees=["trainee A", "trainee B"]), spawn=False)
    ex_ctx, session = process.build(ExerciseFolder(mgr.root / created["id"]),
                                    base=ManualClock(datetime(2030, 1, 1, tzinfo=UTC)))
    app = create_app(ex_ctx.settings, context=ex_ctx, watch=False)
    app.state.exercise = session
    with TestClient(app) as client:
        yield mgr, created["id"], client, created["keys"]


def _by_ref(client: TestClient, key: str) -> dict[str, dict[str, Any]]:
    items = client.get("/api/v1/incidents", params={"limit": 100}, headers={"Authorization": f"Bearer {key}"}).json()
    return {c["attributes"]["scenario_id"]: c for c in items["items"]}


def test_scenario_with_known_right_answers_scores_as_expected(
        exercise: tuple[ExerciseManager, str, TestClient, dict[str, Any]]) -> None:
    mgr, exercise_id, client, keys = exercise
    trainer = {"Authorization": f"Bearer {keys['trainer']}"}
    a_key, b_key = keys["trainees"]["trainee A"], keys["trainees"]["trainee B"]
    health = client.get("/health").json()
    assert health["exercise"]["id"] == exercise_id and "EXERCISE" in health["exercise"]["label"]

    r = client.post("/api/v1/exercise/control", json={"action": "seek", "to": "2026-07-14T20:01:30+08:00"},
                    headers=trainer)
    assert r.status_code == 200, r.text
    assert r.json()["player"]["reports_delivered"] == 5
    cases = _by_ref(client, a_key)

    def act(key: str, case: dict[str, Any], **body: Any) -> dict[str, Any]:
        answer = client.post(f"/api/v1/incidents/{case['id']}/actions", json={"version": case["version"], **body},
                             headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def ranked(key: str, case: dict[str, Any]) -> list[dict[str, Any]]:
        return client.get(f"/api/v1/incidents/{case['id']}/recommendations",
                          headers={"Authorization": f"Bearer {key}"}).json()["units"]

    a = act(a_key, cases["a"], action="acknowledge")
    best_a = ranked(a_key, a)[0]
    act(a_key, a, action="dispatch", unit_id=best_a["unit_id"])
    act(a_key, cases["b"], action="mark_duplicate", duplicate_of=cases["a"]["id"])
    options_c = ranked(b_key, cases["c"])
    act(b_key, cases["c"], action="dispatch", unit_id=options_c[2]["unit_id"])
    # d and e are left alone: d breaches its acknowledge clock, e is a duplicate nobody links
    r = client.post("/api/v1/exercise/control", json={"action": "seek", "to": "2026-07-14T20:05:00+08:00"},
                    headers=trainer)
    assert r.status_code == 200, r.text

    result = review.score_of(mgr, exercise_id)
    d = {x["reference"]: x for x in result["decisions"]}
    assert d["a"]["unit"] == best_a["callsign"] and d["a"]["chosen_rank"] == 1 and d["a"]["ack_s"] == 30
    assert d["a"]["best_eta_s"] == pytest.approx(best_a["eta_s"], abs=1)
    assert d["a"]["score"] == 75, d["a"]["notes"]          # still open: dispatched, not resolved
    assert d["b"]["duplicate"] == "linked" and d["b"]["score"] == 100
    assert d["c"]["chosen_rank"] == 3 and d["c"]["eta_s"] > d["c"]["best_eta_s"]
    near = options_c[2]["eta_s"] <= options_c[0]["eta_s"] * 1.2
    assert d["c"]["score"] == (65 if near else 50), d["c"]["notes"]
    assert not d["d"]["sla_met"] and d["d"]["left_open"] and d["d"]["score"] == 0
    assert d["e"]["duplicate"] == "missed" and d["e"]["score"] == 0
    ops = result["operators"]
    assert ops["operator:trainee A"]["cases"] == 2 and ops["operator:trainee A"]["duplicates_linked"] == 1
    assert ops["operator:trainee A"]["best_unit_chosen"] == 1 and ops["operator:trainee A"]["score"] == 87.5
    assert ops["operator:trainee B"]["best_unit_chosen"] == 0 and ops["operator:trainee B"]["dispatched"] == 1
    assert ops["(nobody)"]["duplicates_missed"] == 1 and ops["(nobody)"]["left_open"] == 2

    page = review.html_of(mgr, exercise_id)
    assert "演练 EXERCISE" in page and page.count('class="case"') == 5 and "operator:trainee B" in page
    pdf = review.pdf_of(mgr, exercise_id)
    assert pdf.startswith(b"%PDF")
    out = Path(mgr.root / exercise_id / "review.pdf")
    out.write_bytes(pdf)
    rendered = subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(out),
                               str(out.with_suffix(""))], capture_output=True, timeout=60)
    assert rendered.returncode == 0 and list(out.parent.glob("review*.png"))


def test_the_three_shipped_scenarios_load() -> None:
    assert {"ordinary_morning.yaml", "typhoon_night_surge.yaml", "large_event_crowds.yaml"} <= set(available())


def test_a_bad_exercise_request_names_the_field(client: TestClient, keys: Any) -> None:
    trainer = {"Authorization": f"Bearer {keys.trainer}"}
    r = client.post("/api/v1/exercises", json={"name": "x", "scenario": "no_such_scenario"}, headers=trainer)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "scenario"
    r = client.post("/api/v1/exercises", json={"name": "x", "scenario": "ordinary_morning.yaml", "speed": 9000},
                    headers=trainer)
    assert r.status_code == 422 and "speed" in r.text
    r = client.post("/api/v1/exercises", json={"name": "x", "scenario": "ordinary_morning.yaml"},
                    headers={"Authorization": f"Bearer {keys.operator}"})
    assert r.status_code == 403
    r = client.get("/api/v1/exercises/nope/score", headers=trainer)
    assert r.status_code == 404
