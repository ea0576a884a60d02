"""The spine: idle stream clients vs none (SQLite), cross-process stream lag, lease failover, and intake
through two processes vs one (PostgreSQL). Each row: ROUNDS interleaved rounds beside a same-run
baseline; the value is the median, the minimum is printed in the row's name."""

from __future__ import annotations

import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import orjson

from bench.intake import prepare_data_dir, work_orders
from bench.report import Report
from service.demo import street as demo_street
from service.domain.gridcodes import Level
from tests.support.child_process import PROJECT, ServiceProcess
from tests.support.postgres import throwaway_cluster

ROUNDS = 5
IDLE_CLIENTS = 100
POSTS_PER_ROUND = 40
LAG_POSTS = 20


def _summary(values: list[float]) -> str:
    return f"median of {len(values)}, min {min(values):.1f}"


class Tail:
    """One SSE client in a thread: records when each event id arrived (monotonic seconds)."""

    def __init__(self, base: str, key: str) -> None:
        self.seen: dict[int, float] = {}
        self.ready = threading.Event()
        self._stop = False
        self._args = (base, key)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        base, key = self._args
        try:
            with httpx.stream("GET", base + "/api/v1/stream", headers={"Authorization": f"Bearer {key}"},
                              timeout=httpx.Timeout(10, read=None)) as r:
                for line in r.iter_lines():
                    self.ready.set()
                    if self._stop:
                        return
                    if line.startswith("id:"):
                        self.seen[int(line[3:])] = time.monotonic()
        except httpx.HTTPError:
            pass

    def close(self) -> None:
        self._stop = True


def _single_posts(client: httpx.Client, rng: random.Random, n: int, prefix: str, bounds: tuple[float, ...]
                  ) -> list[float]:
    out = []
    for body in work_orders(rng, n, prefix, bounds):
        t = time.perf_counter()
        r = client.post("/api/v1/channels/hotline12345", json=body)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 201, r.text
    return out


IDLE_CLIENTS_SCRIPT = """
import selectors, socket, sys
host, port, key, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
sel = selectors.DefaultSelector()
request = f"GET /api/v1/stream HTTP/1.1\\r\\nHost: {host}\\r\\nAuthorization: Bearer {key}\\r\\n\\r\\n".encode()
for _ in range(n):
    s = socket.create_connection((host, port))
    s.sendall(request)
    assert s.recv(65536).startswith(b"HTTP/1.1 200")
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for k, _ in sel.select():
        if not k.fileobj.recv(65536):
            sel.unregister(k.fileobj)
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_streams(report: Report, street: demo_street.DemoStreet, bounds: tuple[float, ...]) -> None:
    """Two identical SQLite services, one with 100 idle stream clients; single posts alternate between them."""
    rng = random.Random(11)
    quiet = ServiceProcess(prepare_data_dir(street)).start()
    busy = ServiceProcess(prepare_data_dir(street)).start()
    # The clients live in their own process (they are other machines): their reading must not take
    # this process's interpreter lock from the timed requests.
    clients = subprocess.Popen([sys.executable, "-c", IDLE_CLIENTS_SCRIPT, "127.0.0.1", str(busy.port),
                                busy.operator_key, str(IDLE_CLIENTS)], stdout=subprocess.PIPE)
    try:
        assert clients.stdout is not None and clients.stdout.readline().strip() == b"ready"
        medians: dict[str, list[float]] = {"quiet": [], "busy": []}
        cpu: dict[str, list[float]] = {"quiet": [], "busy": []}
        with httpx.Client(base_url=quiet.base, headers={"Authorization": f"Bearer {quiet.operator_key}"}) as q, \
                httpx.Client(base_url=busy.base, headers={"Authorization": f"Bearer {busy.operator_key}"}) as b:
            _single_posts(q, rng, 10, "warm-q", bounds)
            _single_posts(b, rng, 10, "warm-b", bounds)
            for r in range(ROUNDS):
                for name, client, proc in (("quiet", q, quiet), ("busy", b, busy)):
                    assert proc.proc is not None
                    before = _cpu_seconds(proc.proc.pid)
                    medians[name].append(statistics.median(_single_posts(client, rng, POSTS_PER_ROUND, f"{name}{r}",
                                                                         bounds)))
                    cpu[name].append((_cpu_seconds(proc.proc.pid) - before) / POSTS_PER_ROUND * 1000)
        report.add(f"intake p50 with {IDLE_CLIENTS} idle SSE clients ({_summary(medians['busy'])})",
                   statistics.median(medians["busy"]), "ms",
                   baseline_name=f"no stream clients ({_summary(medians['quiet'])})",
                   baseline=statistics.median(medians["quiet"]), aim="ratio <= 1.2")
        report.add(f"service CPU per intake, {IDLE_CLIENTS} idle SSE clients ({_summary(cpu['busy'])})",
                   statistics.median(cpu["busy"]), "ms", baseline_name=f"no stream clients ({_summary(cpu['quiet'])})",
                   baseline=statistics.median(cpu["quiet"]), aim="ratio <= 1.2")
    finally:
        clients.kill()
        clients.wait(10)
        quiet.stop()
        busy.stop()


def _pg_pair(url: str, street_dir: Path) -> tuple[ServiceProcess, ServiceProcess]:
    env = {"GRIDCOMMAND_DATABASE_URL": url}
    a = ServiceProcess(street_dir, extra_env=env).start(timeout=60)
    b = ServiceProcess(street_dir, extra_env=env).start(timeout=60)
    return a, b


def stream_lag(report: Report, a: ServiceProcess, b: ServiceProcess, bounds: tuple[float, ...]) -> None:
    """A write to A, seen on B's stream (cross-process) beside the same write seen on A's own stream."""
    rng = random.Random(12)
    key = a.operator_key
    on_a, on_b = Tail(a.base, key), Tail(b.base, key)
    on_a.ready.wait(10)
    on_b.ready.wait(10)
    own: list[float] = []
    cross: list[float] = []
    before = max(on_a.seen, default=0)
    with httpx.Client(base_url=a.base, headers={"Authorization": f"Bearer {key}"}) as client:
        for r in range(ROUNDS):
            for body in work_orders(rng, LAG_POSTS, f"lag{r}", bounds):
                sent = time.monotonic()
                posted = client.post("/api/v1/channels/hotline12345", json=body)
                done = time.monotonic()
                assert posted.status_code == 201, posted.text
                deadline = done + 5
                # The event id is not in the answer: it is the first new id on A's own stream.
                while time.monotonic() < deadline and max(on_a.seen, default=0) <= before:
                    time.sleep(0.0005)
                event = min(i for i in on_a.seen if i > before)
                while time.monotonic() < deadline and event not in on_b.seen:
                    time.sleep(0.0005)
                before = max(on_a.seen, default=0)
                own.append((on_a.seen[event] - sent) * 1000)
                cross.append((on_b.seen.get(event, deadline) - sent) * 1000)
                time.sleep(rng.uniform(0.0, 0.02))
    on_a.close()
    on_b.close()
    report.add(f"stream lag p99 from POST, A's write on B ({len(cross)} writes)", float(np.percentile(cross, 99)), "ms",
               baseline_name="same write on A's own stream, p99", baseline=float(np.percentile(own, 99)),
               aim="<= 250 ms")
    report.add("stream lag p50 from POST, A's write on B", statistics.median(cross), "ms",
               baseline_name="same write on A's own stream, p50", baseline=statistics.median(own), aim="-")


HOLDER = """
import sys, time
from service.settings import Settings
from service.store.db import Database
from service.store.coordination import Lease
lease = Lease(Database(Settings(database_url=sys.argv[1])), "bench")
while not lease.held():
    time.sleep(0.05)
