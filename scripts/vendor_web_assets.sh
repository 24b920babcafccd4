#!/usr/bin/env bash
# Fetch the browser libraries the web app vendors (no CDN, no build step for users).
#
#   MapLibre GL JS 6.17.0 (BSD-3-Clause)  -> src/soteplan/web/static/vendor/maplibre/
#   Apache ECharts 6.1.0  (Apache-2.0)    -> src/soteplan/web/static/vendor/echarts/
#   Swagger UI 5.35.0     (Apache-2.0)    -> src/soteplan/web/static/vendor/swagger-ui/  (/api/docs)
#   axe-core 4.14.1       (MPL-2.0)       -> src/soteplan/web/static/vendor/axe-core/    (a11y test)
#
# Run from the repository root:  bash scripts/vendor_web_assets.sh
# Needs `npm` and access to the npm registry; copies only the dist files and licences.
set -euo pipefail
MAPLIBRE_VERSION=6.17.0
ECHARTS_VERSION=6.1.0
SWAGGER_VERSION=5.35.0
AXE_VERSION=4.14.1
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/soteplan/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "maplibre-gl@$MAPLIBRE_VERSION" "echarts@$ECHARTS_VERSION" \
  "swagger-ui-dist@$SWAGGER_VERSION" "axe-core@$AXE_VERSION" >/dev/null
mkdir maplibre echarts swagger-ui axe-core
tar xzf "maplibre-gl-$MAPLIBRE_VERSION.tgz" -C maplibre --strip-components=1
tar xzf "echarts-$ECHARTS_VERSION.tgz" -C echarts --strip-components=1
tar xzf "swagger-ui-dist-$SWAGGER_VERSION.tgz" -C swagger-ui --strip-components=1
tar xzf "axe-core-$AXE_VERSION.tgz" -C axe-core --strip-components=1
rm -rf "$DEST/maplibre" "$DEST/echarts" "$DEST/swagger-ui" "$DEST/axe-core"
mkdir -p "$DEST/maplibre" "$DEST/echarts" "$DEST/swagger-ui" "$DEST/axe-core"
cp swagger-ui/swagger-ui-bundle.js swagger-ui/swagger-ui-bundle.js.LICENSE.txt \
   swagger-ui/swagger-ui.css swagger-ui/LICENSE swagger-ui/NOTICE "$DEST/swagger-ui/"
cp axe-core/axe.min.js axe-core/LICENSE axe-core/LICENSE-3RD-PARTY.txt "$DEST/axe-core/"
# MapLibre 6 is an ES module that loads its worker from the same folder.
cp maplibre/dist/maplibre-gl.mjs maplibre/dist/maplibre-gl-worker.mjs \
   maplibre/dist/maplibre-gl.css maplibre/LICENSE.txt "$DEST/maplibre/"
cp echarts/dist/echarts.esm.min.mjs echarts/LICENSE echarts/NOTICE "$DEST/echarts/"
printf 'maplibre-gl %s\necharts %s\nswagger-ui-dist %s\naxe-core %s\n' "$MAPLIBRE_VERSION" \
  "$ECHARTS_VERSION" "$SWAGGER_VERSION" "$AXE_VERSION" > "$DEST/VERSIONS.txt"
echo "vendored into $DEST:"; ls -l "$DEST"/*
