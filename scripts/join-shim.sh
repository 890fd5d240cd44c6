#!/usr/bin/env bash
# Joins the shim's parts (crates/electrode-web/assets/shim/*.js, in name order) into the checked-in
# crates/electrode-web/assets/ipc-renderer.js, the one file the npm package and the Python browser
# tests load. The bridge serves electrode_web::SHIM_JS, the same parts joined by concat! in
# src/lib.rs; the shim_parts test fails when the two differ. Run it after editing a part.
# --check: only says whether the checked-in file is up to date (exit 1 when not).
set -euo pipefail
cd "$(dirname "$0")/.."
assets=crates/electrode-web/assets
joined=$(mktemp)
trap 'rm -f "$joined"' EXIT
LC_ALL=C cat "$assets"/shim/*.js >"$joined"
if [ "${1:-}" = "--check" ]; then
  cmp -s "$joined" "$assets/ipc-renderer.js" || {
    echo "join-shim: $assets/ipc-renderer.js is not the join of $assets/shim/*.js; run scripts/join-shim.sh" >&2
    exit 1
  }
  echo "join-shim: $assets/ipc-renderer.js is up to date"
  exit 0
fi
cp "$joined" "$assets/ipc-renderer.js"
echo "join-shim: wrote $assets/ipc-renderer.js from $(ls "$assets"/shim/*.js | wc -l) parts"
