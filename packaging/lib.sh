# Shared by packaging/build-deb.sh, packaging/build-image.sh and tests/packaging/run.sh
# (sourced, not run). One static release build serves both the .deb and the image.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_TRIPLE=x86_64-unknown-linux-gnu
STATIC_BIN="$REPO/target/$TARGET_TRIPLE/release/keystone-lite"
OUT_DIR="$REPO/target/packaging"
# cargo-deb is installed from crates.io at this exact version into this cache.
CARGO_DEB_VERSION=3.8.0
KSL_CACHE="${KSL_CACHE:-$HOME/.cache/keystone-lite}"
CARGO_DEB="$KSL_CACHE/cargo-deb-$CARGO_DEB_VERSION/bin/cargo-deb"

plog() { printf '[packaging] %s\n' "$*" >&2; }
pdie() { plog "ERROR: $*"; exit 1; }

# apt packages by command: installs what is missing (apt-get update once, first).
APT_UPDATED=""
need_commands() {   # need_commands cmd:package ...
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || pdie "missing ${missing[*]}: install them (apt-get) or run as root"
  if [ -z "$APT_UPDATED" ]; then
    timeout 300 apt-get update -qq || pdie "apt-get update failed (is Debian's registry reachable?)"
    APT_UPDATED=1
  fi
  plog "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 600 \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || pdie "apt-get install ${missing[*]} failed"
}

# glibc with crt-static: no musl target is available here. RUSTFLAGS applies to the target
# only because --target is explicit (build scripts and proc-macros stay dynamic). Cargo
# rebuilds nothing when this build is current.
# getrandom 0.4 (uuid's) finds libc's getrandom with dlsym, which a static binary cannot:
# it would then read /dev/urandom, absent in a scratch root (uuid panics at the first id).
# linux_getrandom links libc's getrandom directly: no file, no /dev needed.
STATIC_RUSTFLAGS='-C target-feature=+crt-static --cfg getrandom_backend="linux_getrandom"'
build_static_binary() {
  need_commands file:file ldd:libc-bin
  plog "static release build ($TARGET_TRIPLE, +crt-static)"
  (cd "$REPO" && RUSTFLAGS="$STATIC_RUSTFLAGS" \
    cargo build --release --locked --target "$TARGET_TRIPLE" --bin keystone-lite) \
    || pdie "static release build failed"
  file -L "$STATIC_BIN" | grep -Eq 'static(-pie)? linked|statically linked' \
    || pdie "not a static binary: $(file -L "$STATIC_BIN")"
  # ldd says "statically linked" (static-pie) or "not a dynamic executable"; anything else
  # lists shared libraries the scratch image would lack.
  ldd "$STATIC_BIN" 2>&1 | grep -Eq '^[[:space:]]*(statically linked|not a dynamic executable)[[:space:]]*$' \
    || pdie "ldd finds shared libraries in $STATIC_BIN: $(ldd "$STATIC_BIN" 2>&1)"
}
