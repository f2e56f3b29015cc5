#!/usr/bin/env bash
# Fails when a generated file differs from what `make manifests generate`
# produces, when go.mod or formatting drifted, or when go.mod disagrees with
# the versions pinned in the Makefile. Run through `make verify`.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${K8S_MODULE_VERSION:?run through make verify}"
fail=0
log() { printf '[verify] %s\n' "$*" >&2; }

want_module() {
  local module="$1" want="$2" got
  got="$(go list -m -f '{{.Version}}' "$module")"
  if [[ "$got" != "$want" ]]; then
    log "go.mod has $module $got but the Makefile pins $want"
    fail=1
  fi
}
for m in k8s.io/api k8s.io/apimachinery k8s.io/client-go k8s.io/apiextensions-apiserver; do
  want_module "$m" "$K8S_MODULE_VERSION"
done
want_module sigs.k8s.io/controller-runtime "$CONTROLLER_RUNTIME_VERSION"
want_module sigs.k8s.io/controller-tools "$CONTROLLER_TOOLS_VERSION"
want_module github.com/segmentio/kafka-go "$KAFKA_GO_VERSION"

log "regenerating (make manifests generate) and tidying go.mod"
make -s manifests generate >/dev/null
go mod tidy

unformatted="$(gofmt -l $(git ls-files '*.go'))"
if [[ -n "$unformatted" ]]; then
  log "not gofmt-ed (run make fmt): $unformatted"
  fail=1
fi

# Generated output and go.mod must match what is committed, and nothing may
# have been generated that is not committed.
generated=(api config go.mod go.sum)
if ! git diff --exit-code --stat -- "${generated[@]}"; then
  log "generated files differ from what is committed: run make manifests generate, then commit"
  git diff -- "${generated[@]}" | head -n 60 >&2
  fail=1
fi
untracked="$(git ls-files --others --exclude-standard -- "${generated[@]}")"
if [[ -n "$untracked" ]]; then
  log "generated files not committed: $untracked"
  fail=1
fi

if ((fail)); then
  log "FAILED"
  exit 1
fi
log "ok"
