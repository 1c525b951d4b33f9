#!/usr/bin/env bash
# The Dockerfile's build stage without Docker (no engine runs on our machines): download
# modules, build a static binary with CGO_ENABLED=0, and check that it is static.
# Usage: scripts/build.sh [OUTPUT]   (default bin/linli)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin/linli}
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
go mod download
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$out" .
if command -v ldd >/dev/null && ldd "$out" 2>&1 | grep -q '=>'; then
  echo "build: $out is dynamically linked" >&2; exit 1
fi
echo "build: $out ($(du -h "$out" | cut -f1), static)"
