"""The settings dialog: its layout is resources/ui/settings.ui; this only moves values in and out."""

from __future__ import annotations

from qgis.PyQt import uic
from qgis.PyQt.QtWidgets import QDialog, QMessageBox, QWidget

from ..core.i18n import tr
from ..core.paths import resources_dir
from ..core.settings import PluginSettings


class SettingsDialog(QDialog):
    def __init__(self, settings: PluginSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        uic.loadUi(str(resources_dir() / "ui" / "settings.ui"), self)
        self.settings = settings
        self.service_url.setText(settings.service_url)
        self.token.setText(settings.token)
        self.python.setText(settings.python)
        self.data_dir.setText(settings.data_dir)

    def accept(self) -> None:
        self.settings.service_url = self.service_url.text().strip()
        self.settings.token = self.token.text().strip()
        self.settings.python = self.python.text().strip()
        self.settings.data_dir = self.data_dir.text().strip()
        try:
            self.settings.save()
        except PermissionError as exc:
            QMessageBox.warning(self, tr("GridCommand settings"),
                                tr("The access key could not be stored in the QGIS authentication database: {}")
                                .format(exc))
            return
        super().accept()
