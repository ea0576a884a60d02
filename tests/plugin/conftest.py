"""Load the plugin the way QGIS does: read metadata.txt, check the version range, call classFactory."""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

qgis_core = pytest.importorskip("qgis.core")

ROOT = Path(__file__).resolve().parents[2]


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2])


@pytest.fixture
def metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]


@pytest.fixture
def plugin(qgis_iface: Any, qgis_new_project: Any, metadata: configparser.SectionProxy) -> Iterator[Any]:
    running = _version_tuple(qgis_core.Qgis.QGIS_VERSION.split("-")[0])
    assert _version_tuple(metadata["qgisMinimumVersion"]) <= running <= _version_tuple(metadata["qgisMaximumVersion"])
    import plugin as package

    instance = package.classFactory(qgis_iface)
    instance.initGui()
    qgis_iface.messageBar().clear_messages()
    yield instance
    instance.unload()
