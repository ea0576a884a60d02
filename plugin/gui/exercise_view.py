"""Binds the exercise core to the window: the banner and the trainer's dock while connected to an exercise,
and playback layers driven by QGIS's Temporal Controller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from qgis.core import Qgis, QgsInterval, QgsProject, QgsTemporalNavigationObject
from qgis.PyQt.QtCore import QObject, Qt

from ..core.client import ApiResult, ServiceClient
from ..core.exercise import (
    ExerciseBadge,
    ExerciseControls,
    ExerciseWatch,
    PlaybackLayer,
    ServiceTime,
    playback_layers,
)
from ..core.i18n import tr
from .exercise_banner import ExerciseBanner
from .exercise_dock import ExerciseDock

PLAYBACK_GROUP = "GridCommand playback"
FRAME_MINUTES = 5.0


class ExerciseView(QObject):
    def __init__(self, iface: object, client: ServiceClient, notify: Callable[[str, int, int], None],
                 service_time: ServiceTime) -> None:
        super().__init__()
        self.iface = iface
        self.client = client
        self.notify = notify
        self.watch = ExerciseWatch(client, service_time, self)
        self.controls = ExerciseControls(client, self)
        self.controls.answered.connect(lambda ok, text: notify(text, Qgis.Info if ok else Qgis.Warning, 4))
        self.banner = ExerciseBanner(iface.mapCanvas(), iface.statusBarIface())  # type: ignore[attr-defined]
        self.dock: ExerciseDock | None = None
        self.watch.changed.connect(self._changed)
        self.watch.start()

    @property
    def badge(self) -> ExerciseBadge | None:
        return self.watch.badge

    def _changed(self, badge: ExerciseBadge | None) -> None:
        self.banner.show_badge(badge)
        if badge is not None and self.dock is None:
            self.dock = ExerciseDock(self.controls, self.iface.mainWindow())  # type: ignore[attr-defined]
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)  # type: ignore[attr-defined]
        if self.dock is not None:
            self.dock.show_badge(badge)
            self.dock.setVisible(badge is not None)

    # --- playback ---------------------------------------------------------------------------------
    def play_back(self, start: datetime, end: datetime) -> None:
        """Cases and unit tracks of [start, end) from the connected record, into the Temporal Controller."""
        self.client.get("/api/v1/playback", self._playback_loaded,
                        params={"start": start.isoformat(), "end": end.isoformat()})

    def _playback_loaded(self, result: ApiResult) -> None:
        if not result.ok:
            self.notify(tr("Cannot load the playback: {}").format(result.error), Qgis.Warning, 6)
            return
        project = QgsProject.instance()
        for layer in list(project.mapLayers().values()):
            if layer.customProperty("gridcommand/layer_id") in {p.value for p in PlaybackLayer}:
                project.removeMapLayer(layer.id())
        cases, fixes, period = playback_layers(result.data)
        root = project.layerTreeRoot()
        group = root.findGroup(PLAYBACK_GROUP) or root.insertGroup(0, PLAYBACK_GROUP)
        for layer in (cases, fixes):
            project.addMapLayer(layer, False)
            group.addLayer(layer)
        navigation = self.temporal_controller()
        navigation.setTemporalExtents(period)
        navigation.setFrameDuration(QgsInterval(FRAME_MINUTES * 60))
        navigation.setNavigationMode(QgsTemporalNavigationObject.Animated)
        navigation.setCurrentFrameNumber(0)
        self.notify(tr("Playback loaded: {} cases, {} fixes; play it in the Temporal Controller").format(
            cases.featureCount(), fixes.featureCount()), Qgis.Success, 5)

    def temporal_controller(self) -> QgsTemporalNavigationObject:
        """QGIS's own Temporal Controller (the canvas is given one when running without the desktop's)."""
        canvas = self.iface.mapCanvas()  # type: ignore[attr-defined]
        navigation = canvas.temporalController()
        if not isinstance(navigation, QgsTemporalNavigationObject):
            navigation = QgsTemporalNavigationObject(canvas)
            canvas.setTemporalController(navigation)
        return navigation

    def remove(self) -> None:
        self.watch.stop()
        self.banner.remove()
        if self.dock is not None:
            self.iface.removeDockWidget(self.dock)  # type: ignore[attr-defined]
            self.dock.deleteLater()
            self.dock = None
