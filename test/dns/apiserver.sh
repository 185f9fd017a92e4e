#!/usr/bin/env bash
# etcd + kube-apiserver only (no controller-manager, scheduler or kubelet), on loopback, for the
# DNS conformance tier. Ports and state dir differ from test/cluster's, so both can run at once.
#   apiserver.sh up     start (idempotent: a running pair is reused), write $DNS_KUBECONFIG
#   apiserver.sh down   stop what up started (by PID) and remove the state dir
#   apiserver.sh env    print KUBECONFIG=... for scripts
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

start_bg() { # name cmd... : start in the background, record "PID STARTTIME"
  local name=$1
  shift
  "$@" >"$DNS_LOG_DIR/$name.log" 2>&1 &
  local pid=$!
  local st=""
  for _ in 1 2 3 4 5; do
    st="$(proc_starttime "$pid")"
    [[ -n $st ]] && break
    sleep 0.1
  done
  echo "$pid $st" >"$DNS_PID_DIR/$name.pid"
}

stop_one() {
  local name=$1 pid
  if pid="$(pid_alive "$name")"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [[ -d /proc/$pid ]] && [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]] || break
      sleep 0.1
    done
    pid_alive "$name" >/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$DNS_PID_DIR/$name.pid"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

make_pki() {
  [[ -f $DNS_PKI_DIR/token.csv ]] && return 0
  mkdir -p "$DNS_PKI_DIR"
  (
    cd "$DNS_PKI_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=svc-inspect-dns-tier-ca \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # Static token: user dns-tier-admin in system:masters (full access under RBAC).
    printf '%s,dns-tier-admin,dns-tier-admin,system:masters\n' "$(openssl rand -hex 24)" >token.csv.tmp
    mv token.csv.tmp token.csv
  )
}

write_kubeconfig() {
  local token
  token="$(cut -d, -f1 "$DNS_PKI_DIR/token.csv")"
  cat >"$DNS_KUBECONFIG.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: $DNS_CONTEXT
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $DNS_PKI_DIR/ca.crt
users:
- name: dns-tier-admin
  user:
    token: $token
contexts:
- name: $DNS_CONTEXT
  context: {cluster: $DNS_CONTEXT, user: dns-tier-admin}
current-context: $DNS_CONTEXT
KC
  mv "$DNS_KUBECONFIG.tmp" "$DNS_KUBECONFIG"
}

up() {
  [[ -x $K8S_BIN_DIR/kube-apiserver && -x $K8S_BIN_DIR/kubectl ]] ||
    die "no kube-apiserver/kubectl in $K8S_BIN_DIR: run test/cluster/build.sh first"
  command -v etcd >/dev/null || die "etcd not found (Debian etcd-server; test/cluster/build.sh installs it)"
  mkdir -p "$DNS_PID_DIR" "$DNS_LOG_DIR"
  make_pki
  write_kubeconfig
  if ! pid_alive etcd >/dev/null; then
    port_free $ETCD_CLIENT_PORT && port_free $ETCD_PEER_PORT ||
      die "port $ETCD_CLIENT_PORT or $ETCD_PEER_PORT is taken by a process we did not start"
    log "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT"
    start_bg etcd etcd --name dns-tier --data-dir "$DNS_TIER_DIR/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "dns-tier=http://127.0.0.1:$ETCD_PEER_PORT" \
      --listen-metrics-urls "http://127.0.0.1:$((ETCD_CLIENT_PORT + 2))" \
      --quota-backend-bytes 268435456 --logger zap --log-level warn
  fi
  # kube-apiserver gives up when etcd does not answer in time (a busy machine right after the e2e cluster went
  # down): etcd first, healthy.
  for i in $(seq 1 60); do
    etcd_healthy && break
    pid_alive etcd >/dev/null || die_with_log etcd
    ((i == 60)) && die_with_log etcd
    sleep 0.5
  done
  start_apiserver
  local kubectl=("$K8S_BIN_DIR/kubectl" --kubeconfig "$DNS_KUBECONFIG")
  local attempts=1
  for i in $(seq 1 120); do
    if "${kubectl[@]}" get --raw /readyz >/dev/null 2>&1; then
      # The default namespace (and its kubernetes Service) comes from a post-start hook.
      "${kubectl[@]}" get namespace default >/dev/null 2>&1 && break
    fi
    if ! pid_alive kube-apiserver >/dev/null; then
      # One more start: its log is printed either way, so a second failure explains itself.
      ((attempts < 2)) || die_with_log kube-apiserver
      log "kube-apiserver exited; its log:"
      tail -n 20 "$DNS_LOG_DIR/kube-apiserver.log" >&2 || true
      attempts=$((attempts + 1))
      start_apiserver
    fi
    pid_alive etcd >/dev/null || die_with_log etcd
    ((i == 120)) && die_with_log kube-apiserver
    sleep 0.5
  done
  log "apiserver ready: KUBECONFIG=$DNS_KUBECONFIG (context $DNS_CONTEXT)"
}

# etcd's /health over bash's /dev/tcp (no curl needed on the machine).
etcd_healthy() {
  local reply
  reply="$( (exec 3<>"/dev/tcp/127.0.0.1/$ETCD_CLIENT_PORT" && printf 'GET /health HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null)" || return 1
  [[ $reply == *'"health":"true"'* ]]
}

die_with_log() {
  tail -n 30 "$DNS_LOG_DIR/$1.log" >&2 || true
  die "$1 exited or did not become ready; its log is above"
}

start_apiserver() {
  if ! pid_alive kube-apiserver >/dev/null; then
    port_free $APISERVER_PORT || die "port $APISERVER_PORT is taken by a process we did not start"
    log "starting kube-apiserver on 127.0.0.1:$APISERVER_PORT"
    # No controller-manager: no ServiceAccount controller, so the ServiceAccount admission plugin is
    # off (pods are created without a token). The endpoint reconciler would write 127.0.0.1 into
    # default/kubernetes Endpoints, which validation rejects: off too.
    start_bg kube-apiserver "$K8S_BIN_DIR/kube-apiserver" \
      --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
      --tls-cert-file "$DNS_PKI_DIR/apiserver.crt" --tls-private-key-file "$DNS_PKI_DIR/apiserver.key" \
      --client-ca-file "$DNS_PKI_DIR/ca.crt" \
      --token-auth-file "$DNS_PKI_DIR/token.csv" \
      --authorization-mode RBAC \
      --service-account-issuer https://kubernetes.default.svc \
      --service-account-key-file "$DNS_PKI_DIR/sa.pub" \
      --service-account-signing-key-file "$DNS_PKI_DIR/sa.key" \
      --service-cluster-ip-range "$SERVICE_CIDRS" \
      --disable-admission-plugins ServiceAccount \
      --endpoint-reconciler-type none \
      --enable-priority-and-fairness=false \
      --profiling=false
  fi
}

down() {
  # CoreDNS servers record.ts started and could not stop (it was killed): their pid files are here too.
  local f
  for f in "$DNS_PID_DIR"/coredns-*.pid; do
    [[ -e $f ]] && stop_one "$(basename "$f" .pid)"
  done
  stop_one kube-apiserver
  stop_one etcd
  # Remove state only when nothing we started is left running.
  if [[ -d $DNS_TIER_DIR ]] && ! pid_alive etcd >/dev/null && ! pid_alive kube-apiserver >/dev/null; then
    rm -rf "$DNS_TIER_DIR"
  fi
  log "apiserver down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) echo "KUBECONFIG=$DNS_KUBECONFIG" ;;
  *) die "usage: $0 up|down|env" ;;
esac
