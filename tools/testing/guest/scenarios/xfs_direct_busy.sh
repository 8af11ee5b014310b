# SPDX-License-Identifier: GPL-2.0
# XFS mounted -o dax directly on /dev/pmem0 is the dax holder of pmem0:
# attaching daxhold to pmem0 must fail with EBUSY and one clear dmesg line,
# loading with devices=pmem0 must fail the same way, and XFS must keep
# DAX (statx STATX_ATTR_DAX, and a mapped page lies in the pmem).
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

# dax_mapped FILE: map FILE and check its first page lies in pmem0.
dax_mapped() {
	dax_poison "$1" 0 --no-poison > /tmp/map.out 2>&1 || {
		cat /tmp/map.out; return 1; }
	_p=$(kv phys /tmp/map.out)
	_s=$(pmem_data_start pmem0)
	_z=$(pmem_data_size pmem0)
	[ $((_p)) -ge $((_s)) ] && [ $((_p)) -lt $((_s + _z)) ] || {
		echo "phys $_p not in pmem0 [$_s, +$_z)"; return 1; }
}

plan 21

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "mkfs.xfs + mount -o dax /dev/pmem0" \
	mkfs_mount_dax xfs /dev/pmem0 /mnt/xfs
check "/proc/mounts shows dax for /mnt/xfs" mount_has_dax /mnt/xfs
dd if=/dev/zero of=/mnt/xfs/a bs=4096 count=16 2>/dev/null
r=$(statx_dax /mnt/xfs/a)
is "$(field dax "$r")" 1 "statx: file a is DAX ($r)"
check "a mapped page of file a lies in pmem0" dax_mapped /mnt/xfs/a

check "insmod daxhold (no devices)" daxhold_load
dmesg_mark attach
expect_write errno=EBUSY "attach pmem0 while XFS holds it: EBUSY" \
	$DAXHOLD_SYSFS/attach pmem0
dmesg_grep_since_mark 'daxhold: ' | strip_ts > /tmp/dh.lines
diag_file /tmp/dh.lines
is "$(grep -c . /tmp/dh.lines)" 1 "exactly one daxhold dmesg line"
like "$(cat /tmp/dh.lines)" 'pmem0' "the line names pmem0"
is "$(daxhold_nholders)" 0 "holders is empty"
expect_write errno=EBUSY "attach /dev/pmem0 (by path): EBUSY" \
	$DAXHOLD_SYSFS/attach /dev/pmem0
check "rmmod daxhold" daxhold_unload

dmesg_mark insmod
r=$(modctl load "$DAXHOLD_KO" devices=pmem0)
is "$r" errno=EBUSY "insmod devices=pmem0 while XFS holds it: EBUSY"
is "$(dmesg_count_since_mark 'daxhold: ')" 1 "exactly one daxhold dmesg line"
is "$([ -e /sys/module/daxhold ] && echo loaded)" "" "daxhold is not loaded"

# XFS kept DAX and still works.
dd if=/dev/zero of=/mnt/xfs/b bs=4096 count=16 2>/dev/null
r=$(statx_dax /mnt/xfs/b)
is "$(field dax "$r")" 1 "statx: new file b is DAX ($r)"
check "a mapped page of file b lies in pmem0" dax_mapped /mnt/xfs/b
is "$(dmesg | grep -c 'Turning off DAX')" 0 "XFS never turned DAX off"

# Once XFS lets go, the attach works.
umount /mnt/xfs
check "insmod daxhold" daxhold_load
expect_write ok "attach pmem0 after umount" $DAXHOLD_SYSFS/attach pmem0
check "rmmod daxhold with pmem0 attached" daxhold_unload
done_testing
