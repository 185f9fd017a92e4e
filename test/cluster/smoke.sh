#!/usr/bin/env bash
# Self-check of a running e2e cluster: Deployment + headless and ClusterIP
# Services, then DNS and TCP checks from a restricted (non-root) resolver pod.
# Usage: smoke.sh [KUBECONFIG]   (default: the one up.sh prints)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
KUBECONFIG_PATH="${1:-$KUBECONFIG_PATH}"
[[ -f $KUBECONFIG_PATH ]] || die "no kubeconfig at $KUBECONFIG_PATH: run up.sh first"
# The running cluster's domain (up.sh records it), whatever this shell's env says.
[[ -f $STATE_DIR/domain ]] && CLUSTER_DOMAIN="$(cat "$STATE_DIR/domain")"

NS=default
RNS=svc-inspect-restricted
# A fresh name per run: CoreDNS caches answers for 30 s, so a re-created Service
# with a reused name would first resolve to the previous run's pods.
APP="smoke-web-$(printf '%04x' "$RANDOM")"
RESOLVER="smoke-resolver-${APP#smoke-web-}"
START=$SECONDS

cleanup() { # everything labelled svc-inspect-smoke, also leftovers of interrupted runs
  kctl -n "$NS" delete deploy,svc -l svc-inspect-smoke --wait=false >/dev/null 2>&1 || true
  kctl -n "$NS" delete pods -l svc-inspect-smoke --grace-period=0 --force >/dev/null 2>&1 || true
  kctl -n "$RNS" delete pods -l svc-inspect-smoke --grace-period=0 --force >/dev/null 2>&1 || true
}
trap cleanup EXIT
check() { log "ok: $*"; }
fail_check() { log "FAILED: $*"; "$HERE/logs.sh" 20 >&2 || true; exit 1; }

kctl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $APP, namespace: $NS, labels: {svc-inspect-smoke: "1"}}
spec:
  replicas: 2
  selector: {matchLabels: {app: $APP}}
  template:
    metadata: {labels: {app: $APP, svc-inspect-smoke: "1"}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: $IMG_SERVER
          imagePullPolicy: Never
          # no command: the image default is httpd -f -p 8080 -h /www
          ports: [{containerPort: 8080}]
          readinessProbe:
            exec: {command: [cat, /tmp/ready]}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: $APP-headless, namespace: $NS, labels: {svc-inspect-smoke: "1"}}
spec:
  clusterIP: None
  selector: {app: $APP}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: $APP, namespace: $NS, labels: {svc-inspect-smoke: "1"}}
spec:
  selector: {app: $APP}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: $RESOLVER, namespace: $RNS, labels: {svc-inspect-smoke: "1"}}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 65534
    runAsGroup: 65534
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: resolver
      image: $IMG_RESOLVER
      imagePullPolicy: Never
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
YAML

# The readiness probe must hold the pods back until /tmp/ready exists.
kctl -n "$NS" wait pod -l app="$APP" --for=jsonpath='{.status.phase}'=Running --timeout=60s >/dev/null
sleep 2
ready="$(kctl -n "$NS" get pods -l app="$APP" -o 'jsonpath={.items[*].status.containerStatuses[0].ready}')"
[[ $ready == "false false" ]] || fail_check "pods were Ready before /tmp/ready existed ($ready)"
check "server pods Running but not Ready without /tmp/ready"
for p in $(kctl -n "$NS" get pods -l app="$APP" -o name); do kctl -n "$NS" exec "$p" -- touch /tmp/ready; done
kctl -n "$NS" wait pod -l app="$APP" --for=condition=Ready --timeout=60s >/dev/null
check "server pods Ready after touch /tmp/ready"
kctl -n "$RNS" wait pod "$RESOLVER" --for=condition=Ready --timeout=60s >/dev/null
check "resolver pod Ready under the restricted Pod Security Standard"

pod_ips="$(kctl -n "$NS" get pods -l app="$APP" -o 'jsonpath={.items[*].status.podIP}' | tr ' ' '\n' | sort)"
cluster_ip="$(kctl -n "$NS" get svc "$APP" -o 'jsonpath={.spec.clusterIP}')"
fqdn="$APP-headless.$NS.svc.$CLUSTER_DOMAIN"
rexec() { kctl -n "$RNS" exec "$RESOLVER" -- "$@"; }

# Query DNS only once the EndpointSlice lists both pods ready: CoreDNS (cache 30,
# ttl 30) would otherwise keep serving an early partial answer for up to 30 s.
ready_endpoints() {
  kctl -n "$NS" get endpointslices -l kubernetes.io/service-name="$APP-headless" \
    -o 'jsonpath={range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' | sort
}
t0=$SECONDS
until [[ "$(ready_endpoints)" == "$pod_ips" ]]; do
  ((SECONDS - t0 < 30)) || fail_check "EndpointSlice of $APP-headless: '$(ready_endpoints | tr '\n' ' ')'"
  sleep 0.5
done
check "EndpointSlice of $APP-headless lists both pods ready"

# Each DNS check retries for a little longer than the cache TTL.
dns_eventually() { # description want command...
  local what=$1 want=$2 got t0=$SECONDS
  shift 2
  until got="$("$@" 2>&1)" && [[ $got == "$want" ]]; do
    ((SECONDS - t0 < 35)) || fail_check "$what gave '$(tr '\n' ' ' <<<"$got")', want '$(tr '\n' ' ' <<<"$want")'"
    sleep 1
  done
  check "$what -> $(tr '\n' ' ' <<<"$got")"
}
sorted_dig() { rexec dig "$@" | sort; }
srv_8080_count() { rexec dig +short SRV "$fqdn" | grep -c ' 8080 '; }

dns_eventually "dig +short $fqdn" "$pod_ips" sorted_dig +short "$fqdn"
dns_eventually "dig +short SRV $fqdn: records on port 8080" 2 srv_8080_count
# The pod's resolv.conf search path carries the cluster domain.
dns_eventually "dig +short +search $APP-headless.$NS" "$pod_ips" sorted_dig +short +search "$APP-headless.$NS"

dns_eventually "dig +short kubernetes.default.svc.$CLUSTER_DOMAIN" "$KUBERNETES_SVC_IP" \
  rexec dig +short "kubernetes.default.svc.$CLUSTER_DOMAIN"

rexec busybox nc -w 3 "$cluster_ip" 80 </dev/null || fail_check "nc $cluster_ip 80 not open"
check "busybox nc $cluster_ip:80 open (ClusterIP via kube-proxy)"
body="$(rexec sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 $cluster_ip 80")"
grep -q 'svc-inspect server' <<<"$body" || fail_check "HTTP via ClusterIP: $body"
check "HTTP GET via ClusterIP served by busybox httpd"

# The server image's nc keeps listening across connections (nc -lk).
first_pod="$(kctl -n "$NS" get pods -l app="$APP" -o 'jsonpath={.items[0].metadata.name}')"
first_ip="$(kctl -n "$NS" get pod "$first_pod" -o 'jsonpath={.status.podIP}')"
kctl -n "$NS" exec "$first_pod" -- sh -c 'nc -lk -p 9000 </dev/null >/dev/null 2>&1 & sleep 0.5'
for i in 1 2; do
  rexec busybox nc -w 3 "$first_ip" 9000 </dev/null || fail_check "nc -lk on $first_ip:9000, connection $i"
done
check "server image: nc -lk -p 9000 accepted two connections in a row"

uid="$(rexec id -u)"
[[ $uid == 65534 ]] || fail_check "resolver runs as uid $uid"
check "resolver runs as uid $uid"
log "smoke test passed in $((SECONDS - START)) s"
