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

# Compare what the tree holds with what the generators produce from it, so
# that a hand edit of a generated file fails whether it is committed or not.
generated=(api config go.mod go.sum)
snapshot="$(mktemp -d)"
trap 'rm -rf "$snapshot"' EXIT
tar -cf - "${generated[@]}" | tar -xf - -C "$snapshot"

log "regenerating (make manifests generate) and tidying go.mod"
make -s manifests generate >/dev/null
go mod tidy

changed=0
for path in "${generated[@]}"; do
  if ! diff -r -q "$snapshot/$path" "$path" >/dev/null 2>&1; then
    diff -ru "$snapshot/$path" "$path" | head -n 40 >&2 || true
    changed=1
  fi
done
if ((changed)); then
  log "generated files differ from what make manifests generate and go mod tidy produce; the tree now holds the regenerated ones: review and commit them"
  fail=1
fi

unformatted="$(gofmt -l $(git ls-files '*.go'))"
if [[ -n "$unformatted" ]]; then
  log "not gofmt-ed (run make fmt): $unformatted"
  fail=1
fi

# Nothing may have been generated that is not committed.
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
