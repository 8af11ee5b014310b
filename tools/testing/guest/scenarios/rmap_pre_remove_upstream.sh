# SPDX-License-Identifier: GPL-2.0
# The baseline of rmap_pre_remove.sh without daxhold: the same stack (ext4
# -o dax on dm-linear over pmem0), the same four mappers (A, B and C map,
# read and write all 16 pages of their file; D maps and writes two files),
# the same removal of pmem0 (unbind of its fsdax device from nd_pmem).
# Nobody holds pmem0's dax_device, so kill_dax() notifies nobody: nobody is
# signalled, and the files' DAX entries (clean and dirty) stay although the
# kernel tears down the memory and its struct pages.  The first eviction
# of one of those inodes (here the last close of D1, unlinked before the
# removal; umount's evict_inodes() does the same) oopses in
# dax_disassociate_entry(), which reads the struct page of a removed pfn.
# With daxhold (rmap_pre_remove.sh) the pre-remove reaches its reverse map:
# it signals the mappers, writes back and drops the DAX entries of every
# file on the removed pmem, and umount is clean.
#
# daxhold-test: nvdimms=1
# daxhold-test: timeout=240
# daxhold-test: expect_oops=1
# daxhold-test: allow=Disabling lock debugging due to kernel taint
. /daxtest/lib.sh

plan 21

check "daxhold is not loaded" test ! -d /sys/module/daxhold
check "ndctl create-namespace -m fsdax" make_fsdax_all
check "dmsetup create lv (linear on pmem0 from sector 2048)" \
	dmsetup create lv --table "0 $(($(sectors pmem0) - 2048)) linear $(devnum pmem0) 2048"
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l
for n in A B C D1 D2; do
	dd if=/dev/urandom of=/mnt/l/$n bs=4096 count=16 2>/dev/null
done
sync
for n in A B C; do
	dax_poison /mnt/l/$n 3 --no-poison --wait 10 > /tmp/$n.out 2>&1 &
	eval "p$n=$!"
done
dax_poison /mnt/l/D1 3 --no-poison --wait 10 --also /mnt/l/D2 > /tmp/D.out 2>&1 &
pD=$!
all_ready() { grep -q '^ready' /tmp/A.out && grep -q '^ready' /tmp/B.out &&
	grep -q '^ready' /tmp/C.out && grep -q '^ready' /tmp/D.out; }
check "four processes map and write their files (D two of them)" until_ok all_ready
# A shell keeps D1 open, D1 is unlinked: its eviction waits for that close.
rm -f /tmp/go /tmp/hold.rc
( sh -c 'exec 7< /mnt/l/D1; echo open > /tmp/hold.out
	while [ ! -e /tmp/go ]; do sleep 0.1; done; exec 7<&-; echo closed >> /tmp/hold.out'
  echo $? > /tmp/hold.rc ) &
held_open() { grep -q open /tmp/hold.out 2>/dev/null; }
check "a shell holds D1 open" until_ok held_open
check "rm /mnt/l/D1 (still mapped by D, open in the shell)" rm /mnt/l/D1

unbind_pmem pmem0
check "/dev/pmem0 is gone" test ! -e /dev/pmem0
for n in A B C D; do
	eval "pid=\$p$n"
	wait "$pid"
	is $? 3 "$n got no signal in 10 s"
done
dmesg_since_mark | strip_ts > /tmp/rm.lines
diag_file /tmp/rm.lines 40
is "$(grep -c 'Sending SIGBUS\|MCE' /tmp/rm.lines)" 0 "nobody was told of the removal"

# Evicting an inode with DAX entries into the removed pmem: the oops.
# D1 was unlinked before the removal while a shell kept it open; its last
# close now evicts it.  (Not unlink after the removal: the journal aborted
# with the device and ext4 is read-only; not drop_caches: it leaves inodes
# with DAX entries alone; not umount: a task killed in umount keeps
# s_umount, and the guest's final sync would then hang.)
dmesg_mark evict
: > /tmp/go
hold_done() { [ -s /tmp/hold.rc ]; }
UNTIL_SECONDS=60 check "the holder's close of the unlinked D1 returned" until_ok hold_done
is "$(cat /tmp/hold.rc)" 137 "it was killed (SIGKILL from the oops)"
dmesg_since_mark | strip_ts > /tmp/oops.lines
diag_file /tmp/oops.lines 80
like "$(grep -m 1 'BUG: ' /tmp/oops.lines)" '^BUG: unable to handle page fault for address: ' \
	"BUG: unable to handle page fault"
like "$(grep -m 1 '^RIP: ' /tmp/oops.lines)" 'dax_disassociate_entry' \
	"in dax_disassociate_entry (the struct page of a removed pfn)"
like "$(tr '\n' ' ' < /tmp/oops.lines)" '__dax_invalidate_entry.*truncate_inode_pages_range.*ext4_evict_inode' \
	"ext4_evict_inode -> truncate_inode_pages_range -> __dax_invalidate_entry"
done_testing
