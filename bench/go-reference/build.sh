#!/usr/bin/env bash
# Builds the Go controller-runtime reference controller that `npm run bench` compares Roundhouse
# with, from this module (its go.sum pins every dependency), into the same cache as the control
# plane, keyed by a hash of its sources: an edit builds afresh, an unchanged tree returns at once.
# Prints the binary's path on its last line. Nothing is downloaded but Go modules.
set -euo pipefail

SRC="$(cd "$(dirname "$0")" && pwd)"
CACHE_ROOT=${ROUNDHOUSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roundhouse}
KEY=$(cd "$SRC" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)
OUT="$CACHE_ROOT/go-reference-$KEY"
BIN="$OUT/go-reference"

log() { printf '[go-reference-build] %s\n' "$*" >&2; }

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

# Exit code 3 means "no usable Go", as for the control-plane build: the bench skips the reference.
command -v go >/dev/null || { log "Go >= 1.26 is required to build the reference controller (no 'go' on PATH)"; exit 3; }
export GOTOOLCHAIN=local CGO_ENABLED=0
GO_VERSION=$(go env GOVERSION 2>/dev/null || true)
GO_MINOR=$(printf '%s' "$GO_VERSION" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 26 ]; then
  log "Go >= 1.26 is required to build the reference controller (found ${GO_VERSION:-an unknown version})"
  exit 3
fi
mkdir -p "$OUT"

# Two benches starting at once wait for one build instead of building twice.
if command -v flock >/dev/null; then
  exec 9>"$CACHE_ROOT/.build-go-reference.lock"
  flock 9
  if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
  fi
fi
start=$(date +%s)
log "building into $OUT (controller-runtime, client-go from $SRC/go.mod)"
cd "$SRC"
go build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w" -o "$BIN.tmp" . >&2
mv "$BIN.tmp" "$BIN"
log "build took $(( $(date +%s) - start ))s"
echo "$BIN"
