#!/usr/bin/env bash
# Vendor axe-core (MPL-2.0) for the browser accessibility tests of the resident pages.
#
#   axe-core 4.14.1 -> src/soteplan/web/static/vendor/axe-core/ (axe.min.js + licences)
#
# Run from the repository root:  bash scripts/vendor_axe_core.sh   (needs npm and the registry)
set -euo pipefail
AXE_VERSION=4.14.1
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/soteplan/web/static/vendor/axe-core"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "axe-core@$AXE_VERSION" >/dev/null
tar xzf "axe-core-$AXE_VERSION.tgz"
mkdir -p "$DEST"
cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt "$DEST/"
printf 'axe-core %s (MPL-2.0) from npm (npm pack axe-core@%s, sha256 of the tarball %s); axe.min.js and the licences only; used by the browser accessibility tests, never served to residents'"'"' pages\n' \
  "$AXE_VERSION" "$AXE_VERSION" "$(sha256sum "axe-core-$AXE_VERSION.tgz" | cut -d' ' -f1)" > "$DEST/VERSION.txt"
echo "vendored into $DEST:"; ls -l "$DEST"
