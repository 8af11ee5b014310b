#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing daxhold needs.  Idempotent: each step
# checks before it acts, so a second run costs a few seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Debian packages: kernel build (clang/lld/llvm, flex, bison, ...), the
# kernel source, the guest (qemu, busybox) and the storage tools that run
# inside it (ndctl, mkfs.xfs, mkfs.ext4, dmsetup, sfdisk, jq, trace-cmd),
# and dkms (make check builds the module with it, as users install it).
PKGS="clang lld llvm libclang-dev flex bison bc libelf-dev libssl-dev cpio
      xz-utils python3 gcc libc6-dev make $KSRC_PKG qemu-system-x86
      busybox-static ndctl xfsprogs e2fsprogs dmsetup fdisk kmod jq trace-cmd
      dkms"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	log "installing Debian packages:$missing"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# rust-src: the kernel builds its own `core` from it.
if ! rustc --print sysroot >/dev/null 2>&1; then
	die "no rustc found; install a Rust toolchain with rustup"
fi
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library" ]; then
	log "adding rustup component rust-src"
	rustup component add rust-src
fi

# bindgen: Debian's 0.60 is too old for 6.12 (needs >= 0.65.1); pin one.
if ! "$DAXHOLD_CACHE/tools/bin/bindgen" --version 2>/dev/null |
	grep -q "$BINDGEN_VERSION"; then
	log "building bindgen-cli $BINDGEN_VERSION (about a minute)"
	cargo install --locked --quiet --root "$DAXHOLD_CACHE/tools" \
		bindgen-cli --version "=$BINDGEN_VERSION"
fi
log "dependencies ready"
