#!/usr/bin/env bash
# Stop the e2e cluster started by up.sh and undo its host changes.
# Idempotent and safe when nothing is up. Only signals processes this project
# started: pids from our pid files, shims of OUR containerd socket, and
# processes inside OUR pod cgroup root.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

START=$SECONDS
[[ $EUID -eq 0 ]] || die "must run as root"
KEEP_NS=" default kube-system kube-public kube-node-lease "

running_tasks() { ctr_k8s tasks ls 2>/dev/null | awk '$3 == "RUNNING" {print $1}'; }

delete_workloads() {
  # While the kubelet still runs it stops containers through CRI, which also
  # tears down their network namespaces and CNI leases properly.
  pid_alive kube-apiserver >/dev/null && pid_alive kubelet >/dev/null || return 0
  [[ "$(kctl get --raw /readyz --request-timeout=5s 2>/dev/null)" == ok ]] || return 0
  local ns all=() t0=$SECONDS
  for ns in $(kctl get ns -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null); do
    [[ $KEEP_NS == *" $ns "* ]] || all+=("$ns")
  done
  log "deleting workloads (namespaces: ${all[*]:-none}, plus default and kube-system)"
  for ns in "${all[@]}" default kube-system; do
    # Controllers go first (orphaning their pods, so nothing recreates them);
    # then the pods with grace 0, so the kubelet kills them within ~2 s.
    kctl -n "$ns" delete deploy,rs,sts,ds,job,cronjob --all --cascade=orphan >/dev/null 2>&1 || true
    kctl -n "$ns" delete pods --all --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
  done
  ((${#all[@]} == 0)) || kctl delete ns "${all[@]}" --wait=false >/dev/null 2>&1 || true
  # Give the kubelet a few seconds; pods that were already terminating with a
  # long grace period are then SIGKILLed through our containerd, and the
  # kubelet still tears their sandboxes down.
  local deadline=$((SECONDS + 10)) killed="" id
  while [[ -n "$(running_tasks)" ]]; do
    if ((SECONDS >= deadline)); then
      [[ -n $killed ]] && break
      killed=1 deadline=$((SECONDS + 8))
      for id in $(running_tasks); do ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
      log "SIGKILLed containers still running after 10 s"
    fi
    sleep 0.5
  done
  sleep 1 # let the last StopPodSandbox (CNI DEL) finish
  log "workloads stopped ($((SECONDS - t0)) s)"
}

stop_components() { # names...: SIGTERM (SIGINT, see stop_signal) together, then SIGKILL after a timeout
  local name pid t0 left
  for name in "$@"; do
    if pid="$(pid_alive "$name")"; then kill "-$(stop_signal "$name")" "$pid" 2>/dev/null || true; fi
  done
  t0=$SECONDS
  while :; do
    left=()
    for name in "$@"; do pid_alive "$name" >/dev/null && left+=("$name"); done
    ((${#left[@]})) || break
    if ((SECONDS - t0 >= 15)); then
      for name in "${left[@]}"; do
        pid="$(pid_alive "$name")" || continue
        log "$name (pid $pid) ignored SIG$(stop_signal "$name") for 15 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      done
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  for name in "$@"; do rm -f "$PID_DIR/$name.pid"; done
  log "stopped $* ($((SECONDS - t0)) s)"
}

our_shims() { # containerd shims started by OUR containerd (their -address is our socket)
  local d cmd
  for d in /proc/[0-9]*; do
    [[ "$(readlink "$d/exe" 2>/dev/null)" == */containerd-shim* ]] || continue
    { cmd="$(tr '\0' ' ' <"$d/cmdline")"; } 2>/dev/null || continue
    [[ $cmd == *" -address $CONTAINERD_SOCK "* ]] && echo "${d#/proc/}"
  done
  return 0
}

our_cgroup_pids() { # every process left in our pod cgroup root
  local mnt
  while read -r mnt; do
    [[ -d $mnt$CGROUP_ROOT ]] || continue
    find "$mnt$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null
  done < <(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo)
  return 0
}

kill_leftovers() { # [cgroup-only]
  # Container processes ignore SIGTERM once their shim is gone (PID 1 of a pid
  # namespace has no default handler), so SIGKILL them by pid.
  local pids _
  for _ in 1 2 3; do
    pids="$( { our_cgroup_pids; [[ ${1:-} == cgroup-only ]] || our_shims; } | sort -un | tr '\n' ' ')"
    [[ -n ${pids// /} ]] || return 0
    log "SIGKILL leftover container processes: $pids"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  done
}

unmount_state() {
  # Deepest first: overlay rootfs, netns bind mounts, kubelet volume tmpfs.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(awk -v p="$STATE_DIR/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
}

remove_cgroups() {
  local mnt
  while read -r mnt; do
    [[ -d $mnt$CGROUP_ROOT ]] && find "$mnt$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null
  done < <(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo)
  return 0
}

purge_kube_chains() { # iptables|ip6tables: every KUBE-* chain (only our kubelet and
  # kube-proxy make them on this machine) and the built-in rules jumping to them
  local cmd=$1 table dump line chain chains
  command -v "$cmd-save" >/dev/null || return 0
  for table in filter nat mangle raw; do
    dump="$("$cmd-save" -t "$table" 2>/dev/null)" || continue
    chains="$(sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p' <<<"$dump")"
    [[ -n $chains ]] || continue
    while read -r line; do
      [[ -z $line ]] || eval "$cmd -w -t $table ${line/#-A/-D}" 2>/dev/null || true
    done < <(grep -E '^-A [A-Z]+ .*-j KUBE-' <<<"$dump" || true)
    for chain in $chains; do "$cmd" -w -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $chains; do "$cmd" -w -t "$table" -X "$chain" 2>/dev/null || true; done
  done
}

cleanup_network() {
  ip link del "$VETH_NODE" 2>/dev/null || true # also removes the peer and our routes
  ip link del "$BRIDGE" 2>/dev/null || true
  if command -v iptables >/dev/null; then
    while iptables -w -D FORWARD -j "$GUARD_CHAIN" 2>/dev/null; do :; done
    if iptables -w -F "$GUARD_CHAIN" 2>/dev/null; then iptables -w -X "$GUARD_CHAIN"; fi
  fi
  if [[ -x $BIN_DIR/kube-proxy ]] && grep -q KUBE- <<<"$(iptables-save 2>/dev/null; ip6tables-save 2>/dev/null)"; then
    mkdir -p "$LOG_DIR"
    # It removes its service rules but exits non-zero without nft/ipset
    # binaries (modes we do not use), and leaves canaries and the kubelet's chains.
    "$BIN_DIR/kube-proxy" --cleanup >"$LOG_DIR/kube-proxy-cleanup.log" 2>&1 || true
    purge_kube_chains iptables
    purge_kube_chains ip6tables
  fi
  # kube-network-policies deletes its table when it stops on SIGINT; after a crash or a SIGKILL its queue rules
  # would drop the first packets of pods that reuse those addresses. Only this cluster makes the table here.
  if command -v nft >/dev/null && nft list table inet "$KNP_TABLE" >/dev/null 2>&1; then
    nft delete table inet "$KNP_TABLE" || log "could not delete nftables table inet $KNP_TABLE"
  fi
  # CNI result cache entries (containerd keeps them in /var/lib/cni): those of our
  # network, and containerd's loopback ones for our sandboxes (known by id).
  rm -f /var/lib/cni/results/svc-inspect-* 2>/dev/null || true
  local sb
  for sb in "$CONTAINERD_DIR"/root/io.containerd.grpc.v1.cri/sandboxes/*; do
    [[ -d $sb ]] && rm -f "/var/lib/cni/results/cni-loopback-${sb##*/}-"* 2>/dev/null
  done
  return 0
}

restore_sysctls() {
  local saved="$STATE_DIR/sysctl.saved" kv
  [[ -f $saved ]] || return 0
  while read -r kv; do sysctl -qw "$kv" 2>/dev/null || true; done <"$saved"
  rm -f "$saved"
}

remove_runtime_state() {
  # Each up starts from a fresh etcd and containerd; pki, logs and configs stay.
  if awk -v p="$STATE_DIR/" 'index($5, p) == 1' /proc/self/mountinfo | grep -q .; then
    log "mounts remain under $STATE_DIR: leaving runtime state in place"
    return 0
  fi
  rm -rf --one-file-system "$STATE_DIR/etcd" "$CONTAINERD_DIR/root" "$CONTAINERD_DIR/state" \
    "$CONTAINERD_DIR/runc" "$CONTAINERD_DIR/opt" "$KUBELET_DIR" "$CNI_DIR/ipam" "$STATE_DIR/pod-logs"
}

[[ -d $STATE_DIR ]] || { log "nothing to stop ($STATE_DIR does not exist)"; exit 0; }
mkdir -p "$PID_DIR"
delete_workloads
# Node components first. Any container still running (the kubelet had died) is
# killed before the API server stops: CoreDNS's open watches would otherwise hold
# its graceful shutdown until the SIGKILL timeout.
stop_components kube-network-policies kube-proxy kubelet
kill_leftovers cgroup-only
stop_components kube-scheduler kube-controller-manager kube-apiserver
stop_components containerd etcd
rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
kill_leftovers
unmount_state
remove_cgroups
cleanup_network
restore_sysctls
remove_runtime_state
rm -f "$STATE_DIR/domain"
log "cluster down ($((SECONDS - START)) s)"
