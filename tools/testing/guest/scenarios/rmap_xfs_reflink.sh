# SPDX-License-Identifier: GPL-2.0
# The reverse map's 1-to-N case: XFS -m reflink=1,rmapbt=0 -o dax on
# dm-linear concatenating two fsdax namespaces.  XFS holds the dm device's
# dax_device but, without rmapbt, declines every failure (-EOPNOTSUPP), so
# the page of a reflinked file has two owners that only daxhold's reverse map
# knows.  For a file on each namespace: the file and its reflink copy
# (same block, checked by FIEMAP) are mapped read-only, the copy by an
# early-kill process, the file by one without early kill, an unrelated file
# by an early-kill process; then page 3 of the file is poisoned by madvise, by
# corrupt-pfn and by QEMU's mce (fresh files each time).  daxhold must name
# both owners (file and copy, pgoff 3), the early-kill mapper of the copy
# must get BUS_MCEERR_AO, the others nothing, and memory_failure() must
# say Recovered; the trace events name the top and both owners.  (The
# early-kill process maps only the copy: a second
# process's fault on the same shared page of the same file unmaps the
# first one's PTE (dax_insert_entry() on an IOMAP_F_SHARED extent), and
# collect_procs_fsdax() takes only tasks with a present PTE; see
# Documentation/testing.rst, "Reverse-map scenarios".)  Upstream oopses on
# a shared fsdax page (rmap_xfs_reflink_upstream.sh).
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=400
# A machine check taints the kernel (TAINT_MACHINE_CHECK), which turns
# lockdep off for the rest of the boot: machine checks come last.
# daxhold-test: allow=Disabling lock debugging due to kernel taint
. /daxtest/lib.sh
require_module daxhold

plan 150

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "insmod daxhold (policy stacked)" daxhold_load
check "dm-linear 'cat' = pmem0 + pmem1" dm_concat cat pmem0 pmem1
dm=$(dm_name_dev cat)
held() { [ "$(daxhold_nholders)" = 2 ]; }
check "daxhold holds pmem0 and pmem1" until_ok held
check "mkfs.xfs -m reflink=1,rmapbt=0 -d agcount=4" \
	mkfs.xfs -q -f -m reflink=1,rmapbt=0 -d agcount=4 /dev/mapper/cat
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/cat" mount -t xfs -o dax /dev/mapper/cat /mnt/x
check "/proc/mounts shows dax" mount_has_dax /mnt/x
split=$(($(sectors pmem0) * 512))

check "daxhold trace events on" trace_on

# round HOW FILE: reflink FILE, rmap_round with both owners, and both
# owners and the top in the trace events; 18 tests (19 for mceinj, 23 for
# madvise).
round() {
	f=$2 g=$2.reflink u=$2.unrelated
	dd if=/dev/urandom of=$u bs=4096 count=16 2>/dev/null
	check "$1: xfs_io reflink $f -> $g" xfs_io -f -c "reflink $f" "$g"
	sync
	dax_poison "$f" 3 --read-only --no-poison > /tmp/f.out 2>&1
	dax_poison "$g" 3 --read-only --no-poison > /tmp/g.out 2>&1
	is "$(kv fs_offset /tmp/g.out)" "$(kv fs_offset /tmp/f.out)" \
		"$1: page 3 of the copy is the same block (FIEMAP)"
	trace_clear
	RMAP_ARGS=--read-only rmap_round "$dm" "$1" "$f" "$g" "$f" "$u" \
		"$(stat -c %i "$f")" "$(stat -c %i "$g")"
	like "$(grep ' -> top ' /tmp/dh.lines)" \
		"-> top $dm sector $(($(kv fs_offset /tmp/f.out) / 512)) sectors 8 depth 1: no holder handled it; to the reverse map \(EOPNOTSUPP\)" \
		"$1: XFS (no rmapbt) declined it at $dm, FIEMAP sector"
	tt=$(trace_ev daxhold_top)
	is "$(field device "$tt") $(field sector "$tt") $(field depth "$tt") $(field outcome "$tt")" \
		"$dm $(($(kv fs_offset /tmp/f.out) / 512)) 1 declined" \
		"$1: trace: daxhold_top $dm, FIEMAP sector, depth 1, declined"
	# Both owners of the one block: the file and its copy, page 3, the
	# same pfn, in the same failure.
	trace_ev daxhold_owner | while read -r o; do
		echo "$(field ino "$o") $(field dev "$o") $(field pgoff "$o") $(field count "$o") $(field pfn "$o") $(field kind "$o") $(field seq "$o") $(field seq "$tt")"
	done | sort > /tmp/owners.trace
	_pfn=$(kv pfn /tmp/f.out) _d=$(devnum "$dm")
	is "$(cat /tmp/owners.trace)" \
		"$(for i in $(stat -c %i "$f") $(stat -c %i "$g"); do
			_s=$(field seq "$tt"); echo "$i $_d 3 1 $_pfn file $_s $_s"; done | sort)" \
		"$1: trace: two daxhold_owner events, the file and its copy, page 3 at the same pfn"
}

