"""Translation: Qt's own mechanism, following the QGIS locale (resources/i18n/gridcommand_<lang>.qm)."""

from __future__ import annotations

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from .paths import resources_dir

CONTEXT = "GridCommand"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def install_translator() -> QTranslator | None:
    locale = (QgsSettings().value("locale/userLocale", "") or "")[:2]
    path = resources_dir() / "i18n" / f"gridcommand_{locale}.qm"
    if not locale or not path.exists():
        return None
    translator = QTranslator()
    if translator.load(str(path)):
        QCoreApplication.installTranslator(translator)
        return translator
    return None
