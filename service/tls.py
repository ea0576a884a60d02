"""HTTPS off loopback: a service reachable from the LAN serves TLS with the certificate from settings,
and refuses to start in plain HTTP; `python -m service cert` makes a self-signed pair for a LAN."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from service.settings import Settings


class TlsMissing(Exception):
    """Bound beyond loopback without a certificate and key."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uvicorn_options(settings: Settings, host: str | None = None) -> dict[str, Any]:
    """ssl_certfile/ssl_keyfile for uvicorn: required when `host` is not loopback, used whenever given."""
    host = host or settings.host
    cert, key = settings.tls_cert_file, settings.tls_key_file
    if cert and key:
        for what, path in (("tls_cert_file", cert), ("tls_key_file", key)):
            if not Path(path).is_file():
                raise TlsMissing(f"GRIDCOMMAND_{what.upper()}: {path} is not a file")
        return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    if is_loopback(host):
        return {}
    raise TlsMissing(f"bound to {host}, beyond this machine: HTTPS is required. Set GRIDCOMMAND_TLS_CERT_FILE and "
                     "GRIDCOMMAND_TLS_KEY_FILE (make one for a LAN with `python -m service cert --host <address>`)")


def make_self_signed(folder: Path, hosts: list[str], days: int = 825) -> tuple[Path, Path]:
    """A self-signed certificate naming every host (IP or DNS) in its subjectAltName, with openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TlsMissing("openssl is not installed (apt-get install openssl)")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "tls.crt", folder / "tls.key"
    names = []
    for h in hosts:
        try:
            ipaddress.ip_address(h)
            names.append(f"IP:{h}")
        except ValueError:
            names.append(f"DNS:{h}")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", str(days),
                    "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={hosts[0]}",
                    "-addext", "subjectAltName=" + ",".join(names)], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key
