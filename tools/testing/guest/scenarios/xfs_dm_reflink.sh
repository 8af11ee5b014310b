# SPDX-License-Identifier: GPL-2.0
# XFS (-m reflink=1,rmapbt=1, -o dax) on a dm-linear device concatenating
# two fsdax namespaces, with daxhold loaded (policy stacked) BEFORE the dm
# device exists: daxhold must pick both pmems up by itself.  Then, once for
# a file on each namespace: a file and its reflink copy are mapped by two
# processes, a third maps an unrelated file; madvise(MADV_HWPOISON) on a
# shared page.  The poisoning process gets BUS_MCEERR_AR at the right
# address (lsb 12), the others get nothing (early kill off); daxhold logs
# the right pmem offset and the right dm sector, and XFS (the dm device's
# holder) handled it; the trace events say the same (daxhold_top handled,
# one signal:signal_generate to the poisoner).  Upstream without daxhold oopses on this very run
# (xfs_dm_reflink_upstream.sh).
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

plan 46

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "insmod daxhold (policy stacked)" daxhold_load
is "$(daxhold_nholders)" 0 "a bare pmem is left to its filesystem"
check "dm-linear 'cat' = pmem0 + pmem1" dm_concat cat pmem0 pmem1
dm=$(dm_name_dev cat)
diag "table: $(dmsetup table cat | tr '\n' ';')"
wait_for_holders() { [ "$(daxhold_nholders)" = 2 ]; }
check "daxhold picked up pmem0 and pmem1 by itself" until_ok wait_for_holders
is "$(daxhold_field pmem0 mode) $(daxhold_field pmem1 mode)" "auto auto" \
	"both held by policy"

check "mkfs.xfs -m reflink=1,rmapbt=1 -d agcount=4" \
	mkfs.xfs -q -f -m reflink=1,rmapbt=1 -d agcount=4 /dev/mapper/cat
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/cat" mount -t xfs -o dax /dev/mapper/cat /mnt/x
check "/proc/mounts shows dax" mount_has_dax /mnt/x

s0=$(sectors pmem0)
split=$((s0 * 512))
diag "pmem0 ends at byte $split of $dm"

# A file on each pmem (XFS spreads directories over its AGs).
spread_files /mnt/x $split
on0=$ON0 on1=$ON1
diag "file on pmem0: $on0, file on pmem1: $on1"

sigbus_trace_on() {
	trace_on &&
		echo 'sig == 7' > "$TRACEFS/events/signal/signal_generate/filter" &&
		echo 1 > "$TRACEFS/events/signal/signal_generate/enable"
}
check "daxhold and signal_generate (SIGBUS) trace events on" sigbus_trace_on

# round FILE PMEM BASE: reflink FILE, map the copy and an unrelated file in
# two processes, poison page 3 of FILE in a third; 19 tests.
round() {
	f=$1 pm=$2 base=$3
	g=$f.reflink
	u=/mnt/x/unrelated.$pm
	dd if=/dev/urandom of=$u bs=4096 count=16 2>/dev/null
	check "xfs_io reflink $f -> $g" xfs_io -f -c "reflink $f" "$g"
	sync
	dax_poison "$g" 3 --read-only --no-poison --wait 10 > /tmp/p2.out 2>&1 &
	p2=$!
	dax_poison "$u" 3 --read-only --no-poison --wait 10 > /tmp/p3.out 2>&1 &
	p3=$!
	wait_for_ready() { grep -q '^ready' /tmp/p2.out && grep -q '^ready' /tmp/p3.out; }
	check "the copy and the unrelated file are mapped" until_ok wait_for_ready
	fwd0=$(daxhold_field "$pm" forwarded)
	dmesg_mark "round-$pm"
	trace_clear
	dax_poison "$f" 3 --read-only > /tmp/p1.out 2>&1
	is $? 0 "the poisoning process got SIGBUS"
	wait $p2; rc2=$?
	wait $p3; rc3=$?
	diag_file /tmp/p1.out
	o=$(kv fs_offset /tmp/p1.out)
	is "$(kv fs_offset /tmp/p2.out)" "$o" "page 3 of the copy is the same block (reflink)"
	sig=$(grep '^sigbus ' /tmp/p1.out)
	is "$(field si_code "$sig")" 4 "si_code BUS_MCEERR_AR"
	is "$(field si_addr "$sig")" "$(kv vaddr /tmp/p1.out)" "si_addr is the poisoned page"
	is "$(field si_addr_lsb "$sig")" 12 "si_addr_lsb 12"
	is "$rc2" 3 "the process mapping the reflink copy got no signal (early kill off)"
	is "$rc3" 3 "the process mapping an unrelated file got no signal"
	daxhold_wait " -> top $dm "
	dmesg_grep_since_mark 'daxhold: |Memory failure|XFS' | strip_ts > /tmp/dh.lines
	diag_file /tmp/dh.lines
	nf=$(grep "daxhold: $pm: notify_failure " /tmp/dh.lines | head -n 1)
	is "$(field offset "$nf")" "$(printf '0x%x' $((o - base)))" \
		"$pm notify_failure offset == FIEMAP offset - start of $pm in $dm"
	top=$(top_line "$dm")
	like "$top" "daxhold: $pm: offset .* -> top $dm sector $((o / 512)) sectors 8 depth 1: " \
		"top device $dm, sector == FIEMAP offset / 512"
	like "$top" 'handled by its holder \(0\)' "XFS on $dm handled it (returned 0)"
	like "$(cat /tmp/dh.lines)" 'recovery action for dax page: Recovered' \
		"memory_failure: Recovered"
	is "$(daxhold_field "$pm" forwarded)" $((fwd0 + 1)) "$pm forwarded +1"
	tt=$(trace_ev daxhold_top)
	is "$(field device "$tt") $(field sector "$tt") $(field depth "$tt") $(field outcome "$tt") $(field rc "$tt")" \
		"$dm $((o / 512)) 1 handled 0" "trace: daxhold_top $dm, FIEMAP sector, depth 1, handled, rc 0"
	# XFS's kill, seen by the kernel's own tracepoint: the poisoner only.
	is "$(trace_ev signal_generate | while read -r l; do
		echo "$(field code "$l") $(field pid "$l")"; done)" \
		"4 $(kv pid /tmp/p1.out)" "trace: one signal_generate, BUS_MCEERR_AR to the poisoner"
}

round "$on0" pmem0 0
round "$on1" pmem1 "$split"

check "umount" umount /mnt/x
check "dmsetup remove cat" dmsetup remove cat
wait_for_none() { [ "$(daxhold_nholders)" = 0 ]; }
check "policy lets both go once nothing is stacked on them" until_ok wait_for_none
check "rmmod daxhold" daxhold_unload
done_testing
