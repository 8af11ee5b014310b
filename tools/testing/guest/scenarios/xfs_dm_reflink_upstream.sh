# SPDX-License-Identifier: GPL-2.0
# The baseline of xfs_dm_reflink.sh without daxhold: XFS (-m
# reflink=1,rmapbt=1, -o dax) on dm-linear over pmem0 + pmem1; a file on
# pmem0 and its reflink copy mapped read-only by two processes, a third
# maps an unrelated file; madvise(MADV_HWPOISON) on a page of the file that
# is shared with the copy.  Nobody holds pmem0's dax_device (XFS holds the
# dm device's), so notify_failure answers -EOPNOTSUPP and memory_failure()
# takes its per-page path: dax_lock_folio() reads folio->mapping, which
# for a block shared by reflink is PAGE_MAPPING_DAX_SHARED ((void *)1),
# as an address_space and dereferences it.  The poisoning process oopses
# inside madvise() (BUG: kernel NULL pointer dereference, address 0x1) and
# is killed: it never gets its BUS_MCEERR_AR.  The oops leaves mf_mutex
# held, so the scenario injects nothing more (a second memory_failure()
# would wait for it forever).  The oops taints the kernel and turns
# lockdep off (allowed below), as does the KASAN report of the same fault
# on the debug kernel.
#
# daxhold-test: nvdimms=2
# daxhold-test: timeout=180
# daxhold-test: expect_oops=1
# daxhold-test: allow=KASAN: null-ptr-deref in range
# daxhold-test: allow=Disabling lock debugging due to kernel taint
. /daxtest/lib.sh

plan 20

check "daxhold is not loaded" test ! -d /sys/module/daxhold
check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "dm-linear 'cat' = pmem0 + pmem1" dm_concat cat pmem0 pmem1
dm=$(dm_name_dev cat)
check "mkfs.xfs -m reflink=1,rmapbt=1 -d agcount=4" \
	mkfs.xfs -q -f -m reflink=1,rmapbt=1 -d agcount=4 /dev/mapper/cat
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/cat" mount -t xfs -o dax /dev/mapper/cat /mnt/x

# As in xfs_dm_reflink.sh: one 64 KiB file per directory; take one on pmem0.
split=$(($(sectors pmem0) * 512))
spread_files /mnt/x $split
f=$ON0
diag "file on pmem0: $f"
check "a file on pmem0" test -n "$f"
g=$f.reflink
u=/mnt/x/unrelated
dd if=/dev/urandom of=$u bs=4096 count=16 2>/dev/null
check "xfs_io reflink $f -> $g" xfs_io -f -c "reflink $f" "$g"
sync

dax_poison "$g" 3 --read-only --no-poison --wait 10 > /tmp/p2.out 2>&1 &
p2=$!
dax_poison "$u" 3 --read-only --no-poison --wait 10 > /tmp/p3.out 2>&1 &
p3=$!
wait_for_ready() { grep -q '^ready' /tmp/p2.out && grep -q '^ready' /tmp/p3.out; }
check "the copy and the unrelated file are mapped" until_ok wait_for_ready

# The poisoning process, in the background: a hang shows as no answer.
dmesg_mark poison
( dax_poison "$f" 3 --read-only > /tmp/p1.out 2>&1 & echo $! > /tmp/p1.pid
  wait $!; echo $? > /tmp/p1.rc ) &
p1_done() { [ -s /tmp/p1.rc ]; }
UNTIL_SECONDS=60 check "the poisoning process ended" until_ok p1_done
diag_file /tmp/p1.out
o=$(kv fs_offset /tmp/p1.out)
is "$(kv fs_offset /tmp/p2.out)" "$o" "page 3 of the copy is the same block (reflink)"
# oops_end() ends the task with the signal of the oops: SIGKILL for a
# page fault (137), SIGSEGV for KASAN's general protection fault (139).
like "$(cat /tmp/p1.rc)" '^(137|139)$' \
	"the poisoning process was killed by the oops (SIGKILL, or SIGSEGV under KASAN)"
is "$(grep -c '^madvise=' /tmp/p1.out)" 0 "its madvise() never returned"
is "$(grep -c '^sigbus ' /tmp/p1.out)" 0 "it got no SIGBUS (no BUS_MCEERR_AR)"
wait $p2
is $? 3 "the process mapping the reflink copy got no signal"
diag_file /tmp/p2.out
wait $p3
is $? 3 "the process mapping an unrelated file got no signal"

dmesg_since_mark | strip_ts > /tmp/oops.lines
diag_file /tmp/oops.lines 80
# Without KASAN the load from (void *)1 faults; with KASAN (the debug
# kernel) its shadow check of that address faults first and KASAN names
# the range.
like "$(grep -m 1 -e 'BUG: ' -e 'KASAN: null-ptr-deref' /tmp/oops.lines)" \
	'^(BUG: kernel NULL pointer dereference, address: 0+1|KASAN: null-ptr-deref in range \[0x0+-0x0+7\])$' \
	"a NULL pointer dereference at address 0x1 (PAGE_MAPPING_DAX_SHARED)"
like "$(grep -m 1 '^CPU: ' /tmp/oops.lines)" " PID: $(cat /tmp/p1.pid) Comm: dax_poison " \
	"in the poisoning process"
like "$(grep -m 1 '^RIP: ' /tmp/oops.lines)" 'dax_lock_folio' "in dax_lock_folio()"
like "$(tr '\n' ' ' < /tmp/oops.lines)" 'memory_failure.*do_madvise' \
	"called by madvise() -> memory_failure()"
is "$(grep -c 'recovery action for dax page' /tmp/oops.lines)" 0 \
	"memory_failure() never finished (no recovery action line)"
diag "with daxhold (xfs_dm_reflink.sh) the same poisoning reaches XFS on $dm through daxhold: the poisoning process gets BUS_MCEERR_AR for the poisoned page (si_addr_lsb 12), the other two nothing, and memory_failure() logs 'Recovered'"
done_testing
