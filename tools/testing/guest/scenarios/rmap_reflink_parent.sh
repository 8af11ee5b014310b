# SPDX-License-Identifier: GPL-2.0
# The reverse map's 1-to-N case across a fork: XFS -m reflink=1,rmapbt=0
# -o dax on dm-linear over a pmem, so XFS declines every failure and
# daxhold's reverse map answers.  A parent maps file A (MAP_SHARED,
# PROT_READ) and reads it; its child maps A's reflink copy B the same way,
# reads it and poisons page 0 with madvise (tools/testing/progs/
# reflink_pair.c).  FIEMAP shows A and B on the same block; daxhold must
# name both owners (A's inode and B's, pgoff 0) although only the child
# poisoned, the child must get BUS_MCEERR_AR at its page with the kernel's
# kill line, and:
#  1. parent without early kill: no signal (action optional errors are
#     only sent to early-kill tasks), no kill line for it;
#  2. parent with early kill (prctl PR_MCE_KILL_EARLY): BUS_MCEERR_AO at
#     its own address of page 0, lsb 12, and the kernel's kill line: its
#     PTE of A's page 0 is still present when the child poisons (the
#     child's fault on B inserts B's own DAX entry and leaves A's mapping
#     alone; the scenario checks it in pagemap), and a task is collected,
#     as collect_procs_fsdax() does, only where its PTE maps the page.
# The trace events say the same: a daxhold_owner per file (the shared
# pfn, the failure's one seq) and a daxhold_kill per signalled task.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=300
. /daxtest/lib.sh
require_module daxhold

plan 53

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "insmod daxhold (policy stacked)" daxhold_load
check "dm-linear 'lin' over pmem0" dm_concat lin pmem0
dm=$(dm_name_dev lin)
d=$(devnum "$dm")
held() { [ "$(daxhold_nholders)" = 1 ]; }
check "daxhold holds pmem0" until_ok held
check "mkfs.xfs -m reflink=1,rmapbt=0" mkfs.xfs -q -f -m reflink=1,rmapbt=0 /dev/mapper/lin
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/lin" mount -t xfs -o dax /dev/mapper/lin /mnt/x
check "/proc/mounts shows dax" mount_has_dax /mnt/x

check "daxhold trace events on" trace_on

