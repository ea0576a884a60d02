"""The notifier: follows the event log (from a cursor kept in the database), records each notification
once in the outbox in the same transaction that moves the cursor, then delivers what is due through one
pluggable sender, retrying with doubling delays. Runs under the watch lease (one process at a time)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from service.domain.clock import Clock
from service.domain.notify import DeliveryStatus, Notification, NotificationKind, next_attempt, notifications_for, route
from service.store import events as event_log
from service.store import notifications as outbox
from service.store.db import Database

READ_BATCH = 500


class Sender(Protocol):
    def send(self, target: str, notification: Notification) -> None:
        """Deliver or raise (any exception: the attempt failed and is tried again later)."""
        ...


class WebhookSender:
    """A WeCom / DingTalk robot (or an SMS gateway taking the same JSON): POST {"msgtype": "text", ...}."""

    def __init__(self, timeout_s: float = 5.0) -> None:
        self.timeout_s = timeout_s

    def send(self, target: str, notification: Notification) -> None:
        body = json.dumps({"msgtype": "text", "text": {"content": notification.text},
                           "gridcommand": {"kind": notification.kind.value, "recipient": notification.recipient,
                                           "incident_id": notification.incident_id}}, ensure_ascii=False).encode()
        request = urllib.request.Request(target, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 - configured URL
            if not 200 <= response.status < 300:
                raise OSError(f"HTTP {response.status}")


@dataclass(frozen=True)
class NotifySettings:
    webhooks: Mapping[str, str] = field(default_factory=dict)
    retry_base_seconds: float = 30.0
    max_attempts: int = 5


class NotifyJob:
    def __init__(self, *, db: Database, clock: Clock, settings: NotifySettings, sender: Sender | None = None) -> None:
        self._db = db
        self._clock = clock
        self.settings = settings
        self.sender: Sender = sender or WebhookSender()

    def start_here(self) -> None:
        """A new record starts notifying from now, not from the beginning of its history."""
        with self._db.write() as session:
            if outbox.cursor(session=session) is None:
                outbox.set_cursor(session=session, last_event_id=event_log.last_id(session))

    def run_once(self) -> int:
        """Record what the new events make known, then deliver what is due; returns how many were sent."""
        self._record_new()
        return self._deliver()

    def _record_new(self) -> None:
        while True:
            now = self._clock.now()
            with self._db.write() as session:
                start = outbox.cursor(session=session)
                if start is None:
                    start = event_log.last_id(session)
                events = event_log.read_logged_after(session, start, limit=READ_BATCH)
                if not events:
                    outbox.set_cursor(session=session, last_event_id=start)
                    return
                rows = []
                for e in events:
                    for n in notifications_for(e):
                        target = route(n.recipient, self.settings.webhooks)
                        rows.append({"event_id": e.id, "kind": n.kind.value, "recipient": n.recipient,
                                     "incident_id": n.incident_id, "text": n.text, "target": target,
                                     "status": (DeliveryStatus.PENDING if target else DeliveryStatus.NO_ROUTE).value,
                                     "attempts": 0, "last_error": None, "next_attempt_at": None, "created_at": now,
                                     "sent_at": None})
                outbox.record(session=session, rows=rows)
                outbox.set_cursor(session=session, last_event_id=events[-1].id)
            if len(events) < READ_BATCH:
                return

    def _deliver(self) -> int:
        now = self._clock.now()
        with self._db.read() as session:
            due = [(r.id, r.target, r.attempts, Notification(NotificationKind(r.kind), r.recipient, r.incident_id, r.text))
                   for r in outbox.due(session=session, now=now)]
        sent = 0
        for notification_id, target, attempts, notification in due:
            try:
                self.sender.send(target or "", notification)
            except Exception as exc:  # any failure of the receiver: recorded, tried again later
                tries = attempts + 1
                again = next_attempt(tries, now=self._clock.now(), base_seconds=self.settings.retry_base_seconds,
                                     max_attempts=self.settings.max_attempts)
                values = {"attempts": tries, "last_error": f"{type(exc).__name__}: {exc}"[:500],
                          "next_attempt_at": again,
                          "status": (DeliveryStatus.PENDING if again else DeliveryStatus.FAILED).value}
            else:
                sent += 1
                values = {"attempts": attempts + 1, "status": DeliveryStatus.SENT.value, "sent_at": self._clock.now(),
                          "next_attempt_at": None}
            with self._db.write() as session:
                outbox.settle(session=session, notification_id=notification_id, values=values)
        return sent
