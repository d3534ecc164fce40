#!/usr/bin/env bash
# Builds target/packaging/keystone-lite_<version>-1_amd64.deb with cargo-deb around the static
# release binary (metadata: [package.metadata.deb] in Cargo.toml, scripts in packaging/deb/).
# Prints the .deb's path on stdout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_commands dpkg-deb:dpkg strip:binutils
if [ ! -x "$CARGO_DEB" ]; then
  plog "cargo install cargo-deb $CARGO_DEB_VERSION into $KSL_CACHE"
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked \
    --root "$KSL_CACHE/cargo-deb-$CARGO_DEB_VERSION" >&2 || pdie "cargo install cargo-deb failed"
fi
build_static_binary
mkdir -p "$OUT_DIR"
# --no-build: the binary above; --target maps target/release/ in the assets to it.
deb="$(cd "$REPO" && PATH="$(dirname "$CARGO_DEB"):$PATH" cargo deb --no-build \
  --target "$TARGET_TRIPLE" --output "$OUT_DIR" | tail -n1)"
[ -f "$deb" ] || pdie "cargo deb produced no package (said: $deb)"
plog "$(basename "$deb"): $(stat -c %s "$deb") bytes"
echo "$deb"
