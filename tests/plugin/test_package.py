"""`make package` builds a zip QGIS can install: metadata that passes the plugin repository's rules, the
plugin loading from the installed folder, resources and the bundled service inside, and no tests."""

from __future__ import annotations

import configparser
import importlib
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core")

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository",
            "tracker", "icon")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    subprocess.run(["bash", "scripts/package.sh", "gridcommand"], cwd=ROOT, check=True, capture_output=True)
    target = tmp_path_factory.mktemp("plugins")
    with zipfile.ZipFile(ROOT / "dist" / "gridcommand.zip") as z:
        names = z.namelist()
        assert not any("/tests/" in n or n.startswith("tests/") for n in names)
        assert not any("/service/demo/" in n for n in names), "the demo street and simulator stay out of the plugin"
        z.extractall(target)
    return target


def test_metadata_passes_the_repository_rules(package: Path) -> None:
    parser = configparser.ConfigParser()
    parser.read(package / "gridcommand" / "metadata.txt", encoding="utf-8")
    general = parser["general"]
    missing = [k for k in REQUIRED if not general.get(k, "").strip()]
    assert missing == []
    assert general["qgisMinimumVersion"] == "3.22"
    assert (package / "gridcommand" / general["icon"]).exists()
    assert len(general["about"]) > len(general["description"])


def test_the_installed_plugin_loads_from_its_folder_with_resources_and_service(package: Path, qgis_iface: Any) -> None:
    sys.path.insert(0, str(package))
    try:
        module = importlib.import_module("gridcommand")
        instance = module.classFactory(qgis_iface)
        instance.initGui()
        from gridcommand.core import paths  # type: ignore[import-not-found]
        assert paths.resources_dir() == package / "gridcommand" / "resources"
        assert paths.style_path("incidents").exists()
        assert (paths.service_root() / "service" / "__main__.py").exists()
        instance.unload()
    finally:
        sys.path.remove(str(package))
        for name in [n for n in sys.modules if n == "gridcommand" or n.startswith("gridcommand.")]:
            del sys.modules[name]
