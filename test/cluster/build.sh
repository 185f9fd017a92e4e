#!/usr/bin/env bash
# Build (or reuse) everything the e2e cluster needs: Debian packages, the
# Kubernetes and CoreDNS binaries, and the local container images.
# Idempotent: a second run with a warm cache only checks and takes seconds.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

APT_PACKAGES=(containerd runc containernetworking-plugins iptables conntrack
  busybox-static bind9-dnsutils netcat-openbsd etcd-server openssl iproute2 util-linux nftables patch)
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $EUID -eq 0 ]] || die "missing Debian packages (${missing[*]}) and not root to install them"
  log "apt-get install ${missing[*]}"
  # policy-rc.d keeps Debian maintainer scripts from starting a system etcd or
  # containerd that would fight with ours (only written when none exists).
  local made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
  return 0
}

setup_go() {
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || die "Go (>= 1.23) is needed to build Kubernetes $K8S_VERSION and is not on PATH"
  # Caches next to the binaries; the checksum database is unreachable here, and
  # the toolchain must not try to download another Go.
  export GOPATH="$GO_DIR/path" GOMODCACHE="$GO_DIR/mod" GOCACHE="$GO_DIR/build"
  export GOSUMDB=off GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
}

build_kubernetes() {
  local missing=() b
  for b in "${K8S_BINARIES[@]}"; do [[ -x $BIN_DIR/$b ]] || missing+=("$b"); done
  ((${#missing[@]} == 0)) && return 0
  setup_go
  local src="$CACHE_DIR/src" start=$SECONDS
  mkdir -p "$src" "$BIN_DIR"
  log "building ${missing[*]} $K8S_VERSION (cold: several minutes on 2 cores)"
  # k8s.io/kubernetes replaces its staging modules with local paths that its
  # module zip lacks, so a throwaway module maps each of them to the published
  # k8s.io/<name> $K8S_STAGING_VERSION instead.
  if [[ ! -f $src/go.sum ]]; then
    local gomod
    gomod="$(cd "$src" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -f $gomod ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION go.mod"
    {
      printf 'module svc-inspect.local/k8s-build\n\ngo 1.23.0\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
      sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => \./staging/.*#\t\1 => \1 '"$K8S_STAGING_VERSION"'#p' "$gomod"
      printf ')\n'
    } >"$src/go.mod"
    {
      printf '//go:build tools\n\npackage tools\n\nimport (\n'
      for b in "${K8S_BINARIES[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
      printf ')\n'
    } >"$src/tools.go"
    (cd "$src" && go mod tidy) >&2 || { rm -f "$src/go.sum"; die "go mod tidy failed"; }
  fi
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=32 -X $pkg.gitTreeState=clean"
  local pkgs=()
  for b in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  rm -rf "$BIN_DIR/.tmp" && mkdir -p "$BIN_DIR/.tmp"
  # Build into a temp dir and move into place, so an interrupted build never
  # leaves a half-written binary that a later run would skip.
  (cd "$src" && go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/.tmp/" "${pkgs[@]}") >&2
  for b in "${missing[@]}"; do mv "$BIN_DIR/.tmp/$b" "$BIN_DIR/$b"; done
  rmdir "$BIN_DIR/.tmp"
  log "built ${missing[*]} in $((SECONDS - start)) s"
}

build_coredns() {
  [[ -x $BIN_DIR/coredns ]] && return 0
  setup_go
  local start=$SECONDS
  log "building coredns $COREDNS_VERSION"
  rm -rf "$BIN_DIR/.tmp-coredns" && mkdir -p "$BIN_DIR/.tmp-coredns"
  GOBIN="$BIN_DIR/.tmp-coredns" go install -trimpath -ldflags '-s -w' "github.com/coredns/coredns@$COREDNS_VERSION" >&2
  mv "$BIN_DIR/.tmp-coredns/coredns" "$BIN_DIR/coredns"
  rmdir "$BIN_DIR/.tmp-coredns"
  log "built coredns in $((SECONDS - start)) s"
}

build_kube_network_policies() {
  # Rebuilt when the version or the patch changes (the stamp records both).
  local bin="$BIN_DIR/kube-network-policies" patch="$HERE/patches/kube-network-policies-$KNP_VERSION.patch"
  local want
  want="$KNP_VERSION $(sha256sum "$patch" | cut -d' ' -f1)"
  [[ -x $bin && -f $bin.stamp && "$(cat "$bin.stamp")" == "$want" ]] && return 0
  setup_go
  local src="$CACHE_DIR/src-kube-network-policies" start=$SECONDS dir
  log "building kube-network-policies $KNP_VERSION (cold: several minutes on 2 cores)"
  # The module has no replace directives, so its own go.mod and go.sum build it: the throwaway module is a
  # copy of it with the patch applied (the module cache itself stays pristine).
  dir="$(cd /tmp && go mod download -json "sigs.k8s.io/kube-network-policies@$KNP_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -d $dir ]] || die "could not download sigs.k8s.io/kube-network-policies@$KNP_VERSION"
  rm -rf "$src" && mkdir -p "$CACHE_DIR" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  (cd "$src" && patch -p1 -s --no-backup-if-mismatch <"$patch") >&2 || die "could not apply $patch"
  rm -rf "$BIN_DIR/.tmp-knp" && mkdir -p "$BIN_DIR/.tmp-knp"
  (cd "$src" && go build -trimpath -ldflags '-s -w' -o "$BIN_DIR/.tmp-knp/" ./cmd) >&2
  mv "$BIN_DIR/.tmp-knp/cmd" "$bin"
  rmdir "$BIN_DIR/.tmp-knp"
  echo "$want" >"$bin.stamp"
  log "built kube-network-policies in $((SECONDS - start)) s"
}

install_packages
build_kubernetes
build_coredns
build_kube_network_policies
"$HERE/images.sh"
log "build ok: binaries in $BIN_DIR, images in $IMAGE_DIR"
