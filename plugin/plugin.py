"""The plugin class: wires actions, layers, the live stream, the queue dock and the map tool together."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsPointXY, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QMainWindow

from .core.atlas import community_atlas as build_community_atlas
from .core.boundary_updates import BoundaryUpdater
from .core.client import ApiResult, ServiceClient
from .core.crs import to_map, use_metric_crs
from .core.definitions import AREA_LAYERS, ConnectionState, LayerId
from .core.dispatcher import Dispatcher
from .core.exceptions import GridCommandPluginError
from .core.exercise import ServiceTime
from .core.i18n import install_translator, tr
from .core.layers import LayerSet
from .core.live import LiveMap
from .core.local_service import LocalService
from .core.paths import resources_dir
from .core.queue_model import CATEGORY_NAMES
from .core.settings import PluginSettings
from .core.snapshot_loader import SnapshotLoader
from .core.stream import LiveStream
from .core.vocabulary import sla_clock_name
from .processing.provider import GridCommandProvider

MENU = "&GridCommand"
LOG_TAG = "GridCommand"
SLA_SUMMARY_MS = 10_000


def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """A slot that reports failures in the message bar and the log, never as a Python traceback dialog."""
    @functools.wraps(method)
    def wrapper(self: GridCommandPlugin, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except GridCommandPluginError as exc:
            self.notify(exc.message, exc.level, exc.duration)
        except Exception as exc:  # noqa: BLE001 - the operator's shift must go on
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.Critical)
            self.notify(tr("GridCommand hit an error: {} (details in the log)").format(exc), Qgis.Critical)
        return None
    return wrapper


class GridCommandPlugin:
    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.settings = PluginSettings.load()
        self.actions: list[QAction] = []
        self.client: ServiceClient | None = None
        self.layers: LayerSet | None = None
        self.live: LiveMap | None = None
        self.stream: LiveStream | None = None
        self.dispatcher: Dispatcher | None = None
        self.loader: SnapshotLoader | None = None
        self.dock: Any = None
        self.evaluation: Any = None  # the evaluation (综合评价) table, tabbed with the queue
        self.tool: Any = None
        self.status: Any = None
        self.local = LocalService()
        self.local.started.connect(self._local_started)
        self.local.failed.connect(lambda text: self.notify(text, Qgis.Critical, 0))
        self._timer = QTimer()
        self._timer.timeout.connect(self._tick)
        self._sla_pending: list[dict[str, Any]] = []
        self._sla_timer = QTimer()
        self._sla_timer.setSingleShot(True)
        self._sla_timer.setInterval(SLA_SUMMARY_MS)
        self._sla_timer.timeout.connect(self._sla_summary)
        self.translator = None
        self.exercise: Any = None
        self.service_time = ServiceTime()  # countdowns run on the exercise clock when connected to one

    # --- QGIS entry points ----------------------------------------------------------------------
    def initGui(self) -> None:  # noqa: N802
        self.translator = install_translator()
        icon = QIcon(str(resources_dir() / "icons" / "gridcommand.svg"))
        self.connect_action = self._action(icon, tr("Connect to the command center"), self.toggle_connection,
                                           checkable=True)
        self.local_action = self._action(QIcon(), tr("Start local service"), self.start_local_service)
        self.settings_action = self._action(QIcon(), tr("Settings…"), self.open_settings)
        self.tool_action = self._action(QIcon(), tr("Click-to-assign tool"), self.activate_tool, shortcut="F4",
                                        checkable=True)
        self.ack_action = self._action(QIcon(), tr("Acknowledge selected case"), self.acknowledge, shortcut="F2")
        self.assign_action = self._action(QIcon(), tr("Assign picked (or best) unit"), self.assign, shortcut="F3")
        self.playback_action = self._action(QIcon(), tr("Play back in the Temporal Controller…"), self.play_back)
        self.atlas_action = self._action(QIcon(), tr("Community atlas (print layout)"), self.community_atlas)
        self.toolbar = self.iface.addToolBar("GridCommand")
        self.toolbar.setObjectName("GridCommandToolbar")
        for action in (self.connect_action, self.tool_action, self.ack_action, self.assign_action):
            self.toolbar.addAction(action)
        if self.settings.autoconnect and self.settings.token:
            self.iface.initializationCompleted.connect(self.toggle_connection)
        self.edit_boundaries_action = self._action(QIcon(), tr("Edit boundaries…"), self.edit_boundaries)
        self.editing_dock: Any = None
        self.processing_provider: GridCommandProvider | None = GridCommandProvider()
        if not QgsApplication.processingRegistry().addProvider(self.processing_provider):
            self.processing_provider = None  # already registered (e.g. by a model run): the registry keeps that one

    def _action(self, icon: QIcon, text: str, slot: Callable[[], Any], *, shortcut: str | None = None,
                checkable: bool = False) -> QAction:
        action = QAction(icon, text, self.iface.mainWindow())
        action.setCheckable(checkable)
        action.triggered.connect(lambda *_: slot())
        if shortcut:
            self.iface.registerMainWindowAction(action, shortcut)
        self.iface.addPluginToMenu(MENU, action)
        self.actions.append(action)
        return action

    def unload(self) -> None:
        self.disconnect()
        self.local.stop()
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
            self.iface.unregisterMainWindowAction(action)
        if getattr(self, "toolbar", None) is not None:
            self.toolbar.deleteLater()
        self.actions = []
        if getattr(self, "processing_provider", None) is not None:
            QgsApplication.processingRegistry().removeProvider(self.processing_provider)
            self.processing_provider = None

    # --- connecting -----------------------------------------------------------------------------
    @guarded
    def toggle_connection(self) -> None:
        if self.client is None:
            self.connect()
        else:
            self.disconnect()

    def connect(self) -> None:
        if not self.settings.token:
            self.connect_action.setChecked(False)
            raise GridCommandPluginError(tr("No access key: open GridCommand ▸ Settings, or start the local service"))
        from .gui.assign_tool import AssignMapTool
        from .gui.queue_dock import QueueDock
        from .gui.status_widget import ConnectionStatus

        self.client = ServiceClient(self.settings.addresses(), self.settings.token)
        self.layers = LayerSet(QgsProject.instance())
        self.layers.add_to_project()
        self.live = LiveMap(self.layers, clock=self.service_time.now)
        self.stream = LiveStream(self.client)
        self.dispatcher = Dispatcher(self.client, self.live)
        self.dispatcher.message.connect(lambda text, level: self.notify(text, level))
        self.stream.event_received.connect(self._apply)
        self.stream.state_changed.connect(self._stream_state)
        self.client.address_changed.connect(
            lambda url: self.notify(tr("A service process stopped answering; now on {}").format(url), Qgis.Warning, 5))
        self.live.boundaries_changed.connect(self._reload_boundaries)
        self.boundary_updater = BoundaryUpdater(self.client, self.layers)
        self.live.boundary_revision.connect(self.boundary_updater.apply)
        self.live.sla_event.connect(self._sla_event)
        self.dock = QueueDock(self.dispatcher, self.iface.mainWindow())
        self.dock.zoom_requested.connect(self.zoom_to_case)
        self.dock.model.clock = self.service_time.now
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        from .gui.evaluation_dock import EvaluationDock

        self.evaluation = EvaluationDock(self.client, self.iface.mainWindow())
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.evaluation)
        window = self.iface.mainWindow()
        if isinstance(window, QMainWindow) and window.dockWidgetArea(self.dock) != Qt.NoDockWidgetArea:
            # a tab beside the queue, not a second column
            window.tabifyDockWidget(self.dock, self.evaluation)
            self.dock.raise_()
        self.tool = AssignMapTool(self.iface.mapCanvas(), self.layers, self.dispatcher)
        self.status = ConnectionStatus(self.stream)
        self.iface.statusBarIface().addPermanentWidget(self.status)
        self.connect_action.setChecked(True)
        self.client.get("/open311/v2/services.json", self._categories)
        self.loader = SnapshotLoader(self.client, self.live)
        self.loader.progress.connect(self.status.show_loading)
        self.loader.finished.connect(self._snapshot_loaded)
        self.loader.failed.connect(self._snapshot_failed)
        self.loader.start()
        self._timer.start(1000)
        from .gui.exercise_view import ExerciseView

        self.exercise = ExerciseView(self.iface, self.client, self.notify, self.service_time)

    def disconnect(self) -> None:
        self._timer.stop()
        if self.loader is not None:
            self.loader.stop()
            self.loader = None
        if self.stream is not None:
            self.stream.stop()
        if self.client is not None:
            self.client.abort_all()
        if self.exercise is not None:  # after abort_all: its pending answers still find it
            self.exercise.remove()
            self.exercise = None
        self.service_time.update(None)
        if self.tool is not None and self.iface.mapCanvas().mapTool() is self.tool:
            self.iface.mapCanvas().unsetMapTool(self.tool)
        if self.dock is not None:
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
        if self.evaluation is not None:
            self.iface.removeDockWidget(self.evaluation)
            self.evaluation.deleteLater()
            self.evaluation = None
        if self.status is not None:
            self.iface.statusBarIface().removeWidget(self.status)
            self.status.deleteLater()
        if getattr(self, "editing_dock", None) is not None:
            if self.editing_dock.session.draft is not None:
                self.editing_dock.session.discard()
            self.iface.removeDockWidget(self.editing_dock)
            self.editing_dock.deleteLater()
            self.editing_dock = None
        if self.layers is not None:
            self.layers.remove_from_project()
        self.client = self.layers = self.live = self.stream = self.dispatcher = None
        self.dock = self.tool = self.status = None
        if getattr(self, "connect_action", None) is not None:
            self.connect_action.setChecked(False)

    @guarded
    def edit_boundaries(self) -> None:
        """Open the boundary editing dock on the live micro-grids (publishing needs a gis_editor key)."""
        if self.client is None or self.layers is None:
            raise GridCommandPluginError(tr("Connect to the command center first"))
        if self.editing_dock is None:
            from .gui.boundary_editing import BoundaryEditingDock

            self.editing_dock = BoundaryEditingDock(self.iface, self.client, self.layers[LayerId.MICRO_GRIDS],
                                                    self.iface.mainWindow())
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.editing_dock)
        self.editing_dock.show()

    @guarded
    def _snapshot_failed(self, message: str) -> None:
        self.disconnect()
        raise GridCommandPluginError(tr("Cannot load the command center: {}").format(message), level=Qgis.Critical)

    @guarded
    def _snapshot_loaded(self, last_event_id: int) -> None:
        """Every page is on the layers: the live stream takes over from the snapshot's event id."""
        if self.live is None or self.stream is None or self.layers is None:
            return
        self.stream.start(last_event_id)
        extent = self.layers[LayerId.COMMUNITIES].extent()
        if not extent.isEmpty():
            project = QgsProject.instance()
            if use_metric_crs(project, extent):
                self.iface.mapCanvas().setDestinationCrs(project.crs())
            self.iface.mapCanvas().setExtent(to_map(project, extent))
            self.iface.mapCanvas().refresh()

    @guarded
    def _categories(self, result: ApiResult) -> None:
        if result.ok:
            CATEGORY_NAMES.update({s["service_code"]: s["service_name"] for s in result.data})

    @guarded
    def _apply(self, event: dict[str, Any]) -> None:
        if self.live is not None:
            self.live.apply(event)

    @guarded
    def _reload_boundaries(self) -> None:
        if self.client is not None:
            self.client.get("/api/v1/snapshot", self._boundaries_loaded,
                            params={"layers": ",".join(layer.value for layer in AREA_LAYERS)})

    @guarded
    def _boundaries_loaded(self, result: ApiResult) -> None:
        if result.ok and self.live is not None:
            self.live.load_snapshot(result.data)

    def _stream_state(self, state: str) -> None:
        if state.startswith("refused"):
            self.notify(tr("The service refused the access key ({}); check Settings").format(state[8:]), Qgis.Critical, 0)
        elif state == ConnectionState.RECONNECTING.value:
            self.notify(tr("Live stream interrupted; reconnecting…"), Qgis.Warning, 3)

    def _sla_event(self, payload: dict[str, Any]) -> None:
        """Collect SLA warnings and breaches; one summary every few seconds, not a message each."""
        self._sla_pending.append(payload)
        if not self._sla_timer.isActive():
            self._sla_timer.start()

    def _sla_summary(self) -> None:
        pending, self._sla_pending = self._sla_pending, []
        if not pending:
            return
        breached = [p for p in pending if p.get("state") == "breached"]
        shown = breached or pending
        cases = ", ".join(f"#{p.get('incident_id')} {sla_clock_name(str(p.get('clock')))}" for p in shown[:5])
        more = tr(" and {} more").format(len(shown) - 5) if len(shown) > 5 else ""
        if breached:
            self.notify(tr("SLA breached: {}{}").format(cases, more), Qgis.Critical, 8)
        else:
            self.notify(tr("SLA about to breach: {}{}").format(cases, more), Qgis.Warning, 6)

    def _tick(self) -> None:
        if self.live is not None:
            self.live.refresh_urgency()

    # --- operator actions -----------------------------------------------------------------------
    @guarded
    def activate_tool(self) -> None:
        if self.tool is None:
            self.tool_action.setChecked(False)
            raise GridCommandPluginError(tr("Connect first"), level=Qgis.Info)
        self.iface.mapCanvas().setMapTool(self.tool)
        self.tool_action.setChecked(True)

    @guarded
    def acknowledge(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.act("acknowledge")

    @guarded
    def assign(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.assign()

    @guarded
    def zoom_to_case(self, case_id: int) -> None:
        if self.live is None or self.layers is None:
            return
        case = self.live.incidents.get(case_id)
        if not case or case.get("lon") is None:
            return
        canvas = self.iface.mapCanvas()
        point = QgsPointXY(case["lon"], case["lat"])
        half = 0.002
        around = QgsRectangle(point.x() - half, point.y() - half, point.x() + half, point.y() + half)
        canvas.setExtent(to_map(QgsProject.instance(), around))
        canvas.refresh()
        fid = self.live.feature_id(LayerId.INCIDENTS, case_id)
        if fid is not None:
            self.layers[LayerId.INCIDENTS].selectByIds([fid])

    @guarded
    def start_local_service(self) -> None:
        self.local.start(self.settings)
        self.notify(tr("Starting the local service on {}…").format(self.settings.addresses()[0]), Qgis.Info, 3)

    def _local_started(self, token: str) -> None:
        self.settings.token = token
        try:
            self.settings.save()
        except PermissionError as exc:
            self.notify(tr("The key is used for this session only: {}").format(exc), Qgis.Warning, 8)
        self.notify(tr("Local service running"), Qgis.Success, 3)
        if self.client is None:
            self.toggle_connection()

    @guarded
    def open_settings(self) -> None:
        from .gui.settings_dialog import SettingsDialog

        if SettingsDialog(self.settings, self.iface.mainWindow()).exec_() and self.client is not None:
            self.disconnect()
            self.connect()

    @guarded
    def play_back(self) -> None:
        """A period of the connected record (the whole exercise when connected to one) as temporal layers."""
        from datetime import UTC, datetime, timedelta

        from qgis.PyQt.QtWidgets import QInputDialog

        if self.exercise is None:
            raise GridCommandPluginError(tr("Connect first"), level=Qgis.Info)
        badge = self.exercise.badge
        end = badge.clock if badge is not None else datetime.now(UTC)
        hours, ok = QInputDialog.getInt(self.iface.mainWindow(), tr("Play back"), tr("Hours before now to play back"),
                                        24, 1, 24 * 31)
        if ok:
            self.exercise.play_back(end - timedelta(hours=hours), end)

    @guarded
    def community_atlas(self) -> None:
        """One page per community, kept in the project's layouts and opened in the Layout Designer."""
        self.iface.openLayoutDesigner(build_community_atlas(QgsProject.instance(), self.layers))

    def notify(self, text: str, level: int = Qgis.Info, duration: int = 5) -> None:
        self.iface.messageBar().pushMessage("GridCommand", text, level, duration)
