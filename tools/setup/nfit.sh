#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the kernel's NVDIMM test modules (tools/testing/nvdimm) into a built
# tree of the nfit flavour; tools/setup/kernel.sh nfit calls this.
#
#   tools/setup/nfit.sh KDIR
#
# The result, in KDIR/tools/testing/nvdimm: libnvdimm.ko, nd_pmem.ko,
# nd_btt.ko, nd_e820.ko, nfit.ko, dax_pmem.ko, device_dax.ko (the in-tree
# drivers again, linked with `--wrap=` so that test/nfit_test_iomap.ko can
# stand in for ioremap, devm_memremap_pages, acpi_evaluate_dsm, ...) and
# test/nfit_test.ko (two emulated NFIT buses, nfit_test.0 and nfit_test.1,
# with address range scrub and error injection).  The guest must load these,
# not the tree's drivers/nvdimm ones (tools/testing/guest/mkinitramfs.py).
#
# The stamp holds a hash of this script: a change to it builds again;
# otherwise this returns at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${1:?usage: nfit.sh KDIR}
ndir=$kdir/tools/testing/nvdimm
stamp=$ndir/.daxhold-nfit-built
want=$(sha256sum "$0" | cut -c1-12)
MODULES="libnvdimm nd_pmem nd_btt nfit dax_pmem device_dax
	 test/nfit_test_iomap test/nfit_test"

[ -f "$kdir/.daxhold-built" ] || die "$kdir is not a built test kernel"
[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0

# config_check.c would fail the build with a BUILD_BUG_ON; say which
# option is wrong instead.
for opt in LIBNVDIMM BLK_DEV_PMEM ND_BTT ND_PFN ACPI_NFIT DEV_DAX \
	DEV_DAX_PMEM; do
	grep -qx "CONFIG_$opt=m" "$kdir/.config" ||
		die "CONFIG_$opt is not =m in $kdir/.config (tools/kconfig/nfit.config)"
done

log "building tools/testing/nvdimm in $kdir (about 15 s)"
rm -f "$stamp"
# The objects of drivers/nvdimm, drivers/acpi/nfit and drivers/dax that the
# test Kbuild names by relative path are rebuilt in the tree's own
# directories (same as the in-tree modules, which the guest never loads).
make -s -C "$kdir" M="$ndir" LLVM=1 -j"$(nproc)" modules
for m in $MODULES; do
	[ -f "$ndir/$m.ko" ] || die "tools/testing/nvdimm/$m.ko was not built"
done
echo "$want" > "$stamp"
log "nfit_test modules ready: $ndir"
