#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end page tests (tests/web/test_browser.py) if it is missing,
# and a small CJK font so that the pages' screenshots show Chinese (a phone has one; a server often not).
# Idempotent and quiet; never fails the build: without a browser those tests skip (and say why).
set -uo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: no apt-get here; install chromium yourself to run the browser tests" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "warning: not root and no sudo: cannot install chromium (browser tests will skip)" >&2; exit 0; fi
fi
echo "installing chromium for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-wqy-microhei >/dev/null 2>&1 \
  || echo "warning: chromium could not be installed (browser tests will skip)" >&2
exit 0
