#!/usr/bin/env bash
# Start a single-node Kubernetes cluster for svc-inspect's e2e tests.
# Progress goes to stderr; the LAST line of stdout is the kubeconfig path.
# Idempotent: when the cluster is already up and healthy it only re-imports images
# that were rebuilt since (normally none) and prints that path.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

START=$SECONDS

fail() { # dump the component logs so a CI failure explains itself
  printf 'svc-inspect cluster: ERROR: %s\n' "$*" >&2
  "$HERE/logs.sh" 30 >&2 || true
  exit 1
}

# ---------------------------------------------------------------- preflight
preflight() {
  [[ $(uname -s) == Linux ]] || die "needs Linux (got $(uname -s))"
  [[ $EUID -eq 0 ]] || die "must run as root (it creates network links, iptables rules, cgroups and mounts)"
  grep -qw memory /proc/cgroups || die "no memory cgroup controller: this machine cannot run a kubelet"
  [[ -d /sys/fs/cgroup/memory || -f /sys/fs/cgroup/cgroup.controllers ]] ||
    die "cgroups are not mounted under /sys/fs/cgroup"
  [[ -w /proc/sys/net/ipv4/ip_forward ]] || die "/proc/sys is read-only: cannot enable IP forwarding"
  command -v ip >/dev/null || die "iproute2 (ip) is missing"
  local a
  local addrs
  addrs="$(ip -o -4 addr show | grep -v -e " $VETH_NODE " -e " $BRIDGE " || true)"
  for a in $NODE_IP $POD_GATEWAY; do # our addresses must be free (ours are fine)
    if grep -q "inet $a/" <<<"$addrs"; then
      die "address $a is already used on this machine (set in test/cluster/lib.sh)"
    fi
  done
}

# ---------------------------------------------------------------- health
component_pids_alive() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" >/dev/null || return 1; done
}

any_component_alive() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" >/dev/null && return 0; done
  return 1
}

node_ready() {
  [[ "$(kctl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

coredns_ready() {
  [[ "$(kctl -n kube-system get deploy coredns -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" == 2 ]]
}

apiserver_ready() { [[ "$(kctl get --raw /readyz 2>/dev/null)" == ok ]]; }

healthy() {
  component_pids_alive || return 1
  [[ -f $STATE_DIR/domain && "$(cat "$STATE_DIR/domain")" == "$CLUSTER_DOMAIN" ]] || return 1
  apiserver_ready || return 1
  node_ready && coredns_ready
}

wait_for() { # description timeout-seconds command...
  local what=$1 timeout=$2 t0=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS - t0 < timeout)) || fail "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
  log "$what ($((SECONDS - t0)) s)"
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------- processes
start_daemon() { # name command... : detached (own session), logged, pid recorded
  local name=$1
  shift
  pid_alive "$name" >/dev/null && fail "$name is already running"
  printf '\n==== %s start %s\n%s\n' "$(date -Is)" "$name" "$*" >>"$LOG_DIR/$name.log"
  setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $(proc_starttime "$pid")" >"$PID_DIR/$name.pid"
  log "started $name (pid $pid)"
}

# ---------------------------------------------------------------- host setup
setup_sysctls() {
  # Remember the values we change so down.sh can put them back.
  local saved="$STATE_DIR/sysctl.saved" k
  local keys=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables)
  [[ -e /proc/sys/net/bridge ]] || modprobe br_netfilter 2>/dev/null || true
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] ||
    die "br_netfilter is not available: pods could not reach services on the same bridge"
  if [[ ! -f $saved ]]; then
    for k in "${keys[@]}"; do echo "$k=$(sysctl -n "$k")"; done >"$saved"
  fi
  for k in "${keys[@]}"; do sysctl -qw "$k=1"; done
}

setup_network() {
  if ! ip link show "$VETH_NODE" >/dev/null 2>&1; then
    ip link add "$VETH_NODE" type veth peer name "$VETH_PEER"
  fi
  ip addr replace "$NODE_IP/32" dev "$VETH_NODE"
  ip link set "$VETH_NODE" up
  ip link set "$VETH_PEER" up
  # Service and pod ranges must never leave through the machine's default route:
  # pin them to our veth (the bridge's own /24 route, metric 0, wins once it exists).
  ip route replace "$SERVICE_CIDR" dev "$VETH_NODE" src "$NODE_IP"
  ip route replace "$POD_CIDR" dev "$VETH_NODE" src "$NODE_IP" metric 1000
  # Pods have routes only to services and the node IP; this chain also drops
  # anything a pod tries to get forwarded off our bridge.
  iptables -w -N "$GUARD_CHAIN" 2>/dev/null || iptables -w -F "$GUARD_CHAIN"
  iptables -w -A "$GUARD_CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j RETURN
  iptables -w -A "$GUARD_CHAIN" -i "$BRIDGE" -j DROP
  iptables -w -A "$GUARD_CHAIN" -i "$VETH_PEER" -j DROP
  iptables -w -C FORWARD -j "$GUARD_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$GUARD_CHAIN"

  mkdir -p "$CNI_DIR/net.d" "$CNI_DIR/ipam"
  cat >"$CNI_DIR/net.d/10-svc-inspect.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "svc-inspect",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CNI_DIR/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "$SERVICE_CIDR" }, { "dst": "$NODE_IP/32" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
JSON
}

