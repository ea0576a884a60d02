"""The operator's access key lives in QGIS's authentication database, not in plain settings; a plain key from
an older version moves there; several service addresses are kept in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsApplication, QgsSettings  # noqa: E402

from plugin.core.definitions import SettingsKey  # noqa: E402
from plugin.core.settings import DEFAULT_URL, PluginSettings, split_addresses  # noqa: E402
from tests.conftest import unlock_test_auth_db  # noqa: E402

KEY = "gc_op_0123456789abcdef-not-a-real-key"


@pytest.fixture
def clean_settings(qgis_app: Any) -> Any:
    unlock_test_auth_db()
    s = QgsSettings()
    for key in (SettingsKey.TOKEN, SettingsKey.AUTH_CONFIG, SettingsKey.SERVICE_URL):
        s.remove(key)
    yield s
    config = s.value(SettingsKey.AUTH_CONFIG, "")
    if config:
        QgsApplication.authManager().removeAuthenticationConfig(config)
    for key in (SettingsKey.TOKEN, SettingsKey.AUTH_CONFIG, SettingsKey.SERVICE_URL):
        s.remove(key)


def test_a_saved_access_key_is_in_the_auth_database_and_not_in_the_settings_file(clean_settings: Any) -> None:
    settings = PluginSettings(service_url="http://10.0.0.5:8765", token=KEY)
    settings.save()
    clean_settings.sync()
    assert KEY not in Path(clean_settings.fileName()).read_text(encoding="utf-8")
    assert settings.auth_config in QgsApplication.authManager().configIds()
    assert PluginSettings.load().token == KEY


def test_a_plain_key_left_by_an_older_version_moves_into_the_auth_database(clean_settings: Any) -> None:
    clean_settings.setValue(SettingsKey.TOKEN, KEY)
    loaded = PluginSettings.load()
    assert loaded.token == KEY and loaded.auth_config
    assert clean_settings.value(SettingsKey.TOKEN, None) is None
    assert PluginSettings.load().token == KEY


def test_several_service_addresses_are_tried_in_the_order_given() -> None:
    assert split_addresses(" http://a:8765/, http://b:8766 ;http://c:1\n") == ["http://a:8765", "http://b:8766",
                                                                                "http://c:1"]
    assert PluginSettings(service_url="").addresses() == [DEFAULT_URL]
