"""What the README promises and no test held it to: races refused by the version (not the status), arrival
pinned at the 50 m radius, ranking by road through the API, repeat-complaint counts at intake, SLA events
on the stream itself, the key CLI, GRIDCOMMAND_* settings from the environment, max_batch_items, and an
Alembic upgrade of a database made by an older release."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.access import Role
from service.domain.clock import ManualClock
from service.settings import Settings
from tests.service import payloads
from tests.service.conftest import Keys
from tests.service.test_roads import ROADS
from tests.support.asgi_stream import parse_events, read_stream
from tests.support.child_process import PROJECT

M_PER_DEG_LAT = 111_195.0  # haversine's metres per degree of latitude (R = 6 371 008.8 m)


def _case(operator: TestClient, alarm_no: str, lon: float = 120.1502, lat: float = 30.1655, **over: Any) -> dict:  # type: ignore[type-arg]
    r = operator.post("/api/v1/channels/police110", json=payloads.police110(lon, lat, alarm_no=alarm_no, **over))
    assert r.status_code == 201, r.text
    return r.json()["incident"]  # type: ignore[no-any-return]


def test_two_operators_escalating_at_once_are_told_apart_by_the_version_alone(operator: TestClient) -> None:
    """Escalating keeps the status, so the second escalation is legal by status: only the version refuses it."""
    case = _case(operator, "J-RACE")
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def escalate(note: str) -> None:
        barrier.wait()
        results.append(operator.post(f"/api/v1/incidents/{case['id']}/actions",
                                     json={"action": "escalate", "version": case["version"], "note": note}))

    threads = [threading.Thread(target=escalate, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in results) == [200, 409]
    refused = next(r for r in results if r.status_code == 409).json()["error"]
    assert "changed" in refused["message"] and f"you sent {case['version']}" in refused["message"]
    assert refused["current"]["version"] == case["version"] + 1 and "escalate" in refused["allowed"]
    assert [h["action"] for h in operator.get(f"/api/v1/incidents/{case['id']}/history").json()] == ["escalate"]


def test_a_dispatched_unit_arrives_by_gps_at_45_m_but_not_at_55_m(operator: TestClient) -> None:
    case = _case(operator, "J-ARRIVE")
    pick = operator.get(f"/api/v1/incidents/{case['id']}/recommendations").json()["units"][0]
    r = operator.post(f"/api/v1/incidents/{case['id']}/actions",
                      json={"action": "dispatch", "version": case["version"], "unit_id": pick["unit_id"]})
    assert r.status_code == 200
    device = operator.get(f"/api/v1/units/{pick['unit_id']}").json()["device_id"]
    start = int(datetime.now(UTC).timestamp())
    for i, metres in enumerate((200, 55)):
        operator.get("/osmand", params={"id": device, "lat": case["lat"] + metres / M_PER_DEG_LAT, "lon": case["lon"],
                                        "timestamp": start + i})
        assert operator.get(f"/api/v1/incidents/{case['id']}").json()["status"] == "dispatched", metres
    operator.get("/osmand", params={"id": device, "lat": case["lat"] + 45 / M_PER_DEG_LAT, "lon": case["lon"],
                                    "timestamp": start + 2})
    assert operator.get(f"/api/v1/incidents/{case['id']}").json()["status"] == "on_scene"


def test_with_roads_loaded_the_api_ranks_the_unit_on_the_same_bank_first(client: TestClient, keys: Keys) -> None:
    op = keys.auth(keys.operator)
    client.headers.update(op)
    case = _case(client, "J-ROAD", lon=120.151, lat=30.160)
    units = client.get(f"/api/v1/incidents/{case['id']}/recommendations", headers=op).json()["units"]
    across, same_bank = units[0]["unit_id"], units[1]["unit_id"]
    now = datetime.now(UTC).isoformat()
    for unit_id, lon in ((across, 120.160), (same_bank, 120.140)):  # 860 m east across the river, 1 060 m west
        device = client.get(f"/api/v1/units/{unit_id}", headers=op).json()["device_id"]
        r = client.post("/api/v1/positions/batch", headers=op,
                        json={"items": [{"device_id": device, "time": now, "lon": lon, "lat": 30.160}]})
        assert r.status_code == 200, r.text

    def order() -> list[int]:
        ranked = client.get(f"/api/v1/incidents/{case['id']}/recommendations", params={"limit": 100},
                            headers=op).json()["units"]
        return [u["unit_id"] for u in ranked if u["unit_id"] in (across, same_bank)]

    assert order() == [across, same_bank]  # by the straight line
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NAME": "江边路"}, "geometry": {"type": "LineString", "coordinates": list(ln.coords)}}
        for ln in ROADS]}
    r = client.post("/api/v1/roads/import", headers=keys.auth(keys.gis_editor), data={"format": "geojson"},
                    files={"file": ("roads.geojson", json.dumps(geojson).encode())})
    assert r.status_code == 200, r.text
    assert order() == [same_bank, across]  # by road: the bridge is 2 km north
    ranked = client.get(f"/api/v1/incidents/{case['id']}/recommendations", params={"limit": 100}, headers=op).json()
    assert "of road" in next(u for u in ranked["units"] if u["unit_id"] == same_bank)["reasons"][0]


def test_a_complaint_repeated_at_the_same_place_over_days_is_counted_at_intake(operator: TestClient) -> None:
    local = ZoneInfo("Asia/Shanghai")
    days_ago = [(datetime.now(local) - timedelta(days=d)).isoformat() for d in (20, 10, 0)]
    counts = [_case(operator, f"J-REP-{i}", alarm_time=t)["repeat_count"] for i, t in enumerate(days_ago)]
    assert counts == [0, 1, 2]
    # 300 m away is another place
    assert _case(operator, "J-REP-far", lat=30.1655 + 300 / M_PER_DEG_LAT)["repeat_count"] == 0


# --- SLA events on the live stream, from the service's own watch ------------------------------------------
@pytest.fixture
def watched(settings: Settings) -> Iterator[tuple[TestClient, ManualClock, ServiceContext]]:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    ctx = ServiceContext(settings.model_copy(update={"watch_interval_seconds": 0.05}), clock=clock)
    with TestClient(create_app(ctx.settings, context=ctx, watch=True)) as client:
        client.headers["Authorization"] = f"Bearer {ctx.create_key(name='op', role=Role.OPERATOR)}"
        yield client, clock, ctx
    ctx.close()


def test_sla_warnings_and_breaches_arrive_on_the_stream_itself(watched: tuple[TestClient, ManualClock, ServiceContext]) -> None:
    client, clock, ctx = watched
    case = _case(client, "J-SLA", alarm_time=clock.now().isoformat())
    clock.advance(timedelta(seconds=50))  # past 48 s: the acknowledge clock warns

    def has_both(body: str) -> bool:
        kinds = [(e["event"], e["data"]["subject_id"]) for e in parse_events(body)]
        if ("sla.warning", str(case["id"])) in kinds and clock.now() - datetime.fromisoformat(case["received_at"]) \
                < timedelta(seconds=60):
            clock.advance(timedelta(seconds=11))  # the warning is out: now past 60 s, it breaches
        return ("sla.warning", str(case["id"])) in kinds and ("sla.breached", str(case["id"])) in kinds

    async def go() -> tuple[int, str]:
        return await read_stream(client.app, {"Authorization": client.headers["Authorization"]}, query="after=0",
                                 until=has_both, deadline_s=15)

    status, body = client.portal.call(go)  # type: ignore[union-attr]
    assert status == 200 and has_both(body)
    breach = next(e for e in parse_events(body) if e["event"] == "sla.breached")
    assert "acknowledge" in json.dumps(breach["data"]["payload"])


# --- configuration and tools ------------------------------------------------------------------------------
def test_the_key_cli_prints_a_key_that_the_service_accepts_with_that_role(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    env = {**os.environ, "GRIDCOMMAND_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "service", "key", "viewer", "--name", "wall screen"], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().split()[-1]
    from service.cli import main  # the same entry point, in-process: one interpreter start is enough
    monkeypatch.setenv("GRIDCOMMAND_DATA_DIR", str(data_dir))
    assert main(["key", "feed", "--channel", "hotline12345", "--name", "12345 gateway"]) == 0
    feed_token = capsys.readouterr().out.strip().split()[-1]
    ctx = ServiceContext(Settings(data_dir=data_dir))
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        viewer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/incidents", headers=viewer).status_code == 200
        assert client.post("/api/v1/channels/police110", json=payloads.police110(120.15, 30.16),
                           headers=viewer).status_code == 403
        hot = {"Authorization": f"Bearer {feed_token}"}
        assert client.post("/api/v1/channels/hotline12345", json=payloads.hotline(120.15, 30.16), headers=hot).status_code == 201
        assert client.post("/api/v1/channels/police110", json=payloads.police110(120.15, 30.16), headers=hot).status_code == 403
    with pytest.raises(SystemExit):
        main(["key", "emperor"])
    assert "emperor" in capsys.readouterr().err


def test_gridcommand_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"DATA_DIR": str(tmp_path), "DUPLICATE_RADIUS_M": "75", "REPEAT_WINDOW_DAYS": "7",
                        "MAX_BATCH_ITEMS": "3", "SSE_HEARTBEAT_SECONDS": "2.5", "ARRIVAL_RADIUS_M": "30",
                        "SLA_OVERRIDES": '{"p4": {"on_scene": 120}}'}.items():
        monkeypatch.setenv(f"GRIDCOMMAND_{name}", value)
    s = Settings()
    assert (s.data_dir, s.duplicate_radius_m, s.repeat_window_days, s.max_batch_items, s.sse_heartbeat_seconds,
            s.arrival_radius_m, s.sla_overrides) == (tmp_path, 75.0, 7.0, 3, 2.5, 30.0, {"p4": {"on_scene": 120}})


def test_a_batch_over_max_batch_items_is_refused_naming_the_limit(data_dir: Path) -> None:
    ctx = ServiceContext(Settings(data_dir=data_dir, max_batch_items=3))
    key = ctx.create_key(name="op", role=Role.OPERATOR)
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        items = [payloads.hotline(120.15, 30.16, order_no=f"B-{i}") for i in range(4)]
        r = client.post("/api/v1/channels/hotline12345/batch", json={"items": items})
        assert r.status_code in (413, 422) and "3" in r.text and "items" in r.text
        r = client.post("/api/v1/channels/hotline12345/batch", json={"items": items[:3]})
        assert r.status_code == 200 and len(r.json()["results"]) == 3


def test_a_database_from_an_older_release_is_upgraded_on_start_and_keeps_its_keys(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from service.store import migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'gridcommand.db'}")
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # the first release's schema
        connection.execute(text("INSERT INTO api_keys (name, role, channel, token_sha256, created_at, revoked) "
                                "VALUES ('old wall', 'viewer', NULL, :h, '2026-01-01 00:00:00', 0)"),
                           {"h": hashlib.sha256(b"old-release-key").hexdigest()})
        assert "units" not in {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master"))}
    engine.dispose()
    ctx = ServiceContext(Settings(data_dir=tmp_path))
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        old = {"Authorization": "Bearer old-release-key"}
        assert client.get("/api/v1/units", headers=old).status_code == 200
        assert client.get("/api/v1/incidents", headers=old).json()["items"] == []
    with create_engine(f"sqlite:///{tmp_path / 'gridcommand.db'}").connect() as connection:
        heads = [r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))]
    from alembic.script import ScriptDirectory
    assert heads == [ScriptDirectory.from_config(config).get_current_head()]
