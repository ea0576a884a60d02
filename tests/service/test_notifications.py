"""Outbound notifications go through one notifier to a webhook (a local receiver here, standing in for a
WeCom / DingTalk robot or an SMS gateway): recorded once, retried when the receiver fails, given up after
the last attempt, and every attempt on the record."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.access import Role
from service.settings import Settings
from tests.service.workflow_helpers import act, citymgmt_case, department_key


class Receiver:
    """A local webhook: answers 500 to the first `fail_first` posts, then 200; keeps what it was sent."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first, self.posts, self.delivered = fail_first, 0, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.posts += 1
                ok = receiver.posts > receiver.fail_first
                if ok:
                    receiver.delivered.append(body)
                self.send_response(200 if ok else 500)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?key=secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=2)
    yield r
    r.close()


@pytest.fixture
def notifying(data_dir: Path, receiver: Receiver) -> Iterator[tuple[ServiceContext, TestClient, dict[str, str]]]:
    settings = Settings(data_dir=data_dir, notify_webhooks={"department:*": receiver.url},
                        notify_retry_seconds=0.05)
    context = ServiceContext(settings)
    op = {"Authorization": f"Bearer {context.create_key(name='op', role=Role.OPERATOR)}"}
    with TestClient(create_app(settings, context=context, watch=False)) as client:
        yield context, client, op
    context.close()


def test_a_whistle_reaches_the_department_s_webhook_after_the_receiver_s_failures_once(
        notifying: tuple[ServiceContext, TestClient, dict[str, str]], receiver: Receiver) -> None:
    ctx, client, op = notifying
    case = act(client, op, act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file"),
               "whistle", departments=["城管"])
    assert ctx.notifier.run_once() == 0  # first attempt: the receiver answers 500
    assert ctx.notifier.run_once() == 0  # not due yet
    record = client.get("/api/v1/notifications", headers=op, params={"incident_id": case["id"]}).json()
    assert [(n["kind"], n["recipient"], n["status"], n["attempts"]) for n in record] == [
        ("whistled", "department:城管", "pending", 1)]
    assert "500" in record[0]["last_error"] and "secret" not in json.dumps(record)
    deadline = time.monotonic() + 5
    while not receiver.delivered and time.monotonic() < deadline:
        time.sleep(0.05)
        ctx.notifier.run_once()
    assert len(receiver.delivered) == 1 and receiver.posts == 3
    sent = receiver.delivered[0]
    assert sent["msgtype"] == "text" and "吹哨报到" in sent["text"]["content"] and "雨水井盖" in sent["text"]["content"]
    assert sent["gridcommand"] == {"kind": "whistled", "recipient": "department:城管", "incident_id": case["id"]}
    ctx.notifier.run_once()
    time.sleep(0.2)
    ctx.notifier.run_once()
    assert len(receiver.delivered) == 1  # recorded once, sent once
    (n,) = client.get("/api/v1/notifications", headers=op, params={"incident_id": case["id"]}).json()
    assert (n["status"], n["attempts"]) == ("sent", 3) and n["sent_at"]


def test_returns_and_send_backs_are_notified_to_whom_they_concern_and_unrouted_ones_recorded(
        notifying: tuple[ServiceContext, TestClient, dict[str, str]]) -> None:
    ctx, client, op = notifying
    dept_key = department_key(ctx, "城管")
    case = act(client, op, act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file"),
               "whistle", departments=["城管", "水务"])
    case = client.post(f"/api/v1/department/cases/{case['id']}/send_back", headers=department_key(ctx, "水务"),
                       json={"version": case["version"], "reason": "非本部门"}).json()
    case = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                       headers=dept_key).json()
    case = client.post(f"/api/v1/department/cases/{case['id']}/feedback", headers=dept_key,
                       data={"version": str(case["version"]), "note": "ok"}).json()
    act(client, op, case, "verify", outcome="fail", reason="未修好")
    ctx.notifier.run_once()
    record = client.get("/api/v1/notifications", headers=op, params={"incident_id": case["id"]}).json()
    got = sorted((n["kind"], n["recipient"], n["status"] == "no_route") for n in record)
    assert got == [("returned", "department:城管", False), ("sent_back", "center", True),  # no webhook for the center
                   ("whistled", "department:城管", False), ("whistled", "department:水务", False)]


def test_a_receiver_that_never_answers_is_given_up_after_the_last_attempt(data_dir: Path) -> None:
    dead = Receiver(fail_first=10**6)
    settings = Settings(data_dir=data_dir, notify_webhooks={"*": dead.url}, notify_retry_seconds=0.01)
    context = ServiceContext(settings)
    try:
        op = {"Authorization": f"Bearer {context.create_key(name='op', role=Role.OPERATOR)}"}
        with TestClient(create_app(settings, context=context, watch=False)) as client:
            act(client, op, act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file"),
                "whistle", departments=["城管"])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                context.notifier.run_once()
                (n,) = client.get("/api/v1/notifications", headers=op).json()
                if n["status"] == "failed":
                    break
                time.sleep(0.02)
            assert (n["status"], n["attempts"]) == ("failed", 5) and dead.posts == 5
    finally:
        context.close()
        dead.close()
