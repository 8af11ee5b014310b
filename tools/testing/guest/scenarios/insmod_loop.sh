# SPDX-License-Identifier: GPL-2.0
# insmod/rmmod daxhold 20 times without devices, then 20 times with
# devices=pmem0 and 20 times with devices=pmem0,pmem1: every cycle loads
# and unloads cleanly, the module's refcnt is 0 while loaded, it leaves no
# /sys/module/daxhold behind, and the kmalloc caches do not grow.
# slub_debug=U makes the object counts exact (lib.sh: slab_snapshot).
#
# daxhold-test: nvdimms=2
# daxhold-test: append=slub_debug=U
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

CYCLES=20

# cycle DEVICES-PARAM EXPECTED-HOLDERS: one load/check/unload; prints a
# problem description and returns 1 on the first problem.
cycle() {
	if [ -n "$1" ]; then
		r=$(modctl load "$DAXHOLD_KO" "devices=$1")
	else
		r=$(modctl load "$DAXHOLD_KO")
	fi
	[ "$r" = ok ] || { echo "insmod ${1:+devices=$1}: $r"; return 1; }
	[ -d /sys/module/daxhold ] || { echo "no /sys/module/daxhold"; return 1; }
	rc=$(cat /sys/module/daxhold/refcnt)
	[ "$rc" = 0 ] || { echo "refcnt $rc while loaded"; return 1; }
	n=$(daxhold_nholders)
	[ "$n" = "$2" ] || { echo "holders lists $n devices, want $2"; return 1; }
	r=$(modctl unload daxhold)
	[ "$r" = ok ] || { echo "rmmod: $r"; return 1; }
	[ ! -e /sys/module/daxhold ] || { echo "/sys/module/daxhold left"; return 1; }
	[ ! -e "$DAXHOLD_SYSFS" ] || { echo "$DAXHOLD_SYSFS left"; return 1; }
	return 0
}

# loop N DEVICES EXPECTED-HOLDERS
loop() {
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		cycle "$2" "$3" || { echo "(cycle $i)"; return 1; }
	done
}

plan 9

check "ndctl create-namespace -m fsdax on both regions" make_fsdax_all
is "$(grep -c . $DAXTEST_STATE/pmems)" 2 "two pmem devices"

# Warm up: the first load populates caches (sysfs, kernfs, module
# loader) that later cycles reuse.
loop 3 "" 0 > /dev/null
loop 2 pmem0,pmem1 2 > /dev/null
# The first snapshot leaves debugfs state behind; take the baseline after.
slab_snapshot /tmp/slab.before
slab_snapshot /tmp/slab.before
slab_exact || diag "no slub_debug=U: counts move in whole slabs"

check "$CYCLES x insmod/rmmod without devices" loop $CYCLES "" 0
check "$CYCLES x insmod devices=pmem0 / rmmod" loop $CYCLES pmem0 1
check "$CYCLES x insmod devices=/dev/pmem1 / rmmod" loop $CYCLES /dev/pmem1 1
check "$CYCLES x insmod devices=pmem0,pmem1 / rmmod" loop $CYCLES pmem0,pmem1 2

slab_snapshot /tmp/slab.after
slab_growth /tmp/slab.before /tmp/slab.after > /tmp/slab.growth
diag "kmalloc caches that grew over $((CYCLES * 4)) cycles:"
diag_file /tmp/slab.growth
slab_site_growth /tmp/slab.before /tmp/slab.after > /tmp/slab.sites
diag "allocation sites that grew:"
diag_file /tmp/slab.sites 20
# A leak of one object per cycle shows as >= CYCLES objects; anything
# below is background noise of an idle guest.
leaks=$(awk -v c=$CYCLES '{ n = substr($2, 2) + 0; if (n >= c) print }' \
	/tmp/slab.growth)
is "$leaks" "" "no kmalloc cache grew by >= $CYCLES objects"

ok_unloaded=1
[ -e /sys/module/daxhold ] && ok_unloaded=0
is $ok_unloaded 1 "daxhold is not loaded at the end"

# The devices are free again: XFS can claim pmem0's holder slot.
xfs_dax() {
	mkfs_mount_dax xfs /dev/pmem0 /mnt/xfs && mount_has_dax /mnt/xfs
}
check "pmem0 takes an XFS -o dax mount (with DAX) after all cycles" xfs_dax
umount /mnt/xfs
done_testing
