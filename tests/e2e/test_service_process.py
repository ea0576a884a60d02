"""Against a real service process on a real socket: the live stream resumes without gap or repeat, and
many listeners get the same events (a 2xx surviving kill -9 is in test_durability.py). Every stream read
has an overall deadline: heartbeats would keep a per-read timeout from ever firing."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import httpx

from tests.service import payloads
from tests.support.child_process import ServiceProcess


def _read_events(client: httpx.Client, headers: dict[str, str], count: int, timeout: float = 10.0,
                 deadline_s: float = 20.0, opened: threading.Event | None = None) -> tuple[list[dict[str, str]], int]:
    """Read `count` events off the stream, then drop the connection; also counts heartbeats seen.
    Fails after deadline_s in all; `opened` is set once the service has answered and sent the first line."""
    events: list[dict[str, str]] = []
    heartbeats = 0
    current: dict[str, str] = {}
    deadline = time.monotonic() + deadline_s
    with client.stream("GET", "/api/v1/stream", headers=headers, timeout=timeout) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            assert time.monotonic() < deadline, f"only {len(events)} of {count} events in {deadline_s} s"
            if opened is not None and line.startswith(": stream from event"):
                opened.set()
            if line.startswith(": heartbeat"):
                heartbeats += 1
            elif line == "" and current:
                if "data" in current:  # a block with only `retry:` sets the client's delay
                    events.append(current)
                current = {}
                if len(events) == count:
                    break
            elif ":" in line and not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = value.strip()
    return events, heartbeats


def _post(client: httpx.Client, n: int, prefix: str) -> list[int]:
    ids = []
    for i in range(n):
        r = client.post("/api/v1/channels/police110",
                        json=payloads.police110(120.15 + i * 0.002, 30.16, alarm_no=f"{prefix}-{i}"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_a_dropped_stream_resumes_from_last_event_id_with_no_gap_and_no_repeat(service: ServiceProcess) -> None:
    auth = {"Authorization": f"Bearer {service.operator_key}"}
    with httpx.Client(base_url=service.base, headers=auth) as client:
        snapshot = client.get("/api/v1/snapshot", params={"layers": "incidents"}).json()
        start = snapshot["last_event_id"]
        _post(client, 3, "A")
        first, _ = _read_events(client, {"Last-Event-ID": str(start)}, 3)
        # The connection is gone; the center goes on working meanwhile.
        missed_ids = _post(client, 4, "B")
        resumed, _ = _read_events(client, {"Last-Event-ID": first[-1]["id"]}, 4)
    ids = [int(e["id"]) for e in first + resumed]
    assert ids == list(range(start + 1, start + 8))
    assert all(e["event"] == "incident.created" for e in first + resumed)
    import json
    assert [json.loads(e["data"])["payload"]["id"] for e in resumed] == missed_ids


def test_many_clients_stream_at_once_and_idle_streams_get_heartbeats(service: ServiceProcess) -> None:
    auth = {"Authorization": f"Bearer {service.operator_key}"}
    results: list[list[int]] = []
    opened = [threading.Event() for _ in range(8)]

    def listen(ready: threading.Event) -> None:
        with httpx.Client(base_url=service.base, headers=auth) as c:
            events, _ = _read_events(c, {}, 2, opened=ready)
            results.append([int(e["id"]) for e in events])

    threads = [threading.Thread(target=listen, args=(ready,), daemon=True) for ready in opened]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    for ready in opened:  # every listener is connected (its stream has started) before anything is posted
        assert ready.wait(max(0.0, deadline - time.monotonic())), "a listener never connected"
    with httpx.Client(base_url=service.base, headers=auth) as client:
        _post(client, 2, "C")
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        assert len(results) == 8 and all(r == results[0] for r in results)
        assert len(results[0]) == 2
        with client.stream("GET", "/api/v1/stream", timeout=10) as r:
            lines = []
            heartbeat_deadline = time.monotonic() + 10
            for line in r.iter_lines():
                lines.append(line)
                assert time.monotonic() < heartbeat_deadline, "no heartbeat on an idle stream"
                if line.startswith(": heartbeat"):
                    break
        assert any(line.startswith(": heartbeat") for line in lines)


def test_a_phone_running_traccar_client_needs_only_the_server_address(data_dir: Path) -> None:
    from tests.support.child_process import free_port

    port = free_port()
    service = ServiceProcess(data_dir, extra_env={"GRIDCOMMAND_OSMAND_PORT": str(port)}).start()
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/", params={"id": "xf01-01", "lat": "30.1655",
                                                                    "lon": "120.1502", "timestamp": str(int(time.time()))})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert r.status_code == 200
        units = httpx.get(f"{service.base}/api/v1/units",
                          headers={"Authorization": f"Bearer {service.operator_key}"}).json()
        assert next(u for u in units if u["device_id"] == "xf01-01")["lat"] == 30.1655
    finally:
        service.stop()


def test_the_service_stops_promptly_on_sigterm_even_with_a_stream_open(service: ServiceProcess) -> None:
    """Ctrl-C / systemd stop while QGIS is connected: the open live stream must not hold the service up."""
    opened = threading.Event()

    def listen() -> None:
        auth = {"Authorization": f"Bearer {service.operator_key}"}
        # the service going away is the point
        with httpx.Client(base_url=service.base, headers=auth) as c, contextlib.suppress(httpx.HTTPError, AssertionError):
            _read_events(c, {}, 1_000, timeout=30, deadline_s=30, opened=opened)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(20)
    assert service.proc is not None
    started = time.monotonic()
    service.proc.terminate()
    service.proc.wait(20)
    assert time.monotonic() - started < 5, "the open stream held the service up"
