# SPDX-License-Identifier: GPL-2.0
# Three levels above one pmem: pmem0 -> pmem0p1 (msdos) -> dm-linear
# "inner" (table offset 3 MiB into the partition) -> dm-linear "outer" with
# two targets on inner (the first maps inner's last 16 MiB, the second the
# rest from sector 16), ext4 -o dax on outer; madvise(MADV_HWPOISON) on a
# page of a file, which lands in outer's second target.  The expected pmem
# offset is worked out here from FIEMAP, both `dmsetup table`s and the
# partition start.  Without daxhold the kernel sends the SIGBUS and nothing
# names outer or the sector; with daxhold (policy stacked) the
# notify_failure offset is that pmem offset and the top line names outer
# (dm-1) at the FIEMAP sector, depth 3, EOPNOTSUPP (ext4 holds no
# dax_device), and the process still gets BUS_MCEERR_AR.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

plan 31

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: msdos, pmem0p1 from sector 4096" \
	sh -c 'printf "label: dos\nstart=4096, size=1600000\n" | sfdisk -q /dev/pmem0'

# inner: all of pmem0p1 but its first 3 MiB.
off_inner=6144
len_inner=$(($(sectors pmem0p1) - off_inner))
check "dmsetup create inner (linear on pmem0p1 at offset $off_inner)" \
	dmsetup create inner --table "0 $len_inner linear $(devnum pmem0p1) $off_inner"
inner=$(dm_name_dev inner)
# outer: target 1 = inner's last 16 MiB, target 2 = inner from sector 16 up
# to where target 1's part begins.
len_a=32768
off_a=$((len_inner - len_a))
off_b=16
len_b=$((off_a - off_b))
printf '0 %s linear %s %s\n%s %s linear %s %s\n' \
	$len_a "$(devnum $inner)" $off_a $len_a $len_b "$(devnum $inner)" $off_b \
	> /tmp/outer.table
check "dmsetup create outer (two linear targets on inner)" \
	sh -c 'dmsetup create outer < /tmp/outer.table'
outer=$(dm_name_dev outer)
diag "pmem0p1 starts at sector $(part_start pmem0p1) of pmem0"
diag "dmsetup table inner ($inner): $(dmsetup table inner)"
diag "dmsetup table outer ($outer): $(dmsetup table outer | tr '\n' ';')"

check "mkfs.ext4 + mount -o dax /dev/mapper/outer" \
	mkfs_mount_dax ext4 /dev/mapper/outer /mnt/o
check "/mnt/o mounted with dax" mount_has_dax /mnt/o
for f in before with; do
	dd if=/dev/urandom of=/mnt/o/$f bs=4096 count=16 2>/dev/null
done
sync

# expect OUT: from dax_poison's output, the outer sector ($s), the inner
# sector ($si), the pmem0p1 sector ($sp) and the pmem0 sector ($s0).
expect() {
	s=$(($(kv fs_offset "$1") / 512))
	set -- $(dm_linear_down outer $s)
	[ "$1" = "$(devnum $inner)" ] || diag "outer sector $s maps to $1, not $inner"
	si=$2
	set -- $(dm_linear_down inner $si)
	[ "$1" = "$(devnum pmem0p1)" ] || diag "inner sector $si maps to $1, not pmem0p1"
	sp=$2
	s0=$(($(part_start pmem0p1) + sp))
	diag "FIEMAP: $outer sector $s -> $inner sector $si -> pmem0p1 sector $sp -> pmem0 sector $s0 (byte $(printf '0x%x' $((s0 * 512))))"
}

# --- 1. Upstream: no holder on pmem0 -------------------------------------
check "daxhold is not loaded" sh -c '! [ -d /sys/module/daxhold ]'
dmesg_mark "without daxhold"
dax_poison /mnt/o/before 3 > /tmp/before.out 2>&1
is $? 0 "without daxhold: dax_poison got a SIGBUS"
sigbus_ar_ok /tmp/before.out "without daxhold"
expect /tmp/before.out
kernel_mf_lines > /tmp/before.k
diag "without daxhold, the kernel logged:"
diag_file /tmp/before.k
is "$(dmesg_count_since_mark 'daxhold: ')" 0 \
	"without daxhold: no daxhold line; nothing names $outer or sector $s"

# --- 2. daxhold, policy stacked --------------------------------------------
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy (mode=auto)" until_ok held

dec0=$(daxhold_field pmem0 declined)
check "daxhold trace events on" trace_on
dmesg_mark "with daxhold"
dax_poison /mnt/o/with 3 > /tmp/with.out 2>&1
is $? 0 "dax_poison got a SIGBUS"
sigbus_ar_ok /tmp/with.out "with daxhold"
expect /tmp/with.out
cmp_ok $s -ge $len_a "the page is in outer's second target (sector $s >= $len_a)"
daxhold_wait ' -> top '
daxhold_lines > /tmp/with.dh
diag "with daxhold, daxhold logged:"
diag_file /tmp/with.dh
nf=$(nf_line pmem0)
is "$(field offset "$nf")" "$(printf '0x%x' $((s0 * 512)))" \
	"notify_failure offset == pmem0 sector from FIEMAP and both tables * 512"
is "$(field offset "$nf")" "$(printf '0x%x' $(($(kv phys /tmp/with.out) - $(pmem_data_start pmem0))))" \
	"notify_failure offset == phys - pmem0 data start"
is "$(field len "$nf")" 0x1000 "notify_failure len 4096"
is "$(grep -c ' -> ' /tmp/with.dh)" 1 "one translated piece"
like "$(grep ' -> ' /tmp/with.dh)" \
	"daxhold: pmem0: offset $(field offset "$nf") len 0x1000 -> top $outer sector $s sectors 8 depth 3: no holder handled it; to the reverse map \(EOPNOTSUPP\)$" \
	"-> top $outer sector == FIEMAP offset / 512, depth 3, EOPNOTSUPP"
is "$(daxhold_field pmem0 declined)" $((dec0 + 1)) "declined +1"
tt=$(trace_ev daxhold_top)
is "$(echo "$tt" | grep -c .)" 1 "trace: one daxhold_top"
is "$(field device "$tt") $(field dev "$tt") $(field sector "$tt") $(field sectors "$tt") $(field depth "$tt") $(field outcome "$tt") $(field rc "$tt")" \
	"$outer $(devnum $outer) $s 8 3 declined -95" \
	"trace: daxhold_top $outer, its dev_t, the FIEMAP sector, depth 3, declined (-95)"

check "umount /mnt/o" umount /mnt/o
check "dmsetup remove outer inner" dmsetup remove outer inner
check "rmmod daxhold" daxhold_unload
done_testing
