"""A throwaway PostgreSQL cluster on a free port, from Debian's server binaries (setup installs them).

No binaries is a failure, not a skip: `make setup` installs the package, so a missing server means
the machine is not set up and the PostgreSQL proof would silently not run."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.child_process import free_port


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def throwaway_cluster(database: str = "gc") -> Iterator[str]:
    """Yields the SQLAlchemy URL of an empty database on a fresh cluster; removes it all afterwards."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise RuntimeError("no PostgreSQL server binaries: run `make setup` (Debian package postgresql)")
    folder = tempfile.mkdtemp(prefix="gc-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    pg_ctl = f"{bins[-1]}/pg_ctl"
    subprocess.run(_as_postgres([f"{bins[-1]}/initdb", "-D", folder, "-A", "trust", "-U", "postgres"]), check=True,
                   capture_output=True)
    # The server inherits pg_ctl's output: send it to a log file, or waiting for the pipe never ends.
    subprocess.run(_as_postgres([pg_ctl, "-D", folder, "-w", "-l", f"{folder}/server.log", "-o",
                                 f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c",
                        f"CREATE DATABASE {database}"], check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", folder, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