setup_cgroups() {
  # Pods live under $CGROUP_ROOT in every v1 hierarchy (the kubelet requires the
  # root to exist); down.sh kills leftovers found there and only there.
  local mnt
  while read -r mnt; do
    mkdir -p "$mnt$CGROUP_ROOT"
    if [[ -f $mnt/cpuset.cpus && ! -s $mnt$CGROUP_ROOT/cpuset.cpus ]] ||
      [[ -f $mnt/cpuset.cpus && -z "$(tr -d '\n' <"$mnt$CGROUP_ROOT/cpuset.cpus")" ]]; then
      cat "$mnt/cpuset.cpus" >"$mnt$CGROUP_ROOT/cpuset.cpus"
      cat "$mnt/cpuset.mems" >"$mnt$CGROUP_ROOT/cpuset.mems"
    fi
  done < <(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo)
}

# ---------------------------------------------------------------- pki
cert() { # name subject ext-usage [subjectAltName]: EC key + cert signed by our CA
  local name=$1 subj=$2 usage=$3 san=${4:-} ext
  local stamp="$subj|$usage|$san"
  if [[ -f $PKI_DIR/$name.crt && -f $PKI_DIR/$name.stamp && "$(cat "$PKI_DIR/$name.stamp")" == "$stamp" ]]; then
    return 0
  fi
  [[ -f $PKI_DIR/$name.key ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI_DIR/$name.key" 2>/dev/null
  ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$usage"
  [[ -n $san ]] && ext+=$'\n'"subjectAltName=$san"
  openssl req -new -key "$PKI_DIR/$name.key" -subj "$subj" 2>/dev/null |
    openssl x509 -req -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" -CAcreateserial -CAserial "$PKI_DIR/ca.srl" \
      -days 3650 -extfile <(echo "$ext") -out "$PKI_DIR/$name.crt" 2>/dev/null
  echo "$stamp" >"$PKI_DIR/$name.stamp"
}

kubeconfig() { # file user cert-name: self-contained kubeconfig (embedded certs)
  local file=$1 user=$2 name=$3
  umask 077
  cat >"$file.new" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: svc-inspect
    cluster:
      server: https://$NODE_IP:$APISERVER_PORT
      certificate-authority-data: $(base64 -w0 "$PKI_DIR/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $(base64 -w0 "$PKI_DIR/$name.crt")
      client-key-data: $(base64 -w0 "$PKI_DIR/$name.key")
contexts:
  - name: svc-inspect
    context:
      cluster: svc-inspect
      user: $user
      namespace: default
current-context: svc-inspect
YAML
  mv "$file.new" "$file"
  umask 022
}

setup_pki() {
  mkdir -p "$PKI_DIR" && chmod 700 "$PKI_DIR"
  if [[ ! -f $PKI_DIR/ca.crt ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI_DIR/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$PKI_DIR/ca.key" -subj "/CN=svc-inspect-ca" -days 3650 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$PKI_DIR/ca.crt" 2>/dev/null
  fi
  if [[ ! -f $PKI_DIR/sa.key ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI_DIR/sa.key" 2>/dev/null
    openssl pkey -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" serverAuth \
    "IP:$NODE_IP,IP:$KUBERNETES_SVC_IP,IP:127.0.0.1,DNS:localhost,DNS:$NODE_NAME,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
  # Client certs: O=system:masters for admin and the apiserver's kubelet client;
  # the CNs below are the identities bound by Kubernetes' default RBAC.
  cert admin "/O=system:masters/CN=kubernetes-admin" clientAuth
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  cert controller-manager "/CN=system:kube-controller-manager" clientAuth
  cert scheduler "/CN=system:kube-scheduler" clientAuth
  cert kube-proxy "/CN=system:kube-proxy" clientAuth
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  cert kubelet-server "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  # Bound to the ClusterRole kube-network-policies in manifests/addons.yaml (upstream's install.yaml rules).
  cert kube-network-policies "/CN=svc-inspect:kube-network-policies" clientAuth
  kubeconfig "$KUBECONFIG_PATH" kubernetes-admin admin
  kubeconfig "$STATE_DIR/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  kubeconfig "$STATE_DIR/scheduler.kubeconfig" system:kube-scheduler scheduler
  kubeconfig "$STATE_DIR/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
  kubeconfig "$STATE_DIR/kubelet.kubeconfig" "system:node:$NODE_NAME" kubelet
  kubeconfig "$STATE_DIR/kube-network-policies.kubeconfig" svc-inspect:kube-network-policies kube-network-policies
}

# ---------------------------------------------------------------- configs
write_configs() {
  mkdir -p "$CONTAINERD_DIR/root" "$CONTAINERD_DIR/state" "$KUBELET_DIR" "$STATE_DIR/pod-logs"
  # containerd with its own socket, root and state (it never touches a system
  # containerd). restrict_oom_score_adj: this sandbox may not lower oom_score_adj,
  # and CRI sandboxes ask for -998 (runc then fails with a misleading pipe EOF).
  cat >"$CONTAINERD_DIR/config.toml" <<TOML
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = ""

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_DIR/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$IMG_PAUSE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CNI_DIR/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$CONTAINERD_DIR/runc"
TOML

  # Pods with dnsPolicy Default (CoreDNS) get this instead of the machine's
  # resolver, which the cluster must never contact.
  echo "nameserver 127.0.0.1" >"$STATE_DIR/resolv.conf"

  cat >"$STATE_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI_DIR/ca.crt
authorization:
  mode: Webhook
tlsCertFile: $PKI_DIR/kubelet-server.crt
tlsPrivateKeyFile: $PKI_DIR/kubelet-server.key
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
failSwapOn: false
clusterDNS: [$DNS_SVC_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $STATE_DIR/resolv.conf
podLogsDir: $STATE_DIR/pod-logs
rotateCertificates: false
serializeImagePulls: false
# Our images cannot be pulled again: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: "1%"
  imagefs.available: "1%"
  nodefs.inodesFree: "1%"
syncFrequency: 10s
fileCheckFrequency: 10s
YAML

  cat >"$STATE_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE_NAME
clientConnection:
  kubeconfig: $STATE_DIR/kube-proxy.kubeconfig
clusterCIDR: $POD_CIDR
# This sandbox may not lower oom_score_adj (kube-proxy asks for -999).
oomScoreAdj: 0
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
iptables:
  localhostNodePorts: false
  syncPeriod: 30s
  minSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
}

# ---------------------------------------------------------------- start
import_images() {
  # Re-import only when the tar differs from what this containerd root holds.
  local marker_dir="$CONTAINERD_DIR/root/svc-inspect-imported" img ref sum
  mkdir -p "$marker_dir"
  local refs
  refs="$(ctr_k8s images ls -q 2>/dev/null || true)"
  for img in pause resolver server coredns; do
    case $img in
      pause) ref=$IMG_PAUSE ;; resolver) ref=$IMG_RESOLVER ;;
      server) ref=$IMG_SERVER ;; coredns) ref=$IMG_COREDNS ;;
    esac
    sum="$(sha256sum "$IMAGE_DIR/$img.tar" | cut -d' ' -f1)"
    if [[ -f $marker_dir/$img && "$(cat "$marker_dir/$img")" == "$sum" ]] && grep -qxF "$ref" <<<"$refs"; then
      continue
    fi
    ctr_k8s images import "$IMAGE_DIR/$img.tar" >>"$LOG_DIR/image-import.log" 2>&1 || fail "ctr import of $img.tar failed"
    echo "$sum" >"$marker_dir/$img"
    log "imported $ref"
  done
}

start_cluster() {
  tcp_open 127.0.0.1 2379 && fail "127.0.0.1:2379 is taken by a process this script did not start"
  tcp_open "$NODE_IP" "$APISERVER_PORT" && fail "$NODE_IP:$APISERVER_PORT is taken by a process this script did not start"

  start_daemon etcd /usr/bin/etcd --name svc-inspect --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "$ETCD_CLIENT_URL" --advertise-client-urls "$ETCD_CLIENT_URL" \
    --listen-peer-urls "$ETCD_PEER_URL" --initial-advertise-peer-urls "$ETCD_PEER_URL" \
    --initial-cluster "svc-inspect=$ETCD_PEER_URL" --listen-metrics-urls "" \
    --logger zap --log-outputs stderr --snapshot-count 10000
  start_daemon containerd /usr/bin/containerd --config "$CONTAINERD_DIR/config.toml"

  wait_for "etcd listening" 30 tcp_open 127.0.0.1 2379
  start_daemon kube-apiserver "$BIN_DIR/kube-apiserver" \
    --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port="$APISERVER_PORT" \
    --etcd-servers="$ETCD_CLIENT_URL" \
    --client-ca-file="$PKI_DIR/ca.crt" \
    --tls-cert-file="$PKI_DIR/apiserver.crt" --tls-private-key-file="$PKI_DIR/apiserver.key" \
    --kubelet-client-certificate="$PKI_DIR/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI_DIR/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --service-account-key-file="$PKI_DIR/sa.pub" \
    --service-account-signing-key-file="$PKI_DIR/sa.key" \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,PodSecurity \
    --allow-privileged=true \
    --profiling=false

  wait_for "containerd socket" 30 ctr_k8s version
  import_images

  wait_for "kube-apiserver /readyz" 90 apiserver_ready

  start_daemon kube-controller-manager "$BIN_DIR/kube-controller-manager" \
    --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --client-ca-file="$PKI_DIR/ca.crt" \
    --service-account-private-key-file="$PKI_DIR/sa.key" \
    --root-ca-file="$PKI_DIR/ca.crt" \
    --cluster-signing-cert-file="$PKI_DIR/ca.crt" --cluster-signing-key-file="$PKI_DIR/ca.key" \
    --use-service-account-credentials=true \
    --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --controllers='*,bootstrapsigner,tokencleaner' \
    --leader-elect=false --profiling=false
  start_daemon kube-scheduler "$BIN_DIR/kube-scheduler" \
    --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
  start_daemon kubelet "$BIN_DIR/kubelet" \
    --config="$STATE_DIR/kubelet.yaml" \
    --kubeconfig="$STATE_DIR/kubelet.kubeconfig" \
    --root-dir="$KUBELET_DIR" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP"
  start_daemon kube-proxy "$BIN_DIR/kube-proxy" --config="$STATE_DIR/kube-proxy.yaml"

  # CoreDNS and the restricted namespace; the API accepts them before the node is Ready.
  sed -e "s/__DOMAIN__/$CLUSTER_DOMAIN/g" -e "s/__DNS_IP__/$DNS_SVC_IP/g" \
    -e "s#__COREDNS_IMAGE__#$IMG_COREDNS#g" "$HERE/manifests/addons.yaml" >"$STATE_DIR/addons.yaml"
  wait_for "add-ons applied" 60 kctl apply -f "$STATE_DIR/addons.yaml"
  # NetworkPolicy enforcement, once its RBAC (in the add-ons) exists. It queues the first packet of each
  # connection to or from a pod that a policy selects, and answers accept or drop from its informers; DNS goes
  # the same way (the conntrack race its --netfilter-bug-1766-fix works around is fixed in kernels 6.12+).
  start_daemon kube-network-policies "$BIN_DIR/kube-network-policies" \
    --kubeconfig="$STATE_DIR/kube-network-policies.kubeconfig" \
    --hostname-override="$NODE_NAME" \
    --nfqueue-id="$KNP_NFQUEUE" \
    --metrics-bind-address="$KNP_METRICS_ADDRESS" \
    --disable-nri \
    --netfilter-bug-1766-fix=false \
    --v=2

  wait_for "node $NODE_NAME registered" 60 kctl get node "$NODE_NAME"
  wait_for "node $NODE_NAME Ready" 120 node_ready
  wait_for "CoreDNS 2/2 Ready" 180 coredns_ready
  # Its table appears once its informers have synced: policies are enforced from then on.
  wait_for "kube-network-policies nftables table" 60 nft list table inet "$KNP_TABLE"
  # Pods are rejected until their namespace's default ServiceAccount exists.
  wait_for "default ServiceAccounts" 60 kctl -n svc-inspect-restricted get serviceaccount default
  wait_for "default ServiceAccount in default" 30 kctl -n default get serviceaccount default
  wait_for "kube-apiserver /readyz" 30 apiserver_ready
}

# ---------------------------------------------------------------- main
preflight
mkdir -p "$STATE_DIR"
if [[ -f $KUBECONFIG_PATH ]] && healthy; then
  log "cluster already up and healthy"
  # Still pick up images rebuilt since (a no-op when nothing changed).
  "$HERE/build.sh"
  import_images
  echo "$KUBECONFIG_PATH"
  exit 0
fi
# Leftovers of an earlier run (crash, reboot, other domain): always start fresh.
if any_component_alive || ip link show "$VETH_NODE" >/dev/null 2>&1 ||
  [[ -d $STATE_DIR/etcd || -d $KUBELET_DIR || -d $CONTAINERD_DIR/root ]]; then
  log "cluster is partly up, stale or for another domain: tearing it down first"
  "$HERE/down.sh" >&2
fi

"$HERE/build.sh"
mkdir -p "$PID_DIR" "$LOG_DIR"
: >"$LOG_DIR/image-import.log"
for c in "${COMPONENTS[@]}"; do : >"$LOG_DIR/$c.log"; done
echo "$CLUSTER_DOMAIN" >"$STATE_DIR/domain"

setup_sysctls
setup_network
setup_cgroups
setup_pki
write_configs
start_cluster
log "cluster up in $((SECONDS - START)) s; kubeconfig: $KUBECONFIG_PATH (domain $CLUSTER_DOMAIN)"
echo "$KUBECONFIG_PATH"
