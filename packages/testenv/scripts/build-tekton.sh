#!/usr/bin/env bash
# Builds Tekton Pipelines' controller and bundles resolver from the pinned Go module
# github.com/tektoncd/pipeline, through the thin mains in ./tekton (see tekton/run/run.go for why
# not Tekton's own cmd/), and copies the module's CRDs and ConfigMaps next to them, so running
# them needs no Go. Prints the directory on its last line. Nothing is downloaded but Go modules.
set -euo pipefail

TEKTON_VERSION=${ROUNDHOUSE_TEKTON_VERSION:-1.15.1}
CACHE_ROOT=${ROUNDHOUSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roundhouse}
SRC="$(cd "$(dirname "$0")" && pwd)/tekton"
# The mains are part of what is built: a change to them must not reuse an older build.
MAINS_KEY=$(cd "$SRC" && find . -name '*.go' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)
OUT="$CACHE_ROOT/tekton-v$TEKTON_VERSION-$MAINS_KEY"
WORK="$CACHE_ROOT/build/tekton-v$TEKTON_VERSION"
BINARIES=(tekton-controller tekton-resolvers)

log() { printf '[testenv-build] %s\n' "$*" >&2; }

complete() {
  for b in "${BINARIES[@]}"; do [ -x "$OUT/$b" ] || return 1; done
  [ -d "$OUT/config/crds" ]
}

if complete; then
  echo "$OUT"
  exit 0
fi

# Exit code 3 means "no usable Go", as for the control-plane build.
command -v go >/dev/null || { log "Go >= 1.26 is required to build Tekton Pipelines (no 'go' on PATH)"; exit 3; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
GO_VERSION=$(go env GOVERSION 2>/dev/null || true)
GO_MINOR=$(printf '%s' "$GO_VERSION" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 26 ]; then
  log "Go >= 1.26 is required to build Tekton Pipelines (found ${GO_VERSION:-an unknown version})"
  exit 3
fi
mkdir -p "$CACHE_ROOT"

if command -v flock >/dev/null; then
  exec 9>"$CACHE_ROOT/.build-tekton.lock"
  flock 9
  if complete; then
    echo "$OUT"
    exit 0
  fi
fi
start=$(date +%s)
log "building into $OUT (Tekton Pipelines v$TEKTON_VERSION)"

rm -rf "$WORK" "$OUT"
mkdir -p "$WORK" "$OUT/config/crds" "$OUT/config/controller" "$OUT/config/resolvers"
cp -R "$SRC/." "$WORK/"
cd "$WORK"
go mod init roundhouse.local/tektonbin >/dev/null 2>&1
go get "github.com/tektoncd/pipeline@v$TEKTON_VERSION" >&2
go mod tidy >&2
log "modules ready after $(( $(date +%s) - start ))s"

MODULE_DIR=$(go list -m -f '{{.Dir}}' github.com/tektoncd/pipeline)
cp "$MODULE_DIR"/config/300-crds/*.yaml "$OUT/config/crds/"
cp "$MODULE_DIR"/config/config-*.yaml "$OUT/config/controller/"
cp "$MODULE_DIR"/config/resolvers/*-config.yaml "$MODULE_DIR"/config/resolvers/config-*.yaml "$OUT/config/resolvers/"
chmod -R u+w "$OUT/config"

mkdir -p "$WORK/bin"
go build -p 2 -trimpath -ldflags "-s -w" -o "$WORK/bin/" ./controller ./resolvers >&2
mv "$WORK/bin/controller" "$OUT/tekton-controller"
mv "$WORK/bin/resolvers" "$OUT/tekton-resolvers"
complete || { log "build finished but binaries are missing in $OUT"; exit 5; }
log "cold build took $(( $(date +%s) - start ))s"
echo "$OUT"
