#!/usr/bin/env bash
# `make run`: the command center on this machine. The service with the demo street and the feed
# simulator; with a display, QGIS desktop with the plugin connected to it; without one, a PNG of the
# live command-center map is written after a minute of simulated traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}; PORT=${2:-8765}; SPEED=${3:-600}
PY=.venv/bin/python

exec "$PY" -m service run --host "$HOST" --port "$PORT" --speed "$SPEED"
