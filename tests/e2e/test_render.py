"""The command-center map of the demo street, rendered to PNG for anyone to look at (not compared pixel
by pixel): test-artifacts/command_center.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from qgis.PyQt.QtGui import QImage  # noqa: E402

from service.context import ServiceContext  # noqa: E402
from service.demo.simulator import FeedSimulator  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.e2e.test_plugin_live import connect  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "command_center.png"


def test_the_live_command_center_map_renders_to_png(plugin: Any, service: ServiceProcess, qtbot: Any) -> None:
    ctx = ServiceContext(Settings(data_dir=service.data_dir))
    try:
        simulator = FeedSimulator(ctx, base_url=service.base, seed=5)
        for _ in range(60):
            simulator.post_one()
    finally:
        ctx.close()
    connect(plugin, service, qtbot)
    qtbot.waitUntil(lambda: len(plugin.live.incidents) >= 50, timeout=10000)
    from plugin.core.render import render_png
    path = render_png(plugin.layers, ARTIFACT)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1920, 1080)
    colours = {image.pixelColor(x, y).name() for x in range(0, 1920, 16) for y in range(0, 1080, 16)}
    assert len(colours) > 5  # boundaries, fills and symbols, not a blank canvas
