#!/usr/bin/env bash
# Builds the pinned Kubernetes control-plane binaries (kube-apiserver,
# kube-controller-manager) and etcd from their Go modules, because their
# download sites are unreachable here while the Go module proxy is not.
#
# Output: $VERMONT_K8S_CACHE/<k8s version>/{kube-apiserver,kube-controller-manager,etcd}
# Idempotent: binaries that exist and answer --version are not rebuilt.
#
# Usage: hack/build-k8s.sh [--print-dir]
set -euo pipefail

K8S_VERSION="${K8S_VERSION:?K8S_VERSION must be set (the Makefile sets it)}"
ETCD_VERSION="${ETCD_VERSION:?ETCD_VERSION must be set (the Makefile sets it)}"
CACHE_ROOT="${VERMONT_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vermont/k8s}"
OUT="$CACHE_ROOT/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$OUT"
  exit 0
fi

log() { printf '[build-k8s] %s\n' "$*" >&2; }

# A binary counts as built when it runs and prints its version.
healthy() {
  local bin="$1"
  [[ -x "$OUT/$bin" ]] && "$OUT/$bin" --version >/dev/null 2>&1
}

if healthy kube-apiserver && healthy kube-controller-manager && healthy etcd; then
  log "cached in $OUT"
  echo "$OUT"
  exit 0
fi

mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-mod=mod"
export CGO_ENABLED=0

staging_minor="${K8S_VERSION#1.}"          # 37.2
staging_version="v0.${staging_minor}"      # v0.37.2

if ! healthy kube-apiserver || ! healthy kube-controller-manager; then
  log "building kube-apiserver and kube-controller-manager v${K8S_VERSION} (cold build: about 5 minutes on 2 cores)"
  mkdir -p "$work/kube"
  cd "$work/kube"
  go mod init vermont.local/kubebuild >/dev/null 2>&1
  gomod="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || { log "could not download k8s.io/kubernetes@v${K8S_VERSION}"; exit 1; }
  # k8s.io/kubernetes replaces its staging modules with local paths
  # (./staging/src/k8s.io/...); outside its repository each one must point at
  # the published release of the same Kubernetes version instead.
  {
    echo "module vermont.local/kubebuild"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$gomod" | head -n1
    echo
    echo "require k8s.io/kubernetes v${K8S_VERSION}"
    echo
    grep -E '=> \./staging/' "$gomod" | sed -E 's/^[[:space:]]*(replace[[:space:]]+)?([^[:space:]]+)[[:space:]]+=>.*/replace \2 => \2 '"${staging_version}"'/'
  } >go.mod
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
  log "resolving modules"
  go mod tidy >/dev/null
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${staging_minor%%.*} -X k8s.io/client-go/pkg/version.gitVersion=v${K8S_VERSION}"
  for cmd in kube-apiserver kube-controller-manager; do
    log "compiling $cmd"
    go build -trimpath -ldflags "$ldflags" -o "$OUT/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  done
fi

if ! healthy etcd; then
  log "building etcd v${ETCD_VERSION}"
  mkdir -p "$work/etcd"
  cd "$work/etcd"
  go mod init vermont.local/etcdbuild >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" >/dev/null 2>&1
  cat >tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  go mod tidy >/dev/null 2>&1
  go build -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3
fi

for bin in kube-apiserver kube-controller-manager etcd; do
  healthy "$bin" || { log "$bin was built but does not answer --version"; exit 1; }
  log "$("$OUT/$bin" --version 2>&1 | head -n1)"
done
echo "$OUT"
