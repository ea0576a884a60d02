"""Coordination between processes on one database: leases, the intake lock, and the commit wake-up.

PostgreSQL: advisory locks (a lease is a session lock held on a dedicated connection, so it ends
when its process dies, kill -9 included) and LISTEN/NOTIFY. SQLite: one machine, so a lease is an
`flock` on a file beside the database (also released by the kernel when the process dies), and
BEGIN IMMEDIATE already makes writers take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.store.db import Database
from service.store.events import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


def _lock_key(name: str) -> int:
    return zlib.crc32(f"gridcommand:{name}".encode())


INTAKE_LOCK = _lock_key("intake")


def serialize_intake(session: Session) -> None:
    """Hold the intake lock until this transaction ends: one intake batch matches duplicates at a time
    across every process (on SQLite the write transaction already excludes every other writer)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": INTAKE_LOCK})


class Lease:
    """`held()` says whether this process holds the named lease now, taking it when it is free."""

    def __init__(self, db: Database, name: str) -> None:
        self._db = db
        self._key = _lock_key(name)
        self._name = name
        self._conn: Any = None
        self._holding = False
        self._fd: int | None = None
        self._lock = threading.Lock()

    def held(self) -> bool:
        with self._lock:
            try:
                return self._held_postgresql() if not self._db.is_sqlite else self._held_file()
            except Exception:  # a broken connection means the lease is gone; the next call retries
                log.warning("lease %s: lost its connection", self._name, exc_info=True)
                self._drop_connection()
                return False

    def _held_postgresql(self) -> bool:
        if self._conn is None:
            self._conn = self._db.writer.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._holding = False
        if self._holding:
            # Still ours? (a server restart would have ended the session, and the lock with it)
            self._conn.execute(text("SELECT 1"))
            return True
        self._holding = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar_one())
        return self._holding

    def _held_file(self) -> bool:
        if self._fd is not None:
            return True
        database = self._db.url.database
        if not database or database == ":memory:":
            return True
        fd = os.open(f"{database}.{self._name}.lease", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()
                self._conn.close()
            self._conn = None
        self._holding = False

    def release(self) -> None:
        with self._lock:
            self._drop_connection()
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def listen_for_commits(db: Database, on_commit: Callable[[], None], stop: threading.Event) -> None:
    """Call `on_commit` whenever any process commits events (PostgreSQL NOTIFY); returns when `stop` is set.

    Runs in its own thread; a lost connection is reopened, and a wake-up is sent after reconnecting,
    since commits made while it was away sent their notices to nobody.
    """
    import psycopg  # only needed on PostgreSQL

    conninfo = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                on_commit()
                while not stop.is_set():
                    for _ in conn.notifies(timeout=0.5, stop_after=1):
                        on_commit()
        except Exception:
            log.warning("commit listener: connection lost; reconnecting", exc_info=True)
            stop.wait(0.5)
