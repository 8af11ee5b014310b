# SPDX-License-Identifier: GPL-2.0
# The stack changes between two failures of the same pmem page; the second
# must be translated with the new layout.  pmem0: a dm-linear device "lv"
# of two targets, reloaded (dmsetup suspend/reload/resume) with the targets
# swapped.  pmem1: an msdos partition table rewritten by sfdisk and read
# again (blockdev --rereadpt), so that the page moves from pmem1p1 to a new
# pmem1p2.  Each time: ext4 -o dax on the top device, madvise(MADV_HWPOISON)
# on a page of a file (its place checked against FIEMAP), umount, change
# the layout, then memory_failure() on the very same pfn again
# (hwpoison-inject's corrupt-pfn: nothing maps the page any more).  First
# without daxhold: the kernel logs the same pfn both times and nothing
# about the stack.  Then with daxhold (policy stacked): both notify_failure
# lines carry the same pmem offset, and the top line moves to the device
# and sector worked out here from the new `dmsetup table` / partition
# starts, in dmesg and in the daxhold_top trace events.
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=180
. /daxtest/lib.sh
require_module daxhold

plan 42

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
pm0=$(devnum pmem0)
# dm_layout 1|2: lv's table; 2 swaps the two targets.
dm_layout() {
	case $1 in
	1) printf '0 16384 linear %s 200000\n16384 400000 linear %s 8192\n' $pm0 $pm0 ;;
	2) printf '0 400000 linear %s 8192\n400000 16384 linear %s 200000\n' $pm0 $pm0 ;;
	esac
}
# part_layout 1|2: pmem1's partitions; 2 shrinks pmem1p1 to 8 MiB and adds
# pmem1p2 after it.
part_layout() {
	case $1 in
	1) printf 'label: dos\nstart=2048, size=600000\n' ;;
	2) printf 'label: dos\nstart=2048, size=16384\nstart=20480, size=580000\n' ;;
	esac | sfdisk -q --no-reread /dev/pmem1 && blockdev --rereadpt /dev/pmem1
}
# layouts N: reload lv with layout N and repartition pmem1 with layout N.
layouts() {
	dm_layout $1 > /tmp/lv.table &&
		dmsetup suspend lv && dmsetup reload lv /tmp/lv.table &&
		dmsetup resume lv && part_layout $1
}

dm_layout 1 > /tmp/lv.table
check "dmsetup create lv on pmem0 (layout 1)" dmsetup create lv /tmp/lv.table
lv=$(dm_name_dev lv)
check "sfdisk pmem1 (layout 1: pmem1p1)" part_layout 1

# mkfs_both: ext4 -o dax on lv and on pmem1p1, one file each; 3 tests.
mkfs_both() {
	check "mkfs.ext4 + mount -o dax /dev/mapper/lv" \
		mkfs_mount_dax ext4 /dev/mapper/lv /mnt/lv
	check "mkfs.ext4 + mount -o dax /dev/pmem1p1" \
		mkfs_mount_dax ext4 /dev/pmem1p1 /mnt/p
	for m in /mnt/lv /mnt/p; do
		dd if=/dev/urandom of=$m/f bs=4096 count=16 2>/dev/null
	done
	sync
	check "both mounted with dax" eval 'mount_has_dax /mnt/lv && mount_has_dax /mnt/p'
}

# --- 1. Upstream: no holder -------------------------------------------------
mkfs_both
check "daxhold is not loaded" test ! -d /sys/module/daxhold
dmesg_mark "without daxhold, layout 1"
dax_poison /mnt/lv/f 3 > /tmp/b.lv.out 2>&1
is $? 0 "without daxhold, $lv: dax_poison got a SIGBUS"
dax_poison /mnt/p/f 3 > /tmp/b.p.out 2>&1
is $? 0 "without daxhold, pmem1p1: dax_poison got a SIGBUS"
kernel_mf_lines > /tmp/b.1.k
check "umount both" umount /mnt/lv /mnt/p
check "without daxhold: reload lv and repartition pmem1 (layout 2)" layouts 2
diag "layout 2: $lv: $(dmsetup table lv | tr '\n' ';')" \
	"pmem1p1 at $(part_start pmem1p1), pmem1p2 at $(part_start pmem1p2)"
dmesg_mark "without daxhold, layout 2"
for f in lv p; do
	r=$(hwpoison_pfn "$(kv pfn /tmp/b.$f.out)")
	diag "corrupt-pfn $(kv pfn /tmp/b.$f.out): $r"
done
kernel_mf_lines > /tmp/b.2.k
diag "without daxhold, layout 1 (madvise), the kernel logged:"
diag_file /tmp/b.1.k
diag "without daxhold, layout 2 (the same pfns again), the kernel logged:"
diag_file /tmp/b.2.k
is "$(dmesg_grep_since_mark 'daxhold: ' | grep -c .)" 0 \
	"without daxhold: no daxhold line after the change; nothing names a device or sector"
check "back to layout 1" layouts 1

