"""Device tokens: the secret a unit's phone sends as its OsmAnd device id, kept as its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.store.models import DeviceTokenRow, UnitRow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(*, session: Session, unit_id: int, issued_by: str, now: datetime) -> str:
    """A new token for the unit; the unit's previous token stops working in the same commit."""
    token = "d" + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")  # plain letters: easy to retype
    session.execute(delete(DeviceTokenRow).where(DeviceTokenRow.unit_id == unit_id))
    session.add(DeviceTokenRow(unit_id=unit_id, token_sha256=_digest(token), issued_at=now, issued_by=issued_by))
    return token


def device_for_token(*, session: Session, token: str) -> tuple[int, str] | None:
    """(unit id, registered device id) of the unit this token was issued to."""
    row = session.execute(select(UnitRow.id, UnitRow.device_id).join(DeviceTokenRow, DeviceTokenRow.unit_id == UnitRow.id)
                          .where(DeviceTokenRow.token_sha256 == _digest(token))).first()
    if row is None or row[1] is None:
        return None
    return int(row[0]), str(row[1])
