"""An exercise's source file (source.sqlite in its folder): the recorded tracks it replays, read in windows.

A recorded month holds millions of fixes; the player reads them a window at a time instead of holding
them all, and the file is the exercise's own, so replaying never reads the live record again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

Fix = tuple[str, int, float, float, float | None, float | None]  # device, time ms, lon, lat, speed, heading


class TrackSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._conn.execute("CREATE TABLE IF NOT EXISTS recorded_fixes (device_id TEXT NOT NULL, time_ms INTEGER "
                           "NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, speed_ms REAL, heading REAL)")

    def write(self, fixes: Iterable[Fix]) -> int:
        with self._conn:
            cur = self._conn.executemany("INSERT INTO recorded_fixes VALUES (?, ?, ?, ?, ?, ?)", fixes)
            self._conn.execute("CREATE INDEX IF NOT EXISTS ix_recorded_fixes_time ON recorded_fixes (time_ms)")
            return int(cur.rowcount)

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM recorded_fixes").fetchone()[0])

    def devices(self) -> set[str]:
        return {d for (d,) in self._conn.execute("SELECT DISTINCT device_id FROM recorded_fixes")}

    def times(self) -> list[int]:
        """The distinct fix times (ms), in order: one delivery per time."""
        return [t for (t,) in self._conn.execute("SELECT DISTINCT time_ms FROM recorded_fixes ORDER BY time_ms")]

    def window(self, since_ms: int, until_ms: int, *, skip_devices: frozenset[str] = frozenset()) -> list[Fix]:
        """Fixes with since_ms < time_ms <= until_ms, oldest first, leaving out units the trainees play."""
        rows: Iterator[Fix] = self._conn.execute(
            "SELECT device_id, time_ms, lon, lat, speed_ms, heading FROM recorded_fixes "
            "WHERE time_ms > ? AND time_ms <= ? ORDER BY time_ms", (since_ms, until_ms))
        return [r for r in rows if r[0] not in skip_devices]

    def close(self) -> None:
        self._conn.close()
