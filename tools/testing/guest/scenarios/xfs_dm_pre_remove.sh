# SPDX-License-Identifier: GPL-2.0
# Removing a pmem under XFS on dm, with daxhold loaded (policy stacked).
# XFS (-m reflink=1,rmapbt=1, -o dax) on a dm-linear device concatenating
# two fsdax namespaces; three processes map files read-only: a file on
# pmem1, its reflink copy (the same blocks), and a file on pmem0.  Then
# pmem1's device goes away: `ndctl disable-namespace` refuses while dm
# holds /dev/pmem1 (its exclusive-open check), so the scenario unbinds the
# fsdax device from nd_pmem itself, the kernel path ndctl takes after that
# check.  kill_dax() sends notify_failure(0, U64_MAX, MF_MEM_PRE_REMOVE)
# to daxhold, which hands the whole dm device to XFS:
#  - XFS logs "Device is about to be removed!", freezes, walks its rmapbt
#    over the whole file system and calls mf_dax_kill_procs() for every
#    file in use, then shuts down (SHUTDOWN_FORCE_UMOUNT);
#  - with MF_MEM_PRE_REMOVE, collect_procs_fsdax() takes every task that
#    maps the page (no early kill needed), and kill_proc() sends
#    BUS_MCEERR_AR only to `current` (here the unbinding task), so each
#    mapping process gets SIGBUS BUS_MCEERR_AO (5), si_addr in its mapping,
#    si_addr_lsb 12 (a PTE mapping): the one on pmem0 too, since XFS is
#    told the whole device (the trace events say so too: daxhold_failure
#    of all of pmem1, one daxhold_top "whole" handled);
#  - the unbind completes, XFS answers EIO, unmounts (its DAX entries were
#    invalidated, so evicting the inodes is safe), dm goes, daxhold
#    unloads.  Without daxhold: xfs_dm_pre_remove_upstream.sh.
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

plan 46

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "insmod daxhold (policy stacked)" daxhold_load
check "dm-linear 'cat' = pmem0 + pmem1" dm_concat cat pmem0 pmem1
dm=$(dm_name_dev cat)
wait_for_holders() { [ "$(daxhold_nholders)" = 2 ]; }
check "daxhold picked up pmem0 and pmem1 by itself" until_ok wait_for_holders
# XFS over both; a file on each pmem, a reflink copy of the one on pmem1.
xfs_cat_reflinked

# Three mappers, each waiting up to 60 s for a SIGBUS: A maps the file on
# pmem1, B its reflink copy, C the file on pmem0.
cat_mappers --wait 60

check "daxhold trace events on" trace_on
unbind_pmem pmem1
check "/dev/pmem1 is gone" test ! -e /dev/pmem1

# The mappers: each got BUS_MCEERR_AO for a page of its own mapping.
in_map() { [ -n "$1" ] && [ $(($1 - $2)) -ge 0 ] && [ $(($1 - $2)) -lt 65536 ]; }
mapper() {
	n=$1 pid=$2 what=$3
	wait "$pid"
	rc=$?
	diag_file /tmp/$n.out
	is "$rc" 0 "$n ($what) got SIGBUS"
	sig=$(grep '^sigbus ' /tmp/$n.out)
	is "$(field si_code "$sig")" 5 "$n: si_code BUS_MCEERR_AO (not the current task)"
	map=$(kv map /tmp/$n.out)
	a=$(field si_addr "$sig")
	check "$n: si_addr $a lies in its 64 KiB mapping at $map" in_map "$a" "$map"
	is "$(field si_addr_lsb "$sig")" 12 "$n: si_addr_lsb 12"
}
mapper A "$pA" "file on pmem1"
mapper B "$pB" "its reflink copy"
mapper C "$pC" "file on pmem0"

daxhold_wait "pmem1: whole device -> whole $dm "
dmesg_since_mark | strip_ts > /tmp/rm.lines
diag_file /tmp/rm.lines 60
is "$(grep -c '^daxhold: pmem1: notify_failure offset=0x0 len=0xffffffffffffffff mf_flags=0x80 (MF_MEM_PRE_REMOVE)$' /tmp/rm.lines)" 1 \
	"daxhold: one PRE_REMOVE notify_failure for the whole of pmem1"
is "$(grep -c "^daxhold: pmem1: whole device -> whole $dm depth 1: handled by its holder (0)$" /tmp/rm.lines)" 1 \
	"daxhold: whole device -> whole $dm depth 1: handled by its holder (0)"
is "$(grep -c '^daxhold: pmem0' /tmp/rm.lines)" 0 "nothing about pmem0"
tf=$(trace_ev daxhold_failure) tt=$(trace_ev daxhold_top)
is "$(echo "$tf" | grep -c .) $(field pmem "$tf") $(field offset "$tf") $(field len "$tf") $(field mf_flags "$tf")" \
	"1 pmem1 0x0 0xffffffffffffffff 0x80" "trace: one daxhold_failure, the whole of pmem1, MF_MEM_PRE_REMOVE"
is "$(echo "$tt" | grep -c .) $(field device "$tt") $(field depth "$tt") $(field outcome "$tt") $(field rc "$tt")" \
	"1 $dm 1 handled 0" "trace: one daxhold_top, $dm, depth 1, handled, rc 0"
like "$tt" " whole$" "trace: the daxhold_top is of the whole device"
is "$(grep -c "^XFS ($dm): Device is about to be removed!" /tmp/rm.lines)" 1 \
	"XFS on $dm: Device is about to be removed!"
is "$(grep -c "^XFS ($dm): User initiated shutdown received" /tmp/rm.lines)" 1 \
	"XFS on $dm shut down (forced unmount)"
signalled() {
	for _p in "$pA" "$pB" "$pC"; do
		grep -q "Sending SIGBUS to dax_poison:$_p due to" /tmp/rm.lines || return 1
	done
}
check "memory_failure logged a SIGBUS to each of the three" signalled

if daxhold_holders | grep -q '^pmem1 '; then
	is "$(daxhold_field pmem1 pre_remove)" 1 "pmem1: pre_remove=1"
	is "$(daxhold_field pmem1 forwarded)" 1 "pmem1: forwarded=1"
else
	skip "pmem1: pre_remove=1" "pmem1 is no longer listed"
	skip "pmem1: forwarded=1" "pmem1 is no longer listed"
fi
is "$(daxhold_field pmem0 calls)" 0 "pmem0: no call"

like "$(stat -c %s "$on0" 2>&1)" 'Input/output error' "stat on the file system: EIO"
is "$(writefile -e "$on0" x)" open-errno=EIO "open for writing: EIO"
check "umount" umount /mnt/x
check "dmsetup remove cat" dmsetup remove cat
pmem0_gone() { ! daxhold_holders | grep -q '^pmem0 '; }
check "the policy lets pmem0 go once nothing is stacked on it" until_ok pmem0_gone
pmem1_gone() { ! daxhold_holders | grep -q '^pmem1 '; }
check "the policy let pmem1 go once its disk was gone" until_ok pmem1_gone
diag "holders after dmsetup remove: $(daxhold_holders | tr '\n' ';')"
dmesg_mark unload
check "rmmod daxhold" daxhold_unload
is "$(dmesg_grep_since_mark 'daxhold: ' | strip_ts | tail -n 1)" "daxhold: unloaded" \
	"daxhold: unloaded"
done_testing
