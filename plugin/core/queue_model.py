"""The incident queue as a Qt item model: open cases, most urgent first, with live countdowns."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from .i18n import tr

CATEGORY_NAMES: dict[str, str] = {}  # filled from the service's Open311 service list when connected

COLUMNS = ("countdown", "id", "category", "status", "grid", "channel", "reported_at")
SORT_ROLE = Qt.UserRole + 1
ID_ROLE = Qt.UserRole + 2


def countdown_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    m, s = divmod(int(abs(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m:02d}:{s:02d}"


class IncidentQueueModel(QAbstractTableModel):
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.clock = clock
        self._rows: list[dict[str, Any]] = []
        self._row_of: dict[int, int] = {}

    def headers(self) -> list[str]:
        return [tr("Time left"), tr("Case"), tr("Category"), tr("Status"), tr("Grid"), tr("Channel"), tr("Reported")]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.headers()[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        left = None if row.get("breach_at") is None else row["breach_at"] - self.clock()
        if role == ID_ROLE:
            return row["id"]
        if role == SORT_ROLE:
            if column == "countdown":
                return left if left is not None else float("inf")
            return row.get(column) or ""
        if role == Qt.DisplayRole:
            if column == "countdown":
                return countdown_text(left)
            if column == "category":
                return CATEGORY_NAMES.get(row["category"], row["category"])
            if column == "grid":
                return (row.get("grid") or tr("outside"))[-7:]
            if column == "reported_at":
                return (row.get("reported_at") or "")[11:19]
            return str(row.get(column, ""))
        if role == Qt.ForegroundRole and column == "countdown" and left is not None and left < 120:
            from qgis.PyQt.QtGui import QColor
            return QColor("#d7191c") if left < 0 else QColor("#e6550d")
        return None

    def upsert(self, incident: dict[str, Any]) -> None:
        i = self._row_of.get(incident["id"])
        if i is None:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._row_of[incident["id"]] = len(self._rows)
            self._rows.append(incident)
            self.endInsertRows()
        else:
            self._rows[i] = incident
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def remove(self, incident_id: int) -> None:
        i = self._row_of.pop(incident_id, None)
        if i is None:
            return
        self.beginRemoveRows(QModelIndex(), i, i)
        del self._rows[i]
        self.endRemoveRows()
        self._row_of = {r["id"]: n for n, r in enumerate(self._rows)}

    def tick(self) -> None:
        """The countdowns moved: repaint that column."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))


class QueueFilter(QSortFilterProxyModel):
    """Filters by channel, category, status and grid; sorts by time to breach."""

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, str] = {}
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter(self, name: str, value: str) -> None:
        self.filters[name] = value.strip()
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802
        source: IncidentQueueModel = self.sourceModel()  # type: ignore[assignment]
        incident = source._rows[row]
        return all(not wanted or wanted in str(incident.get(name) or "") for name, wanted in self.filters.items())
