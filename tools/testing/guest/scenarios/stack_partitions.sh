# SPDX-License-Identifier: GPL-2.0
# One pmem split by sfdisk (GPT) into two partitions with a gap between
# them, ext4 -o dax on each; madvise(MADV_HWPOISON) on a page of a file on
# each partition.  First without daxhold: the kernel's per-page path sends
# the SIGBUS, and nothing in the log names the partition or the sector.
# Then with daxhold (policy stacked, which holds pmem0 because it is
# partitioned): one notify_failure line per page whose pmem offset is the
# partition's start plus the FIEMAP offset, and one "-> top pmem0pN sector
# S" line with S the FIEMAP offset / 512, outcome EOPNOTSUPP (a partition
# shares the pmem's dax_device: nothing above holds it), and the process
# still gets BUS_MCEERR_AR.  Last, ext4 on the whole disk (the kernel keeps
# its partitions): a page in the gap between the partitions or past them is
# reported as "unmapped pmem0 ... depth 0".  The daxhold_top trace event
# says the same as each top line.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

plan 56

check "ndctl create-namespace -m fsdax" make_fsdax_all
# p1 from 1 MiB, 128 MiB; a gap of about 17 MiB; p2, 128 MiB; the rest of
# the disk (about 730 MiB) in no partition.  Starts 4 KiB aligned (DAX).
check "sfdisk: GPT, pmem0p1 and pmem0p2 with a gap between them" \
	sh -c 'printf "label: gpt\nstart=2048, size=262144\nstart=300008, size=262144\n" |
		sfdisk -q /dev/pmem0'
for n in 1 2; do
	eval "start$n=$(part_start pmem0p$n)"
	check "mkfs.ext4 + mount -o dax /dev/pmem0p$n" \
		mkfs_mount_dax ext4 /dev/pmem0p$n /mnt/p$n
	check "/mnt/p$n mounted with dax" mount_has_dax /mnt/p$n
	for f in before with; do
		dd if=/dev/urandom of=/mnt/p$n/$f bs=4096 count=16 2>/dev/null
	done
done
sync
diag "pmem0p1 starts at sector $start1, pmem0p2 at sector $start2 of pmem0"
data_start=$(pmem_data_start pmem0)

# --- 1. Upstream: no holder on pmem0 -------------------------------------
check "daxhold is not loaded" sh -c '! [ -d /sys/module/daxhold ]'
for n in 1 2; do
	dmesg_mark "pmem0p$n without daxhold"
	dax_poison /mnt/p$n/before 3 > /tmp/before$n.out 2>&1
	is $? 0 "without daxhold, pmem0p$n: dax_poison got a SIGBUS"
	sigbus_ar_ok /tmp/before$n.out "without daxhold, pmem0p$n"
	kernel_mf_lines > /tmp/before$n.k
	diag "without daxhold, page 3 of /mnt/p$n/before (pmem0p$n sector" \
		"$(($(kv fs_offset /tmp/before$n.out) / 512))) poisoned; the kernel logged:"
	diag_file /tmp/before$n.k
	is "$(dmesg_count_since_mark 'daxhold: ')" 0 \
		"without daxhold, pmem0p$n: no daxhold line; nothing names the partition or its sector"
done

# --- 2. daxhold, policy stacked --------------------------------------------
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds the partitioned pmem0 by policy (mode=auto)" until_ok held
check "daxhold trace events on" trace_on

