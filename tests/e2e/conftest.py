"""A real service process over a copy of the demo-street database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.child_process import ServiceProcess


@pytest.fixture
def service(data_dir: Path) -> Iterator[ServiceProcess]:
    proc = ServiceProcess(data_dir, extra_env={"GRIDCOMMAND_SSE_HEARTBEAT_SECONDS": "1"}).start()
    yield proc
    proc.stop()
