# shellcheck shell=bash disable=SC2034
# Shared settings for the svc-inspect e2e cluster scripts. Sourced, never run.
# Every address, path and version the scripts use is defined here, so the
# TypeScript e2e runner and humans can read them in one place.

K8S_VERSION=v1.32.4
K8S_STAGING_VERSION=v0.32.4
COREDNS_VERSION=v1.11.3
# NetworkPolicy enforcement: the SIG Network reference implementation (nftables + NFQUEUE), built from the Go
# module proxy with patches/kube-network-policies-$KNP_VERSION.patch applied (see the README).
KNP_VERSION=v0.8.0
KNP_NFQUEUE=100
KNP_METRICS_ADDRESS=127.0.0.1:10290
# Its nftables table (inet family); down.sh deletes it if the process could not.
KNP_TABLE=kube-network-policies

# Cache of built binaries and images, keyed by Kubernetes version.
SVC_INSPECT_CACHE="${SVC_INSPECT_CACHE:-$HOME/.cache/svc-inspect}"
CACHE_DIR="$SVC_INSPECT_CACHE/cluster/$K8S_VERSION"
BIN_DIR="$CACHE_DIR/bin"
IMAGE_DIR="$CACHE_DIR/images"
# Go module and build caches live beside the binaries: a second build is a no-op.
GO_DIR="$SVC_INSPECT_CACHE/go"

# Runtime state of one cluster (pids, logs, pki, etcd, containerd, kubelet).
STATE_DIR="${SVC_INSPECT_CLUSTER_DIR:-/var/tmp/svc-inspect-cluster}"
PID_DIR="$STATE_DIR/pids"
LOG_DIR="$STATE_DIR/logs"
PKI_DIR="$STATE_DIR/pki"
KUBECONFIG_PATH="$STATE_DIR/kubeconfig"
CONTAINERD_DIR="$STATE_DIR/containerd"
CONTAINERD_SOCK="$CONTAINERD_DIR/containerd.sock"
KUBELET_DIR="$STATE_DIR/kubelet"
CNI_DIR="$STATE_DIR/cni"

CLUSTER_DOMAIN="${SVC_INSPECT_CLUSTER_DOMAIN:-cluster.local}"
NODE_NAME=svc-inspect-node

# Network. A veth pair carries the node IP (kubelet refuses a loopback node IP);
# pods live on our own bridge. None of these ranges is used elsewhere on the machine.
VETH_NODE=svci-node
VETH_PEER=svci-peer
NODE_IP=10.250.0.1
BRIDGE=svci0
POD_CIDR=10.244.0.0/24
POD_GATEWAY=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SVC_IP=10.96.0.1
DNS_SVC_IP=10.96.0.10
APISERVER_PORT=6443
ETCD_CLIENT_URL=http://127.0.0.1:2379
ETCD_PEER_URL=http://127.0.0.1:2380
# Our own iptables chain that keeps pod traffic on our bridge (see up.sh).
GUARD_CHAIN=SVCI-GUARD
# Pod cgroups go under this root so leftovers can be found without guessing.
CGROUP_ROOT=/svc-inspect

# Images, built locally (no registry); pods must use imagePullPolicy: Never.
IMG_PAUSE=localhost/svc-inspect/pause:v1
IMG_RESOLVER=localhost/svc-inspect/resolver:v1
IMG_SERVER=localhost/svc-inspect/server:v1
# Tagged with its release, as registry images are: svc-inspect reads the release from this tag.
IMG_COREDNS=localhost/svc-inspect/coredns:$COREDNS_VERSION

# Components started by up.sh, in start order; down.sh stops them in reverse.
COMPONENTS=(etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kube-network-policies)

# kube-network-policies stops (and deletes its nftables table) on SIGINT only; SIGTERM kills it at once.
stop_signal() { if [[ $1 == kube-network-policies ]]; then echo INT; else echo TERM; fi; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'svc-inspect cluster: ERROR: %s\n' "$*" >&2; exit 1; }

kctl() { "$BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

# A pid file holds "PID STARTTIME" (field 22 of /proc/PID/stat): a recycled PID
# then never matches, so we only ever signal processes we started ourselves.
proc_starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }

pid_alive() { # name -> prints pid and returns 0 when our process still runs
  local f="$PID_DIR/$1.pid" pid st
  [[ -f $f ]] || return 1
  read -r pid st <"$f" || return 1
  [[ -n ${pid:-} && -d /proc/$pid ]] || return 1
  [[ "$(proc_starttime "$pid")" == "$st" ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]] || return 1 # exited, not yet reaped
  echo "$pid"
}

# ctr against our own containerd only (never the machine's default socket).
ctr_k8s() { /usr/bin/ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
