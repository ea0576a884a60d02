"""Jobs that keep personal data and the audit trail within their periods: reporters pseudonymised after
`pseudonymise_after_days`, audit records pruned after `audit_retention_days` (at least a year)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

from service.domain.clock import Clock
from service.flows.audit import SYSTEM, Actor, AuditAction, AuditTrail, Outcome
from service.settings import Settings
from service.store import privacy as privacy_store
from service.store.db import Database


def pseudonym_key(data_dir: Path) -> bytes:
    """The secret the pseudonyms are keyed with: the same caller gets the same pseudonym (repeat callers
    can still be counted), and without the key a pseudonym cannot be traced back by trying phone numbers."""
    path = data_dir / "pseudonym.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def pseudonymise(*, db: Database, clock: Clock, audit: AuditTrail, data_dir: Path, after_days: float) -> int:
    key = pseudonym_key(data_dir)

    def pseudonym(value: str) -> str:
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]

    cutoff = clock.now() - timedelta(days=after_days)
    total = 0
    while True:
        with db.write() as session:
            ids = privacy_store.pseudonymise(session=session, received_before=cutoff, pseudonym=pseudonym)
            if ids:
                audit.write_now(session, Actor(SYSTEM, "localhost"), AuditAction.PSEUDONYMISED,
                                    outcome=Outcome.SUCCESS, target=f"incidents:{len(ids)}",
                                    details={"incident_ids": ids, "received_before": cutoff.isoformat()})
        total += len(ids)
        if len(ids) < privacy_store.CHUNK:
            return total


def hourly(*, db: Database, clock: Clock, audit: AuditTrail, settings: Settings) -> None:
    pseudonymise(db=db, clock=clock, audit=audit, data_dir=settings.data_dir,
                 after_days=settings.pseudonymise_after_days)
    audit.prune(timedelta(days=settings.audit_retention_days))
