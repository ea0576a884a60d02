"""A 2xx means durably committed: the live connections really run WAL with synchronous=FULL (a crash test
alone cannot show that: the OS keeps unsynced pages), no setting can turn that off, and a kill -9 landing
in the middle of a write the test has watched begin loses nothing that was answered 2xx."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from service.context import ServiceContext
from service.settings import Settings
from tests.service import payloads
from tests.support.child_process import PROJECT, ServiceProcess

FULL, WAL = 2, "wal"  # PRAGMA synchronous answers 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def test_every_live_connection_runs_wal_with_synchronous_full(ctx: ServiceContext) -> None:
    for engine in (ctx.db.writer, ctx.db.reader):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == WAL
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # and the connection a write actually uses
    with ctx.db.write() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == FULL


@pytest.mark.parametrize("value", ["OFF", "off", "0", "NONE"])
def test_synchronous_off_cannot_be_configured(value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRIDCOMMAND_SQLITE_SYNCHRONOUS", value)
    with pytest.raises(ValidationError) as err:
        Settings(data_dir=tmp_path)
    assert "sqlite_synchronous" in str(err.value)


def test_the_service_refuses_to_start_with_synchronous_off(tmp_path: Path) -> None:
    import os
    env = {**os.environ, "GRIDCOMMAND_DATA_DIR": str(tmp_path), "GRIDCOMMAND_SQLITE_SYNCHRONOUS": "OFF"}
    done = subprocess.run([sys.executable, "-m", "service", "serve", "--port", "1"], cwd=PROJECT, env=env,
                          capture_output=True, timeout=60)
    assert done.returncode != 0
    assert b"sqlite_synchronous" in done.stdout + done.stderr
    assert not (tmp_path / "gridcommand.db").exists()


def test_every_item_answered_2xx_is_there_after_kill_9_in_the_middle_of_a_write(data_dir: Path) -> None:
    service = ServiceProcess(data_dir).start()
    wal = data_dir / "gridcommand.db-wal"
    acknowledged: list[int] = []
    in_flight = threading.Event()   # set while a batch is sent and not yet answered
    stop = threading.Event()

    def feed() -> None:
        with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {service.operator_key}"}) as c:
            batch = 0
            while not stop.is_set():
                items = [payloads.hotline(120.13 + (i % 50) * 0.001, 30.15 + batch * 1e-4,
                                          order_no=f"crash-{batch}-{i}") for i in range(300)]
                in_flight.set()
                try:
                    r = c.post("/api/v1/channels/hotline12345/batch", json={"items": items}, timeout=30)
                except httpx.HTTPError:
                    return  # the kill: this batch was never answered
                in_flight.clear()
                if r.status_code == 200:
                    acknowledged.extend(res["id"] for res in r.json()["results"])
                batch += 1

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    killed_mid_write = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not killed_mid_write:
        if len(acknowledged) < 300 or not in_flight.is_set():
            time.sleep(0.005)
            continue
        # A batch is on its way: wait until the service is seen writing it (the WAL grows), then kill.
        before = wal.stat().st_size if wal.exists() else 0
        answered = len(acknowledged)
        while in_flight.is_set() and time.monotonic() < deadline:
            if (wal.stat().st_size if wal.exists() else 0) != before and in_flight.is_set():
                service.kill_hard()
                killed_mid_write = len(acknowledged) == answered  # no answer slipped in before the kill
                break
            time.sleep(0.001)
        if not killed_mid_write and service.proc is not None and service.proc.poll() is not None:
            pytest.fail("killed, but the batch was answered first; the write was not caught in progress")
    stop.set()
    writer.join(30)
    assert killed_mid_write, "never caught the service in the middle of a write"
    assert len(acknowledged) >= 300

    restarted = ServiceProcess(data_dir).start()
    try:
        with httpx.Client(base_url=restarted.base, headers={"Authorization": f"Bearer {restarted.operator_key}"}) as c:
            present: set[int] = set()
            while True:
                page = c.get("/api/v1/incidents", params={"limit": 5000, "offset": len(present)})
                assert page.status_code == 200, page.text
                items = page.json()["items"]
                present |= {i["id"] for i in items}
                if len(items) < 5000:
                    break
            missing = [i for i in acknowledged if i not in present]
    finally:
        restarted.stop()
    assert missing == []
