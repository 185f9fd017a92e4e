#!/usr/bin/env bash
# The DNS conformance tier, end to end: build the CoreDNS releases (cached), start etcd + kube-apiserver on
# loopback, apply the generated world, record every (release x Corefile), then compare the recordings with
# the model (conformance.test.ts). The apiserver is stopped on exit, also on failure or Ctrl-C.
#   bash test/dns/run.sh [OUT_DIR]    recordings go to OUT_DIR (default: a temp dir, removed when all passes)
# Needs kube-apiserver/kubectl from test/cluster/build.sh ($SVC_INSPECT_CACHE/cluster/v1.32.4/bin), Go, dig.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

start=$SECONDS
[[ -x $K8S_BIN_DIR/kube-apiserver && -x $K8S_BIN_DIR/kubectl ]] ||
  die "no kube-apiserver/kubectl in $K8S_BIN_DIR: run test/cluster/build.sh once"
command -v dig >/dev/null || die "dig not found (bind9-dnsutils; test/cluster/build.sh installs it)"

out="${1:-}"
made_out=""
if [[ -z $out ]]; then
  out="$(mktemp -d /tmp/svc-inspect-dns-recordings.XXXXXX)"
  made_out=1
fi
mkdir -p "$out"

"$HERE/build-coredns.sh"
log "binaries ready after $((SECONDS - start)) s"

cleanup() { "$HERE/apiserver.sh" down || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
"$HERE/apiserver.sh" up

cd "$REPO"
KUBECTL="$K8S_BIN_DIR/kubectl" node --import tsx test/dns/world.ts apply "$DNS_KUBECONFIG" "$out/world.json.tmp"
t=$SECONDS
node --import tsx test/dns/record.ts --world "$out/world.json.tmp" --kubeconfig "$DNS_KUBECONFIG" --out "$out"
rm -f "$out/world.json.tmp"
log "recorded in $((SECONDS - t)) s into $out"

status=0
SVC_INSPECT_DNS_RECORDINGS="$out" node --import tsx --test test/dns/conformance.test.ts || status=$?
log "DNS tier done in $((SECONDS - start)) s (conformance exit $status)"
if [[ $status -eq 0 && -n $made_out ]]; then rm -rf "$out"; else log "recordings kept in $out"; fi
exit $status
