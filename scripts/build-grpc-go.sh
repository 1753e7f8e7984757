#!/usr/bin/env bash
# Builds the grpc-go peer of e2e/grpc-go (google.golang.org/grpc, pinned in e2e/grpc-go/go.mod and
# go.sum; modules come from the Go module proxy) into .cache/grpc-go/grpcgo, and prints the
# binary's absolute path on stdout (progress goes to stderr). The e2e suite builds it itself when
# a source is newer than the binary; running this first (as CI does) keeps the cold compile out
# of the test run's time.
#
#   scripts/build-grpc-go.sh
#
# Exit status: 0 with the path printed, 1 when `go` is missing or the build fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/.cache/grpc-go/grpcgo"
log() { echo "build-grpc-go: $*" >&2; }

command -v go >/dev/null || { log "no go on PATH (Go 1.26 or newer is needed)"; exit 1; }
mkdir -p "$(dirname "$OUT")"
cd "$ROOT/e2e/grpc-go"
log "$(go version): go mod download"
go mod download >&2 || { log "go mod download failed"; exit 1; }
log "go build -> $OUT"
go build -buildvcs=false -o "$OUT.tmp" . >&2 || { log "go build failed"; exit 1; }
mv "$OUT.tmp" "$OUT"
echo "$OUT"
