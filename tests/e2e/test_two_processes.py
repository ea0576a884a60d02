"""Two real service processes on one throwaway PostgreSQL cluster act as one service: each sees the
other's writes in its duplicate matching, ranking, placement and stream; an SLA breach is announced
once while both run and after the lease holder dies by kill -9; a stream client of the dead process
resumes on the other with no gap and no repeat."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service import payloads
from tests.support.child_process import PROJECT, ServiceProcess
from tests.support.postgres import throwaway_cluster

# Neighbour disputes (L0101) breach within seconds here, so the test sees the watch at work.
SLA = json.dumps({"L0101": {"acknowledge": 0.02, "on_scene": 0.03, "mediation": 0.03}})


class StreamReader:
    """Reads a live stream in a thread, keeping every event; stops when the connection ends."""

    def __init__(self, base: str, key: str, last_event_id: int) -> None:
        self.events: list[dict[str, Any]] = []
        self.ended = threading.Event()
        self._args = (base, key, last_event_id)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        base, key, last = self._args
        headers = {"Authorization": f"Bearer {key}", "Last-Event-ID": str(last)}
        try:
            with httpx.stream("GET", base + "/api/v1/stream", headers=headers, timeout=httpx.Timeout(5, read=60)) as r:
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        self.events.append(json.loads(line[5:]))
        except httpx.HTTPError:
            pass  # the process died under it: that is what the test is about
        finally:
            self.ended.set()

    @property
    def ids(self) -> list[int]:
        return [int(e["id"]) for e in self.events]


def eventually(check: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[ServiceProcess, ServiceProcess, str]]:
    with throwaway_cluster() as url:
        data = Path(tempfile.mkdtemp(prefix="gc-two-"))
        env = {"GRIDCOMMAND_DATABASE_URL": url, "GRIDCOMMAND_WATCH_INTERVAL_SECONDS": "0.2",
               "GRIDCOMMAND_SLA_OVERRIDES": SLA}
        a = ServiceProcess(data, extra_env=env).start(timeout=60)  # A loads the demo street and takes the lease
        b = ServiceProcess(data, extra_env=env).start(timeout=60)
        try:
            yield a, b, url
        finally:
            a.stop()
            b.stop()


def _report(base: str, key: str, alarm_no: str, lon: float, lat: float = 30.16) -> dict[str, Any]:
    r = httpx.post(base + "/api/v1/channels/police110", headers={"Authorization": f"Bearer {key}"},
                   json=payloads.police110(lon, lat, alarm_no=alarm_no), timeout=10)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _get(base: str, key: str, path: str, **params: Any) -> Any:
    r = httpx.get(base + path, headers={"Authorization": f"Bearer {key}"}, params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_two_processes_on_one_postgresql_act_as_one_service(
        pair: tuple[ServiceProcess, ServiceProcess, str]) -> None:
    a, b, url = pair
    key = a.operator_key
    start = _get(b.base, key, "/api/v1/snapshot", layers="incidents")["last_event_id"]
    on_b = StreamReader(b.base, key, start)
    on_a = StreamReader(a.base, key, start)

    # A repeat complaint posted to B is linked to the case A took in.
    original = _report(a.base, key, "TWO-1", 120.152)
    repeat = _report(b.base, key, "TWO-2", 120.1521)
    assert repeat["duplicate_of"] == original["id"]

    # B's stream shows A's writes, within the aim of 250 ms (generously bounded here).
    eventually(lambda: original["id"] in {e["payload"].get("id") for e in on_b.events}, 2.0, "A's case on B's stream")

    # A fix posted to A moves the unit in B's ranking.
    case = _get(b.base, key, f"/api/v1/incidents/{original['id']}")
    ranked = _get(b.base, key, f"/api/v1/incidents/{original['id']}/recommendations", limit=100)["units"]
    assert len(ranked) >= 2
    far = [u for u in ranked if u["unit_type"] == ranked[0]["unit_type"]][-1]["unit_id"]
    far_rank = [u["unit_id"] for u in ranked].index(far)
    device = _get(b.base, key, f"/api/v1/units/{far}")["device_id"]
    fix = {"device_id": device, "time": datetime.now(UTC).isoformat(), "lon": case["lon"], "lat": case["lat"],
           "crs": "WGS84"}
    r = httpx.post(a.base + "/api/v1/positions/batch", headers={"Authorization": f"Bearer {key}"},
                   json={"items": [fix]}, timeout=10)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text

    def moved_up() -> bool:
        now_ranked = _get(b.base, key, f"/api/v1/incidents/{original['id']}/recommendations", limit=100)["units"]
        mine = next(i for i, u in enumerate(now_ranked) if u["unit_id"] == far)
        return mine < far_rank and now_ranked[mine]["distance_m"] < min(200.0, ranked[far_rank]["distance_m"])

    eventually(moved_up, 2.0, "the moved unit near the case and higher in B's ranking")

    # A boundary import through A changes where B places a new report.
    editor = subprocess.run([sys.executable, "-m", "service", "--database-url", url, "--data-dir", str(a.data_dir),
                             "key", "gis_editor"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout.strip()
    zone = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "FQ77", "name": "演练"},
            "geometry": {"type": "Polygon", "coordinates": [[[120.13, 30.17], [120.14, 30.17], [120.14, 30.18],
                                                             [120.13, 30.18], [120.13, 30.17]]]}}]}
    r = httpx.post(a.base + "/api/v1/boundaries/import", headers={"Authorization": f"Bearer {editor}"},
                   data={"level": "defence_zone", "format": "geojson"},
                   files={"file": ("zones.geojson", json.dumps(zone).encode())}, timeout=30)
    assert r.status_code == 200, r.text
    placed = _report(b.base, key, "TWO-3", 120.135, 30.175)
    assert _get(b.base, key, f"/api/v1/incidents/{placed['id']}")["defence_zone"] == "FQ77"

    # SLA breaches while both run: each announced once (A holds the watch lease).
    eventually(lambda: any(e["kind"] == "sla.breached" and e["payload"]["incident_id"] == placed["id"]
                           for e in on_b.events), 10.0, "a breach of the new case")

    # kill -9 the lease holder: B takes the watch over, and A's stream client resumes on B.
    a.kill_hard()
    assert on_a.ended.wait(10)
    resumed = StreamReader(b.base, key, on_a.ids[-1] if on_a.ids else start)
    after_kill = _report(b.base, key, "TWO-4", 120.16, 30.165)
    eventually(lambda: any(e["kind"] == "sla.breached" and e["payload"]["incident_id"] == after_kill["id"]
                           for e in on_b.events), 10.0, "B announcing breaches after A died")
    time.sleep(1.0)  # give a second announcer, if there were one, time to speak

    last = _get(b.base, key, "/api/v1/snapshot", layers="incidents")["last_event_id"]
    eventually(lambda: on_b.ids and on_b.ids[-1] == last, 3.0, "B's stream at the end of the log")
    eventually(lambda: resumed.ids and resumed.ids[-1] == last, 3.0, "the resumed stream at the end of the log")
    assert on_b.ids == list(range(start + 1, last + 1))
    assert on_a.ids + resumed.ids == list(range(start + 1, last + 1)), "no gap and no repeat across processes"
    breaches = Counter((e["payload"]["incident_id"], e["payload"]["clock"]) for e in on_b.events
                       if e["kind"] == "sla.breached")
    warnings = Counter((e["payload"]["incident_id"], e["payload"]["clock"]) for e in on_b.events
                       if e["kind"] == "sla.warning")
    assert breaches and set(breaches.values()) == {1}, breaches
    assert set(warnings.values()) <= {1}, warnings
    assert {i for i, _ in breaches} >= {placed["id"], after_kill["id"]}
