"""Makes QGIS's Processing framework importable for the tests, as the QGIS desktop does."""

import sys

sys.path.insert(0, "/usr/share/qgis/python/plugins")
