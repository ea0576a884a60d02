"""An administrator manages keys (create, list, revoke at once, unlock), wrong keys are throttled and a
key is locked after five failures, and every change, key event, failed key and personal-data read lands
in the audit trail an administrator can query and export."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel
from service.flows import privacy
from service.store.models import EventRow, IncidentRow
from tests.service import payloads
from tests.service.conftest import Keys

LON, LAT = 120.1502, 30.1655
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin(ctx: ServiceContext) -> str:
    return ctx.create_key(name="sysadmin", role=Role.ADMIN)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_of(client: TestClient, admin: str, **params: str) -> list[dict]:  # type: ignore[type-arg]
    r = client.get("/api/v1/audit", headers=auth(admin), params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_administrator_revokes_a_key_and_it_is_refused_on_the_very_next_request(
        client: TestClient, ctx: ServiceContext, admin: str) -> None:
    r = client.post("/api/v1/keys", headers=auth(admin), json={"name": "wall screen 2", "role": "viewer"})
    assert r.status_code == 201, r.text
    issued = r.json()
    token = issued["token"]
    assert token.startswith(f"gc_{issued['prefix']}_")
    assert client.get("/api/v1/incidents", headers=auth(token)).status_code == 200  # now cached
    listed = client.get("/api/v1/keys", headers=auth(admin)).json()
    assert any(k["id"] == issued["id"] for k in listed) and all("token" not in k for k in listed)

    r = client.post(f"/api/v1/keys/{issued['id']}/revoke", headers=auth(admin))
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert client.get("/api/v1/incidents", headers=auth(token)).status_code == 401
    with ctx.db.read() as session:
        event = session.scalars(select(EventRow).where(EventRow.kind == "key.revoked")).one()
    assert (event.subject, event.subject_id, event.payload) == ("key", str(issued["id"]), {"key_id": issued["id"]})
    actions = [a["action"] for a in audit_of(client, admin, action="key.")]
    assert "key.created" in actions and "key.revoked" in actions


def test_only_an_administrator_manages_keys_or_reads_the_audit_trail(client: TestClient, keys: Keys) -> None:
    for token in (keys.operator, keys.viewer, keys.gps):
        assert client.get("/api/v1/keys", headers=auth(token)).status_code == 403
        assert client.post("/api/v1/keys", headers=auth(token), json={"name": "x", "role": "admin"}).status_code == 403
        assert client.get("/api/v1/audit", headers=auth(token)).status_code == 403


def test_a_feed_key_must_name_its_channel_and_only_feed_keys_do(client: TestClient, admin: str) -> None:
    r = client.post("/api/v1/keys", headers=auth(admin), json={"name": "gw", "role": "feed"})
    assert r.status_code == 422 and "channel" in r.text
    r = client.post("/api/v1/keys", headers=auth(admin), json={"name": "v", "role": "viewer", "channel": "gps"})
    assert r.status_code == 422 and "channel" in r.text


def test_five_wrong_secrets_for_a_key_lock_it_until_an_administrator_unlocks_it(
        client: TestClient, ctx: ServiceContext, admin: str) -> None:
    token = ctx.create_key(name="field tablet", role=Role.VIEWER)
    assert client.get("/api/v1/units", headers=auth(token)).status_code == 200
    wrong = token[:12] + "x" * (len(token) - 12)  # the key's public prefix with a wrong secret
    for _ in range(5):
        assert client.get("/api/v1/units", headers=auth(wrong)).status_code == 401
    r = client.get("/api/v1/units", headers=auth(token))
    assert r.status_code == 401 and "locked" in r.json()["error"]["message"]
    key = next(k for k in client.get("/api/v1/keys", headers=auth(admin)).json() if k["name"] == "field tablet")
    assert key["locked_until"] is not None
    assert client.post(f"/api/v1/keys/{key['id']}/unlock", headers=auth(admin)).status_code == 200
    assert client.get("/api/v1/units", headers=auth(token)).status_code == 200
    assert any(a["action"] == "key.locked" for a in audit_of(client, admin))


def test_a_flood_of_wrong_keys_from_one_address_gets_429_with_retry_after(client: TestClient, ctx: ServiceContext,
                                                                          keys: Keys) -> None:
    statuses = [client.get("/api/v1/incidents", headers=auth(f"gc_guess{i:04d}")).status_code for i in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    r = client.get("/api/v1/incidents", headers=auth(keys.viewer))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    r = client.get("/open311/v2/requests.json", params={"api_key": "wrong"})
    assert r.status_code == 429 and r.json()[0]["code"] == 429


def test_changes_and_failed_keys_are_audited_with_time_actor_source_what_and_outcome(
        client: TestClient, keys: Keys, admin: str) -> None:
    r = client.post("/api/v1/channels/police110", headers=auth(keys.feeds[Channel.POLICE_110]),
                    json=payloads.police110(LON, LAT, alarm_no="AUDIT-1"))
    assert r.status_code == 201
    client.get("/api/v1/incidents", headers=auth("gc_0000ffff_nope"))
    records = audit_of(client, admin)
    intake = next(a for a in records if a["action"] == "POST /api/v1/channels/police110")
    assert intake["actor"].startswith("feed:feed police110#") and intake["source"] == "testclient"
    assert intake["outcome"] == "success" and intake["at"] and intake["details"]["status"] == 201
    failed = next(a for a in records if a["action"] == "auth.failed")
    assert failed["actor"] == "anonymous" and failed["outcome"] == "failure"

    r = client.get("/api/v1/audit.csv", headers=auth(admin))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {"at", "actor", "source", "action", "outcome"} <= set(rows[0])
    assert any(row["action"] == "POST /api/v1/channels/police110" for row in rows)


def test_an_operator_reading_a_reporters_phone_is_recorded_and_a_viewer_reading_masked_data_is_not(
        client: TestClient, keys: Keys, admin: str) -> None:
    created = client.post("/api/v1/channels/police110", headers=auth(keys.operator),
                          json=payloads.police110(LON, LAT, alarm_no="PIPL-1")).json()
    client.get(f"/api/v1/incidents/{created['id']}", headers=auth(keys.viewer))
    reads = audit_of(client, admin, action="personal_data.read")
    assert [r["actor"].split("#")[0] for r in reads] == ["operator:op"]
    assert created["id"] in reads[0]["details"]["incident_ids"]


def test_reporters_are_pseudonymised_in_the_record_and_its_events_after_the_period(
        ctx: ServiceContext, client: TestClient, keys: Keys) -> None:
    for n in (1, 2):
        client.post("/api/v1/channels/police110", headers=auth(keys.operator),
                    json=payloads.police110(LON + n * 0.01, LAT, alarm_no=f"PSEUDO-{n}"))
    def pseudonymise() -> int:
        return privacy.pseudonymise(db=ctx.db, clock=ctx.clock, audit=ctx.audit, data_dir=ctx.settings.data_dir,
                                    after_days=0.0)

    assert pseudonymise() >= 2
    with ctx.db.read() as session:
        rows = session.scalars(select(IncidentRow).where(IncidentRow.external_id.like("PSEUDO-%"))).all()
        events = session.scalars(select(EventRow).where(EventRow.subject_id.in_([str(r.id) for r in rows]))).all()
    assert all(r.reporter_name and r.reporter_name.startswith("p-") for r in rows)
    assert rows[0].reporter_phone == rows[1].reporter_phone != "13857112345"  # same caller, same pseudonym
    assert events and all("陈建国" not in str(e.payload) and "13857112345" not in str(e.payload) for e in events)
    assert pseudonymise() == 0  # done once


def test_audit_records_are_kept_a_year_and_pruned_after_the_retention(ctx: ServiceContext) -> None:
    from service.flows.audit import Actor

    ctx.audit.record(Actor("system", "localhost"), "test.kept", outcome="success")
    ctx.audit.flush()
    assert ctx.audit.prune(timedelta(days=365)) == 0
    assert ctx.audit.prune(timedelta(seconds=-1)) >= 1


def test_the_cli_creates_lists_and_revokes_keys(data_dir: Path) -> None:
    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "service", "--data-dir", str(data_dir), "key", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    token = cli("create", "viewer", "--name", "cli wall").strip()
    assert token.startswith("gc_")
    line = next(x for x in cli("list").splitlines() if x.endswith("cli wall"))
    key_id = line.split()[0]
    assert "active" in line
    assert "revoked" in cli("revoke", key_id)
    assert "revoked" in next(x for x in cli("list").splitlines() if x.endswith("cli wall"))
    ctx = ServiceContext(__import__("service.settings", fromlist=["Settings"]).Settings(data_dir=data_dir))
    try:
        with pytest.raises(Exception, match="revoked"):
            ctx.authenticate(token)
    finally:
        ctx.close()


def test_open311_reads_need_no_key_and_feed_keys_read_only_their_own_channel(
        client: TestClient, keys: Keys) -> None:
    client.post("/api/v1/channels/hotline12345", headers=auth(keys.operator),
                json=payloads.hotline(LON, LAT, order_no="O311-HOT-1"))
    r = client.post("/open311/v2/requests.json", data={"service_code": "E0102", "lat": str(LAT), "long": str(LON),
                                                       "api_key": keys.feeds[Channel.OPEN311]})
    resident_id = r.json()[0]["service_request_id"]
    assert client.get("/open311/v2/services.json").status_code == 200
    assert client.get("/open311/v2/services/E0102.json").status_code == 200
    public = client.get("/open311/v2/requests.json").json()
    assert [p["service_request_id"] for p in public] == [resident_id]
    assert all("phone" not in p and "first_name" not in p for p in public)
    as_feed = client.get("/open311/v2/requests.json", params={"api_key": keys.feeds[Channel.OPEN311]}).json()
    assert [p["service_request_id"] for p in as_feed] == [resident_id]
    hotline_ids = [p["service_request_id"] for p in client.get(
        "/open311/v2/requests.json", params={"api_key": keys.feeds[Channel.HOTLINE_12345]}).json()]
    assert resident_id not in hotline_ids and hotline_ids
    as_viewer = client.get("/open311/v2/requests.json", params={"api_key": keys.viewer}).json()
    assert len(as_viewer) > 1
