"""The floor under our writes: the same rows through plain sqlite3 executemany into a copy of the same
database (same schema, WAL, synchronous=FULL, one transaction per batch)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def raw_insert_rate(template_db: Path, sql: str, batches: Sequence[Sequence[tuple[Any, ...]]]) -> float:
    """Rows per second; converting the rows to tuples is left to the caller, outside the timing."""
    folder = Path(tempfile.mkdtemp(prefix="gc-raw-"))
    db = folder / "raw.db"
    shutil.copy(template_db, db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    started = time.perf_counter()
    for batch in batches:
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    shutil.rmtree(folder)
    return sum(map(len, batches)) / elapsed
