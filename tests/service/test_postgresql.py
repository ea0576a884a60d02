"""The same record on PostgreSQL, through the one setting: a throwaway cluster on a free port."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from service.demo import street as demo_street
from tests.support.child_process import free_port
from service.context import ServiceContext
from service.domain.catalog import Channel
from service.domain.errors import Conflict
from service.domain.incident import IncidentDraft
from service.domain.lifecycle import Action, ActionRequest
from service.demo.install import install_demo_street
from service.flows.dispatch import FixDraft
from service.settings import Settings
from service.store import events

pytest.importorskip("psycopg")
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-c", " ".join(command)]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if not BIN:
        pytest.skip("no PostgreSQL server binaries (Debian package postgresql)")
    folder = tempfile.mkdtemp(prefix="gc-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    pg_ctl = f"{BIN[-1]}/pg_ctl"
    subprocess.run(_as_postgres([f"{BIN[-1]}/initdb", "-D", folder, "-A", "trust", "-U", "postgres"]), check=True,
                   capture_output=True)
    # The server inherits pg_ctl's output: send it to a log file, or waiting for the pipe never ends.
    subprocess.run(_as_postgres([pg_ctl, "-D", folder, "-w", "-l", f"{folder}/server.log", "-o",
                                 f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1'", "start"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE gc"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/gc"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", folder, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg(postgres_url: str, demo: demo_street.DemoStreet) -> Iterator[ServiceContext]:
    ctx = ServiceContext(Settings(data_dir=tempfile.mkdtemp(), database_url=postgres_url))
    install_demo_street(ctx, demo)
    yield ctx
    ctx.close()


def draft(external_id: str, lon: float = 120.1502) -> IncidentDraft:
    return IncidentDraft(Channel.OPERATOR, external_id, datetime.now(UTC), "E0402", "自来水管破裂", lon, 30.1655)


def test_intake_idempotency_and_duplicates_work_on_postgresql(pg: ServiceContext) -> None:
    first, near = pg.intake.ingest([draft("pg-1"), draft("pg-2", lon=120.1503)])
    assert first.created and near.duplicate_of == first.id
    again = pg.intake.ingest([draft("pg-1")])[0]
    assert again.id == first.id and not again.created


def test_lifecycle_race_and_positions_work_on_postgresql(pg: ServiceContext) -> None:
    case = pg.intake.ingest([draft("pg-3", lon=120.16)])[0]
    assert case.id is not None
    unit = pg.dispatch.fleet.units[0].unit_id
    pg.dispatch.act(case.id, ActionRequest(Action.DISPATCH, "op", 1, unit_id=unit))
    with pytest.raises(Conflict):
        pg.dispatch.act(case.id, ActionRequest(Action.ACKNOWLEDGE, "op2", 1))
    now = datetime.now(UTC)
    fixes = [FixDraft("xf01-01", {"device_time": now, "lon": 120.15, "lat": 30.16})] * 2
    assert all(o.created for o in pg.dispatch.ingest_fixes(fixes))


def test_event_ids_on_postgresql_have_no_gap(pg: ServiceContext) -> None:
    pg.intake.ingest([draft(f"pg-gap-{i}", lon=120.13 + i * 0.003) for i in range(5)])
    with pg.db.read() as session:
        ids = [e.id for e in events.read_after(session, 0, limit=10_000)]
        assert ids == list(range(1, events.last_id(session) + 1))
