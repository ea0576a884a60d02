"""Managing access keys: create, list, revoke and unlock, each audited; a revocation (`key.revoked`) or a
lockout (`key.locked`) is also an event, written in the same transaction, so every process's key cache
(service/views.py KeyCache) drops the key as soon as its projector applies the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.domain.access import Role
from service.domain.catalog import DEPARTMENTS, Channel
from service.domain.clock import Clock
from service.domain.errors import InvalidInput, NotFound
from service.domain.events import EventKind, NewEvent, OnCommit, Subject
from service.flows.audit import Actor, AuditAction, AuditTrail, Outcome
from service.store import events as event_log
from service.store import keys as key_store
from service.store import units as unit_store
from service.store.db import Database
from service.store.models import ApiKeyRow

MAX_FAILURES = 5  # CJIS 5.5.3: no more than five consecutive invalid attempts


@dataclass(frozen=True)
class KeyPolicy:
    max_failures: int = MAX_FAILURES
    lockout: timedelta = timedelta(minutes=10)  # CJIS 5.5.3: at least ten minutes unless an administrator unlocks


def describe(row: ApiKeyRow, now: datetime) -> dict[str, Any]:
    """A key as an administrator sees it: never its token."""
    locked = row.locked_until is not None and row.locked_until > now
    return {"id": row.id, "name": row.name, "role": row.role, "channel": row.channel, "prefix": row.prefix,
            "department": row.department, "unit_id": row.unit_id,
            "created_at": row.created_at.isoformat(), "revoked": row.revoked,
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
            "locked_until": row.locked_until.isoformat() if locked and row.locked_until else None,
            "failed_attempts": row.failed_attempts}


class KeyAdmin:
    def __init__(self, *, db: Database, clock: Clock, audit: AuditTrail, policy: KeyPolicy | None = None,
                 on_commit: OnCommit) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self.policy = policy or KeyPolicy()
        self._on_commit = on_commit

    def create(self, who: Actor, *, name: str, role: Role, channel: Channel | None = None,
               department: str | None = None, unit_id: int | None = None) -> tuple[dict[str, Any], str]:
        if not name.strip():
            raise InvalidInput.one("name", "is required")
        if role is Role.FEED and channel is None:
            raise InvalidInput.one("channel", "a feed key names the one channel it posts to")
        if role is not Role.FEED and channel is not None:
            raise InvalidInput.one("channel", f"only feed keys name a channel, not {role.value} keys")
        if (role is Role.DEPARTMENT) != (department is not None):
            raise InvalidInput.one("department", "a department key names its one line department; other keys none")
        if department is not None and department not in DEPARTMENTS:
            raise InvalidInput.one("department", f"unknown department {department!r}; known: {', '.join(DEPARTMENTS)}")
        if (role is Role.FIELD_WORKER) != (unit_id is not None):
            raise InvalidInput.one("unit_id", "a field worker's key names its one unit; other keys none")
        now = self._clock.now()
        with self._db.write() as session:
            if unit_id is not None and unit_store.get(session=session, unit_id=unit_id) is None:
                raise InvalidInput.one("unit_id", f"unit {unit_id} does not exist")
            row, token = key_store.issue(session=session, name=name.strip(), role=role, channel=channel, now=now,
                                         department=department, unit_id=unit_id)
            self._audit.write_now(session, who, AuditAction.KEY_CREATED, outcome=Outcome.SUCCESS,
                                  target=f"key:{row.id}", details={"name": row.name, "role": row.role,
                                                                   "channel": row.channel, "prefix": row.prefix})
            return describe(row, now), token

    def list(self) -> list[dict[str, Any]]:
        now = self._clock.now()
        with self._db.read() as session:
            return [describe(r, now) for r in key_store.all_keys(session=session)]

    def revoke(self, who: Actor, key_id: int) -> dict[str, Any]:
        now = self._clock.now()
        events: list[NewEvent] = []
        ids: list[int] = []
        with self._db.write() as session:
            row = self._get(session, key_id)
            if not row.revoked:
                key_store.revoke(session=session, row=row, now=now)
                events = [NewEvent(EventKind.KEY_REVOKED, Subject.KEY, str(key_id), {"key_id": key_id}, now)]
                ids = event_log.append(session, events)
                self._audit.write_now(session, who, AuditAction.KEY_REVOKED, outcome=Outcome.SUCCESS,
                                      target=f"key:{key_id}", details={"name": row.name, "role": row.role})
            described = describe(row, now)
        self._on_commit(ids, events)  # this process stops honouring it before the answer goes out
        return described

    def unlock(self, who: Actor, key_id: int) -> dict[str, Any]:
        now = self._clock.now()
        with self._db.write() as session:
            row = self._get(session, key_id)
            key_store.reset_failures(session=session, key_id=key_id)
            self._audit.write_now(session, who, AuditAction.KEY_UNLOCKED, outcome=Outcome.SUCCESS,
                                  target=f"key:{key_id}")
            return describe(row, now)

    def count_failure(self, token: str, source: str) -> ApiKeyRow | None:
        """A failed attempt with a token naming an existing key (its prefix) counts against that key.

        Returns the key when this failure locked it. A token with no known prefix counts against the
        client address only: locking needs a key to lock, and a guessed prefix is not a key's failure
        unless it matches one (then it is, which is what CJIS asks)."""
        prefix = key_store.prefix_of(token)
        if prefix is None:
            return None
        now = self._clock.now()
        events: list[NewEvent] = []
        ids: list[int] = []
        with self._db.write() as session:
            row = key_store.by_prefix(session=session, prefix=prefix)
            if row is None or row.revoked:
                return None
            locked = key_store.count_failure(session=session, row=row, now=now,
                                             max_failures=self.policy.max_failures, lockout=self.policy.lockout)
            if locked:
                events = [NewEvent(EventKind.KEY_LOCKED, Subject.KEY, str(row.id), {"key_id": row.id}, now)]
                ids = event_log.append(session, events)
                self._audit.write_now(session, Actor(f"key:{row.id}", source), AuditAction.KEY_LOCKED,
                                      outcome=Outcome.DENIED, target=f"key:{row.id}",
                                      details={"failed_attempts": row.failed_attempts,
                                               "locked_until": row.locked_until.isoformat()
                                               if row.locked_until else None})
        self._on_commit(ids, events)  # its holder's valid token stops working here at once, elsewhere from the log
        return row if locked else None

    def locked_until(self, token: str) -> datetime | None:
        """When a token names a key that is locked now: until when."""
        prefix = key_store.prefix_of(token)
        if prefix is None:
            return None
        with self._db.read() as session:
            row = key_store.by_prefix(session=session, prefix=prefix)
            if row is None or row.locked_until is None or row.locked_until <= self._clock.now():
                return None
            return row.locked_until

    def _get(self, session: Any, key_id: int) -> ApiKeyRow:
        row = key_store.get(session=session, key_id=key_id)
        if row is None:
            raise NotFound(f"key {key_id} does not exist")
        return row
