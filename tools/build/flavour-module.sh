#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build daxhold.ko against another flavour's kernel without touching the
# in-tree build (which is the default flavour's).
#
#   tools/build/flavour-module.sh NAME KDIR     (make module-flavour)
#   DAXHOLD_KUNIT=y tools/build/flavour-module.sh NAME-kunit KDIR
#                                               (make module-flavour-kunit)
#
# Kbuild of 6.12 writes an external module's objects next to its sources,
# so the sources the module build reads (Kbuild, include/, rust/ without
# rust/pure/target, tools/build/) are copied, with their times, to
# build/<NAME>/src and built there.  Unchanged files keep their times, so
# a rebuild only compiles what changed.  The result is build/<NAME>/daxhold.ko
# (with the KUnit suites if DAXHOLD_KUNIT=y).
set -euo pipefail
flavour=${1:?usage: flavour-module.sh NAME KDIR}
kdir=${2:?usage: flavour-module.sh NAME KDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/$flavour
src=$out/src
. "$top/tools/setup/lib.sh"

mkdir -p "$src"
# Copy only sources (no objects of the in-tree build); a file gone from the
# tree goes from the copy too.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
(cd "$top" && find Kbuild include rust tools/build \
	-path rust/pure/target -prune -o -type f \
	\( -name Kbuild -o -name '*.rs' -o -name '*.c' -o -name '*.h' \
	   -o -name '*.sh' \) ! -name dax_generated.rs ! -name dax_format.h -print0) > "$list"
(cd "$top" && tar --null -T "$list" -cf -) | tar -xpf - -C "$src"
(cd "$src" && find Kbuild include rust tools/build -type f \
	\( -name Kbuild -o -name '*.rs' -o -name '*.c' -o -name '*.h' \
	   -o -name '*.sh' \) ! -name dax_generated.rs ! -name dax_format.h -print0) |
	while IFS= read -r -d '' f; do
		[ -e "$top/$f" ] || rm -f "$src/$f"
	done

make -s -C "$kdir" M="$src" LLVM=1 BINDGEN="$DAXHOLD_CACHE/tools/bin/bindgen" \
	${DAXHOLD_KUNIT:+DAXHOLD_KUNIT=y} -j"$(nproc)" modules
cp "$src/daxhold.ko" "$out/daxhold.ko"
echo "$out/daxhold.ko"
