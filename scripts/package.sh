#!/usr/bin/env bash
# `make package`: build/gridcommand/ (the installable plugin folder) and dist/gridcommand.zip from
# metadata.txt, the plugin code, resources/ and the bundled service/. Tests stay out.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=${1:-gridcommand}
OUT=build/$NAME
rm -rf "$OUT" "dist/$NAME.zip"
mkdir -p "$OUT" dist
cp -r plugin/. "$OUT/"
cp metadata.txt requirements.txt "$OUT/"
cp -r resources "$OUT/resources"
cp -r service "$OUT/service"
rm -rf "$OUT/service/demo"  # the demo street and its simulator stay out of the plugin zip
# The web pages' libraries: only the files the pages load and the licences (node_modules is over 100 MB).
if [ -d service/web/node_modules ]; then
    rm -rf "$OUT/service/web/node_modules"
    for f in echarts/dist/echarts.min.js echarts/LICENSE maplibre-gl/dist/maplibre-gl.js \
             maplibre-gl/dist/maplibre-gl.css maplibre-gl/LICENSE.txt; do
        mkdir -p "$OUT/service/web/node_modules/$(dirname "$f")"
        cp "service/web/node_modules/$f" "$OUT/service/web/node_modules/$f"
    done
fi
find "$OUT" -name __pycache__ -type d -prune -exec rm -rf {} +
find "$OUT" -name '*.pyc' -delete
(cd build && python3 -m zipfile -c "../dist/$NAME.zip" "$NAME")
echo "built dist/$NAME.zip ($(du -h "dist/$NAME.zip" | cut -f1)) from $OUT"
