# SPDX-License-Identifier: GPL-2.0
# Allocation failures during the badblocks scan (Documentation/
# testing.rst, "Allocation failures"): ext4 -o dax on pmem0p1, daxhold
# holding pmem0 by policy, three bad ranges written into pmem0's
# badblocks list (under a file, under free space, under the inode table),
# so that a scan reads the list, translates it and resolves each range
# (the DAX index, the files' extents, the ext4 layout).  Each trial is a
# scan (a write to the badblocks policy file) with failslab, then
# fail_page_alloc, aimed at poison::scan::scan.  Each injection must be
# handled: exactly one daxhold line (warning or worse) names the errno,
# and the known poison (/proc/fs/daxhold/poison) is what it was before:
# no range or owner reported cleared, or new again by the next trial's
# scan.  At least 100 injections; then a scan without injection leaves
# it as it was, and after rmmod kmemleak suspects nothing.
#
# daxhold-test: flavour=debug
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=1800
. /daxtest/lib.sh
. /daxtest/lib/nvdimm.sh
. /daxtest/lib/failslab.sh
. /daxtest/lib/fi_sweep.sh
. /daxtest/lib/kmemleak.sh
require_module daxhold
fi_available || skip_all "no failslab/fail_page_alloc with a stack filter"
kmemleak_available || skip_all "no kmemleak"

PART_START=2048
P=/proc/fs/daxhold/poison
BBP=$DAXHOLD_SYSFS/badblocks
plan 23

check "the NVDIMM drivers" nvdimm_load
check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: pmem0p1 from sector $PART_START" \
	sh -c "printf 'label: dos\nstart=$PART_START\n' | sfdisk -q /dev/pmem0"
wait_for /dev/pmem0p1 10
check "mkfs.ext4 + mount -o dax /dev/pmem0p1" mkfs_mount_dax ext4 /dev/pmem0p1 /mnt/p
dd if=/dev/urandom of=/mnt/p/a.dat bs=4096 count=16 2>/dev/null
dd if=/dev/urandom of=/mnt/p/b.dat bs=4096 count=16 2>/dev/null
sync
check "kmemleak: earlier suspects set aside" kmemleak_baseline
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held

# Where the bad ranges go: block 3 of a.dat (FIEMAP), the last free block
# and group 0's inode table (dumpe2fs), in pmem0 sectors.
dax_poison /mnt/p/a.dat 3 --no-poison > /tmp/a.out 2>&1
S=$((PART_START + $(kv fs_offset /tmp/a.out) / 512))
dumpe2fs /dev/pmem0p1 > /tmp/dumpe2fs.out 2>/dev/null
fblk=$(sed -n 's/^ *Free blocks: //p' /tmp/dumpe2fs.out | tr ',' '\n' | grep . |
	tail -n 1 | sed 's/.*-//; s/ //g')
itab=$(sed -n 's/.*Inode table at \([0-9]*\)-.*/\1/p' /tmp/dumpe2fs.out | head -n 1)
for s in $S $((PART_START + fblk * 8)) $((PART_START + itab * 8)); do
	echo "$s 8" > /sys/block/pmem0/badblocks
done
is "$(grep -c . /sys/block/pmem0/badblocks)" 3 "three bad ranges in pmem0's list"

# bb_scans: SCANS = the scans so far (shell only: this runs often; a
# read cut short by a signal is read again).
bb_scans() {
	for _try in 1 2 3; do
		read -r _i < $DAXHOLD_SYSFS/index
		case $_i in
		*" bb_scans="[0-9]*)
			SCANS=${_i#* bb_scans=}
			SCANS=${SCANS%% *}
			return 0 ;;
		esac
	done
	SCANS=0
}

# bb_scan: one scan now, returned once it is over (reading the index file
# waits for the known-poison lock the scan holds).
bb_scan() {
	bb_scans
	_s=$SCANS _w=600
	writefile "$BBP" report > /dev/null
	while bb_scans && [ "$SCANS" -le $_s ] && [ $_w -gt 0 ]; do
		_w=$((_w - 1))
		sleep 0.1
	done
	bb_scans
}

bb_scan
grep -v '^#' $P | sort > /tmp/poison.base
is "$(grep -c '^bad ' /tmp/poison.base)" 3 "$P: three bad ranges"
like "$(grep '^file ' /tmp/poison.base)" "ino=$(stat -c %i /mnt/p/a.dat) offset=0x3000 " \
	"$P: a.dat at offset 0x3000"
like "$(grep -Ec "^(metadata|unowned) " /tmp/poison.base)" '^2$' \
	"$P: the inode table and the free block"
check "failslab, fail_page_alloc set up" fi_setup
fi_log_start
check "aim at poison::scan::scan" fi_aim '6poison4scan4scan$'

# same_poison: the known poison is the baseline.
same_poison() {
	grep -v '^#' $P | sort | cmp -s - /tmp/poison.base
}

# bb_trial ATTR K: a scan with the K-th allocation failing (K up to 16),
# or the (K % 16)-th after 8800 bytes went through (K up to 32: past the
# list's 8 KiB copy, the ranges and findings), or after 16000 (the
# owners); the known poison is as it was (the next trial's scan would
# report a range lost here as damaged again).
bb_trial() {
	_nth=$((($2 - 1) % 16 + 1))
	case $((($2 - 1) / 16)) in
	0) fi_arm "$1" $_nth ;;
	1) fi_arm "$1" $_nth 1 8800 ;;
	*) fi_arm "$1" $_nth 1 16000 ;;
	esac
	bb_scan
	fi_fired "$1"
	_fired=$?
	same_poison
	_kept=$?
	[ $_fired = 0 ] || return 2
	[ $_kept = 0 ] || { fi_why "known poison changed by the failed scan"; return 1; }
	# A page allocation that fails can be absorbed by the allocator's
	# own fallback (a smaller slab, vmalloc): not seen here.
	[ "$1" = failslab ] && return 0
	return 4
}

fi_start
fi_sweep failslab 100 400 48 bb_trial
fi_sweep fail_page_alloc 10 40 48 bb_trial
fi_report "badblocks scan" 100 'badblocks'

check "fault injection off" fi_off
dmesg_mark "clean scan"
bb_scan
check "a scan without injection: the known poison as before" same_poison
is "$(dmesg_grep_since_mark 'known poison|badblocks: sector' | grep -c .)" 0 \
	"no range or owner reported new or cleared"
check "umount /mnt/p" umount /mnt/p
check "rmmod daxhold" daxhold_unload
if kmemleak_suspects /tmp/kmemleak.out; then
	ok "kmemleak suspects nothing"
else
	not_ok "kmemleak suspects nothing"
	diag_file /tmp/kmemleak.out 60
fi
check "the kernel log copy kept up" fi_log_stop
done_testing
