"""The interface speaks Chinese when QGIS does, and English otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsSettings  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication  # noqa: E402

from plugin.core.i18n import install_translator, tr  # noqa: E402


@pytest.fixture
def locale() -> Iterator[QgsSettings]:
    settings = QgsSettings()
    before = settings.value("locale/userLocale", "")
    yield settings
    settings.setValue("locale/userLocale", before)


def test_a_chinese_qgis_gets_a_chinese_plugin(locale: QgsSettings) -> None:
    locale.setValue("locale/userLocale", "zh_CN")
    translator = install_translator()
    try:
        assert translator is not None
        assert tr("Assign (Enter)") == "派遣 (Enter)"
        assert tr("last event {} s ago").format(3) == "最近事件 3 秒前"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_an_english_qgis_keeps_english(locale: QgsSettings) -> None:
    locale.setValue("locale/userLocale", "en_GB")
    assert install_translator() is None
    assert tr("Assign (Enter)") == "Assign (Enter)"
