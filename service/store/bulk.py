"""Bulk insert at DB-API speed: SQLAlchemy compiles the statement and supplies each column's bind
processor once; rows then go straight to cursor.executemany (no per-row statement machinery)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]], *,
                statement: Insert | None = None) -> None:
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = [c for c in table.columns if c.key in rows[0]]
    compiled = (statement if statement is not None else insert(table)).compile(
        dialect=dialect, column_keys=[c.key for c in columns])
    keys = [c.key for c in columns]
    # Column by column: one processor lookup per column, not per value.
    values: dict[str, list[Any]] = {}
    for column in columns:
        raw = [row[column.key] for row in rows]
        process = column.type._cached_bind_processor(dialect)
        values[column.key] = raw if process is None else [None if v is None else process(v) for v in raw]
    if compiled.positional:
        params: list[Any] = list(zip(*(values[name] for name in compiled.positiontup or [])))
    else:
        params = [dict(zip(keys, row)) for row in zip(*(values[k] for k in keys))]
    connection.exec_driver_sql(compiled.string, params)
