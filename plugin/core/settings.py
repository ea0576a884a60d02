"""The plugin's settings: a plain object, read from and written to QgsSettings; the access key lives in QGIS's
authentication database (encrypted under the master password), never in plain settings."""

from __future__ import annotations

import contextlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings

from .definitions import SettingsKey

DEFAULT_URL = "http://127.0.0.1:8765"
AUTH_METHOD = "Basic"           # the key is the password of a Basic config: every QGIS build has that method
AUTH_NAME = "GridCommand access key"
AUTH_USER = "gridcommand"


def split_addresses(text: str) -> list[str]:
    """Service addresses, tried in order when one fails: separated by commas, semicolons or white space."""
    return [a.rstrip("/") for a in re.split(r"[\s,;]+", text or "") if a]


class KeyStore:
    """The access key in the QGIS authentication database, under one auth config id kept in settings."""

    def __init__(self) -> None:
        self.manager = QgsApplication.authManager()

    def available(self) -> bool:
        """The database can be opened: a master password is set, or QGIS asks the operator for it now."""
        if self.manager.isDisabled():
            return False
        return bool(self.manager.masterPasswordIsSet() or self.manager.setMasterPassword(True))

    def read(self, config_id: str) -> str:
        if not config_id or not self.available():
            return ""
        config = QgsAuthMethodConfig()
        ok = self.manager.loadAuthenticationConfig(config_id, config, True)
        ok = ok[0] if isinstance(ok, tuple) else ok
        return config.config("password", "") if ok else ""

    def write(self, config_id: str, key: str) -> str:
        """Store the key; returns the config id (a new one when there was none)."""
        if not self.available():
            raise PermissionError("the QGIS authentication database is locked (no master password)")
        config = QgsAuthMethodConfig(AUTH_METHOD)
        config.setName(AUTH_NAME)
        config.setConfig("username", AUTH_USER)
        config.setConfig("password", key)
        if config_id and config_id in self.manager.configIds():  # hasConfigId is unreliable in 3.22
            config.setId(config_id)
            ok = self.manager.updateAuthenticationConfig(config)
        else:
            ok = self.manager.storeAuthenticationConfig(config)
        ok = ok[0] if isinstance(ok, tuple) else ok
        if not ok:
            raise PermissionError("the QGIS authentication database refused the access key")
        return str(config.id())


@dataclass
class PluginSettings:
    service_url: str = DEFAULT_URL   # one address, or several separated by commas (tried in order)
    token: str = ""
    python: str = ""
    data_dir: str = ""
    autoconnect: bool = False
    auth_config: str = ""

    @classmethod
    def load(cls) -> PluginSettings:
        s = QgsSettings()
        settings = cls(service_url=s.value(SettingsKey.SERVICE_URL, DEFAULT_URL) or DEFAULT_URL,
                       python=s.value(SettingsKey.PYTHON, "") or "", data_dir=s.value(SettingsKey.DATA_DIR, "") or "",
                       autoconnect=str(s.value(SettingsKey.AUTOCONNECT, "false")).lower() == "true",
                       auth_config=s.value(SettingsKey.AUTH_CONFIG, "") or "")
        plain = s.value(SettingsKey.TOKEN, "") or ""
        if plain:
            # A key from an older version, in plain text: move it into the authentication database.
            settings.token = plain
            with contextlib.suppress(PermissionError):  # locked: the plain key is kept until it can move
                settings.save()

        elif settings.auth_config:
            settings.token = KeyStore().read(settings.auth_config)
        return settings

    def save(self) -> None:
        s = QgsSettings()
        s.setValue(SettingsKey.SERVICE_URL, self.service_url)
        s.setValue(SettingsKey.PYTHON, self.python)
        s.setValue(SettingsKey.DATA_DIR, self.data_dir)
        s.setValue(SettingsKey.AUTOCONNECT, self.autoconnect)
        if self.token:
            self.auth_config = KeyStore().write(self.auth_config, self.token)
            s.setValue(SettingsKey.AUTH_CONFIG, self.auth_config)
        s.remove(SettingsKey.TOKEN)  # only once the key is safely in the authentication database

    def addresses(self) -> list[str]:
        return split_addresses(self.service_url) or [DEFAULT_URL]

    def python_for_service(self) -> str:
        """The interpreter that runs the bundled service: configured, or python3 on PATH."""
        return self.python or shutil.which("python3") or "python3"

    def service_data_dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir else Path(QgsApplication.qgisSettingsDirPath()) / "gridcommand"
