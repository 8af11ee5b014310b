# SPDX-License-Identifier: GPL-2.0
# MF_MEM_PRE_REMOVE through the reverse map: ext4 -o dax on dm-linear over
# pmem0, three processes mapping pages of three files (no early kill), then
# pmem0's namespace is unbound (lib.sh unbind_pmem).  kill_dax() sends
# notify_failure(0, U64_MAX, MF_MEM_PRE_REMOVE); nobody above holds the dm
# device, so daxhold's reverse map finds every indexed mapping of pmem0 and
# calls mf_dax_kill_procs() with MF_MEM_PRE_REMOVE for each, which signals
# every mapping task (BUS_MCEERR_AO: none of them is current), then
# invalidates the DAX entries.  The unbind completes; umount, dmsetup
# remove and rmmod are clean.  Each task is signalled once per failure: A,
# B and C map all 16 pages of their file, a fourth process D maps two files
# (D1 and D2), and /proc/fs/daxhold/events has exactly one `signal` record
# for each of the four (the kernel's mf_dax_kill_procs() signals once per
# page: 16 for A, B and C, 32 for D).  Every process writes every page
# through its mapping; D2 (mapped by D's --also) is never written back
# (dax_poison's FIEMAP_FLAG_SYNC writes back only the first file), so its
# DAX entries are dirty at the pre-remove: invalidate_inode_pages2_range()
# alone skips dirty entries, they outlived the removal and umount's evict
# oopsed in dax_disassociate_entry() (the struct page of a removed pfn;
# without daxhold the same oops, rmap_pre_remove_upstream.sh).  daxhold
# writes the range back first, then invalidates; no "not dropped" line.
# The trace events say the same: one daxhold_failure of the whole of
# pmem0 with MF_MEM_PRE_REMOVE, one daxhold_top "whole" of lv declined to
# the reverse map, one daxhold_kill (AO) for each of the four processes.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

plan 38

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "dmsetup create lv (linear on pmem0 from sector 2048)" \
	dmsetup create lv --table "0 $(($(sectors pmem0) - 2048)) linear $(devnum pmem0) 2048"
lv=$(dm_name_dev lv)
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l
check "insmod daxhold" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0" until_ok held
for n in A B C D1 D2; do
	dd if=/dev/urandom of=/mnt/l/$n bs=4096 count=16 2>/dev/null
done
sync
for n in A B C; do
	dax_poison /mnt/l/$n 3 --no-poison --wait 60 > /tmp/$n.out 2>&1 &
	eval "p$n=$!"
done
dax_poison /mnt/l/D1 3 --no-poison --wait 60 --also /mnt/l/D2 --linger 1 > /tmp/D.out 2>&1 &
pD=$!
all_ready() { grep -q '^ready' /tmp/A.out && grep -q '^ready' /tmp/B.out &&
	grep -q '^ready' /tmp/C.out && grep -q '^ready' /tmp/D.out; }
check "four processes map their files (D two of them)" until_ok all_ready

check "daxhold trace events on" trace_on
unbind_pmem pmem0

in_map() { [ -n "$1" ] && [ $(($1 - $2)) -ge 0 ] && [ $(($1 - $2)) -lt 65536 ]; }
for n in A B C; do
	eval "pid=\$p$n"
	wait "$pid"
	is $? 0 "$n got SIGBUS"
	sig=$(grep '^sigbus ' /tmp/$n.out | head -n 1)
	is "$(field si_code "$sig")" 5 "$n: BUS_MCEERR_AO (not the current task)"
	a=$(field si_addr "$sig")
	check "$n: si_addr $a lies in its mapping" in_map "$a" "$(kv map /tmp/$n.out)"
done
wait "$pD"
is $? 0 "D (two files) got SIGBUS"
sig=$(grep '^sigbus ' /tmp/D.out | head -n 1)
is "$(field si_code "$sig")" 5 "D: BUS_MCEERR_AO"
is "$(kv sigbus_count /tmp/D.out)" 1 "D: exactly one SIGBUS arrived (1 s lingering)"
cat /proc/fs/daxhold/events > /tmp/ev.out
grep ' signal ' /tmp/ev.out | while read -r l; do diag "events: $l"; done
for n in A B C D; do
	eval "pid=\$p$n"
	is "$(grep -c " signal pid=$pid " /tmp/ev.out)" 1 \
		"$n: exactly one signal record for the pre-remove (per-page kill: one per mapped page)"
done
tf=$(trace_ev daxhold_failure) tt=$(trace_ev daxhold_top)
is "$(echo "$tf" | grep -c .) $(field pmem "$tf") $(field offset "$tf") $(field len "$tf") $(field mf_flags "$tf")" \
	"1 pmem0 0x0 0xffffffffffffffff 0x80" "trace: one daxhold_failure, the whole of pmem0, MF_MEM_PRE_REMOVE"
is "$(echo "$tt" | grep -c .) $(field device "$tt") $(field depth "$tt") $(field outcome "$tt") $(echo "$tt" | grep -c ' whole$')" \
	"1 $lv 1 declined 1" "trace: one daxhold_top, the whole of lv, declined to the reverse map"
for n in A B C D; do
	eval "pid=\$p$n"
	is "$(trace_ev daxhold_kill | grep " pid=$pid " | grep -c 'si_code=BUS_MCEERR_AO')" 1 \
		"$n: trace: one daxhold_kill, BUS_MCEERR_AO"
done
pre() { daxhold_lines | grep -q "daxhold: pmem0: pre-remove: [0-9]* owner ranges of pfn .*: mapping tasks signalled, DAX entries invalidated"; }
check "daxhold: pre-remove summary line" until_ok pre
dmesg_since_mark | strip_ts > /tmp/rm.lines
diag_file /tmp/rm.lines 40
like "$(grep 'whole device' /tmp/rm.lines)" "whole device -> whole $lv depth 1: no holder handled it; to the reverse map" \
	"daxhold: whole device -> whole $lv, to the reverse map"
n=$(sed -n 's/.*pre-remove: \([0-9]*\) owner ranges.*/\1/p' /tmp/rm.lines | head -n 1)
cmp_ok "${n:-0}" -ge 3 "at least one owner range per mapped file ($n)"
is "$(grep -c 'not dropped' /tmp/rm.lines)" 0 \
	"every DAX entry dropped (D2's dirty ones too: written back first)"
umount /mnt/l 2>/dev/null || umount -l /mnt/l
check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
done_testing