# pair NAME [--early-kill]: files NAME.a and its reflink copy NAME.b, then
# reflink_pair on them; its output in /tmp/pair.out.  17 tests.
pair() {
	n=$1 a=/mnt/x/$1.a b=/mnt/x/$1.b
	dd if=/dev/urandom of=$a bs=4096 count=16 2>/dev/null
	check "$1: xfs_io reflink A -> B" xfs_io -f -c "reflink $a" "$b"
	sync
	dax_poison "$a" 0 --read-only --no-poison > /tmp/fa.out 2>&1
	dax_poison "$b" 0 --read-only --no-poison > /tmp/fb.out 2>&1
	isnt "$(kv fs_offset /tmp/fa.out)" "" "$1: FIEMAP of A page 0"
	is "$(kv fs_offset /tmp/fb.out)" "$(kv fs_offset /tmp/fa.out)" \
		"$1: page 0 of B is the same block as A's (FIEMAP)"
	o0=$(field owners "$(cat /sys/kernel/daxhold/index)")
	dmesg_mark "$1"
	trace_clear
	shift
	reflink_pair "$a" "$b" "$@" > /tmp/pair.out 2>&1
	is $? 0 "$n: reflink_pair ran"
	diag_file /tmp/pair.out
	pfn=$(kv child_pfn /tmp/pair.out)
	is "$(kv parent_pfn /tmp/pair.out)" "$pfn" "$n: parent's A and child's B map one pfn"
	is "$(kv parent_present /tmp/pair.out)" 1 \
		"$n: the parent's PTE of A page 0 is present when the child poisons"
	_sig=$(grep '^child ' /tmp/pair.out)
	is "$(field si_code "$_sig")" 4 "$n: child: BUS_MCEERR_AR"
	is "$(field si_addr "$_sig")" "$(kv child_vaddr /tmp/pair.out)" "$n: child: si_addr is its page"
	is "$(field si_addr_lsb "$_sig")" 12 "$n: child: si_addr_lsb 12"
	for ino in $(stat -c %i "$a") $(stat -c %i "$b"); do
		_owner() { daxhold_lines | grep -q "owned by dev $d ino $ino pgoff 0: mapping tasks signalled"; }
		check "$n: daxhold names owner dev $d ino $ino pgoff 0" until_ok _owner
	done
	is "$(field owners "$(cat /sys/kernel/daxhold/index)")" $((o0 + 2)) "$n: index: owners +2"
	_kl="^Memory failure: $pfn: Sending SIGBUS to reflink_pair:"
	kill_line_wait "$_kl$(kv child_pid /tmp/pair.out) "
	is "$(dmesg_since_mark | strip_ts | grep -Ec -- "$_kl$(kv child_pid /tmp/pair.out) due to hardware memory corruption\$")" 1 \
		"$n: the kernel's kill line for the child, once"
	# A kill line for the parent would be logged with the child's: 2 s.
	UNTIL_SECONDS=2 kill_line_wait "$_kl$(kv parent_pid /tmp/pair.out) " || true
	parent_lines=$(dmesg_since_mark | strip_ts | grep -Ec -- "$_kl$(kv parent_pid /tmp/pair.out) ")
	parent_sig=$(grep '^parent ' /tmp/pair.out)
	daxhold_wait ' -> top '
	daxhold_lines > /tmp/dh.lines
	diag_file /tmp/dh.lines
	# The trace events: both owners in the one failure, and the kills.
	for ino in $(stat -c %i "$a") $(stat -c %i "$b"); do
		_o=$(trace_ev daxhold_owner | grep " ino=$ino ")
		is "$(field dev "$_o") $(field pgoff "$_o") $(field count "$_o") $(field pfn "$_o") $(field kind "$_o") $(field rc "$_o")" \
			"$d 0 1 $pfn file 0" "$n: trace: daxhold_owner ino $ino: pgoff 0, one page, the shared pfn, rc 0"
	done
	is "$(trace_ev daxhold_owner | sed 's/ .*//' | sort -u)" "$(trace_ev daxhold_failure | sed 's/ .*//')" \
		"$n: trace: both owners carry the one failure's seq"
	is "$(kill_ev "$(kv child_pid /tmp/pair.out)")" \
		"BUS_MCEERR_AR $(kv child_vaddr /tmp/pair.out) 12" \
		"$n: trace: daxhold_kill of the child: AR, its page, lsb 12"
	parent_kill=$(kill_ev "$(kv parent_pid /tmp/pair.out)")
}

# 1. The parent without early kill.
pair nokill
is "$parent_sig" "parent nosignal" "no early kill: the parent is not signalled"
is "$parent_lines" 0 "no early kill: no kill line for the parent"
is "$parent_kill" "  " "no early kill: no daxhold_kill trace event for the parent"

# 2. The parent with early kill.
pair early --early-kill
is "$(field si_code "$parent_sig")" 5 "early kill: the parent gets BUS_MCEERR_AO"
is "$(field si_addr "$parent_sig")" "$(kv parent_vaddr /tmp/pair.out)" \
	"early kill: si_addr is the parent's page 0 of A"
is "$(field si_addr_lsb "$parent_sig")" 12 "early kill: si_addr_lsb 12"
is "$parent_lines" 1 "early kill: the kernel's kill line for the parent, once"
is "$parent_kill" \
	"BUS_MCEERR_AO $(kv parent_vaddr /tmp/pair.out) 12" \
	"early kill: trace: daxhold_kill of the parent: AO, its page 0 of A, lsb 12"

like "$(cat /sys/kernel/daxhold/index)" ' walks=[1-9][0-9]* inodes=[1-9][0-9]* ' \
	"index: filesystems walked and inodes looked at"
check "umount, dmsetup remove" eval 'umount /mnt/x && dmsetup remove lin'
check "rmmod daxhold" daxhold_unload
done_testing
