#!/usr/bin/env bash
# Print the tail of every cluster component log (for e2e failure reports).
# Usage: logs.sh [LINES]   (default 40)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
lines="${1:-40}"
shopt -s nullglob
files=("$LOG_DIR"/*.log)
((${#files[@]})) || { echo "no cluster logs in $LOG_DIR"; exit 0; }
for f in "${files[@]}"; do
  state=""
  name="$(basename "$f" .log)"
  if [[ -f $PID_DIR/$name.pid ]]; then
    pid_alive "$name" >/dev/null && state=" (running)" || state=" (NOT running)"
  fi
  echo "===== $name$state: last $lines lines of $f"
  tail -n "$lines" "$f"
done
