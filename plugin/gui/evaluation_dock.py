"""Evaluation (综合评价) as a table: per department, grid or worker over the last N days — cases, on-time,
closing and rework rates, failed verifications, average handling time (GET /api/v1/evaluation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.client import ApiResult, ServiceClient
from ..core.i18n import tr

SUBJECTS = ("department", "grid", "worker")
COLUMNS = (("name", "name"), ("cases", "cases"), ("on_time_rate", "on time"), ("closing_rate", "closing rate"),
           ("rework_rate", "rework"), ("verification_failures", "failed checks"), ("handling", "avg handling h"))


def cell(row: dict[str, Any], key: str) -> str:
    if key == "handling":
        seconds = (row.get("avg_seconds") or {}).get("handling")
        return "—" if seconds is None else f"{seconds / 3600:.1f}"
    value = row.get(key)
    if value is None:
        return "—"
    return f"{value:.0%}" if key.endswith("_rate") else str(value)


class EvaluationDock(QDockWidget):
    def __init__(self, client: ServiceClient, parent: QWidget | None = None) -> None:
        super().__init__(tr("GridCommand — evaluation"), parent)
        self.setObjectName("GridCommandEvaluationDock")
        self.client = client
        body = QWidget(self)
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.subject = QComboBox(body)
        self.subject.addItems([tr(s) for s in SUBJECTS])
        self.days = QSpinBox(body)
        self.days.setRange(1, 366)
        self.days.setValue(30)
        self.days.setSuffix(tr(" days"))
        self.refresh_button = QPushButton(tr("Refresh"), body)
        self.refresh_button.clicked.connect(self.refresh)
        self.subject.currentIndexChanged.connect(self.refresh)
        for widget in (self.subject, self.days, self.refresh_button):
            row.addWidget(widget)
        layout.addLayout(row)
        self.table = QTableWidget(0, len(COLUMNS), body)
        self.table.setHorizontalHeaderLabels([tr(label) for _, label in COLUMNS])
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table)
        self.setWidget(body)
        self.rows: list[dict[str, Any]] = []

    def refresh(self) -> None:
        until = datetime.now(UTC)
        params = {"by": SUBJECTS[self.subject.currentIndex()],
                  "since": (until - timedelta(days=self.days.value())).isoformat(), "until": until.isoformat()}
        self.client.get("/api/v1/evaluation", self._loaded, params=params)

    def _loaded(self, result: ApiResult) -> None:
        if not result.ok or not isinstance(result.data, dict):
            self.setWindowTitle(tr("GridCommand — evaluation: {}").format(result.error))
            return
        self.setWindowTitle(tr("GridCommand — evaluation"))
        self.rows = result.data["rows"]
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, (key, _) in enumerate(COLUMNS):
                self.table.setItem(r, c, QTableWidgetItem(cell(row, key)))
        self.table.setSortingEnabled(True)
