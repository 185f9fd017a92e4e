#!/usr/bin/env bash
# Release step: an ad-hoc signature for macOS executables (arm64 macOS runs no unsigned code, and injecting the
# single-executable blob breaks the signature Node's binary came with). Uses $RCODESIGN, else rcodesign on PATH,
# else ~/.cache/svc-inspect/rcodesign/bin/rcodesign (scripts/install-rcodesign.sh builds it there, ~8 min).
# scripts/package.mjs runs this for each darwin executable when one of those exists.
# Usage: scripts/sign-macos.sh FILE...
set -euo pipefail
rcodesign=${RCODESIGN:-$(command -v rcodesign || echo "${XDG_CACHE_HOME:-$HOME/.cache}/svc-inspect/rcodesign/bin/rcodesign")}
[ -x "$rcodesign" ] || { echo "sign-macos: no rcodesign (run scripts/install-rcodesign.sh)" >&2; exit 1; }
for file in "$@"; do
  "$rcodesign" sign "$file"
done
