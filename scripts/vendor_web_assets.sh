#!/usr/bin/env bash
# Fetch the browser libraries the web app vendors (no CDN, no build step for users).
#
#   MapLibre GL JS 6.17.0 (BSD-3-Clause)  -> src/soteplan/web/static/vendor/maplibre/
#   Apache ECharts 6.1.0  (Apache-2.0)    -> src/soteplan/web/static/vendor/echarts/
#
# Run from the repository root:  bash scripts/vendor_web_assets.sh
# Needs `npm` and access to the npm registry; copies only the dist files and licences.
set -euo pipefail
MAPLIBRE_VERSION=6.17.0
ECHARTS_VERSION=6.1.0
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/soteplan/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "maplibre-gl@$MAPLIBRE_VERSION" "echarts@$ECHARTS_VERSION" >/dev/null
mkdir maplibre echarts
tar xzf "maplibre-gl-$MAPLIBRE_VERSION.tgz" -C maplibre --strip-components=1
tar xzf "echarts-$ECHARTS_VERSION.tgz" -C echarts --strip-components=1
rm -rf "$DEST/maplibre" "$DEST/echarts"
mkdir -p "$DEST/maplibre" "$DEST/echarts"
# MapLibre 6 is an ES module that loads its worker from the same folder.
cp maplibre/dist/maplibre-gl.mjs maplibre/dist/maplibre-gl-worker.mjs \
   maplibre/dist/maplibre-gl.css maplibre/LICENSE.txt "$DEST/maplibre/"
cp echarts/dist/echarts.esm.min.mjs echarts/LICENSE echarts/NOTICE "$DEST/echarts/"
printf 'maplibre-gl %s\necharts %s\n' "$MAPLIBRE_VERSION" "$ECHARTS_VERSION" > "$DEST/VERSIONS.txt"
echo "vendored into $DEST:"; ls -l "$DEST"/*
