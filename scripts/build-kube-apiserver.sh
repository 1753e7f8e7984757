#!/usr/bin/env bash
# Builds the real Kubernetes API server of the e2e/kube tests (test/kube/apiserver: embedded etcd
# and k8s.io/kubernetes' kube-apiserver, versions pinned in its go.mod and go.sum; modules come
# from the Go module proxy) into .cache/kube-apiserver/<hash>/kube-apiserver-test, where <hash> is
# a hash of go.mod, go.sum and the Go sources, and prints the binary's absolute path on stdout
# (progress goes to stderr). A binary already built from the same inputs is reused; the normal Go
# module and build caches are used, so a rebuild after a source change is incremental.
#
#   scripts/build-kube-apiserver.sh
#   export KUBE_APISERVER_BIN=$(scripts/build-kube-apiserver.sh)
#
# Exit status: 0 with the path printed, 1 when `go` is missing or the build fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/test/kube/apiserver"
log() { echo "build-kube-apiserver: $*" >&2; }

command -v go >/dev/null || { log "no go on PATH (Go 1.26 or newer is needed)"; exit 1; }
cd "$SRC"
hash="$(cat go.mod go.sum $(ls *.go | LC_ALL=C sort) | sha256sum | cut -c1-16)"
OUT="$ROOT/.cache/kube-apiserver/$hash/kube-apiserver-test"
if [[ -x "$OUT" ]]; then
  log "reusing $OUT"
  echo "$OUT"
  exit 0
fi
mkdir -p "$(dirname "$OUT")"
log "$(go version): go mod download"
go mod download >&2 || { log "go mod download failed"; exit 1; }
log "go build -> $OUT (a cold build compiles Kubernetes: minutes)"
start=$SECONDS
go build -buildvcs=false -trimpath -o "$OUT.tmp" . >&2 || { log "go build failed"; exit 1; }
mv "$OUT.tmp" "$OUT"
log "built in $((SECONDS - start)) s"
echo "$OUT"
