#!/usr/bin/env bash
# Builds kustomize (sigs.k8s.io/kustomize/kustomize/v5) from Go modules into a cache directory
# keyed by its version, the way packages/testenv/scripts/build-binaries.sh builds the control
# plane: `kubectl apply -k` is what users run, and the tests render deploy/ with the same
# kustomize instead of a YAML reimplementation. Prints the binary's path on its last line.
# Nothing is downloaded but Go modules.
set -euo pipefail

# v5.8.3 and later need Go 1.27; the repository builds with Go 1.26.
KUSTOMIZE_VERSION=${ROUNDHOUSE_KUSTOMIZE_VERSION:-5.8.2}
CACHE_ROOT=${ROUNDHOUSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roundhouse}
OUT="$CACHE_ROOT/kustomize-v$KUSTOMIZE_VERSION"
BIN="$OUT/kustomize"

log() { printf '[testenv-build] %s\n' "$*" >&2; }

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

# Exit code 3 means "no usable Go", as for the control plane: skipped off CI, a failure on CI.
command -v go >/dev/null || { log "Go >= 1.26 is required to build kustomize (no 'go' on PATH)"; exit 3; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
GO_VERSION=$(go env GOVERSION 2>/dev/null || true)
GO_MINOR=$(printf '%s' "$GO_VERSION" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 26 ]; then
  log "Go >= 1.26 is required to build kustomize (found ${GO_VERSION:-an unknown version})"
  exit 3
fi
mkdir -p "$OUT"

# Two test files may ask at once; the second waits and then finds the binary.
if command -v flock >/dev/null; then
  exec 9>"$OUT/.build.lock"
  flock 9
  if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
  fi
fi

start=$(date +%s)
log "building into $OUT (kustomize v$KUSTOMIZE_VERSION)"
TMP=$(mktemp -d "$OUT/gobin.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
GOBIN="$TMP" go install -trimpath -ldflags "-s -w" \
  "sigs.k8s.io/kustomize/kustomize/v5@v$KUSTOMIZE_VERSION" >&2
mv "$TMP/kustomize" "$BIN"
log "kustomize ready after $(( $(date +%s) - start ))s"
echo "$BIN"
