"""Residents' photos: files in the data folder under unguessable names (the database keeps their URLs)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MEDIA_FOLDER = "media"


def folder(data_dir: Path) -> Path:
    path = data_dir / MEDIA_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_photo(*, data_dir: Path, data: bytes, kind: str) -> str:
    """Write the photo durably (fsync before the report that names it commits); returns its file name."""
    name = f"{secrets.token_urlsafe(18)}.{kind}"
    path = folder(data_dir) / name
    with open(path, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return name