# --- 2. daxhold, policy stacked --------------------------------------------
check "insmod daxhold (policy stacked)" daxhold_load
check "daxhold trace events on" trace_on
held() {
	[ "$(daxhold_field pmem0 mode)" = auto ] && [ "$(daxhold_field pmem1 mode)" = auto ]
}
check "daxhold holds pmem0 (under dm) and pmem1 (partitioned) by policy" until_ok held
mkfs_both
dmesg_mark "with daxhold, layout 1"
# Page 7: page 3 may still be poisoned from above.
dax_poison /mnt/lv/f 7 > /tmp/lv.out 2>&1
is $? 0 "$lv: dax_poison got a SIGBUS"
dax_poison /mnt/p/f 7 > /tmp/p.out 2>&1
is $? 0 "pmem1p1: dax_poison got a SIGBUS"
daxhold_wait 'daxhold: pmem0: .* -> '
daxhold_wait 'daxhold: pmem1: .* -> '
daxhold_lines > /tmp/dh.1
diag "layout 1: $lv: $(dmsetup table lv | tr '\n' ';') pmem1p1 at $(part_start pmem1p1)"
diag_file /tmp/dh.1

# dm, layout 1: lv sector from FIEMAP, pmem0 sector from lv's table.
s1=$(($(kv fs_offset /tmp/lv.out) / 512))
set -- $(dm_linear_down lv $s1)
is "$1" "$pm0" "layout 1: $lv sector $s1 is on pmem0"
p0=$2
off0=$(printf '0x%x' $((p0 * 512)))
is "$(field offset "$(nf_line pmem0)")" "$off0" \
	"layout 1: pmem0 notify_failure offset == pmem0 sector from FIEMAP and lv's table * 512"
like "$(grep 'daxhold: pmem0: .* -> ' /tmp/dh.1)" \
	"pmem0: offset $off0 len 0x1000 -> top $lv sector $s1 sectors 8 depth 1: no holder" \
	"layout 1: -> top $lv sector $s1 (FIEMAP)"

# partition, layout 1: pmem1p1 sector from FIEMAP, pmem1 sector from its start.
q1=$(($(kv fs_offset /tmp/p.out) / 512))
p1=$(($(part_start pmem1p1) + q1))
off1=$(printf '0x%x' $((p1 * 512)))
is "$(field offset "$(nf_line pmem1)")" "$off1" \
	"layout 1: pmem1 notify_failure offset == pmem1p1 start + FIEMAP sector, * 512"
like "$(grep 'daxhold: pmem1: .* -> ' /tmp/dh.1)" \
	"pmem1: offset $off1 len 0x1000 -> top pmem1p1 sector $q1 sectors 8 depth 1: no holder" \
	"layout 1: -> top pmem1p1 sector $q1 (FIEMAP)"

check "umount both" umount /mnt/lv /mnt/p
check "with daxhold: reload lv and repartition pmem1 (layout 2)" layouts 2
check "pmem1 is held again after the partitions were read again" until_ok held

# The same pages again, under layout 2.
s2=$(dm_linear_up lv "$pm0" $p0)
set -- $(part_at pmem1 $p1)
part2=$1 q2=$2
diag "layout 2: $lv: $(dmsetup table lv | tr '\n' ';') pmem1p1 at $(part_start pmem1p1)," \
	"pmem1p2 at $(part_start pmem1p2)"
diag "expected: pmem0 sector $p0 -> $lv sector $s2 (was $s1);" \
	"pmem1 sector $p1 -> $part2 sector $q2 (was pmem1p1 sector $q1)"
isnt "$s2" "$s1" "layout 2 moves the pmem0 page to another $lv sector"
is "$part2" pmem1p2 "layout 2 moves the pmem1 page into pmem1p2"
dmesg_mark "with daxhold, layout 2"
trace_clear
for f in lv p; do
	r=$(hwpoison_pfn "$(kv pfn /tmp/$f.out)")
	diag "corrupt-pfn $(kv pfn /tmp/$f.out): $r"
done
daxhold_wait 'daxhold: pmem0: .* -> '
daxhold_wait 'daxhold: pmem1: .* -> '
daxhold_lines > /tmp/dh.2
diag_file /tmp/dh.2
is "$(field offset "$(nf_line pmem0)")" "$off0" "layout 2: pmem0 notify_failure offset unchanged"
is "$(field mf_flags "$(nf_line pmem0)")" 0x20 "layout 2: pmem0 mf_flags MF_SW_SIMULATED (corrupt-pfn)"
like "$(grep 'daxhold: pmem0: .* -> ' /tmp/dh.2)" \
	"pmem0: offset $off0 len 0x1000 -> top $lv sector $s2 sectors 8 depth 1: no holder" \
	"layout 2: -> top $lv sector $s2 (the reloaded table)"
is "$(grep -c 'daxhold: pmem0: .* -> ' /tmp/dh.2)" 1 "layout 2: one piece on pmem0"
is "$(field offset "$(nf_line pmem1)")" "$off1" "layout 2: pmem1 notify_failure offset unchanged"
like "$(grep 'daxhold: pmem1: .* -> ' /tmp/dh.2)" \
	"pmem1: offset $off1 len 0x1000 -> top $part2 sector $q2 sectors 8 depth 1: no holder" \
	"layout 2: -> top $part2 sector $q2 (the table read again)"
is "$(grep -c 'daxhold: pmem1: .* -> ' /tmp/dh.2)" 1 "layout 2: one piece on pmem1"
trace_ev daxhold_top > /tmp/tt.2
diag_file /tmp/tt.2
like "$(cat /tmp/tt.2)" \
	"device=$lv dev=$(devnum $lv) depth=1 sector=$s2 sectors=8 outcome=declined" \
	"layout 2: trace daxhold_top $lv sector $s2 (the reloaded table)"
like "$(cat /tmp/tt.2)" \
	"device=$part2 dev=$(devnum $part2) depth=1 sector=$q2 sectors=8 outcome=declined" \
	"layout 2: trace daxhold_top $part2 sector $q2 (the table read again)"

check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
done_testing
