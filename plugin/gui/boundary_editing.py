"""The boundary editing dock: Edit boundaries, Renumber after split, Validate, Publish…, Discard, the
problem layer to zoom through and the impact table. Binds widgets to core.boundary_session only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qgis.core import QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QDateTime, Qt
from qgis.PyQt.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.boundary_session import BoundarySession, SessionState
from ..core.client import ServiceClient
from ..core.i18n import tr

IMPACT_COLUMNS = ("what", "which", "from", "to")


class PublishDialog(QDialog):
    """Asks when the revision takes effect (local time) and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Publish boundaries"))
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("why the boundaries change"))
        form = QFormLayout(self)
        form.addRow(tr("Takes effect"), self.when)
        form.addRow(tr("Note"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def effective_at(self) -> datetime:
        return datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)


class BoundaryEditingDock(QDockWidget):
    def __init__(self, iface: Any, client: ServiceClient, source: QgsVectorLayer, parent: QWidget | None = None) -> None:
        super().__init__(tr("Boundary editing"), parent)
        self.setObjectName("GridCommandBoundaryEditing")
        self.iface = iface
        self.source = source
        self.session = BoundarySession(client, QgsProject.instance())
        self.session.validated.connect(self._validated)
        self.session.published.connect(self._published)
        self.session.refused.connect(self._refused)
        self.session.closed.connect(self._sync)
        body = QWidget()
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.edit_button = QPushButton(tr("Edit boundaries"))
        self.renumber_button = QPushButton(tr("Renumber after split"))
        self.validate_button = QPushButton(tr("Validate"))
        self.publish_button = QPushButton(tr("Publish…"))
        self.discard_button = QPushButton(tr("Discard"))
        self.next_problem_button = QPushButton(tr("Next problem"))
        for button, slot in ((self.edit_button, self.start), (self.renumber_button, self.session.renumber_after_split),
                             (self.validate_button, self.session.validate), (self.publish_button, self.ask_publish),
                             (self.discard_button, self.session.discard),
                             (self.next_problem_button, self.next_problem)):
            button.clicked.connect(lambda _=False, s=slot: s())
            row.addWidget(button)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.impact = QTableWidget(0, len(IMPACT_COLUMNS))
        self.impact.setHorizontalHeaderLabels([tr("What"), tr("Which"), tr("From"), tr("To")])
        layout.addWidget(self.impact)
        self.setWidget(body)
        self._problem = -1
        self._sync()

    def start(self) -> None:
        draft = self.session.start(self.source)
        self.iface.setActiveLayer(draft)
        self.message.setText(tr("Draw with QGIS's split, reshape, merge and vertex tools; snapping and "
                                "topological editing are on."))
        self._sync()

    def ask_publish(self) -> None:
        dialog = PublishDialog(self)
        if dialog.exec_() == QDialog.Accepted:
            self.session.publish(dialog.effective_at(), dialog.note.text())

    def next_problem(self) -> None:
        layer = self.session.problems
        if layer is None or not layer.featureCount():
            return
        features = list(layer.getFeatures())
        self._problem = (self._problem + 1) % len(features)
        feature = features[self._problem]
        self.iface.mapCanvas().setCenter(feature.geometry().asPoint())
        self.iface.mapCanvas().refresh()
        self.message.setText(feature["detail"])

    def _validated(self, body: dict[str, Any]) -> None:
        count = len(body.get("problems") or [])
        self.message.setText(tr("No topology problem.") if not count else
                             tr("{} topology problem(s): see the problem layer.").format(count))
        self._fill_impact()

    def _published(self, body: dict[str, Any]) -> None:
        self.message.setText(tr("Published revision {} (takes effect {}).").format(body["revision"],
                                                                                 body["effective_at"]))
        self._sync()

    def _refused(self, message: str, _details: object) -> None:
        self.message.setText(message)
        self.iface.messageBar().pushWarning("GridCommand", message)

    def _fill_impact(self) -> None:
        rows = self.session.impact_rows
        self.impact.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, key in enumerate(IMPACT_COLUMNS):
                item = QTableWidgetItem("" if row.get(key) is None else str(row[key]))
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                self.impact.setItem(r, c, item)

    def _sync(self) -> None:
        editing = self.session.state is not SessionState.IDLE
        self.edit_button.setEnabled(not editing)
        for button in (self.renumber_button, self.validate_button, self.publish_button, self.discard_button):
            button.setEnabled(editing)
