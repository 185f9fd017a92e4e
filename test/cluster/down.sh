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

delete_workloads() {
  # While the kubelet still runs it stops containers through CRI, which also
  # tears down their network namespaces and CNI leases properly.
  pid_alive kube-apiserver >/dev/null && pid_alive kubelet >/dev/null || return 0
  [[ "$(kctl get --raw /readyz --request-timeout=5s 2>/dev/null)" == ok ]] || return 0
  local ns all=()
  for ns in $(kctl get ns -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null); do
    [[ $KEEP_NS == *" $ns "* ]] || all+=("$ns")
  done
  log "deleting workloads (namespaces: ${all[*]:-none}, plus default and kube-system)"
  for ns in "${all[@]}" default kube-system; do
    kctl -n "$ns" delete deploy,rs,sts,ds,job,cronjob --all --wait=false >/dev/null 2>&1 || true
    kctl -n "$ns" delete pods --all --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
  done
  ((${#all[@]} == 0)) || kctl delete ns "${all[@]}" --wait=false >/dev/null 2>&1 || true
  # Give the kubelet time to stop every container and sandbox.
  local t0=$SECONDS
  while ((SECONDS - t0 < 30)); do
    ctr_k8s tasks ls 2>/dev/null | grep -q RUNNING || break
    sleep 1
  done
  log "workloads stopped ($((SECONDS - t0)) s)"
}

stop_component() { # name: SIGTERM, then SIGKILL after a timeout
  local name=$1 pid t0
  pid="$(pid_alive "$name")" || { rm -f "$PID_DIR/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  t0=$SECONDS
  while pid_alive "$name" >/dev/null && ((SECONDS - t0 < 15)); do sleep 0.2; done
  if pid_alive "$name" >/dev/null; then
    log "$name (pid $pid) ignored SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$PID_DIR/$name.pid"
  log "stopped $name"
}

our_shims() { # containerd shims started by OUR containerd (their -address is our socket)
  local d cmd
  for d in /proc/[0-9]*; do
    cmd="$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" || continue
    [[ $cmd == *containerd-shim* && $cmd == *"-address $CONTAINERD_SOCK "* ]] && echo "${d#/proc/}"
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

kill_leftovers() {
  # Container processes ignore SIGTERM once their shim is gone (PID 1 of a pid
  # namespace has no default handler), so SIGKILL them by pid.
  local pids round
  for round in 1 2 3; do
    pids="$( { our_cgroup_pids; our_shims; } | sort -un | tr '\n' ' ')"
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
  for m in $(awk -v p="$STATE_DIR/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
}

remove_cgroups() {
  local mnt
  while read -r mnt; do
    [[ -d $mnt$CGROUP_ROOT ]] && find "$mnt$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null
  done < <(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo)
  return 0
}

cleanup_network() {
  ip link del "$VETH_NODE" 2>/dev/null || true # also removes the peer and our routes
  ip link del "$BRIDGE" 2>/dev/null || true
  if command -v iptables >/dev/null; then
    while iptables -w -D FORWARD -j "$GUARD_CHAIN" 2>/dev/null; do :; done
    iptables -w -F "$GUARD_CHAIN" 2>/dev/null && iptables -w -X "$GUARD_CHAIN" 2>/dev/null || true
    # The kubelet's own canary/hint chains (kube-proxy --cleanup leaves them).
    local t c
    for t in mangle nat filter; do
      for c in KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        iptables -w -t "$t" -F "$c" 2>/dev/null && iptables -w -t "$t" -X "$c" 2>/dev/null || true
        ip6tables -w -t "$t" -F "$c" 2>/dev/null && ip6tables -w -t "$t" -X "$c" 2>/dev/null || true
      done
    done
  fi
  if [[ -x $BIN_DIR/kube-proxy ]] && iptables-save 2>/dev/null | grep -q KUBE-; then
    mkdir -p "$LOG_DIR"
    "$BIN_DIR/kube-proxy" --cleanup >>"$LOG_DIR/kube-proxy-cleanup.log" 2>&1 || true
  fi
  # CNI result cache entries of our network (containerd keeps them in /var/lib/cni).
  rm -f /var/lib/cni/results/svc-inspect-* 2>/dev/null || true
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
for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop_component "${COMPONENTS[i]}"; done
kill_leftovers
unmount_state
remove_cgroups
cleanup_network
restore_sysctls
remove_runtime_state
rm -f "$STATE_DIR/domain"
log "cluster down ($((SECONDS - START)) s)"
