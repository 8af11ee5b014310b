#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# daxhold.ko built by DKMS from dkms.conf, as on a user's machine.
#
#   tools/build/dkms.sh install [KVER]   (make dkms-install) the sources to
#       /usr/src/daxhold-VERSION, then dkms add, build and install for
#       kernel KVER (default: the running one), whose build tree is
#       /lib/modules/KVER/build
#   tools/build/dkms.sh check KDIR OUT   (make check) the same with DKMS's
#       trees under OUT (nothing of the system's touched), against the build
#       tree KDIR; the module ends up as OUT/daxhold.ko
#
# The sources DKMS gets are what the module build reads: Kbuild, dkms.conf,
# include/, rust/ (no rust/pure/target, no build products), tools/build/.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/setup/lib.sh"
command -v dkms >/dev/null || die "no dkms; run tools/setup/deps.sh"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
[ -n "$ver" ] || die "dkms.conf has no PACKAGE_VERSION"

# copy_sources DIR: the module's sources into DIR (created, emptied first).
copy_sources() {
	rm -rf "$1" && mkdir -p "$1"
	(cd "$top" && find Kbuild dkms.conf include rust tools/build \
		-path rust/pure/target -prune -o -type f \
		\( -name Kbuild -o -name dkms.conf -o -name '*.rs' -o -name '*.c' \
		   -o -name '*.h' -o -name '*.sh' \) ! -name dax_generated.rs ! -name dax_format.h -print0 |
		tar --null -T - -cf -) | tar -xf - -C "$1"
}

case ${1:-} in
install)
	kver=${2:-$(uname -r)}
	copy_sources "/usr/src/daxhold-$ver"
	dkms remove -m daxhold -v "$ver" --all >/dev/null 2>&1 || true
	dkms add -m daxhold -v "$ver"
	dkms build -m daxhold -v "$ver" -k "$kver"
	dkms install -m daxhold -v "$ver" -k "$kver"
	;;
check)
	kdir=${2:?usage: dkms.sh check KDIR OUT} out=${3:?usage: dkms.sh check KDIR OUT}
	kdir=$(cd "$kdir" && pwd) out=$(realpath -m "$out")
	kver=$(cat "$kdir/include/config/kernel.release")
	rm -rf "$out" && mkdir -p "$out/tree"
	copy_sources "$out/source/daxhold-$ver"
	trees=(--sourcetree "$out/source" --dkmstree "$out/tree")
	dkms add -m daxhold -v "$ver" "${trees[@]}"
	if ! dkms build -m daxhold -v "$ver" -k "$kver" --kernelsourcedir "$kdir" \
		"${trees[@]}"; then
		cat "$out/tree/daxhold/$ver/build/make.log" >&2 || true
		die "dkms build against $kdir failed"
	fi
	ko=$(find "$out/tree/daxhold/$ver/$kver" -name 'daxhold.ko*' | head -n 1)
	[ -n "$ko" ] || die "dkms built no daxhold.ko"
	cp "$ko" "$out/daxhold.ko"
	log "dkms: $out/daxhold.ko for $kver"
	;;
*)
	die "usage: dkms.sh install [KVER] | check KDIR OUT"
	;;
esac
