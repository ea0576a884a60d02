"""The audit trail (CJIS 5.4, PIPL): who did what, from where, when, and how it ended.

Requests are recorded as they finish, buffered and written in one transaction per flush, so auditing
adds no write to an intake's commit; key events are written in the transaction that makes them.
Reads of reporters' personal data are coalesced per actor and flush (one record naming the cases).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from service.domain.clock import Clock
from service.store import audit as audit_store
from service.store.db import Database

MAX_BUFFERED = 10_000


class AuditAction(StrEnum):
    AUTH_FAILED = "auth.failed"
    AUTH_THROTTLED = "auth.throttled"
    KEY_CREATED = "key.created"
    KEY_REVOKED = "key.revoked"
    KEY_LOCKED = "key.locked"
    KEY_UNLOCKED = "key.unlocked"
    DEVICE_TOKEN_ISSUED = "device_token.issued"
    PERSONAL_DATA_READ = "personal_data.read"
    PSEUDONYMISED = "personal_data.pseudonymised"
    AUDIT_EXPORTED = "audit.exported"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who acted (role:key name#key id, or 'anonymous'/'system') and from which address."""

    name: str
    source: str


class AuditTrail:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._personal_reads: dict[tuple[str, str], set[int]] = {}

    def record(self, actor: Actor, action: str, *, outcome: str, target: str | None = None,
               details: dict[str, Any] | None = None) -> None:
        """Buffer one record; it reaches the database at the next flush (at most a second later)."""
        row = self.row(actor, action, outcome=outcome, target=target, details=details)
        with self._lock:
            self._pending.append(row)
            full = len(self._pending) >= MAX_BUFFERED
        if full:
            self.flush()

    def row(self, actor: Actor, action: str, *, outcome: str, target: str | None = None,
            details: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"at": self._clock.now(), "actor": actor.name[:128], "source": actor.source[:64],
                "action": action[:128], "target": target[:256] if target else None, "outcome": outcome,
                "details": details or {}}

    def write_now(self, session: Session, actor: Actor, action: str, *, outcome: str, target: str | None = None,
                  details: dict[str, Any] | None = None) -> None:
        """Record inside the caller's transaction: the record and the change commit together."""
        audit_store.append(session, [self.row(actor, action, outcome=outcome, target=target, details=details)])

    def personal_data_read(self, actor: Actor, incident_id: int) -> None:
        with self._lock:
            self._personal_reads.setdefault((actor.name, actor.source), set()).add(incident_id)

    def flush(self) -> int:
        with self._lock:
            rows, self._pending = self._pending, []
            reads, self._personal_reads = self._personal_reads, {}
        rows += [self.row(Actor(name, source), AuditAction.PERSONAL_DATA_READ, outcome=Outcome.SUCCESS,
                          target=f"incidents:{len(ids)}", details={"incident_ids": sorted(ids)})
                 for (name, source), ids in reads.items()]
        if rows:
            with self._db.write() as session:
                audit_store.append(session, rows)
        return len(rows)

    def query(self, where: audit_store.AuditFilter) -> list[dict[str, Any]]:
        self.flush()  # what this process has seen is part of the answer
        with self._db.read() as session:
            return audit_store.query(session=session, where=where)

    def prune(self, retention: timedelta) -> int:
        with self._db.write() as session:
            return audit_store.prune(session=session, before=self._clock.now() - retention)

    def now(self) -> datetime:
        return self._clock.now()
