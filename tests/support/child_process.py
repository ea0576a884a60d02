"""Start the real service as a child process on a free port, as `make serve` would: for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServiceProcess:
    def __init__(self, data_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        env = {**os.environ, "GRIDCOMMAND_DATA_DIR": str(self.data_dir), **self.extra_env}
        self.proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(self.port)],
                                     cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("service exited: " + (self.proc.stdout.read() if self.proc.stdout else b"").decode())
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("service did not answer /health")

    @property
    def operator_key(self) -> str:
        return (self.data_dir / "operator.key").read_text().strip()

    def kill_hard(self) -> None:
        """kill -9: no shutdown handlers, no flush; only what was committed survives."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
