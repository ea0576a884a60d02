"""Access keys: created with a random token shown once, looked up by the token's SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.domain.access import Role
from service.domain.catalog import Channel
from service.store.models import ApiKeyRow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(*, session: Session, name: str, role: Role, now: datetime, channel: Channel | None = None,
           department: str | None = None, unit_id: int | None = None) -> str:
    """Create a key; returns the token, which is not stored and cannot be shown again."""
    if (role is Role.FEED) != (channel is not None):
        raise ValueError("a feed key names exactly one channel; other roles name none")
    if (role is Role.DEPARTMENT) != (department is not None):
        raise ValueError("a department key names exactly one line department; other roles name none")
    if (role is Role.FIELD_WORKER) != (unit_id is not None):
        raise ValueError("a field worker's key names exactly one unit; other roles name none")
    token = "gc_" + secrets.token_urlsafe(24)
    session.add(ApiKeyRow(name=name, role=role.value, channel=channel.value if channel else None,
                          token_sha256=_digest(token), created_at=now, revoked=False, department=department,
                          unit_id=unit_id))
    return token


def lookup(*, session: Session, token: str) -> ApiKeyRow | None:
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.token_sha256 == _digest(token)))
    return None if row is None or row.revoked else row
