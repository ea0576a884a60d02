"""The incident queue dock: open cases most urgent first, filters, countdowns, and the selected case's
panel with its recommended units and actions."""

from __future__ import annotations

from typing import Any

from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QKeySequence
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QShortcut,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.definitions import OPEN_STATUSES, Action, Channel
from ..core.dispatcher import Dispatcher
from ..core.i18n import tr
from ..core.queue_model import CATEGORY_NAMES, ID_ROLE, IncidentQueueModel
from ..core.vocabulary import channel_name, status_name, unit_type_name
from .case_steps import CaseSteps

LOAD_FLUSH_MS = 400
CHANNELS = ("", *(c.value for c in Channel))


class QueueDock(QDockWidget):
    zoom_requested = pyqtSignal(int)

    def __init__(self, dispatcher: Dispatcher, parent: QWidget | None = None) -> None:
        super().__init__(tr("GridCommand — incident queue"), parent)
        self.setObjectName("GridCommandQueueDock")
        self.dispatcher = dispatcher
        self.model = IncidentQueueModel()
        # The model keeps its own order and filters (no sorting proxy: at 100,000 rows it re-sorted per tick).
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.addLayout(self._filters())
        self.table = QTableView(body)
        self.table.setModel(self.model)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self._zoom)
        self.table.selectionModel().currentRowChanged.connect(self._row_selected)
        layout.addWidget(self.table, 3)
        self.case_label = QLabel(tr("No case selected"), body)
        self.case_label.setWordWrap(True)
        self.case_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.case_label)
        self.units = QListWidget(body)
        self.units.itemClicked.connect(lambda item: dispatcher.pick_unit(item.data(Qt.UserRole)))
        self.units.itemDoubleClicked.connect(lambda item: (dispatcher.pick_unit(item.data(Qt.UserRole)),
                                                           dispatcher.assign()))
        layout.addWidget(self.units, 2)
        self.steps = CaseSteps(dispatcher, body)  # the case's steps and photos (workflow)
        layout.addWidget(self.steps, 2)
        buttons = QHBoxLayout()
        self.acknowledge_button = QPushButton(tr("Acknowledge (A)"), body)
        self.acknowledge_button.clicked.connect(lambda: dispatcher.act(Action.ACKNOWLEDGE.value))
        self.assign_button = QPushButton(tr("Assign (Enter)"), body)
        self.assign_button.clicked.connect(dispatcher.assign)
        buttons.addWidget(self.acknowledge_button)
        buttons.addWidget(self.assign_button)
        layout.addLayout(buttons)
        self.setWidget(body)
        QShortcut(QKeySequence("A"), body, lambda: dispatcher.act(Action.ACKNOWLEDGE.value),
                  context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence(Qt.Key_Return), body, dispatcher.assign, context=Qt.WidgetWithChildrenShortcut)

        dispatcher.live.incident_changed.connect(self._changed)
        dispatcher.live.incident_removed.connect(self.model.remove)
        dispatcher.live.incidents_loaded.connect(self._loaded)
        dispatcher.live.new_incident.connect(self._alert)
        dispatcher.case_selected.connect(self._show_case)
        dispatcher.recommendations_ready.connect(self._show_units)
        dispatcher.unit_picked.connect(self._unit_picked)
        dispatcher.area_identified.connect(self._show_area)
        # Snapshot batches reach the queue at most every LOAD_FLUSH_MS: one merge per flush, not per batch.
        self._pending: list[dict[str, Any]] = []
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(LOAD_FLUSH_MS)
        self._flush.timeout.connect(self.flush_pending)
        self._ticker = QTimer(self)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start(1000)
        self._blink = QTimer(self)
        self._blink.setSingleShot(True)
        self._blink.timeout.connect(lambda: self.setWindowTitle(tr("GridCommand — incident queue")))

    def _filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        channel = QComboBox()
        channel.addItems([channel_name(c) if c else tr("all channels") for c in CHANNELS])
        channel.currentIndexChanged.connect(lambda i: self.model.set_filter("channel", CHANNELS[i]))
        status = QComboBox()
        statuses = ("",) + OPEN_STATUSES
        status.addItems([status_name(s) if s else tr("all statuses") for s in statuses])
        status.currentIndexChanged.connect(lambda i: self.model.set_filter("status", statuses[i]))
        category = QLineEdit()
        category.setPlaceholderText(tr("category code"))
        category.textChanged.connect(lambda t: self.model.set_filter("category", t))
        grid = QLineEdit()
        grid.setPlaceholderText(tr("grid code"))
        grid.textChanged.connect(lambda t: self.model.set_filter("grid", t))
        for widget in (channel, status, category, grid):
            row.addWidget(widget)
        return row

    def _loaded(self, batch: list[dict[str, Any]]) -> None:
        self._pending.extend(batch)
        if not self._flush.isActive():
            self.flush_pending()  # the first batch shows at once; the next ones gather for a while
            self._flush.start()

    def flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self.model.upsert_many(pending)

    def visible_rows(self) -> tuple[int, int]:
        """The first and last row on screen (-1, -2 when none)."""
        count = self.model.rowCount()
        if not count or not self.table.isVisible():
            return -1, -2
        first = max(0, self.table.rowAt(0))
        last = self.table.rowAt(self.table.viewport().height() - 1)
        return first, count - 1 if last < 0 else last

    def tick(self) -> None:
        """Once a second: the countdowns on screen repaint; rows off screen cost nothing."""
        first, last = self.visible_rows()
        if first >= 0:
            self.model.tick(first, last)

    def _changed(self, incident: dict[str, Any]) -> None:
        self.model.upsert(incident)
        if incident.get("id") == self.dispatcher.case_id:
            self._show_case(incident)

    def _alert(self, incident: dict[str, Any]) -> None:
        self.setWindowTitle(tr("GridCommand — NEW CASE {}").format(incident["id"]))
        self._blink.start(4000)
        QApplication.beep()

    def _row_selected(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            self.dispatcher.select_case(self.model.data(current, ID_ROLE))

    def _zoom(self, index: Any) -> None:
        case_id = self.model.data(index, ID_ROLE)
        self.dispatcher.select_case(case_id)
        self.zoom_requested.emit(case_id)

    def select_row_of(self, case_id: int) -> None:
        row = self.model.row_of(case_id)
        if row is not None:
            self.table.selectRow(row)

    def _show_case(self, c: dict[str, Any]) -> None:
        reporter = " ".join(filter(None, (c.get("reporter_name"), c.get("reporter_phone"))))
        self.case_label.setText(
            f"<b>#{c['id']} {CATEGORY_NAMES.get(c['category'], c['category'])}</b> · {status_name(c['status'])} · "
            f"P{c['priority']}<br>{c.get('description', '')}<br>{c.get('address') or ''} "
            f"{tr('micro-grid')} {c.get('micro_grid') or tr('outside')}<br>{reporter}")

    def _show_area(self, area: dict[str, Any]) -> None:
        parents = " · ".join(p["name"] for p in area.get("parents", []) if p["level"] != "street")
        staff = "、".join(f"{s['name']}（{tr(s['role'])}）" for s in area.get("staff", []))
        self.case_label.setText(f"<b>{area['name']}</b> {area['code']}<br>{parents}<br>"
                                f"{tr('households')}: {area.get('households') or '—'}<br>{tr('on duty')}: {staff or '—'}")

    def _show_units(self, case_id: int, units: list[dict[str, Any]]) -> None:
        self.units.clear()
        for u in units:
            item = QListWidgetItem(f"{u['rank']}. {u['callsign']} ({unit_type_name(u['unit_type'])}) — {u['reasons'][0]}")
            item.setToolTip("\n".join(u["reasons"]))
            item.setData(Qt.UserRole, u["unit_id"])
            self.units.addItem(item)

    def _unit_picked(self, unit: dict[str, Any]) -> None:
        for i in range(self.units.count()):
            item = self.units.item(i)
            item.setSelected(item.data(Qt.UserRole) == unit["id"])
        self.assign_button.setText(tr("Assign {} (Enter)").format(unit.get("callsign", unit["id"])))
