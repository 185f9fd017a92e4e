#!/usr/bin/env bash
# Builds rcodesign (crate apple-codesign, Apache-2.0/MIT) from crates.io into ~/.cache/svc-inspect/rcodesign, for
# the ad-hoc signing of the macOS executables (scripts/sign-macos.sh). Needs cargo; takes ~8 minutes on 2 cores.
set -euo pipefail
root=${XDG_CACHE_HOME:-$HOME/.cache}/svc-inspect/rcodesign
if [ -x "$root/bin/rcodesign" ]; then echo "$root/bin/rcodesign"; exit 0; fi
command -v cargo >/dev/null || { echo "install-rcodesign: cargo is needed (https://rustup.rs)" >&2; exit 1; }
cargo install apple-codesign@0.29.0 --locked --no-default-features --root "$root" >&2
echo "$root/bin/rcodesign"
