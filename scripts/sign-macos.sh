#!/usr/bin/env bash
# Release step: an ad-hoc signature for macOS executables (arm64 macOS runs no unsigned code, and injecting the
# single-executable blob breaks the signature Node's binary came with). Needs rcodesign on PATH (crate
# apple-codesign: `cargo install apple-codesign --locked --no-default-features`, ~8 min to build).
# scripts/package.mjs runs this for each darwin executable when rcodesign is on PATH.
# Usage: scripts/sign-macos.sh FILE...
set -euo pipefail
command -v rcodesign >/dev/null || { echo "sign-macos: rcodesign is not on PATH" >&2; exit 1; }
for file in "$@"; do
  rcodesign sign "$file"
done
