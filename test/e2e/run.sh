#!/usr/bin/env bash
# npm run test:e2e: bring the local cluster up if it is not, run the end-to-end suite against it, and take
# the cluster down on exit (also on failure and Ctrl-C) if this script brought it up.
# SVC_INSPECT_E2E=0 skips the suite explicitly; anything else that stops it is a failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${SVC_INSPECT_E2E:-1}" = "0" ]; then
  echo "e2e suite skipped: SVC_INSPECT_E2E=0"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: the e2e suite starts a real cluster (containerd, kubelet, iptables) and needs root; set SVC_INSPECT_E2E=0 to skip it explicitly" >&2
  exit 1
fi
# The suite runs on a non-default cluster domain, so that detection (from the coredns ConfigMap, not an
# assumed cluster.local) is what every test relies on. up.sh rebuilds a cluster that has another domain.
export SVC_INSPECT_CLUSTER_DOMAIN="${SVC_INSPECT_CLUSTER_DOMAIN:-e2e.test}"
# shellcheck source=../cluster/lib.sh
source test/cluster/lib.sh
# The e2e tests drive the cluster with the kubectl built beside it, not whatever the machine has.
export PATH="$BIN_DIR:$PATH"
started_here=0
if ! { [ -f "$KUBECONFIG_PATH" ] && [ -x "$BIN_DIR/kubectl" ] && kubectl --kubeconfig "$KUBECONFIG_PATH" get --raw /readyz >/dev/null 2>&1 &&
  kubectl --kubeconfig "$KUBECONFIG_PATH" get configmap coredns -n kube-system -o jsonpath='{.data.Corefile}' 2>/dev/null | grep -q "kubernetes $SVC_INSPECT_CLUSTER_DOMAIN "; }; then
  started_here=1
fi
exe_dir=""
teardown() {
  local rc=$?
  if [ -n "$exe_dir" ]; then rm -rf "$exe_dir"; fi
  if [ "$rc" -ne 0 ]; then echo "== component logs (tail)"; bash test/cluster/logs.sh || true; fi
  if [ "$started_here" = 1 ] && [ "${SVC_INSPECT_KEEP_CLUSTER:-0}" != 1 ]; then bash test/cluster/down.sh || true; fi
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# xmllint validates the JUnit output against test/e2e/schemas/junit.xsd.
if ! command -v xmllint >/dev/null 2>&1; then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libxml2-utils >&2
fi
t0=$(date +%s)
kubeconfig=$(bash test/cluster/up.sh | tail -n 1)
echo "== cluster ready in $(( $(date +%s) - t0 ))s: $kubeconfig"
npm run build --silent
KUBECONFIG="$kubeconfig" scripts/node.sh --import tsx --test --test-concurrency=1 --test-reporter=spec test/e2e/*.test.ts
# One scenario again through the Linux single executable (scripts/package.mjs), with no node on its PATH.
echo "== seed 003 through the single executable (linux-amd64), no node on PATH"
exe_dir=$(mktemp -d)
scripts/node.sh scripts/package.mjs --skip-build --platforms linux-amd64 --out "$exe_dir" --manifest "$exe_dir/svc-inspect.yaml"
mkdir "$exe_dir/x" && tar -xzf "$exe_dir"/svc-inspect-v*-linux-amd64.tar.gz -C "$exe_dir/x"
KUBECONFIG="$kubeconfig" SVC_INSPECT_CLI="$exe_dir/x/kubectl-svc_inspect" scripts/node.sh --import tsx --test \
  --test-concurrency=1 --test-reporter=spec --test-name-pattern='seed 003: the headless port trap' test/e2e/seeds.test.ts
