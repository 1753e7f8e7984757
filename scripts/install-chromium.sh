#!/bin/sh
# Installs Debian's chromium for the service map's browser test (test/admin/ui-map.test.ts, driven
# by playwright-core with executablePath; no browser download). Idempotent: does nothing when a
# chromium is already installed. Prints the executable path on stdout (export it as CHROMIUM_BIN);
# progress goes to stderr. Fails loudly when it cannot install.
set -eu
find_chromium() {
  for p in "${CHROMIUM_BIN:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}
if path=$(find_chromium); then echo "$path"; exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium and no apt-get: install chromium and set CHROMIUM_BIN" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "install-chromium: apt-get install chromium" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >&2
if path=$(find_chromium); then
  "$path" --headless=new --no-sandbox --version >&2 || { echo "install-chromium: $path does not run" >&2; exit 1; }
  echo "$path"
  exit 0
fi
echo "install-chromium: apt-get finished but no chromium executable was found" >&2
exit 1
