#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end tests, once (idempotent). Playwright's own browser
# download is not used: these machines only reach the npm registry and Debian's apt.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-chromium: Chromium is missing and this user cannot install it (not root, no sudo)." >&2
    echo "setup-chromium: install it with: apt-get install -y chromium" >&2
    exit 1
  fi
fi
echo "setup-chromium: installing Debian's chromium (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
command -v chromium >/dev/null 2>&1
echo "setup-chromium: $(chromium --version 2>/dev/null || echo installed)" >&2
