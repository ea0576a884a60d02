"""Shared fixtures: a real database file per test (copied from a demo-street template built once), a real
service process, and the plugin loaded the way QGIS loads it."""

from __future__ import annotations

import configparser
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.context import ServiceContext
from service.demo import street as demo_street
from service.settings import Settings
from tests.support.child_process import ServiceProcess


@pytest.fixture(scope="session")
def demo() -> demo_street.DemoStreet:
    return demo_street.build()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory, demo: demo_street.DemoStreet) -> Path:
    from service.demo.install import install_demo_street

    folder = tmp_path_factory.mktemp("template")
    ctx = ServiceContext(Settings(data_dir=folder))
    install_demo_street(ctx, demo)
    ctx.close()  # the last connection closing checkpoints the WAL into the file
    return folder / "gridcommand.db"


@pytest.fixture
def data_dir(tmp_path: Path, demo_db_template: Path) -> Path:
    """A fresh copy of the demo street whose units have just reported (so none is stale yet)."""
    db = tmp_path / "gridcommand.db"
    shutil.copy(demo_db_template, db)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE units SET fix_time_ms = ? WHERE lon IS NOT NULL", (int((time.time() - 60) * 1000),))
    return tmp_path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, sse_heartbeat_seconds=0.5, sse_poll_seconds=0.2)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[ServiceContext]:
    context = ServiceContext(settings)
    yield context
    context.close()


@pytest.fixture
def service(data_dir: Path) -> Iterator[ServiceProcess]:
    """A real service process on a free port over a copy of the demo street."""
    proc = ServiceProcess(data_dir, extra_env={"GRIDCOMMAND_SSE_HEARTBEAT_SECONDS": "1"}).start()
    yield proc
    proc.stop()


# --- the plugin, loaded as QGIS loads it: metadata.txt read, version range checked, classFactory called
ROOT = Path(__file__).resolve().parents[1]


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2])


@pytest.fixture
def metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]


@pytest.fixture
def plugin(qgis_iface: Any, qgis_new_project: Any, metadata: configparser.SectionProxy) -> Iterator[Any]:
    from qgis.core import Qgis

    running = _version_tuple(Qgis.QGIS_VERSION.split("-")[0])
    assert _version_tuple(metadata["qgisMinimumVersion"]) <= running <= _version_tuple(metadata["qgisMaximumVersion"])
    import plugin as package

    unlock_test_auth_db()
    instance = package.classFactory(qgis_iface)
    instance.initGui()
    qgis_iface.messageBar().clear_messages()
    yield instance
    instance.unload()


TEST_MASTER_PASSWORD = "gridcommand-tests"  # the throwaway test profile's auth database, never a real one


def unlock_test_auth_db() -> None:
    """Open the test profile's QGIS authentication database (where the plugin keeps the access key) without
    the prompt a desktop QGIS would show."""
    from qgis.core import QgsApplication

    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword(TEST_MASTER_PASSWORD, True), "test auth database has another password"
