# SPDX-License-Identifier: GPL-2.0
# daxhold on the nfit kernel, whose libnvdimm and pmem drivers are modules
# (the test kernel of `make check`'s DKMS step: this scenario also runs with
# the daxhold.ko that DKMS built from dkms.conf against that kernel's tree,
# tools/build/dkms.sh).  The module loads and says so; it holds a
# partitioned nfit_test pmem by policy, with ext4 -o dax on a partition;
# its trace events and sysfs files are there; an error injected under a
# file page (ndctl inject-error) is reported as known poison naming the
# file; the dry run of those bytes names the partition and the page's
# sector; it unloads cleanly.
#
# daxhold-test: flavour=nfit
# daxhold-test: nvdimms=0
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

plan 15

check "insmod the nfit_test modules" nfit_load
check "an fsdax namespace on nfit_test.0" nfit_fsdax nfit_test.0
bd=$NFIT_BD
check "two partitions on $bd" sh -c "printf 'label: dos\nstart=2048, size=61440, type=83\nstart=63488, type=83\n' |
	sfdisk -q /dev/$bd"
check "partition ${bd}p1" wait_for "/dev/${bd}p1"
check "mkfs.ext4 + mount -o dax ${bd}p1" mkfs_mount_dax ext4 "/dev/${bd}p1" /mnt/e
dd if=/dev/urandom of=/mnt/e/f bs=4096 count=16 2>/dev/null
sync
dmesg_mark load
check "insmod daxhold" daxhold_load
like "$(dmesg_grep_since_mark 'daxhold: loaded' | strip_ts)" "daxhold: loaded \(policy stacked\)" \
	"it says it loaded"
is "$(cat /sys/module/daxhold/taint 2>/dev/null)" "O" "only out-of-tree taint"
held() { [ "$(daxhold_field "$bd" mode)" = auto ]; }
check "daxhold holds the partitioned $bd (auto)" until_ok held
check "its devices/ directory" test -d "/sys/kernel/daxhold/devices/$bd"
check "its trace events" test -d /sys/kernel/tracing/events/daxhold/daxhold_failure

# Known poison: an injected error under page 3 of the file, notified.
fs=$(fiemap_sector /mnt/e/f 3)
w=$(pmem_sector "${bd}p1" "$fs")
sector=${w#* }
diag "page 3 of /mnt/e/f: sector $fs of ${bd}p1, $w"
check "ndctl inject-error --block=$sector --count=8 $NFIT_NS" \
	ndctl inject-error --block=$sector --count=8 "$NFIT_NS"
poison_names "inject" /mnt/e/f "${bd}p1" "$bd" "$sector" 3
# The dry run of the same bytes names the partition and its sector.
exec 3<> /proc/fs/daxhold/translate
printf '%s' "$bd $((sector * 512)) 4096" >&3
answer=$(cat <&3)
exec 3>&-
is "$answer" "top ${bd}p1 dev=$(devnum ${bd}p1) sector=$fs sectors=8 depth=1" \
	"translate: the page's sector on ${bd}p1, depth 1"
check "umount; rmmod daxhold" sh -c 'umount /mnt/e && modctl unload daxhold | grep -qx ok'
