#!/usr/bin/env bash
# Builds an OCI image FROM SCRATCH around the static release binary, with umoci (Debian's
# package; no container engine or daemon needed):
#   target/packaging/oci/             OCI image layout, tag keystone-lite:<version>
#   target/packaging/keystone-lite-<version>-oci.tar   the same layout as one archive
#     (`skopeo copy oci-archive:FILE:keystone-lite:<version> docker-daemon:...`, `podman load`)
# Root filesystem: the binary, the demo seed, keystone.conf, /etc/passwd and /etc/group for
# the non-root user (uid 10001) and its data dir /var/lib/keystone-lite. No CA certificates:
# the server makes no outbound TLS connection. No /etc/nsswitch.conf or NSS modules: give
# --listen a numeric address (the default is one).
# Prints the layout's path and tag (LAYOUT:TAG, what umoci --image takes) on stdout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE_UID=10001
[ "$(id -u)" -eq 0 ] || pdie "run as root: the layer records files owned by uid $IMAGE_UID"
need_commands umoci:umoci strip:binutils
build_static_binary
version="$(cd "$REPO" && sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
tag="$version"
layout="$OUT_DIR/oci"
work="$(mktemp -d "${TMPDIR:-/tmp}/ksl-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT

rm -rf "$layout"
mkdir -p "$OUT_DIR"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
root="$work/bundle/rootfs"
install -d -m 0755 "$root/usr/bin" "$root/usr/share/keystone-lite" "$root/etc/keystone-lite"
strip -o "$root/usr/bin/keystone-lite" "$STATIC_BIN"
chmod 0755 "$root/usr/bin/keystone-lite"
install -m 0644 "$REPO/seed/demo.yaml" "$root/usr/share/keystone-lite/demo.yaml"
install -m 0640 -o 0 -g "$IMAGE_UID" "$REPO/packaging/keystone.conf.example" \
  "$root/etc/keystone-lite/keystone.conf"
printf 'root:x:0:0:root:/root:/sbin/nologin\nkeystone-lite:x:%s:%s:keystone-lite:/var/lib/keystone-lite:/sbin/nologin\n' \
  "$IMAGE_UID" "$IMAGE_UID" >"$root/etc/passwd"
printf 'root:x:0:\nkeystone-lite:x:%s:\n' "$IMAGE_UID" >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
install -d -m 0700 -o "$IMAGE_UID" -g "$IMAGE_UID" "$root/var/lib/keystone-lite"
umoci repack --image "$layout:$tag" "$work/bundle"

# The seed is the operator's (mount one at /etc/keystone-lite/seed.yaml): the image ships
# only the demo seed, which has known passwords, and does not start without a seed.
umoci config --image "$layout:$tag" \
  --author "keystone-lite developers" \
  --config.user "$IMAGE_UID:$IMAGE_UID" \
  --config.workingdir /var/lib/keystone-lite \
  --config.exposedports 5000/tcp \
  --config.volume /var/lib/keystone-lite \
  --config.entrypoint /usr/bin/keystone-lite \
  --config.cmd=--seed --config.cmd=/etc/keystone-lite/seed.yaml \
  --config.cmd=--data-dir --config.cmd=/var/lib/keystone-lite \
  --config.cmd=--listen --config.cmd=0.0.0.0:5000 \
  --config.cmd=--config --config.cmd=/etc/keystone-lite/keystone.conf \
  --config.label org.opencontainers.image.title=keystone-lite \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label org.opencontainers.image.licenses=Apache-2.0
umoci gc --layout "$layout"
archive="$OUT_DIR/keystone-lite-$version-oci.tar"
tar -C "$layout" -cf "$archive" .
blobs=$(du -sb --apparent-size "$layout/blobs" | cut -f1)
plog "image $layout:$tag: $blobs bytes of blobs (compressed layer + config + manifest); archive $(stat -c %s "$archive") bytes"
echo "$layout:$tag"
