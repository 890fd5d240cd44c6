#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the system packages it needs
# (scripts/deps.sh), runs every test (unit, property, real renderer processes, real pages in
# headless Chromium, a real desktop window under Xvfb) and the
# benchmark in smoke mode (it only proves the harness works; no timing is asserted).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

echo "== cargo test (workspace)"
cargo test --workspace

echo "== ipcRenderer shim in headless Chromium (value conversion, codec, protocol against a stand-in bridge)"
python3 crates/electrode-web/assets/tests/run_browser_tests.py --bridge

echo "== electrode demo --window under Xvfb (the CLI's window feature builds and its window opens and closes)"
xvfb-run -a cargo run -q -p electrode-cli --features window -- demo --window --serve-for 3

if [ -d bench ]; then
  echo "== benchmark smoke run"
  cargo run --release -q -p electrode-bench -- --smoke
fi
