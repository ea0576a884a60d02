"""The incident queue as a Qt item model: open cases, most urgent first, with live countdowns.

Built for a city's 100,000 open cases: the order by breach time is kept as cases come and go (a bisect,
never a re-sort), the countdown text is computed when a row is painted (a tick repaints only the rows on
screen), a batch of cases is one insert or one reset, and filtering is one pass over plain dicts (no
per-row call into a proxy model)."""

from __future__ import annotations

import math
import time
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from typing import Any

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt

from .i18n import tr
from .vocabulary import channel_name, status_name

CATEGORY_NAMES: dict[str, str] = {}  # filled from the service's Open311 service list when connected

COLUMNS = ("countdown", "id", "category", "status", "grid", "channel", "reported_at")
SORT_ROLE = Qt.UserRole + 1
ID_ROLE = Qt.UserRole + 2
FILTERS = ("channel", "status", "category", "grid")
# Past this many new cases in one batch, one model reset is cheaper than inserting each at its place.
RESET_BATCH = 200

QueueKey = tuple[float, int]


def countdown_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    m, s = divmod(int(abs(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m:02d}:{s:02d}"


def queue_key(incident: dict[str, Any]) -> QueueKey:
    """Most urgent first: nearest breach time, cases without a running clock last, then by case number."""
    breach = incident.get("breach_at")
    return (math.inf if breach is None else float(breach), int(incident["id"]))


class IncidentQueueModel(QAbstractTableModel):
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.clock = clock
        self.filters: dict[str, str] = {}
        self._cases: dict[int, dict[str, Any]] = {}   # every open case, shown or filtered out
        self._key_of: dict[int, QueueKey] = {}
        self._order: list[QueueKey] = []              # every case, most urgent first
        # The rows shown, most urgent first: the very list _order while no filter is set (one list to keep).
        self._keys: list[QueueKey] = self._order

    @property
    def _filtered(self) -> bool:
        return self._keys is not self._order

    def headers(self) -> list[str]:
        return [tr("Time left"), tr("Case"), tr("Category"), tr("Status"), tr("Grid"), tr("Channel"), tr("Reported")]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return len(COLUMNS)

    def total(self) -> int:
        """Open cases held, shown or not."""
        return len(self._cases)

    def case_at(self, row: int) -> dict[str, Any]:
        return self._cases[self._keys[row][1]]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.headers()[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        row = self._cases[self._keys[index.row()][1]]
        column = COLUMNS[index.column()]
        if role == ID_ROLE:
            return row["id"]
        # The countdown is computed at paint time: a tick only has to repaint what is on screen.
        left = None if row.get("breach_at") is None else row["breach_at"] - self.clock()
        if role == SORT_ROLE:
            if column == "countdown":
                return left if left is not None else float("inf")
            return row.get(column) or ""
        if role == Qt.DisplayRole:
            if column == "countdown":
                return countdown_text(left)
            if column == "category":
                return CATEGORY_NAMES.get(row["category"], row["category"])
            if column == "status":
                return status_name(str(row.get("status", "")))
            if column == "channel":
                return channel_name(str(row.get("channel", "")))
            if column == "grid":
                return (row.get("grid") or tr("outside"))[-7:]
            if column == "reported_at":
                return (row.get("reported_at") or "")[11:19]
            return str(row.get(column, ""))
        if role == Qt.ForegroundRole and column == "countdown" and left is not None and left < 120:
            from qgis.PyQt.QtGui import QColor
            return QColor("#d7191c") if left < 0 else QColor("#e6550d")
        return None

    # --- filters ---------------------------------------------------------------------------------
    def matches(self, incident: dict[str, Any]) -> bool:
        return all(not wanted or wanted in str(incident.get(name) or "") for name, wanted in self.filters.items())

    def set_filter(self, name: str, value: str) -> None:
        """One pass over the held cases in queue order; the view gets one reset."""
        if name not in FILTERS:
            raise ValueError(f"unknown queue filter {name!r}; known: {', '.join(FILTERS)}")
        self.filters[name] = value.strip()
        self.beginResetModel()
        if any(self.filters.values()):
            cases = self._cases
            self._keys = [k for k in self._order if self.matches(cases[k[1]])]
        else:
            self._keys = self._order
        self.endResetModel()

    # --- changes ---------------------------------------------------------------------------------
    def upsert(self, incident: dict[str, Any]) -> None:
        incident_id = incident["id"]
        old = self._key_of.get(incident_id)
        new = queue_key(incident)
        self._cases[incident_id] = incident
        self._key_of[incident_id] = new
        if self._filtered:  # the full order first; the rows shown follow below
            if old is None:
                insort(self._order, new)
            elif old != new:
                del self._order[bisect_left(self._order, old)]
                insort(self._order, new)
        shown = self._shown_row(old) if old is not None else None
        if not self.matches(incident):
            if shown is not None:
                self._remove_row(shown)
            return
        if shown is None:
            at = bisect_left(self._keys, new)
            self.beginInsertRows(QModelIndex(), at, at)
            self._keys.insert(at, new)
            self.endInsertRows()
            return
        if old != new:
            self._move_row(shown, new)
        at = bisect_left(self._keys, new)
        self.dataChanged.emit(self.index(at, 0), self.index(at, len(COLUMNS) - 1))

    def upsert_many(self, incidents: Iterable[dict[str, Any]]) -> None:
        """A batch (snapshot pages): into an empty queue one insert, many new cases one merge and one reset."""
        batch = list(incidents)
        fresh = [i for i in batch if i["id"] not in self._cases]
        if len(fresh) < RESET_BATCH or len(fresh) < len(batch):
            for incident in batch:
                self.upsert(incident)
            return
        new_keys = []
        for incident in fresh:
            key = queue_key(incident)
            self._cases[incident["id"]] = incident
            self._key_of[incident["id"]] = key
            new_keys.append(key)
        new_keys.sort()
        shown = [k for k in new_keys if self.matches(self._cases[k[1]])] if self._filtered else new_keys
        if not self._keys:
            if shown:
                self.beginInsertRows(QModelIndex(), 0, len(shown) - 1)
            self._merge(self._order, new_keys)
            if self._filtered:
                self._keys.extend(shown)
            if shown:
                self.endInsertRows()
            return
        self.beginResetModel()
        self._merge(self._order, new_keys)
        if self._filtered:
            self._merge(self._keys, shown)
        self.endResetModel()

    def remove(self, incident_id: int) -> None:
        key = self._key_of.pop(incident_id, None)
        if key is None:
            return
        del self._cases[incident_id]
        shown = self._shown_row(key)
        if self._filtered:
            del self._order[bisect_left(self._order, key)]
        if shown is not None:
            self._remove_row(shown)

    def clear(self) -> None:
        self.beginResetModel()
        self._cases, self._key_of, self._order = {}, {}, []
        self._keys = self._order if not self._filtered else []
        self.endResetModel()

    def tick(self, first: int = 0, last: int | None = None) -> None:
        """The countdowns moved: repaint the countdown of rows first..last (the ones on screen), not all."""
        if not self._keys:
            return
        last = len(self._keys) - 1 if last is None else min(last, len(self._keys) - 1)
        first = max(0, first)
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0), [Qt.DisplayRole, Qt.ForegroundRole])

    def row_of(self, incident_id: int) -> int | None:
        key = self._key_of.get(incident_id)
        return None if key is None else self._shown_row(key)

    # --- the sorted rows -------------------------------------------------------------------------
    def _shown_row(self, key: QueueKey) -> int | None:
        at = bisect_left(self._keys, key)
        return at if at < len(self._keys) and self._keys[at] == key else None

    def _remove_row(self, at: int) -> None:
        self.beginRemoveRows(QModelIndex(), at, at)
        del self._keys[at]
        self.endRemoveRows()

    def _move_row(self, at: int, new: QueueKey) -> None:
        """Move a shown row to its new place (views keep their selection on it)."""
        keys = self._keys
        target = bisect_left(keys, new, hi=at) if new < keys[at] else bisect_left(keys, new, lo=at + 1) - 1
        if target == at:
            keys[at] = new
            return
        destination = target + 1 if target > at else target
        self.beginMoveRows(QModelIndex(), at, at, QModelIndex(), destination)
        del keys[at]
        keys.insert(target, new)
        self.endMoveRows()

    @staticmethod
    def _merge(into: list[QueueKey], sorted_keys: list[QueueKey]) -> None:
        # Timsort finds the two sorted runs: a merge in C, in place (the list object stays the same).
        into.extend(sorted_keys)
        into.sort()
