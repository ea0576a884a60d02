"""The plugin's settings: a plain object, read from and written to QgsSettings."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsApplication, QgsSettings

from .definitions import SettingsKey

DEFAULT_URL = "http://127.0.0.1:8765"


@dataclass
class PluginSettings:
    service_url: str = DEFAULT_URL
    token: str = ""
    python: str = ""
    data_dir: str = ""
    autoconnect: bool = False

    @classmethod
    def load(cls) -> PluginSettings:
        s = QgsSettings()
        return cls(service_url=s.value(SettingsKey.SERVICE_URL, DEFAULT_URL) or DEFAULT_URL,
                   token=s.value(SettingsKey.TOKEN, "") or "", python=s.value(SettingsKey.PYTHON, "") or "",
                   data_dir=s.value(SettingsKey.DATA_DIR, "") or "",
                   autoconnect=str(s.value(SettingsKey.AUTOCONNECT, "false")).lower() == "true")

    def save(self) -> None:
        s = QgsSettings()
        s.setValue(SettingsKey.SERVICE_URL, self.service_url)
        s.setValue(SettingsKey.TOKEN, self.token)
        s.setValue(SettingsKey.PYTHON, self.python)
        s.setValue(SettingsKey.DATA_DIR, self.data_dir)
        s.setValue(SettingsKey.AUTOCONNECT, self.autoconnect)

    def python_for_service(self) -> str:
        """The interpreter that runs the bundled service: configured, or python3 on PATH."""
        return self.python or shutil.which("python3") or "python3"

    def service_data_dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir else Path(QgsApplication.qgisSettingsDirPath()) / "gridcommand"
