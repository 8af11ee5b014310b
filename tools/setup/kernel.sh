#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the test kernel of one flavour and print its tree.
#
#   tools/setup/kernel.sh [FLAVOUR]      (default: default)
#
# The tree is $DAXHOLD_CACHE/kernel/<flavour>-<key>, where <key> hashes the
# installed kernel source package version and the config fragments.  A
# change to either builds a new tree; otherwise this returns at once.
# The nfit and debug flavours also build the kernel's tools/testing/nvdimm
# modules into their tree (tools/setup/nfit.sh, with a stamp of its own).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-default}
frag_dir=$DAXHOLD_TOP/tools/kconfig
[ -f "$frag_dir/$flavour.config" ] ||
	die "unknown kernel flavour '$flavour' (no tools/kconfig/$flavour.config)"

ksrc_ver=$(dpkg-query -W -f='${Version}' "$KSRC_PKG" 2>/dev/null) ||
	die "$KSRC_PKG is not installed; run tools/setup/deps.sh"
key=$( { echo "$ksrc_ver"; cat "$frag_dir/base.config" \
	"$frag_dir/$flavour.config"; } | sha256sum | cut -c1-12)
kdir=$DAXHOLD_CACHE/kernel/$flavour-$key
stamp=$kdir/.daxhold-built

# What a flavour builds into its tree after the kernel (idempotent).
flavour_extras() {
	case $flavour in
	nfit | debug) "$DAXHOLD_TOP/tools/setup/nfit.sh" "$kdir" >&2 ||
		die "building tools/testing/nvdimm in $kdir failed" ;;
	esac
}

# One build of a tree at a time: a second caller waits, then finds the
# stamp, instead of removing a tree that is being built.
mkdir -p "$DAXHOLD_CACHE/kernel"
exec 9>"$DAXHOLD_CACHE/kernel/.$flavour-$key.lock"
flock 9

if [ -f "$stamp" ]; then
	flavour_extras
	echo "$kdir"
	exit 0
fi

case $flavour in
debug) took="about 25 minutes on two cores" ;;
*) took="about 10 minutes on two cores" ;;
esac
log "building the $flavour kernel in $kdir ($took)"
# No stamp: a missing or half-built tree.  Start it again from the source.
rm -rf "$kdir"
mkdir -p "$kdir"
tar -xf /usr/src/$KSRC_PKG.tar.xz -C "$kdir" --strip-components=1
cd "$kdir"
make -s LLVM=1 tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$frag_dir/base.config" \
	"$frag_dir/$flavour.config" >/dev/null
make -s LLVM=1 olddefconfig >/dev/null

# Every option the fragments ask for must have survived olddefconfig.  A
# flavour may override a base.config option: the last setting counts.
bad=0
while IFS= read -r line; do
	grep -qx "$line" .config || { log "not applied: $line"; bad=1; }
done < <(cat "$frag_dir/base.config" "$frag_dir/$flavour.config" | awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { s = $2 }
	s != "" { if (!(s in last)) order[++n] = s; last[s] = $0; s = "" }
	END { for (i = 1; i <= n; i++) print last[order[i]] }')
[ $bad -eq 0 ] || die "config fragment not fully applied (see above)"

make -s LLVM=1 BINDGEN="$DAXHOLD_CACHE/tools/bin/bindgen" \
	-j"$(nproc)" bzImage modules
touch "$stamp"
log "kernel ready: $kdir"
flavour_extras
echo "$kdir"