spread_files /mnt/x/m $split
diag "file on pmem0: $ON0, file on pmem1: $ON1"
round madvise "$ON0"
round madvise "$ON1"
spread_files /mnt/x/p $split
round pfn "$ON0"

# dedupe_round HOW: each task signalled once per failure.  A file F on
# pmem0 and three reflink copies G, H, Q share page 3's block.  An
# early-kill process maps page 3 of BOTH F and G (two owners, one task),
# a process without early kill maps Q, an early-kill process an unrelated
# file; then the block is poisoned, HOW being madvise (by a fourth
# process mapping H: the consumer) or pfn (hwpoison-inject corrupt-pfn).
# daxhold collects the tasks of all owners before it signals: the process
# mapping F and G gets exactly ONE SIGBUS (AO, at one of its two
# addresses, lsb 12) and one `signal` record in /proc/fs/daxhold/events
# (the kernel's per-owner mf_dax_kill_procs() sends one per owner: two),
# the consumer exactly one AR at its own address, the others nothing; the
# PTEs of both owners are gone after the kill (pagemap).  (No other
# process maps F or G: a second fault on the same shared page of the same
# file unmaps the first one's PTE, see the header.)  15 tests, 21 for
# madvise.
dedupe_round() {
	spread_files /mnt/x/dd$1 $split
	f=$ON0 g=$ON0.g h=$ON0.h q=$ON0.q u=$ON0.u
	dd if=/dev/urandom of=$u bs=4096 count=16 2>/dev/null
	_copies() { xfs_io -f -c "reflink $f" "$g" && xfs_io -f -c "reflink $f" "$h" &&
		xfs_io -f -c "reflink $f" "$q"; }
	check "$1 dedupe: xfs_io reflink $f to three copies" _copies
	sync
	dax_poison "$f" 3 --read-only --early-kill --no-poison --also "$g" \
		--wait 30 --linger 1 > /tmp/both.out 2>&1 &
	both_pid=$!
	dax_poison "$q" 3 --read-only --no-poison --wait 30 > /tmp/quiet.out 2>&1 &
	quiet_pid=$!
	dax_poison "$u" 3 --read-only --early-kill --no-poison --wait 30 > /tmp/by.out 2>&1 &
	by_pid=$!
	_ready() { grep -q '^ready' /tmp/both.out && grep -q '^ready' /tmp/quiet.out &&
		grep -q '^ready' /tmp/by.out; }
	check "$1 dedupe: three processes map their pages" until_ok _ready
	is "$(kv pfn2 /tmp/both.out)" "$(kv pfn /tmp/both.out)" \
		"$1 dedupe: page 3 of F and of G is one physical page in the mapper of both"
	_phys=$(kv phys /tmp/both.out)
	dmesg_mark "dedupe-$1"
	ar_pid=
	case $1 in
	madvise)
		dax_poison "$h" 3 --read-only --linger 1 > /tmp/ar.out 2>&1 &
		ar_pid=$!
		wait $ar_pid
		is $? 0 "$1 dedupe: the consumer got SIGBUS"
		sigbus_ar_ok /tmp/ar.out "$1 dedupe: consumer"
		is "$(kv sigbus_count /tmp/ar.out)" 1 "$1 dedupe: the consumer got exactly one SIGBUS" ;;
	pfn)
		_r=$(hwpoison_pfn $((_phys >> 12)))
		is "$_r" ok "$1 dedupe: corrupt-pfn $(printf '0x%x' $((_phys >> 12))) accepted" ;;
	esac
	_alive=0
	kill -0 $quiet_pid 2>/dev/null && kill -0 $by_pid 2>/dev/null && _alive=1
	is $_alive 1 "$1 dedupe: the bystanders were still waiting after the injection"
	wait $both_pid
	is $? 0 "$1 dedupe: the mapper of F and G got SIGBUS"
	kill $quiet_pid $by_pid 2>/dev/null
	wait $quiet_pid $by_pid
	diag_file /tmp/both.out
	_sig=$(grep '^sigbus ' /tmp/both.out)
	is "$(field si_code "$_sig")" 5 "$1 dedupe: mapper of both: BUS_MCEERR_AO"
	_a=$(field si_addr "$_sig")
	_one_of() { [ "$_a" = "$(kv vaddr /tmp/both.out)" ] || [ "$_a" = "$(kv vaddr2 /tmp/both.out)" ]; }
	check "$1 dedupe: mapper of both: si_addr $_a is its page of F or of G" _one_of
	is "$(field si_addr_lsb "$_sig")" 12 "$1 dedupe: mapper of both: si_addr_lsb 12"
	is "$(kv sigbus_count /tmp/both.out)" 1 "$1 dedupe: mapper of both: exactly one SIGBUS arrived (1 s lingering)"
	is "$(kv present /tmp/both.out)/$(kv present2 /tmp/both.out)" 0/0 \
		"$1 dedupe: mapper of both: page 3 of F and of G unmapped (pagemap)"
	is "$(grep -c '^sigbus ' /tmp/quiet.out)/$(grep -c '^sigbus ' /tmp/by.out)" 0/0 \
		"$1 dedupe: the mapper without early kill and the unrelated mapper got nothing"
	daxhold_wait ' -> top '
	daxhold_lines > /tmp/dh.lines
	diag_file /tmp/dh.lines
	_d=$(devnum "$dm")
	# The index holds mapped files: H only when the consumer maps it.
	_files="$f $g $q" _names="F, G, Q"
	[ -z "$ar_pid" ] || _files="$_files $h" _names="$_names, H"
	_owners=0 _want=0
	for _i in $(stat -c %i $_files); do
		_want=$((_want + 1))
		grep -q "owned by dev $_d ino $_i pgoff 3: mapping tasks signalled" /tmp/dh.lines &&
			_owners=$((_owners + 1))
	done
	is $_owners $_want "$1 dedupe: daxhold names the $_want mapped owners ($_names) pgoff 3"
	cat /proc/fs/daxhold/events > /tmp/ev.out
	grep ' signal ' /tmp/ev.out | tail -n 8 | while read -r _l; do diag "events: $_l"; done
	_n() { grep -c " signal pid=$1 " /tmp/ev.out; }
	is "$(_n $both_pid)" 1 "$1 dedupe: exactly one signal record for the mapper of both (per-owner kill: 2, one per owner)"
	is "$(_n $quiet_pid)/$(_n $by_pid)" 0/0 "$1 dedupe: no signal record for the bystanders"
	if [ -n "$ar_pid" ]; then
		is "$(_n $ar_pid)" 1 "$1 dedupe: exactly one signal record for the consumer"
		like "$(grep " signal pid=$ar_pid " /tmp/ev.out)" "code=AR addr=$(kv vaddr /tmp/ar.out) lsb=12" \
			"$1 dedupe: the consumer's record: AR at its own address, lsb 12"
	fi
}

dedupe_round madvise
dedupe_round pfn
# Machine checks last: the first one taints the kernel (TAINT_MACHINE_CHECK)
# and lockdep is off from then on; everything above ran with it.
spread_files /mnt/x/c $split
round mce "$ON1"
spread_files /mnt/x/i $split
round mceinj "$ON0"

diag "index: $(cat /sys/kernel/daxhold/index)"
check "umount" umount /mnt/x
check "dmsetup remove cat" dmsetup remove cat
check "rmmod daxhold" daxhold_unload
done_testing
