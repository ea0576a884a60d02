"""Where the plugin's resources and bundled service are: beside the code when installed from the zip,
one level up in the source tree."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    installed = HERE / "resources"
    return installed if installed.is_dir() else HERE.parent / "resources"


def service_root() -> Path:
    """The folder that holds the `service` package (to run `python -m service`)."""
    return HERE if (HERE / "service").is_dir() else HERE.parent


def style_path(name: str) -> Path:
    return resources_dir() / "styles" / f"{name}.qml"
