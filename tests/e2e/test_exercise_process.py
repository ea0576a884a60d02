"""A trainer replays a recorded period in its own process: the live record is byte-for-byte unchanged after.

At 60x the reports (5 minutes into the period) arrive within seconds, and the seek target (an hour after
the period) stays ahead of the running clock for a minute, even on a busy machine."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.service import payloads
from tests.support.child_process import PROJECT, ServiceProcess

# The live service keeps still unless someone acts: no SLA announcement, no unit going stale mid-test.
QUIET = {"GRIDCOMMAND_SLA_OVERRIDES": json.dumps({f"p{i}": {"acknowledge": 6000, "on_scene": 6000}
                                                  for i in range(1, 5)}),
         "GRIDCOMMAND_STALE_AFTER_MINUTES": "6000"}


# The audit trail is the one live table an exercise may add to: a trainer's actions on the live service
# are state changes, and every one is audited (CJIS 5.4). Everything else must stay exactly as it was.
AUDITED_ELSEWHERE = "audit_records"


def _digest(folder: Path) -> str:
    """A hash of every live table's rows (not the file's bytes: SQLite may checkpoint its WAL at any time)."""
    with contextlib.closing(sqlite3.connect(folder / "gridcommand.db")) as db:
        lines = [line for line in db.iterdump() if f'"{AUDITED_ELSEWHERE}"' not in line]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _notifier_cursor(folder: Path) -> int | None:
    with contextlib.closing(sqlite3.connect(folder / "gridcommand.db")) as db:
        row = db.execute("SELECT last_event_id FROM notify_cursor").fetchone()
    return int(row[0]) if row else None


def _cli(data_dir: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "service", "--data-dir", str(data_dir), *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait(predicate: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_live_record_is_unchanged_after_an_exercise_but_for_the_audit_of_the_trainers_requests(data_dir: Path) -> None:
    assert "exercise" in _cli(data_dir, "exercise", "--help")
    live = ServiceProcess(data_dir, extra_env=QUIET).start(timeout=60)
    try:
        trainer = _cli(data_dir, "key", "trainer", "--name", "训练员").strip()
        op = {"Authorization": f"Bearer {live.operator_key}"}
        period_start = datetime.now(UTC) - timedelta(minutes=5)
        with httpx.Client(base_url=live.base, timeout=60) as c:
            ids = []
            for n, lon in enumerate((120.150, 120.160, 120.140)):
                r = c.post("/api/v1/channels/hotline12345", json=payloads.hotline(lon, 30.165, order_no=f"HZ-EX-{n}"),
                           headers=op)
                assert r.status_code == 201, r.text
                ids.append(r.json()["id"])
            first = c.get(f"/api/v1/incidents/{ids[0]}", headers=op).json()
            r = c.post(f"/api/v1/incidents/{ids[0]}/actions", json={"action": "acknowledge", "version": first["version"]},
                       headers=op)
            assert r.status_code == 200, r.text
            period_end = datetime.now(UTC) + timedelta(seconds=30)
            last_event = c.get("/api/v1/snapshot?layers=incidents", headers=op).json()["last_event_id"]
            # The live service's own bookkeeping settles first (the notifier reads the log once a second).
            _wait(lambda: _notifier_cursor(data_dir) == last_event)
            before = _digest(data_dir)

            r = c.post("/api/v1/exercises", headers={"Authorization": f"Bearer {trainer}"}, json={
                "name": "昨日重放", "period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
                "speed": 60, "trainees": ["王芳"], "autostart": True})
            assert r.status_code == 201, r.text
            ex = r.json()
            assert ex["address"] != live.base and set(ex["keys"]) == {"trainer", "trainees"}
            trainee = {"Authorization": f"Bearer {ex['keys']['trainees']['王芳']}"}
            with httpx.Client(base_url=ex["address"], timeout=60) as e:
                health = e.get("/health").json()
                assert health["exercise"]["id"] == ex["id"] and health["exercise"]["label"] == "演练 EXERCISE — not live"
                assert "exercise" in e.get("/api/v1/snapshot?layers=incidents", headers=trainee).json()
                assert e.get("/api/v1/incidents", headers={"Authorization": f"Bearer {live.operator_key}"}
                             ).status_code == 401, "a live key means nothing to an exercise"
                cases = _wait(lambda: len(items := e.get("/api/v1/incidents", headers=trainee).json()["items"]) == 3
                              and items)
                case = cases[0]
                r = e.post(f"/api/v1/incidents/{case['id']}/actions", headers=trainee,
                           json={"action": "acknowledge", "version": case["version"]})
                assert r.status_code == 200, r.text
            ctl = {"Authorization": f"Bearer {trainer}"}
            r = c.post(f"/api/v1/exercises/{ex['id']}/control", headers=ctl,
                       json={"action": "seek", "to": (period_end + timedelta(hours=1)).isoformat()})
            assert r.status_code == 200, r.text
            assert r.json()["player"]["reports_delivered"] == 3
            score = c.get(f"/api/v1/exercises/{ex['id']}/score", headers=ctl).json()
            assert score["operators"]["operator:王芳"]["cases"] == 1
            assert score["actual"]["overall"]["cases"] == 3, "side by side with what the center did that day"
            assert any(s["actual"]["operator"] == "operator:local operator" for s in score["side_by_side"])
            assert c.get(f"/api/v1/exercises/{ex['id']}/report.pdf", headers=ctl).content.startswith(b"%PDF")
            assert "operator:王芳" in c.get(f"/api/v1/exercises/{ex['id']}/report.html", headers=ctl).text
            assert json.loads(_cli(data_dir, "exercise", "stop", ex["id"]))["state"] == "stopped"
            _wait(lambda: _down(ex["address"]))
            assert c.get("/api/v1/snapshot?layers=incidents", headers=op).json()["last_event_id"] == last_event
        assert _digest(data_dir) == before
    finally:
        live.stop()


def _down(address: str) -> bool:
    try:
        httpx.get(address + "/health", timeout=1)
        return False
    except httpx.HTTPError:
        return True