for n in 1 2; do
	part=pmem0p$n
	eval "pstart=\$start$n"
	dec0=$(daxhold_field pmem0 declined)
	dmesg_mark "$part with daxhold"
	trace_clear
	dax_poison /mnt/p$n/with 3 > /tmp/with$n.out 2>&1
	is $? 0 "$part: dax_poison got a SIGBUS"
	sigbus_ar_ok /tmp/with$n.out "$part"
	fs=$(kv fs_offset /tmp/with$n.out)
	phys=$(kv phys /tmp/with$n.out)
	daxhold_wait ' -> top '
	daxhold_lines > /tmp/with$n.dh
	diag "with daxhold, page 3 of /mnt/p$n/with: FIEMAP offset $fs on $part," \
		"partition start $((pstart * 512)) bytes; daxhold logged:"
	diag_file /tmp/with$n.dh
	nf=$(nf_line pmem0)
	is "$(field offset "$nf")" "$(printf '0x%x' $((pstart * 512 + fs)))" \
		"$part: notify_failure offset == partition start bytes + FIEMAP offset"
	is "$(field offset "$nf")" "$(printf '0x%x' $((phys - data_start)))" \
		"$part: notify_failure offset == phys - pmem0 data start"
	is "$(field len "$nf")" 0x1000 "$part: notify_failure len 4096"
	is "$(grep -c ' -> ' /tmp/with$n.dh)" 1 "$part: one translated piece"
	like "$(grep ' -> ' /tmp/with$n.dh)" \
		"daxhold: pmem0: offset $(field offset "$nf") len 0x1000 -> top $part sector $((fs / 512)) sectors 8 depth 1: no holder handled it; to the reverse map \(EOPNOTSUPP\)$" \
		"$part: -> top $part sector == FIEMAP offset / 512, depth 1, EOPNOTSUPP"
	is "$(daxhold_field pmem0 declined)" $((dec0 + 1)) "$part: declined +1"
	tt=$(trace_ev daxhold_top)
	is "$(field device "$tt") $(field dev "$tt") $(field sector "$tt") $(field depth "$tt") $(field outcome "$tt")" \
		"$part $(devnum $part) $((fs / 512)) 1 declined" \
		"$part: trace: daxhold_top $part, its dev_t, the FIEMAP sector, depth 1, declined"
done

# --- 3. A page in no partition -----------------------------------------
# ext4 on the whole disk: the kernel keeps pmem0p1 and pmem0p2 until the
# table is read again, so pmem0 stays partitioned; directories spread over
# the block groups, some into the gap or past pmem0p2.
check "umount the partitions" umount /mnt/p1 /mnt/p2
check "mkfs.ext4 + mount -o dax the whole /dev/pmem0" \
	mkfs_mount_dax ext4 /dev/pmem0 /mnt/w
check "pmem0p1 and pmem0p2 still exist" \
	test -e /sys/class/block/pmem0p1 -a -e /sys/class/block/pmem0p2
for d in 0 1 2 3 4 5 6 7; do
	mkdir -p /mnt/w/d$d
	dd if=/dev/urandom of=/mnt/w/d$d/f bs=4096 count=16 2>/dev/null
done
sync
gapfile=
for d in 0 1 2 3 4 5 6 7; do
	dax_poison /mnt/w/d$d/f 3 --read-only --no-poison > /tmp/where.out 2>&1 || continue
	s=$(($(kv fs_offset /tmp/where.out) / 512))
	where=$(part_at pmem0 $s) || { gapfile=/mnt/w/d$d/f; break; }
	diag "/mnt/w/d$d/f page 3: sector $s of pmem0, in $where"
done
if [ -z "$gapfile" ]; then
	for t in 1 2 3 4 5 6 7 8 9; do
		skip "page in no partition ($t)" "no file landed outside the partitions"
	done
else
	s=$(($(kv fs_offset /tmp/where.out) / 512))
	diag "$gapfile page 3: sector $s of pmem0, in no partition" \
		"(pmem0p1 $start1..$((start1 + $(sectors pmem0p1))), pmem0p2 $start2..$((start2 + $(sectors pmem0p2))))"
	un0=$(daxhold_field pmem0 unmapped)
	dmesg_mark gap
	trace_clear
	dax_poison "$gapfile" 3 > /tmp/gap.out 2>&1
	is $? 0 "no partition: dax_poison got a SIGBUS"
	sigbus_ar_ok /tmp/gap.out "no partition"
	daxhold_wait ' -> unmapped '
	daxhold_lines > /tmp/gap.dh
	diag_file /tmp/gap.dh
	is "$(field offset "$(nf_line pmem0)")" "$(printf '0x%x' $((s * 512)))" \
		"no partition: notify_failure offset == FIEMAP offset"
	like "$(grep ' -> ' /tmp/gap.dh)" \
		"daxhold: pmem0: offset .* -> unmapped pmem0 sector $s sectors 8 depth 0: nothing above uses it$" \
		"no partition: -> unmapped pmem0 sector == FIEMAP offset / 512, depth 0"
	is "$(grep -c ' -> top ' /tmp/gap.dh)" 0 "no partition: no top line"
	is "$(daxhold_field pmem0 unmapped)" $((un0 + 1)) "no partition: unmapped +1"
	tt=$(trace_ev daxhold_top)
	is "$(field device "$tt") $(field sector "$tt") $(field depth "$tt") $(field outcome "$tt")" \
		"pmem0 $s 0 unmapped" "no partition: trace: daxhold_top pmem0, that sector, depth 0, unmapped"
fi

check "umount /mnt/w" umount /mnt/w
check "rmmod daxhold" daxhold_unload
done_testing
