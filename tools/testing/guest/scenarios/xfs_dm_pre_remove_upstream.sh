# SPDX-License-Identifier: GPL-2.0
# The baseline of xfs_dm_pre_remove.sh without daxhold: the same stack
# (XFS -m reflink=1,rmapbt=1 -o dax on dm-linear over pmem0 + pmem1), the
# same three mappers (a file on pmem1, its reflink copy, a file on pmem0),
# the same removal of pmem1 (unbind of its fsdax device from nd_pmem).
# Nobody holds pmem1's dax_device, so kill_dax() notifies nobody: XFS never
# hears of it, nobody is signalled, and the mappings of pmem1 stay in the
# page tables and in the files' DAX entries although the kernel has torn
# down the memory and its struct pages.  A process keeps reading pmem1
# through its old mapping; a new mapping gets BUS_ADRERR; XFS stays up.
# The first eviction of an inode whose DAX entries point into pmem1 (here
# unlinking the file; umount's evict_inodes() does the same) oopses in
# dax_disassociate_entry(), which reads the struct page of a removed pfn.
# The oops is in unlink rather than umount because a task killed in umount
# keeps s_umount, and the guest's final sync would then hang.
#
# daxhold-test: nvdimms=2
# daxhold-test: timeout=240
# daxhold-test: expect_oops=1
# daxhold-test: allow=Disabling lock debugging due to kernel taint
. /daxtest/lib.sh

plan 32

check "daxhold is not loaded" test ! -d /sys/module/daxhold
check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "dm-linear 'cat' = pmem0 + pmem1" dm_concat cat pmem0 pmem1
dm=$(dm_name_dev cat)
# The same stack: XFS over both, a file on each pmem, a reflink copy of
# the one on pmem1.
xfs_cat_reflinked

# The same three mappers; each waits 10 s for a SIGBUS, then reads page 3
# through its mapping again (--access).
cat_mappers --wait 10 --access

unbind_pmem pmem1
alive() { kill -0 "$pA" && kill -0 "$pB" && kill -0 "$pC"; }
check "the three still map their files after the removal" alive
check "/dev/pmem1 is gone" test ! -e /dev/pmem1

mapper() {
	n=$1 pid=$2 what=$3
	wait "$pid"
	rc=$?
	diag_file /tmp/$n.out
	is "$rc" 3 "$n ($what) got no signal in 10 s"
}
mapper A "$pA" "file on pmem1"
mapper B "$pB" "its reflink copy"
mapper C "$pC" "file on pmem0"
is "$(kv access /tmp/A.out)" ok "A still reads pmem1 through its old mapping"
is "$(kv access /tmp/B.out)" ok "B still reads pmem1 through its old mapping"

dmesg_since_mark | strip_ts > /tmp/rm.lines
diag_file /tmp/rm.lines 60
is "$(grep -c 'Device is about to be removed' /tmp/rm.lines)" 0 \
	"XFS was not told: no 'Device is about to be removed!'"
is "$(grep -c 'Sending SIGBUS' /tmp/rm.lines)" 0 "memory_failure signalled nobody"
is "$(grep -Ec 'XFS .*([Ss]hut|shutdown)' /tmp/rm.lines)" 0 "XFS did not shut down"

# XFS stays up over a device that is gone.
is "$(stat -c %s "$on0" 2>&1)" 65536 "stat works"
check "the file on pmem0 still reads" cat "$on0"
like "$(cat "$on1" 2>&1 > /dev/null)" 'No such device or address' \
	"read(2) of the file on pmem1: ENXIO"
dax_poison "$on1" 3 --read-only --no-poison > /tmp/D.out 2>&1
rc=$?
diag_file /tmp/D.out
is "$rc" 2 "a new mapping of the file on pmem1 cannot be touched"
like "$(grep '^touch=' /tmp/D.out)" 'si_code=2 \(BUS_ADRERR\)' "touching it: SIGBUS BUS_ADRERR"

# Evicting an inode with DAX entries into the removed pmem: the oops.
dmesg_mark unlink
( rm "$on1" & echo $! > /tmp/rm.pid; wait $!; echo $? > /tmp/rm.rc ) > /tmp/rm.out 2>&1 &
rm_done() { [ -s /tmp/rm.rc ]; }
UNTIL_SECONDS=60 check "rm $on1 returned" until_ok rm_done
diag_file /tmp/rm.out
is "$(cat /tmp/rm.rc)" 137 "rm was killed (SIGKILL from the oops)"
dmesg_since_mark | strip_ts > /tmp/oops.lines
diag_file /tmp/oops.lines 80
like "$(grep -m 1 'BUG: ' /tmp/oops.lines)" '^BUG: unable to handle page fault for address: ' \
	"BUG: unable to handle page fault"
like "$(grep -m 1 '^CPU: ' /tmp/oops.lines)" " PID: $(cat /tmp/rm.pid) " "in the rm process"
like "$(grep -m 1 '^RIP: ' /tmp/oops.lines)" 'dax_disassociate_entry' \
	"in dax_disassociate_entry (the struct page of a removed pfn)"
like "$(tr '\n' ' ' < /tmp/oops.lines)" '__dax_invalidate_entry.*truncate_inode_pages_range.*evict' \
	"evict -> truncate_inode_pages_range -> __dax_invalidate_entry"
diag "with daxhold (xfs_dm_pre_remove.sh) XFS is told before the removal: it signals every mapper (BUS_MCEERR_AO), drops their mappings and DAX entries, shuts down, and unmounts cleanly"
done_testing
