#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the test kernel of one flavour and print its tree.
#
#   tools/setup/kernel.sh [FLAVOUR]      (default: default)
#
# The tree is $DAXHOLD_CACHE/kernel/<flavour>-<key>, where <key> hashes the
# installed kernel source package version and the config fragments.  A
# change to either builds a new tree; otherwise this returns at once.
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

if [ -f "$stamp" ]; then
	echo "$kdir"
	exit 0
fi

log "building the $flavour kernel in $kdir (5-10 minutes)"
# No stamp: a missing or half-built tree.  Start it again from the source.
rm -rf "$kdir"
mkdir -p "$kdir"
tar -xf /usr/src/$KSRC_PKG.tar.xz -C "$kdir" --strip-components=1
cd "$kdir"
make -s LLVM=1 tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$frag_dir/base.config" \
	"$frag_dir/$flavour.config" >/dev/null
make -s LLVM=1 olddefconfig >/dev/null

# Every option the fragments ask for must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx "$line" .config || { log "not applied: $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		grep -qx "$line" .config || { log "not applied: $line"; bad=1; } ;;
	esac
done < <(cat "$frag_dir/base.config" "$frag_dir/$flavour.config")
[ $bad -eq 0 ] || die "config fragment not fully applied (see above)"

make -s LLVM=1 BINDGEN="$DAXHOLD_CACHE/tools/bin/bindgen" \
	-j"$(nproc)" bzImage modules
touch "$stamp"
log "kernel ready: $kdir"
echo "$kdir"
