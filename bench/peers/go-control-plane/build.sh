#!/usr/bin/env bash
# Builds the go-control-plane benchmark peer (this directory; github.com/envoyproxy/go-control-plane
# pinned in go.mod and go.sum, modules from the Go module proxy) into .cache/go-control-plane/gocp
# at the repository root, and prints the binary's absolute path on stdout (progress on stderr).
# The binary is reused while it is newer than every source here, so benchmarks call this first.
#
#   bash bench/peers/go-control-plane/build.sh
#
# Exit status: 0 with the path printed; 1 when `go` is missing (the benchmarks then report the
# peer as skipped) or the build fails.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
OUT="$ROOT/.cache/go-control-plane/gocp"
log() { echo "build-gocp: $*" >&2; }

command -v go >/dev/null || { log "no go on PATH (Go 1.26 or newer is needed)"; exit 1; }
if [ -x "$OUT" ] && [ -z "$(find "$HERE" -newer "$OUT" \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print -quit)" ]; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$(dirname "$OUT")"
cd "$HERE"
log "$(go version): go mod download"
go mod download >&2 || { log "go mod download failed"; exit 1; }
log "go build -> $OUT"
# A per-process temporary name: two benchmarks (or test files) may build at the same time.
go build -buildvcs=false -o "$OUT.tmp.$$" . >&2 || { rm -f "$OUT.tmp.$$"; log "go build failed"; exit 1; }
mv -f "$OUT.tmp.$$" "$OUT"
echo "$OUT"
