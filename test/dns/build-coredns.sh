#!/usr/bin/env bash
# Build (or reuse) the CoreDNS releases the DNS conformance tier records against:
# $SVC_INSPECT_CACHE/coredns/<version>/coredns. Sequential (2 cores); each build goes to a
# temp dir and is moved into place, so an interrupted build is never reused.
# Usage: build-coredns.sh [version...]   (default: every release in COREDNS_RELEASES)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

setup_go() {
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || die "Go is needed to build CoreDNS and is not on PATH"
  # The same module/build caches as test/cluster/build.sh.
  export GOPATH="$GO_DIR/path" GOMODCACHE="$GO_DIR/mod" GOCACHE="$GO_DIR/build"
  export GOSUMDB=off GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
}

versions=("$@")
((${#versions[@]})) || versions=("${COREDNS_RELEASES[@]}")
for v in "${versions[@]}"; do
  dir="$COREDNS_CACHE/$v"
  [[ -x $dir/coredns ]] && continue
  setup_go
  start=$SECONDS
  log "building coredns $v"
  mkdir -p "$COREDNS_CACHE"
  tmp="$(mktemp -d "$COREDNS_CACHE/.tmp-$v.XXXXXX")"
  if ! GOBIN="$tmp" go install -trimpath -ldflags '-s -w' "github.com/coredns/coredns@$v" >&2; then
    rm -rf "$tmp"
    die "go install github.com/coredns/coredns@$v failed"
  fi
  mkdir -p "$dir"
  mv "$tmp/coredns" "$dir/coredns"
  rm -rf "$tmp"
  log "built coredns $v in $((SECONDS - start)) s"
done
