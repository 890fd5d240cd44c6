#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the system packages it needs
# (scripts/deps.sh), runs every test (unit, property, real renderer processes, real pages in
# headless Chromium, a real desktop window under Xvfb) and the
# benchmark in smoke mode (it only proves the harness works; no timing is asserted).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "== installing nodejs and npm (the page API types check needs them)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

echo "== cargo test (workspace)"
cargo test --workspace

# Builds each library crate from its .crate file as the registry would (docs/adr/0012).
# Resolving the packaged manifests needs the registry index; --allow-dirty lets a working
# tree with local changes be checked too.
echo "== cargo package (every library crate)"
# Cargo verifies the packages against a local registry under target/package and extracts
# them into $CARGO_HOME/registry/src/-<hash of that path>/; a same-version copy left there by
# an earlier run of the same checkout path is reused as it is, stale (a version number does
# not change between commits). Remove only those extracted copies of our own crates.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/electrode-*
cargo package -p electrode-wire -p electrode-io -p electrode-shm -p electrode -p electrode-renderer -p electrode-web -p electrode-window --allow-dirty

echo "== page API types (tsc on electron.d.ts, the shim as a module, npm pack of the shim)"
bash scripts/check-page-types.sh

echo "== the checked-in shim is the join of its parts (docs/adr/0017)"
bash scripts/join-shim.sh --check

# The shim against the real bridge is in cargo test above (crates/electrode-tests, browser_*.rs).
echo "== ipcRenderer shim in headless Chromium (value conversion and codec, no bridge)"
python3 crates/electrode-web/assets/tests/run_browser_tests.py

echo "== electrode demo --window under Xvfb (the CLI's window feature builds and its window opens and closes)"
xvfb-run -a cargo run -q -p electrode-cli --features window -- demo --window --serve-for 3

if [ -d bench ]; then
  echo "== benchmark smoke run"
  cargo run --release -q -p electrode-bench -- --smoke
fi
