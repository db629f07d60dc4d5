#!/usr/bin/env bash
# Builds the control-plane binaries the test environment runs (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) from Go modules into a cache directory keyed
# by their versions. Prints the directory on its last line. Nothing is downloaded but Go modules.
set -euo pipefail

K8S_VERSION=${ROUNDHOUSE_K8S_VERSION:-1.36.3}
ETCD_VERSION=${ROUNDHOUSE_ETCD_VERSION:-3.6.8}
KWOK_VERSION=${ROUNDHOUSE_KWOK_VERSION:-0.8.0}
CACHE_ROOT=${ROUNDHOUSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roundhouse}
OUT="$CACHE_ROOT/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION-kwok-v$KWOK_VERSION"
WORK="$CACHE_ROOT/build"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf '[testenv-build] %s\n' "$*" >&2; }

complete() {
  for b in "${BINARIES[@]}"; do [ -x "$OUT/$b" ] || return 1; done
}

if complete; then
  echo "$OUT"
  exit 0
fi

# Exit code 3 means "no usable Go": the test setup skips integration tests for it off CI.
command -v go >/dev/null || { log "Go >= 1.26 is required to build the control plane (no 'go' on PATH)"; exit 3; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
GO_VERSION=$(go env GOVERSION 2>/dev/null || true)
GO_MINOR=$(printf '%s' "$GO_VERSION" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ -z "$GO_MINOR" ] || [ "$GO_MINOR" -lt 26 ]; then
  log "Go >= 1.26 is required to build the control plane (found ${GO_VERSION:-an unknown version})"
  exit 3
fi
mkdir -p "$OUT" "$WORK"

# Two test runs starting at once would build into the same directory; the second waits and then
# finds the binaries complete.
if command -v flock >/dev/null; then
  exec 9>"$CACHE_ROOT/.build.lock"
  flock 9
  if complete; then
    echo "$OUT"
    exit 0
  fi
fi
start=$(date +%s)
MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)

build_etcd() {
  [ -x "$OUT/etcd" ] && return 0
  local dir="$WORK/etcd-v$ETCD_VERSION"
  mkdir -p "$dir" && cd "$dir"
  [ -f go.mod ] || go mod init roundhouse.local/etcdbin >/dev/null 2>&1
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go mod tidy >&2
  go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$OUT/etcd.tmp" "$OUT/etcd"
}

build_kubernetes() {
  local need=0
  for b in kube-apiserver kube-controller-manager kube-scheduler; do [ -x "$OUT/$b" ] || need=1; done
  [ $need = 1 ] || return 0
  local dir="$WORK/k8s-v$K8S_VERSION"
  mkdir -p "$dir" && cd "$dir"
  [ -f go.mod ] || go mod init roundhouse.local/k8sbin >/dev/null 2>&1
  # k8s.io/kubernetes replaces its staging modules with local paths, which only apply inside
  # its own tree; read that list from the release's go.mod and point each at its published twin.
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -f "$gomod" ] || { log "could not download k8s.io/kubernetes@v$K8S_VERSION"; exit 4; }
  local staging
  staging=$(sed -n 's|^[[:space:]]*\(k8s.io/[a-z0-9-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*|\1|p' "$gomod")
  [ -n "$staging" ] || { log "no staging replaces found in $gomod"; exit 4; }
  for m in $staging; do go mod edit -replace="$m=$m@v0.$MINOR.${K8S_VERSION##*.}"; done
  go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' > tools.go
  go mod tidy >&2
  local v="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    v="$v -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$MINOR -X $pkg.gitTreeState=clean"
  done
  mkdir -p "$dir/bin"
  go build -p 2 -trimpath -ldflags "-s -w $v" -o "$dir/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler >&2
  mv "$dir/bin/"* "$OUT/"
}

build_kwok() {
  [ -x "$OUT/kwok" ] && return 0
  local dir="$WORK/kwok-v$KWOK_VERSION"
  mkdir -p "$dir"
  GOBIN="$dir" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" >&2
  mv "$dir/kwok" "$OUT/kwok"
}

log "building into $OUT (k8s v$K8S_VERSION, etcd v$ETCD_VERSION, kwok v$KWOK_VERSION)"
(build_etcd)
log "etcd ready after $(( $(date +%s) - start ))s"
(build_kubernetes)
log "kubernetes ready after $(( $(date +%s) - start ))s"
(build_kwok)
log "kwok ready after $(( $(date +%s) - start ))s"
complete || { log "build finished but binaries are missing in $OUT"; exit 5; }
log "cold build took $(( $(date +%s) - start ))s"
echo "$OUT"
