#!/usr/bin/env bash
# Checks the page API's packaging: electron.d.ts type-checks against a usage file with a real
# TypeScript compiler (installed into a temporary folder, nothing global), the shim works as the
# CommonJS module a bundler imports, and `npm pack` of the shim's folder has exactly its files.
# Needs node and npm; the compiler comes from the npm registry. Any failure stops the script.
set -euo pipefail
cd "$(dirname "$0")/.."
assets=crates/electrode-web/assets

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-page-types: $tool is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error typescript@5 >"$tmp/npm.log" 2>&1; then
  cat "$tmp/npm.log" >&2
  echo "check-page-types: cannot install typescript (see above)" >&2
  exit 1
fi
tsc="$tmp/node_modules/.bin/tsc"
[ -x "$tsc" ] || { echo "check-page-types: $tsc missing after npm install" >&2; exit 1; }
echo "tsc $("$tsc" --version | sed 's/^Version //') on $assets/tests/types/usage.ts"
"$tsc" --noEmit -p "$assets/tests/types"

# A bundler runs the shim as a module: its exports are `{ ipcRenderer }`, the global's object.
node -e '
  const e = require(process.argv[1]);
  const ok = e && e.ipcRenderer && typeof e.ipcRenderer.sendSync === "function" &&
    e.ipcRenderer === globalThis.ipcRenderer && globalThis.require("electron") === e;
  if (!ok) { console.error("check-page-types: the shim does not export { ipcRenderer }"); process.exit(1); }
' "$PWD/$assets/ipc-renderer.js"

packed=$(cd "$assets" && npm pack --dry-run --json 2>/dev/null | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () =>
    console.log(JSON.parse(s)[0].files.map(f => f.path).sort().join(" ")));')
if [ "$packed" != "electron.d.ts ipc-renderer.js package.json" ]; then
  echo "check-page-types: npm pack of $assets has: $packed" >&2
  exit 1
fi
echo "npm pack --dry-run: $packed"
