"""The same record on PostgreSQL, through the one setting: a throwaway cluster on a free port."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from service.context import ServiceContext
from service.demo import street as demo_street
from service.demo.install import install_demo_street
from service.domain.catalog import Channel
from service.domain.errors import Conflict
from service.domain.incident import IncidentDraft
from service.domain.lifecycle import Action, ActionRequest
from service.flows.dispatch import FixDraft
from service.settings import Settings
from service.store import events
from service.store.incidents import claim_announcement
from tests.support.postgres import throwaway_cluster


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with throwaway_cluster() as url:
        yield url


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


def test_a_repeat_posted_through_a_second_process_is_linked_to_the_first_ones_case(
        pg: ServiceContext, postgres_url: str) -> None:
    other = ServiceContext(Settings(data_dir=tempfile.mkdtemp(), database_url=postgres_url))
    try:
        first = pg.intake.ingest([draft("pg-two-1", lon=120.171)])[0]
        near = other.intake.ingest([draft("pg-two-2", lon=120.1711)])[0]
        assert first.created and near.duplicate_of == first.id
        # and the first process's views follow the second's write through the log
        pg.projector.catch_up()
        assert pg.recent.match(lon=120.1711, lat=30.1655, category="E0402",
                               reported_at=datetime.now(UTC)).duplicate_of == first.id
    finally:
        other.close()


def test_the_watch_lease_has_one_holder_and_passes_on_when_it_is_released(pg: ServiceContext,
                                                                          postgres_url: str) -> None:
    other = ServiceContext(Settings(data_dir=tempfile.mkdtemp(), database_url=postgres_url))
    try:
        assert pg.lease.held() and pg.lease.held()
        assert not other.lease.held()
        pg.lease.release()
        assert other.lease.held() and not pg.lease.held()
    finally:
        other.close()


def test_an_sla_announcement_can_be_claimed_once_only(pg: ServiceContext) -> None:
    now = datetime.now(UTC)
    with pg.db.write() as session:
        assert claim_announcement(session=session, incident_id=1, clock="on_scene", level="breached", at=now)
    with pg.db.write() as session:
        assert not claim_announcement(session=session, incident_id=1, clock="on_scene", level="breached", at=now)
        assert claim_announcement(session=session, incident_id=1, clock="on_scene", level="warning", at=now)
