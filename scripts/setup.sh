#!/usr/bin/env bash
# Idempotent machine setup: Debian's QGIS (when missing and we may install it), then a venv on the
# system Python that sees PyQGIS and holds the pinned PyPI packages. Re-runs are cheap: a stamp
# file remembers which requirements were installed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
SYS_PY=/usr/bin/python3
APT_PACKAGES="python3-qgis qgis-providers python3-venv python3-pip xvfb fonts-wqy-microhei qttools5-dev-tools postgresql postgresql-15-postgis-3 poppler-utils chromium chromium-driver openssl python3-pil"

have_qgis() { "$SYS_PY" -c 'import qgis.core' >/dev/null 2>&1; }
have_venv_module() { "$SYS_PY" -c 'import ensurepip, venv' >/dev/null 2>&1; }

have_postgresql() { ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }

if ! have_qgis || ! have_venv_module || ! command -v xvfb-run >/dev/null || ! fc-list 2>/dev/null | grep -qi wqy \
        || ! have_postgresql || ! command -v chromedriver >/dev/null || ! command -v openssl >/dev/null \
        || ! command -v pdftoppm >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing QGIS and friends from Debian ($APT_PACKAGES)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
    elif ! have_venv_module; then
        echo "setup: $SYS_PY lacks venv; install python3-venv (and python3-qgis qgis-providers) as root" >&2
        exit 1
    else
        echo "setup: QGIS is not installed and this user may not apt-get install it;" \
             "the service works, the plugin tests will be skipped" >&2
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$SYS_PY" -m venv --system-site-packages "$VENV"
fi

stamp="$VENV/.requirements.sha256"
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    echo "$want" >"$stamp"
fi

# The web pages' browser libraries (ECharts, MapLibre GL JS) from npm, exactly as package-lock.json pins them;
# the service serves them from service/web/node_modules (never a CDN).
web_stamp=service/web/node_modules/.package-lock.sha256
web_want=$(sha256sum service/web/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$web_stamp" 2>/dev/null)" != "$web_want" ]; then
    if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        # Debian's npm (Node.js 18); a machine with Node.js from elsewhere (nodesource) has npm already.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
    fi
    command -v npm >/dev/null || { echo "setup: npm is needed for the web pages' libraries (Node.js 18+)" >&2; exit 1; }
    (cd service/web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    echo "$web_want" >"$web_stamp"
fi
