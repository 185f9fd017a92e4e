#!/usr/bin/env bash
# The tools the unit tests run the resolver batch with (test/unit/resolver-batch.test.ts): dig, busybox, OpenBSD
# nc and shellcheck. Installs the Debian packages of those missing (as root, the way test/cluster/build.sh
# installs its own), or fails naming them. .ci/run runs it before `npm test`, and runs the tests with CI=true, so
# that a missing tool fails its test instead of skipping it.
set -euo pipefail

# command -> the Debian package that brings it
declare -A PACKAGE_OF=([dig]=bind9-dnsutils [busybox]=busybox-static [nc.openbsd]=netcat-openbsd [shellcheck]=shellcheck)

missing=()
for tool in dig busybox nc.openbsd shellcheck; do
  command -v "$tool" >/dev/null || missing+=("${PACKAGE_OF[$tool]}")
done
((${#missing[@]} == 0)) && exit 0

die() { echo "test/install-tools.sh: $*" >&2 && exit 1; }
command -v apt-get >/dev/null || die "missing ${missing[*]} (Debian package names), and no apt-get to install them"
[[ $EUID -eq 0 ]] || die "missing Debian packages (${missing[*]}) and not root to install them"
echo "test/install-tools.sh: apt-get install ${missing[*]}" >&2
apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
  "${missing[@]}" >&2
for tool in dig busybox nc.openbsd shellcheck; do
  command -v "$tool" >/dev/null || die "$tool is still not on PATH after installing ${PACKAGE_OF[$tool]}"
done
