# SPDX-License-Identifier: GPL-2.0
# The reverse map for holder-less ext4: ext4 -o dax on a partition of pmem0
# (pmem0p1) and on dm-linear over another partition (pmem0p2), daxhold
# holding pmem0 by policy.  For each, four injections, each on a fresh
# file:
#   madvise    madvise(MADV_HWPOISON) by a process mapping page 3 (AR)
#   pfn        hwpoison-inject corrupt-pfn of that page's pfn (AO only)
#   mce        QEMU monitor `mce` with the page's physical address (AO)
#   mceinj     the kernel's mce-inject module, hw mode, same address (AO)
# Around each, a process mapping the same page with early kill (expects
# BUS_MCEERR_AO at its own address, lsb 12), one mapping it without early
# kill (expects nothing) and one mapping an unrelated file with early kill
# (expects nothing).  daxhold must name the owner (device, inode number,
# pgoff 3) found in the files' DAX entries, and memory_failure() must say
# Recovered.  The trace events name the same owner and the early kill.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=500
# A machine check taints the kernel (TAINT_MACHINE_CHECK), which turns
# lockdep off for the rest of the boot: machine checks come last.
# daxhold-test: allow=Disabling lock debugging due to kernel taint
. /daxtest/lib.sh
require_module daxhold

plan 141

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: pmem0p1 and pmem0p2" \
	sh -c 'printf "label: dos\nstart=4096, size=200000\nstart=210000, size=400000\n" | sfdisk -q /dev/pmem0'
check "dmsetup create lv (linear on pmem0p2 from sector 2048)" \
	dmsetup create lv --table "0 $(($(sectors pmem0p2) - 2048)) linear $(devnum pmem0p2) 2048"
lv=$(dm_name_dev lv)
check "mkfs.ext4 + mount -o dax /dev/pmem0p1" mkfs_mount_dax ext4 /dev/pmem0p1 /mnt/p
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l

check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held
like "$(cat /sys/kernel/daxhold/index)" '^queries=0 walks=0 inodes=0 owners=0 ' \
	"/sys/kernel/daxhold/index reads: no failure, no walk"

check "daxhold trace events on" trace_on

# round MNT DEV HOW: rmap_round on two fresh files of MNT, and the owner
# and the early kill in the trace events; 14 tests (15 for mceinj, 19 for
# madvise).
round() {
	a=$1/$3.a b=$1/$3.b
	for f in $a $b; do dd if=/dev/urandom of=$f bs=4096 count=16 2>/dev/null; done
	sync
	trace_clear
	RMAP_ARGS= rmap_round "$2" "$3" "$a" "$a" "$a" "$b" "$(stat -c %i "$a")"
	o=$(trace_ev daxhold_owner | grep " ino=$(stat -c %i "$a") ")
	is "$(field dev "$o") $(field pgoff "$o") $(field count "$o") $(field kind "$o") $(field rc "$o")" \
		"$(devnum "$2") 3 1 file 0" \
		"$2 $3: trace: daxhold_owner of the file: its dev_t, pgoff 3, one page, file, rc 0"
	is "$(kill_ev "$ao_pid")" \
		"BUS_MCEERR_AO $(kv vaddr /tmp/ao.out) 12" \
		"$2 $3: trace: daxhold_kill of the early-kill mapper: AO, its address, lsb 12"
}

for how in madvise pfn mce mceinj; do
	round /mnt/p pmem0p1 $how
	round /mnt/l "$lv" $how
done

diag "index: $(cat /sys/kernel/daxhold/index)"
# No block is shared: each failed page named its one file itself, in the
# one filesystem it hit, without a walk of the in-core inodes.
_ix=$(cat /sys/kernel/daxhold/index)
is "$(field direct "$_ix") $(field walks "$_ix") $(field inodes "$_ix")" "8 0 0" \
	"index: 8 failures, each owner named by its page (direct=8), no inode walked"
check "umount both" umount /mnt/p /mnt/l
check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
done_testing
