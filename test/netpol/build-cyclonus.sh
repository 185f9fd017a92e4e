#!/usr/bin/env bash
# Build (or reuse) cyclonus, the independent NetworkPolicy evaluator the differential test
# (test/netpol/differential.test.ts) compares src/analyse/netpol/evaluate.ts against:
# $SVC_INSPECT_CACHE/cyclonus/$CYCLONUS_VERSION/cyclonus. Built into a temp dir and moved into place, so an
# interrupted build is never reused. Prints the binary's path on stdout.
set -euo pipefail
CYCLONUS_VERSION="${CYCLONUS_VERSION:-v0.5.6}"
SVC_INSPECT_CACHE="${SVC_INSPECT_CACHE:-$HOME/.cache/svc-inspect}"
DIR="$SVC_INSPECT_CACHE/cyclonus/$CYCLONUS_VERSION"
GO_DIR="$SVC_INSPECT_CACHE/go"

if [[ ! -x $DIR/cyclonus ]]; then
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || { echo "build-cyclonus: Go is needed and is not on PATH" >&2; exit 1; }
  # The same module/build caches as test/cluster/build.sh; the checksum database is unreachable here, and the
  # toolchain must not try to download another Go.
  export GOPATH="$GO_DIR/path" GOMODCACHE="$GO_DIR/mod" GOCACHE="$GO_DIR/build"
  export GOSUMDB=off GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
  start=$SECONDS
  echo "build-cyclonus: building github.com/mattfenwick/cyclonus $CYCLONUS_VERSION" >&2
  mkdir -p "$SVC_INSPECT_CACHE/cyclonus"
  tmp="$(mktemp -d "$SVC_INSPECT_CACHE/cyclonus/.tmp-$CYCLONUS_VERSION.XXXXXX")"
  if ! GOBIN="$tmp" go install -trimpath -ldflags '-s -w' \
    "github.com/mattfenwick/cyclonus/cmd/cyclonus@$CYCLONUS_VERSION" >&2; then
    rm -rf "$tmp"
    echo "build-cyclonus: go install github.com/mattfenwick/cyclonus/cmd/cyclonus@$CYCLONUS_VERSION failed" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  mv "$tmp/cyclonus" "$DIR/cyclonus"
  rm -rf "$tmp"
  echo "build-cyclonus: built in $((SECONDS - start)) s" >&2
fi
echo "$DIR/cyclonus"
