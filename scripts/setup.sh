#!/usr/bin/env bash
# One-time machine setup (idempotent) for a fresh Debian/Ubuntu machine: system packages, the
# WebDriver bridge and the npm modules. cmake and nasm build the libjpeg-turbo that the
# `turbojpeg` crate vendors (thumbnails). Called by `make run`, `make test` and `.ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS="libwebkit2gtk-4.1-dev build-essential curl wget file pkg-config libssl-dev \
  libxdo-dev libayatana-appindicator3-dev librsvg2-dev \
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools keyutils \
  imagemagick libvips-tools openssl ca-certificates \
  cmake nasm"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q -o DPkg::Lock::Timeout=600
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $missing
fi

if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  cargo install tauri-driver --locked --version 2.1.0
fi

if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
fi
