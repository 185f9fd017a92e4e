#!/usr/bin/env bash
# Builds an earlier commit of the CLI into .bench/baseline-REF, for `npm run bench -- --baseline DIR`: the old
# build and this one measured side by side in one run. Usage: bash bench/baseline.sh [REF] (default 2340a56,
# the last commit with the hand-made start-up machinery: own V8 code cache, oclif source edits, client-node's
# serializer and lazy stand-ins). Prints the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:-2340a56}
dir=.bench/baseline-$ref
if [ ! -f "$dir/bin/run.cjs" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  git archive "$ref" | tar -x -C "$dir"
  # Same dependencies as this checkout's lockfile at that commit would give; the build only needs them.
  ln -s ../../node_modules "$dir/node_modules"
  (cd "$dir" && npm run build >/dev/null)
fi
echo "$dir"
