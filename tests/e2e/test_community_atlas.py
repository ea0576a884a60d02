"""GIS staff print the community atlas from QGIS: one page per community with its map and open cases."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsProject  # noqa: E402

from tests.e2e.test_plugin_live import connect, post_case  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402


def test_the_community_atlas_prints_a_page_per_community_with_its_open_cases(
        plugin: Any, service: ServiceProcess, qtbot: Any, tmp_path: Path) -> None:
    from plugin.core.atlas import ATLAS_NAME, export_pdf
    from plugin.core.definitions import LayerId

    post_case(service, "J330108202611220001")
    connect(plugin, service, qtbot)
    communities = plugin.layers[LayerId.COMMUNITIES]
    qtbot.waitUntil(lambda: communities.featureCount() > 10 and plugin.layers[LayerId.INCIDENTS].featureCount() >= 1,
                    timeout=15000)
    plugin.community_atlas()
    layout = QgsProject.instance().layoutManager().layoutByName(ATLAS_NAME)
    assert layout is not None and layout.atlas().enabled() and layout.atlas().count() == communities.featureCount()
    pdf = export_pdf(layout, tmp_path / "atlas.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, timeout=30).stdout.decode()
    assert f"Pages:           {communities.featureCount()}" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, timeout=60).stdout.decode()
    names = [f["name"] for f in communities.getFeatures()]
    assert all(f"{name} · 社区案件图" in text for name in names)
    case = next(plugin.layers[LayerId.INCIDENTS].getFeatures())
    home = next(f["name"] for f in communities.getFeatures() if f.geometry().contains(case.geometry()))
    page_of_home = text.split("\f")[sorted(names, key=lambda n: next(
        f["code"] for f in communities.getFeatures() if f["name"] == n)).index(home)]
    assert "在办案件 1 件" in page_of_home
