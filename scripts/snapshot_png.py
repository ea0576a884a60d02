"""Write a PNG of the live command-center map from a running service (what `make run` does without a
display):  python scripts/snapshot_png.py URL KEY OUT.png"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

from qgis.core import QgsApplication, QgsProject

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugin.core.layers import LayerSet  # noqa: E402
from plugin.core.live import LiveMap  # noqa: E402
from plugin.core.render import render_png  # noqa: E402


def main(url: str, key: str, out: str) -> None:
    app = QgsApplication([], True)  # labels need a QGuiApplication
    app.initQgis()
    request = urllib.request.Request(url.rstrip("/") + "/api/v1/snapshot", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        snapshot = json.load(response)
    layers = LayerSet(QgsProject.instance())
    LiveMap(layers).load_snapshot(snapshot)
    path = render_png(layers, Path(out))
    print(f"wrote {path} ({len(snapshot['layers']['incidents']['features'])} open cases, "
          f"{len(snapshot['layers']['units']['features'])} units)")


if __name__ == "__main__":
    main(*sys.argv[1:4])
