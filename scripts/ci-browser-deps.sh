#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/ui), installed only if it is
# missing. Playwright never downloads a browser of its own here.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ci-browser-deps: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium chromium-driver fonts-dejavu-core" >&2
  exit 0
fi
echo "==> installing Debian's chromium for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
