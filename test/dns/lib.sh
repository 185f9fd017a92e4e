# shellcheck shell=bash disable=SC2034
# Shared settings of the DNS conformance tier (test/dns). Sourced, never run.
# Everything runs on loopback, on ports and in a state dir apart from the e2e cluster
# of test/cluster (etcd 2379/2380, apiserver 10.250.0.1:6443, /var/tmp/svc-inspect-cluster),
# so both can run at once.

K8S_VERSION=v1.32.4
SVC_INSPECT_CACHE="${SVC_INSPECT_CACHE:-$HOME/.cache/svc-inspect}"
K8S_BIN_DIR="$SVC_INSPECT_CACHE/cluster/$K8S_VERSION/bin" # built by test/cluster/build.sh
GO_DIR="$SVC_INSPECT_CACHE/go"
COREDNS_CACHE="$SVC_INSPECT_CACHE/coredns"
# v1.15.0 is the newest release the Go module proxy serves (go list -m -versions, 2026-11).
COREDNS_RELEASES=(v1.10.1 v1.11.3 v1.12.0 v1.12.1 v1.15.0)

DNS_TIER_DIR="${SVC_INSPECT_DNS_TIER_DIR:-/var/tmp/svc-inspect-dns-tier}"
DNS_PID_DIR="$DNS_TIER_DIR/pids"
DNS_LOG_DIR="$DNS_TIER_DIR/logs"
DNS_PKI_DIR="$DNS_TIER_DIR/pki"
DNS_KUBECONFIG="$DNS_TIER_DIR/kubeconfig"
DNS_CONTEXT=dns-tier
ETCD_CLIENT_PORT=23790
ETCD_PEER_PORT=23800
APISERVER_PORT=16443
SERVICE_CIDRS=10.96.0.0/16,fd00:10:96::/112

log() { printf '[%s] dns-tier: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'dns-tier: ERROR: %s\n' "$*" >&2; exit 1; }

# A pid file holds "PID STARTTIME" (field 22 of /proc/PID/stat): a recycled PID never
# matches, so we only ever signal processes we started ourselves.
proc_starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
pid_alive() { # name -> prints pid and returns 0 when our process still runs
  local f="$DNS_PID_DIR/$1.pid" pid st
  [[ -f $f ]] || return 1
  read -r pid st <"$f" || return 1
  [[ -n ${pid:-} && -d /proc/$pid ]] || return 1
  [[ "$(proc_starttime "$pid")" == "$st" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]] || return 1
  echo "$pid"
}
