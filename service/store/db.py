"""Engines and sessions: SQLite in WAL mode by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.settings import Settings


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class Database:
    """A writer and a reader engine over one database.

    On SQLite, writers open with BEGIN IMMEDIATE so two writers queue for the lock instead of one
    failing on upgrade; readers use plain deferred transactions, which WAL lets run beside a writer.
    """

    def __init__(self, settings: Settings) -> None:
        url = make_url(settings.db_url)
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = self._sqlite_engine(settings, immediate=True)
            self.reader = self._sqlite_engine(settings, immediate=False)
        else:
            self.writer = create_engine(url, pool_pre_ping=True, json_serializer=_dumps, json_deserializer=orjson.loads)
            # A snapshot must see one state across several queries.
            self.reader = self.writer.execution_options(isolation_level="REPEATABLE READ")
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)

    def _sqlite_engine(self, settings: Settings, *, immediate: bool) -> Engine:
        engine = create_engine(self.url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=_dumps, json_deserializer=orjson.loads)
        synchronous = settings.sqlite_synchronous

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin hook issue BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success; the commit has reached the disk when this returns."""
        with self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction: every query inside sees one consistent state of the database."""
        with self._read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()
