"""One spine: every view follows the event log, so what one writer commits every reader sees."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text

from service.context import ServiceContext
from service.domain.catalog import Channel
from service.domain.events import EventKind, NewEvent, Subject
from service.domain.incident import IncidentDraft
from service.domain.records import VOCABULARY
from service.settings import Settings
from service.store import events as event_log
from tests.service.conftest import Keys


def _draft(external_id: str, lon: float) -> IncidentDraft:
    return IncidentDraft(Channel.OPERATOR, external_id, datetime.now(UTC), "E0402", "自来水管破裂", lon, 30.1655)


def test_a_second_context_on_the_same_file_matches_duplicates_against_the_firsts_cases(ctx: ServiceContext) -> None:
    other = ServiceContext(Settings(data_dir=ctx.settings.data_dir, database_url=ctx.settings.database_url))
    try:
        first = ctx.intake.ingest([_draft("spine-1", 120.1441)])[0]
        near = other.intake.ingest([_draft("spine-2", 120.1442)])[0]
        assert first.created and near.duplicate_of == first.id
    finally:
        other.close()


def test_a_revoked_key_is_refused_at_once_once_its_event_is_applied(ctx: ServiceContext) -> None:
    from service.domain.access import Role
    from service.domain.errors import AccessDenied

    token = ctx.create_key(name="soon revoked", role=Role.VIEWER)
    principal = ctx.authenticate(token)  # now cached
    with ctx.db.write() as session:  # what the key administration writes: the row, and the event
        session.execute(text("UPDATE api_keys SET revoked = :t WHERE id = :i"),
                        {"t": True, "i": principal.key_id})
        event = NewEvent(EventKind.KEY_REVOKED, Subject.KEY, str(principal.key_id), {"key_id": principal.key_id},
                         ctx.clock.now())
        ids = event_log.append(session, [event])
    ctx.projector.committed(ids, [event])
    try:
        ctx.authenticate(token)
        raise AssertionError("a revoked key still worked")
    except AccessDenied:
        pass


def test_views_are_rebuilt_from_the_record_at_start(ctx: ServiceContext) -> None:
    made = ctx.intake.ingest([_draft("spine-3", 120.1461)])[0]
    again = ServiceContext(Settings(data_dir=ctx.settings.data_dir, database_url=ctx.settings.database_url))
    try:
        assert again.projector.applied_id == ctx.projector.applied_id
        assert again.recent.match(lon=120.1461, lat=30.1655, category="E0402",
                                  reported_at=datetime.now(UTC)).duplicate_of == made.id
        assert [u.unit_id for u in again.fleet.fleet.units] == [u.unit_id for u in ctx.fleet.fleet.units]
    finally:
        again.close()


def test_a_client_reads_the_services_vocabulary(client: TestClient, keys: Keys) -> None:
    r = client.get("/api/v1/vocabulary", headers=keys.auth(keys.viewer))
    assert r.status_code == 200
    assert r.json()["event_kinds"] == VOCABULARY["event_kinds"] and "key.revoked" in r.json()["event_kinds"]
    assert "reporter_phone" in r.json()["fields"]["incident"]


def test_sqlite_lease_is_held_by_one_context_at_a_time(ctx: ServiceContext) -> None:
    folder = tempfile.mkdtemp()
    one = ServiceContext(Settings(data_dir=folder))
    two = ServiceContext(Settings(data_dir=folder))
    try:
        assert one.lease.held() and not two.lease.held()
        one.lease.release()
        assert two.lease.held()
    finally:
        one.close()
        two.close()