print("held", flush=True)
time.sleep(600)
"""


def lease_failover(report: Report, url: str) -> None:
    """kill -9 the holder of a lease; how long until a waiting process holds it (polling every 50 ms, as
    fast as a watch interval allows; the service's watch adds its own interval, 1 s by default).
    Baseline: the holder ending cleanly (SIGTERM)."""
    from service.settings import Settings
    from service.store.coordination import Lease
    from service.store.db import Database

    waiter = Lease(Database(Settings(database_url=url)), "bench")
    times: dict[str, list[float]] = {"kill": [], "term": []}
    for _ in range(ROUNDS):
        for how, sig in (("kill", signal.SIGKILL), ("term", signal.SIGTERM)):
            holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], cwd=PROJECT, stdout=subprocess.PIPE)
            assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
            assert not waiter.held()
            started = time.monotonic()
            holder.send_signal(sig)
            while not waiter.held():
                time.sleep(0.05)
            times[how].append((time.monotonic() - started) * 1000)
            holder.wait(10)
            waiter.release()
    report.add(f"lease failover after kill -9 ({_summary(times['kill'])})", statistics.median(times["kill"]), "ms",
               baseline_name=f"after a clean exit ({_summary(times['term'])})",
               baseline=statistics.median(times["term"]), aim="<= 5000 ms (+ the watch interval, 1 s)")


def two_vs_one(report: Report, a: ServiceProcess, b: ServiceProcess, bounds: tuple[float, ...]) -> None:
    """Two gateways posting batches at once: both to A (one process) vs one to A and one to B."""
    rng = random.Random(13)
    key = a.operator_key
    batch, per_sender = 500, 2

    def send(base: str, bodies: list[bytes]) -> None:
        with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {key}",
                                                                "Content-Type": "application/json"}) as c:
            for body in bodies:
                r = c.post("/api/v1/channels/hotline12345/batch", content=body)
                assert r.status_code == 200, r.text[:300]

    def timed(targets: list[str], prefix: str) -> float:
        work = [[orjson.dumps({"items": work_orders(rng, batch, f"{prefix}-{i}-{j}", bounds)})
                 for j in range(per_sender)] for i in range(len(targets))]
        threads = [threading.Thread(target=send, args=(t, w)) for t, w in zip(targets, work)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return batch * per_sender * len(targets) / (time.perf_counter() - started)

    timed([a.base, b.base], "warm")
    rates: dict[str, list[float]] = {"one": [], "two": []}
    for r in range(ROUNDS):
        rates["one"].append(timed([a.base, a.base], f"one{r}"))
        rates["two"].append(timed([a.base, b.base], f"two{r}"))
    report.add(f"PostgreSQL intake, two processes ({_summary(rates['two'])})", statistics.median(rates["two"]),
               "cases/s", baseline_name=f"one process ({_summary(rates['one'])})",
               baseline=statistics.median(rates["one"]), aim="ratio >= 1 (intake is serialized by design)")


def run(report: Report) -> None:
    street = demo_street.build()
    bounds = street.of_level(Level.STREET)[0].geometry.bounds
    idle_streams(report, street, bounds)
    with throwaway_cluster("bench") as url:
        folder = Path(tempfile.mkdtemp(prefix="gc-bench-pg-"))
        a, b = _pg_pair(url, folder)
        try:
            stream_lag(report, a, b, bounds)
            two_vs_one(report, a, b, bounds)
        finally:
            a.stop()
            b.stop()
            shutil.rmtree(folder, ignore_errors=True)
        lease_failover(report, url)

