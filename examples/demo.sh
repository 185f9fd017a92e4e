#!/usr/bin/env bash
# npm run demo: svc-inspect explaining the four seed scenarios from dumps recorded on a real cluster
# (examples/dumps/), run the way kubectl runs a plugin: `kubectl svc-inspect ...`.
set -uo pipefail
cd "$(dirname "$0")/.."
plugin_dir=$(mktemp -d)
trap 'rm -rf "$plugin_dir"' EXIT
ln -s "$PWD/bin/run.cjs" "$plugin_dir/kubectl-svc_inspect"
# The project's own Node (22, from the npm registry; scripts/node.sh): the plugin's `#!/usr/bin/env node` finds it first.
node_bin=$(scripts/node.sh --path)
export PATH="$(dirname "$node_bin"):$PATH"
export PATH="$plugin_dir:$PATH"
if command -v kubectl >/dev/null 2>&1; then run=(kubectl svc-inspect); else run=(kubectl-svc_inspect); fi

show() { # title, then the arguments
  local title=$1
  shift
  printf '\n\033[1m━━ %s\033[0m\n$ %s %s\n\n' "$title" "${run[*]}" "$*"
  "${run[@]}" "$@"
  printf '(exit code %s)\n' "$?"
}

show "Seed 000: headless service, readiness probe failing (Endpoints: <none>)" \
  test-headless-svc -n seed-readiness -f examples/dumps/000-headless-readiness.yaml
show "Seed 000 after 'kubectl exec ... touch /var/ready' in each pod" \
  test-headless-svc -n seed-readiness -f examples/dumps/000-headless-readiness-fixed.yaml
show "Seed 001: a ClusterIP service" demoapp-svc -n seed-types -f examples/dumps/001-service-types.yaml
show "Seed 001: an ExternalName service" externalname-redis-svc -n seed-types -f examples/dumps/001-service-types.yaml
show "Seed 001: a selector that matches nothing" app1-nginx -n seed-types -f examples/dumps/001-service-types.yaml
show "Seed 002: MongoDB-like StatefulSet behind a headless service" \
  mongodb-headless-service -n infrastructure -f examples/dumps/002-headless-mongodb.yaml
show "Seed 003: the headless port trap (80 -> 8000)" svc-chroma -n seed-ports -f examples/dumps/003-headless-port-mapping.yaml
cat <<'TEXT'

These ran offline on dumps. On your own cluster, put the plugin on your PATH and ask about any Service:
  npm install -g .              # installs kubectl-svc_inspect
  kubectl svc-inspect my-svc -n shop            # endpoints, expected records, live DNS check
  kubectl svc-inspect my-svc -n shop --no-dns   # read-only: creates nothing in the cluster
TEXT
