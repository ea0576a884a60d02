"""GridCommand QGIS plugin: the command center's live map with click-to-assign."""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    from .plugin import GridCommandPlugin

    return GridCommandPlugin(iface)
