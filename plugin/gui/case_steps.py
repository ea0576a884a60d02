"""The selected case's steps — who did what, when, with what note or reason (filing, whistle, the
department's acceptance and feedback, verification …) — and the photos taken at them, as thumbnails.
Reloaded when another case is selected and when the selected case changes on the stream."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtGui import QIcon, QPixmap
from qgis.PyQt.QtNetwork import QNetworkReply
from qgis.PyQt.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..core.client import ApiResult
from ..core.dispatcher import Dispatcher
from ..core.i18n import tr

LOCAL = ZoneInfo("Asia/Shanghai")
THUMB = 96


def step_text(step: dict[str, Any]) -> str:
    """One line per step: local time, action, who, and what it said."""
    at = datetime.fromisoformat(step["at"]).astimezone(LOCAL).strftime("%m-%d %H:%M")
    details = step.get("details") or {}
    said = [str(v) for v in (details.get("outcome"), details.get("department"), details.get("reason"),
                             step.get("note")) if v]
    departments = details.get("departments")
    if departments:
        said.insert(0, "、".join(departments))
    return f"{at}  {step['action']}  {step['actor']}" + (f" — {' · '.join(dict.fromkeys(said))}" if said else "")


class CaseSteps(QWidget):
    def __init__(self, dispatcher: Dispatcher, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dispatcher = dispatcher
        self._shown: tuple[int, int] | None = None  # (case, version) on screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(tr("Steps and photos"), self))
        self.steps = QListWidget(self)
        self.steps.setWordWrap(True)
        layout.addWidget(self.steps, 2)
        self.photos = QListWidget(self)
        self.photos.setViewMode(QListView.IconMode)
        self.photos.setIconSize(QSize(THUMB, THUMB))
        self.photos.setFixedHeight(THUMB + 36)
        self.photos.setFlow(QListView.LeftToRight)
        layout.addWidget(self.photos)
        self._replies: set[QNetworkReply] = set()
        dispatcher.case_selected.connect(self.show_case)
        dispatcher.live.incident_changed.connect(self._changed)
        dispatcher.live.incident_removed.connect(self._ended)

    def _changed(self, incident: dict[str, Any]) -> None:
        if incident.get("id") == self.dispatcher.case_id:
            self.show_case(incident)

    def _ended(self, case_id: int) -> None:
        """The selected case closed (or ended otherwise): its last steps are shown too."""
        if case_id == self.dispatcher.case_id:
            self._shown = None
            self._load(case_id)

    def show_case(self, case: dict[str, Any]) -> None:
        key = (int(case["id"]), int(case.get("version") or 0))
        if key == self._shown:
            return
        self._shown = key
        self._load(key[0])

    def _load(self, case_id: int) -> None:
        self.dispatcher.client.get(f"/api/v1/incidents/{case_id}/history", lambda r: self._steps(case_id, r))
        self.dispatcher.client.get(f"/api/v1/incidents/{case_id}/photos", lambda r: self._photos(case_id, r))

    def _steps(self, case_id: int, result: ApiResult) -> None:
        # (an answer cut off, e.g. when disconnecting, has no list)
        if case_id != self.dispatcher.case_id or not result.ok or not isinstance(result.data, list):
            return
        self.steps.clear()
        for step in result.data:
            item = QListWidgetItem(step_text(step))
            item.setData(Qt.UserRole, step)
            self.steps.addItem(item)
        self.steps.scrollToBottom()

    def _photos(self, case_id: int, result: ApiResult) -> None:
        if case_id != self.dispatcher.case_id or not result.ok or not isinstance(result.data, list):
            return
        self.photos.clear()
        for photo in result.data:
            item = QListWidgetItem(f"{photo['action']}")
            item.setToolTip(f"{photo['actor']} {photo['at']} {photo['width']}×{photo['height']}")
            item.setData(Qt.UserRole, photo)
            self.photos.addItem(item)
            reply = QgsNetworkAccessManager.instance().get(self.dispatcher.client.request(photo["thumbnail_url"]))
            self._replies.add(reply)
            reply.finished.connect(lambda reply=reply, item=item: self._thumbnail(reply, item))

    def _thumbnail(self, reply: QNetworkReply, item: QListWidgetItem) -> None:
        self._replies.discard(reply)
        data = bytes(reply.readAll())
        reply.deleteLater()
        pixmap = QPixmap()
        if reply.error() == QNetworkReply.NoError and pixmap.loadFromData(data):
            with contextlib.suppress(RuntimeError):  # the list was cleared meanwhile (another case selected)
                item.setIcon(QIcon(pixmap))
