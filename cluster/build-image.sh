#!/usr/bin/env bash
# Builds the container image statehouse:local FROM scratch (no registry is needed):
#   1. cargo build --release --bin statehouse   (into $CARGO_TARGET_DIR, default target/)
#   2. a temporary build context: rootfs/statehouse, every shared library `ldd` lists for it at its
#      absolute path (symlinks resolved to the files they name), /etc/nsswitch.conf, an empty /data
#   3. docker build -f cluster/Dockerfile -t $IMAGE (default statehouse:local) on that context
# Safe to run again: cargo rebuilds only what changed and the tag is moved to the new image.
#
# Environment: CARGO_TARGET_DIR (default target), IMAGE (default statehouse:local),
#              SKIP_CARGO=1 to package the binary already built.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR=${CARGO_TARGET_DIR:-target}
IMAGE=${IMAGE:-statehouse:local}
BIN="$TARGET_DIR/release/statehouse"

if [[ "${SKIP_CARGO:-0}" != 1 ]]; then
  CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --bin statehouse
fi
[[ -x "$BIN" ]] || { echo "build-image: no binary at $BIN" >&2; exit 1; }

CTX=$(mktemp -d "${TMPDIR:-/tmp}/statehouse-image.XXXXXX")
trap 'rm -rf "$CTX"' EXIT
ROOT="$CTX/rootfs"
mkdir -p "$ROOT/etc" "$CTX/data"

cp "$BIN" "$ROOT/statehouse"
strip "$ROOT/statehouse" 2>/dev/null || true

# ldd lines look like `libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)` or, for the loader,
# `/lib64/ld-linux-x86-64.so.2 (0x...)`; linux-vdso has no file. A static binary has no lines.
LIBS=$(ldd "$BIN" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u || true)
if [[ -z "$LIBS" ]] && ldd "$BIN" 2>&1 | grep -q "=>"; then
  echo "build-image: could not parse the output of ldd $BIN" >&2
  exit 1
fi
for lib in $LIBS; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"   # -L: the library's contents at the path the binary asks for
  echo "build-image: + $lib"
done

# glibc reads this to resolve peer host names (node1, statehouse-0.statehouse, ...): /etc/hosts,
# then DNS (/etc/hosts and /etc/resolv.conf are provided by the container runtime).
printf 'hosts: files dns\n' >"$ROOT/etc/nsswitch.conf"

cp cluster/Dockerfile "$CTX/Dockerfile"
# The legacy builder: it needs no buildx plugin, and a FROM scratch image needs nothing else.
DOCKER_BUILDKIT=0 docker build -t "$IMAGE" "$CTX"
echo "build-image: built $IMAGE ($(du -sh "$ROOT" | cut -f1) root file system)"
