#!/usr/bin/env bash
# System packages the workspace needs, installed only when one is missing:
#   - chromium, chromium-driver: the browser tests (electrode-tests);
#   - libwebkit2gtk-4.1-dev, libgtk-3-dev, libsoup-3.0-dev, libxdo-dev: building electrode-window
#     (clippy on the workspace needs them too, as it is a member);
#   - xvfb, xauth, imagemagick: its window test (a real window on a virtual display, screenshot).
set -euo pipefail

PACKAGES=(chromium chromium-driver libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev xvfb xauth
  libxdo-dev imagemagick)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "== installing system packages: ${missing[*]}"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
