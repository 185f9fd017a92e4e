#!/usr/bin/env bash
# Build the cluster's container images as docker-archive tars (manifest.json +
# config + one layer) from files already on this machine: there is no registry.
# Tars are byte-for-byte reproducible, so up.sh can re-import only on change.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
umask 022

BUSYBOX=/bin/busybox
WORK="$IMAGE_DIR/work"
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Exit at once on SIGTERM (PID 1 has no default handler) so pods stop fast.
IDLE_CMD='["/bin/sh","-c","trap \"exit 0\" TERM INT; sleep 2147483647 & wait"]'

# Inputs that decide the images' contents; unchanged inputs -> skip entirely.
fingerprint() {
  {
    sha256sum <"$HERE/images.sh"
    echo "$IMG_PAUSE $IMG_RESOLVER $IMG_SERVER $IMG_COREDNS"
    dpkg-query -W busybox-static bind9-dnsutils netcat-openbsd dash libc6 2>/dev/null
    stat -c '%s %Y' "$BIN_DIR/coredns"
  } | sha256sum | cut -d' ' -f1
}

new_rootfs() { rm -rf "${WORK:?}/$1" && mkdir -p "$WORK/$1" && echo "$WORK/$1"; }

add_busybox() { # rootfs [skip-applet...]: static busybox plus one symlink per applet
  local root=$1 a skip=" ${*:2} "
  install -D -m 0755 "$BUSYBOX" "$root/bin/busybox"
  while read -r a; do
    [[ $a == bin/busybox || $skip == *" ${a##*/} "* ]] && continue
    mkdir -p "$root/$(dirname "$a")"
    ln -sf /bin/busybox "$root/$a"
  done < <("$BUSYBOX" --list-full)
}

add_base_files() { # rootfs: users, a writable /tmp, an empty /etc/resolv.conf mount target
  local root=$1
  mkdir -p "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  : >"$root/etc/resolv.conf"
  printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
}

add_dynamic_binary() { # rootfs binary dest: the binary plus every library ldd lists,
  # copied as regular files (dereferenced) at the paths ldd names, so the image
  # needs no symlinks into directories it does not have.
  local root=$1 bin=$2 dest=$3 lib
  install -D -m 0755 "$(readlink -f "$bin")" "$root$dest"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

write_archive() { # rootfs image-ref config-fragment(json, no braces) output.tar
  local root=$1 ref=$2 cfg=$3 out=$4 tmp layer_sha cfg_sha
  tmp="$(mktemp -d "$WORK/archive.XXXX")"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$root" -cf "$tmp/layer.tar" .
  layer_sha="$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  mkdir "$tmp/$layer_sha" && mv "$tmp/layer.tar" "$tmp/$layer_sha/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"svc-inspect test/cluster/images.sh"}]}' \
    "$cfg" "$layer_sha" >"$tmp/config.json"
  cfg_sha="$(sha256sum "$tmp/config.json" | cut -d' ' -f1)"
  mv "$tmp/config.json" "$tmp/$cfg_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$cfg_sha" "$ref" "$layer_sha" >"$tmp/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$tmp" -cf "$out.new" manifest.json "$cfg_sha.json" "$layer_sha"
  mv "$out.new" "$out"
  rm -rf "$tmp"
}

build_pause() {
  local r; r="$(new_rootfs pause)"
  add_busybox "$r"; add_base_files "$r"
  write_archive "$r" "$IMG_PAUSE" "\"Env\":[\"$PATH_ENV\"],\"Cmd\":$IDLE_CMD,\"WorkingDir\":\"/\"" "$IMAGE_DIR/pause.tar"
}

build_resolver() {
  local r; r="$(new_rootfs resolver)"
  add_busybox "$r"; add_base_files "$r"
  add_dynamic_binary "$r" /usr/bin/dig /usr/bin/dig
  # Prove dig and busybox nc run as nobody inside the rootfs before shipping it.
  chroot --userspec=65534:65534 "$r" /usr/bin/dig -v >/dev/null 2>&1 || die "dig does not run in the resolver rootfs"
  chroot --userspec=65534:65534 "$r" /bin/busybox nc --help >/dev/null 2>&1 || true
  write_archive "$r" "$IMG_RESOLVER" "\"User\":\"65534:65534\",\"Env\":[\"$PATH_ENV\"],\"Cmd\":$IDLE_CMD,\"WorkingDir\":\"/tmp\"" "$IMAGE_DIR/resolver.tar"
}

build_server() {
  local r; r="$(new_rootfs server)"
  # busybox's nc lacks -k, so `nc` is OpenBSD nc (nc -lk -p PORT works); busybox
  # nc stays reachable as `busybox nc`. /bin/sh is dash: busybox's sh runs its own
  # applets before searching PATH, so `sh -c 'nc -lk ...'` would get busybox nc.
  add_busybox "$r" nc sh; add_base_files "$r"
  add_dynamic_binary "$r" /usr/bin/nc.openbsd /usr/bin/nc
  add_dynamic_binary "$r" /bin/dash /bin/sh
  chroot --userspec=65534:65534 "$r" /bin/sh -c 'nc -h 2>&1 | grep -q -- -k' || die "OpenBSD nc does not run in the server rootfs"
  mkdir -p "$r/www" && printf 'svc-inspect server\n' >"$r/www/index.html"
  write_archive "$r" "$IMG_SERVER" "\"Env\":[\"$PATH_ENV\"],\"Cmd\":[\"/usr/sbin/httpd\",\"-f\",\"-p\",\"8080\",\"-h\",\"/www\"],\"WorkingDir\":\"/\"" "$IMAGE_DIR/server.tar"
}

build_coredns() {
  local r; r="$(new_rootfs coredns)"
  install -D -m 0755 "$BIN_DIR/coredns" "$r/coredns"
  mkdir -p "$r/etc" "$r/tmp" && chmod 1777 "$r/tmp"
  write_archive "$r" "$IMG_COREDNS" "\"Entrypoint\":[\"/coredns\"],\"WorkingDir\":\"/\"" "$IMAGE_DIR/coredns.tar"
}

mkdir -p "$IMAGE_DIR" "$WORK"
fp="$(fingerprint)"
if [[ -f $IMAGE_DIR/fingerprint && "$(cat "$IMAGE_DIR/fingerprint")" == "$fp" ]] &&
  [[ -f $IMAGE_DIR/pause.tar && -f $IMAGE_DIR/resolver.tar && -f $IMAGE_DIR/server.tar && -f $IMAGE_DIR/coredns.tar ]]; then
  exit 0
fi
log "building images in $IMAGE_DIR"
build_pause
build_resolver
build_server
build_coredns
rm -rf "$WORK"
echo "$fp" >"$IMAGE_DIR/fingerprint"
log "images: $(cd "$IMAGE_DIR" && du -h ./*.tar | tr '\n\t' ' ')"
