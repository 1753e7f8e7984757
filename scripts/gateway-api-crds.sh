#!/bin/sh
# Prints the directory of the Gateway API standard-channel CRDs (sigs.k8s.io/gateway-api v1.6.3,
# pinned: v1.7.0 needs Go 1.27), fetched into the Go module cache through the Go module proxy.
set -eu
VERSION=v1.6.3
dir=$(go mod download -json "sigs.k8s.io/gateway-api@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
test -n "$dir" && test -d "$dir/config/crd/standard" || { echo "gateway-api-crds: no config/crd/standard in sigs.k8s.io/gateway-api@$VERSION" >&2; exit 1; }
echo "$dir/config/crd/standard"
