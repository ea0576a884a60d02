"""Access keys: created with a random token shown once, looked up by the token's SHA-256.

A token reads `gc_<prefix>_<secret>`: the prefix is public (listed to administrators) and names the
key a failed attempt was aimed at, so repeated failures can lock that key (CJIS 5.5.3)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.domain.access import Role
from service.domain.catalog import Channel
from service.store.models import ApiKeyRow

TOKEN_START = "gc_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The public part of a `gc_<prefix>_<secret>` token; None for anything else (older tokens too)."""
    if not token.startswith(TOKEN_START):
        return None
    parts = token[len(TOKEN_START):].split("_", 1)
    if len(parts) != 2 or len(parts[0]) != 8 or not all(c in "0123456789abcdef" for c in parts[0]):
        return None
    return parts[0]


def issue(*, session: Session, name: str, role: Role, now: datetime, channel: Channel | None = None,
          department: str | None = None, unit_id: int | None = None) -> tuple[ApiKeyRow, str]:
    """Create a key; returns its row and the token, which is not stored and cannot be shown again."""
    if (role is Role.FEED) != (channel is not None):
        raise ValueError("a feed key names exactly one channel; other roles name none")
    if (role is Role.DEPARTMENT) != (department is not None):
        raise ValueError("a department key names exactly one line department; other roles name none")
    if (role is Role.FIELD_WORKER) != (unit_id is not None):
        raise ValueError("a field worker's key names exactly one unit; other roles name none")
    prefix = secrets.token_hex(4)
    while session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.prefix == prefix)) is not None:
        prefix = secrets.token_hex(4)
    token = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(24)}"
    row = ApiKeyRow(name=name, role=role.value, channel=channel.value if channel else None,
                    token_sha256=_digest(token), created_at=now, revoked=False, prefix=prefix, failed_attempts=0,
                    department=department, unit_id=unit_id)
    session.add(row)
    session.flush()
    return row, token


def create(*, session: Session, name: str, role: Role, now: datetime, channel: Channel | None = None,
           department: str | None = None, unit_id: int | None = None) -> str:
    """Create a key; returns the token, which is not stored and cannot be shown again."""
    return issue(session=session, name=name, role=role, now=now, channel=channel, department=department,
                 unit_id=unit_id)[1]


def lookup(*, session: Session, token: str, now: datetime | None = None) -> ApiKeyRow | None:
    """The key this token opens: not revoked, and (when `now` is given) not locked."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.token_sha256 == _digest(token)))
    if row is None or row.revoked:
        return None
    if now is not None and row.locked_until is not None and row.locked_until > now:
        return None
    return row


def get(*, session: Session, key_id: int) -> ApiKeyRow | None:
    return session.get(ApiKeyRow, key_id)


def by_prefix(*, session: Session, prefix: str) -> ApiKeyRow | None:
    return session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))


def all_keys(*, session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))


def count_failure(*, session: Session, row: ApiKeyRow, now: datetime, max_failures: int,
                  lockout: timedelta) -> bool:
    """One more consecutive failure against this key; True when it has just been locked."""
    if row.locked_until is not None and row.locked_until <= now:
        row.failed_attempts = 0  # a lock that ran out starts the count again
        row.locked_until = None
    row.failed_attempts += 1
    if row.failed_attempts >= max_failures and row.locked_until is None:
        row.locked_until = now + lockout
        return True
    return False


def reset_failures(*, session: Session, key_id: int) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is not None and (row.failed_attempts or row.locked_until is not None):
        row.failed_attempts = 0
        row.locked_until = None


def revoke(*, session: Session, row: ApiKeyRow, now: datetime) -> None:
    row.revoked = True
    row.revoked_at = now
