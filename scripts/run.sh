#!/usr/bin/env bash
# `make run`: the command center on this machine. The service with the demo street and the feed
# simulator; with a display and QGIS desktop, QGIS opens with the plugin enabled and connected;
# without a display, a PNG of the live command-center map is written after a minute of traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}; PORT=${2:-8765}; SPEED=${3:-600}
PY=.venv/bin/python
URL="http://$HOST:$PORT"
DATA=${GRIDCOMMAND_DATA_DIR:-var}
export GRIDCOMMAND_DATA_DIR=$DATA

"$PY" -m service run --host "$HOST" --port "$PORT" --speed "$SPEED" &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null; wait $SERVICE 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
    curl -fs "$URL/health" >/dev/null 2>&1 && break
    kill -0 $SERVICE 2>/dev/null || { echo "the service did not start" >&2; exit 1; }
    sleep 0.5
done
KEY=$(cat "$DATA/operator.key")

if [ -n "${DISPLAY:-}" ] && command -v qgis >/dev/null; then
    bash scripts/package.sh gridcommand >/dev/null
    PROFILES=$DATA/qgis-profiles
    PLUGINS=$PROFILES/profiles/default/python/plugins
    mkdir -p "$PLUGINS" "$PROFILES/profiles/default/QGIS"
    ln -sfn "$(pwd)/build/gridcommand" "$PLUGINS/gridcommand"
    cat > "$PROFILES/profiles/default/QGIS/QGIS3.ini" <<INI
[PythonPlugins]
gridcommand=true

[gridcommand]
service_url=$URL
token=$KEY
autoconnect=true
INI
    echo "opening QGIS with the GridCommand plugin connected to $URL"
    # QGIS 3.22 crashes at start when the clipboard has no data, as under the offscreen platform.
    env -u QT_QPA_PLATFORM qgis --profiles-path "$PROFILES" --nologo
else
    [ -n "${DISPLAY:-}" ] && echo "(QGIS desktop is not installed: apt-get install qgis, then make run again)"
    WAIT=${PNG_AFTER:-60}
    echo "no display: the live map goes to $DATA/command_center.png after ${WAIT}s of simulated traffic"
    sleep "$WAIT"
    QT_QPA_PLATFORM=offscreen "$PY" scripts/snapshot_png.py "$URL" "$KEY" "$DATA/command_center.png"
    echo "the service keeps running on $URL (Ctrl-C to stop)"
    wait $SERVICE
fi
