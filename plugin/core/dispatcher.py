"""The operator's working state: the selected case, its recommended units, the picked unit, and the
lifecycle actions sent to the service. Widgets and map tools only call this and listen to its signals."""

from __future__ import annotations

from typing import Any

from qgis.core import Qgis
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .client import ApiResult, ServiceClient
from .i18n import tr
from .live import LiveMap


class Dispatcher(QObject):
    case_selected = pyqtSignal(dict)
    area_identified = pyqtSignal(dict)               # a micro-grid: parents, households, staff
    recommendations_ready = pyqtSignal(int, list)   # case id, ranked units
    unit_picked = pyqtSignal(dict)
    action_done = pyqtSignal(dict)                  # the case after the action
    message = pyqtSignal(str, int)                  # text, Qgis message level

    def __init__(self, client: ServiceClient, live: LiveMap, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.live = live
        self.case_id: int | None = None
        self.unit_id: int | None = None
        self.recommendations: list[dict[str, Any]] = []

    @property
    def case(self) -> dict[str, Any] | None:
        return self.live.incidents.get(self.case_id) if self.case_id is not None else None

    def select_case(self, case_id: int) -> None:
        self.case_id, self.unit_id, self.recommendations = case_id, None, []
        if self.case is not None:
            self.case_selected.emit(self.case)
            if "description" not in self.case:  # loaded from compact snapshot rows: fetch the whole case
                self.client.get(f"/api/v1/incidents/{case_id}", self._refreshed)
        self.client.get(f"/api/v1/incidents/{case_id}/recommendations",
                        lambda r: self._recommended(case_id, r), params={"limit": 8})

    def _recommended(self, case_id: int, result: ApiResult) -> None:
        if case_id != self.case_id:
            return  # the operator has moved on
        if not result.ok:
            self.message.emit(tr("Could not rank units: {}").format(result.error), Qgis.Warning)
            return
        self.recommendations = result.data["units"]
        self.recommendations_ready.emit(case_id, self.recommendations)

    def identify_area(self, code: str) -> None:
        self.client.get(f"/api/v1/areas/{code}", self._identified)

    def _identified(self, result: ApiResult) -> None:
        if result.ok:
            self.area_identified.emit(result.data)
        else:
            self.message.emit(tr("Could not identify the area: {}").format(result.error), Qgis.Warning)

    def pick_unit(self, unit_id: int) -> None:
        self.unit_id = unit_id
        unit = self.live.units.get(unit_id) or {"id": unit_id}
        self.unit_picked.emit(unit)

    def assign(self) -> None:
        """Send the picked unit (or the top recommendation) to the selected case."""
        case = self.case
        if case is None:
            self.message.emit(tr("Select a case first"), Qgis.Info)
            return
        unit_id = self.unit_id or (self.recommendations[0]["unit_id"] if self.recommendations else None)
        if unit_id is None:
            self.message.emit(tr("No available unit to send"), Qgis.Warning)
            return
        action = "reassign" if case.get("assigned_unit") and case.get("status") in (
            "dispatched", "en_route", "on_scene") else "dispatch"
        self.act(action, unit_id=unit_id)

    def act(self, action: str, **fields: Any) -> None:
        case = self.case
        if case is None:
            self.message.emit(tr("Select a case first"), Qgis.Info)
            return
        body = {"action": action, "version": case["version"], **fields}
        case_id = case["id"]
        self.client.post(f"/api/v1/incidents/{case_id}/actions", body, lambda r: self._acted(case_id, action, r))

    def _acted(self, case_id: int, action: str, result: ApiResult) -> None:
        if result.ok:
            # The case as it now is; without it (a body lost on the way) the stream brings the change anyway.
            case = result.data if isinstance(result.data, dict) and "id" in result.data else None
            if case is not None:
                self.live.apply({"kind": "incident.updated", "payload": case})  # the stream will confirm
                self.action_done.emit(case)
            self.message.emit(tr("Case {} — {} done").format(case_id, action), Qgis.Success)
            if self.case_id == case_id and case is not None and case.get("status") == "dispatched":
                self.unit_id = None
            return
        if result.conflict:
            self.message.emit(tr("Someone acted on case {} first ({}); the view is refreshed").format(
                case_id, result.error), Qgis.Warning)
            self.client.get(f"/api/v1/incidents/{case_id}", self._refreshed)
            return
        self.message.emit(tr("Case {}: {}").format(case_id, result.error), Qgis.Critical)

    def _refreshed(self, result: ApiResult) -> None:
        if result.ok:
            self.live.apply({"kind": "incident.updated", "payload": result.data})
            if result.data.get("id") == self.case_id:
                self.case_selected.emit(result.data)
