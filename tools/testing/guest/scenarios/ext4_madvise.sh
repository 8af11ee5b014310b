# SPDX-License-Identifier: GPL-2.0
# ext4 -o dax on /dev/pmem0 held by daxhold (insmod devices=pmem0);
# madvise(MADV_HWPOISON) on page 3 of a 64 KiB file.  daxhold's
# notify_failure must see the page's offset in the pmem (== the FIEMAP
# offset, ext4 being on the whole disk, == phys - data area start), length
# 4096; nobody holds pmem0 above it, so its reverse map finds the file and
# sends the SIGBUS; the holders counters move by exactly one call.  The trace
# events say the same: one daxhold_failure (offset, len, mf_flags) and one
# daxhold_top of pmem0 itself (depth 0, the page's sector, 8 sectors).
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

plan 27

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "insmod daxhold devices=pmem0" daxhold_load devices=pmem0
is "$(daxhold_nholders)" 1 "holders lists one device"
like "$(daxhold_holders)" '^pmem0 259:[0-9]+ calls=0 ' "holders line for pmem0"
check "mkfs.ext4 + mount -o dax /dev/pmem0" \
	mkfs_mount_dax ext4 /dev/pmem0 /mnt/ext4
check "/proc/mounts shows dax" mount_has_dax /mnt/ext4

dd if=/dev/urandom of=/mnt/ext4/f bs=4096 count=16 2>/dev/null
sync
calls0=$(daxhold_field pmem0 calls)
ar0=$(daxhold_field pmem0 action_required)
ao0=$(daxhold_field pmem0 action_optional)
bytes0=$(daxhold_field pmem0 bytes)
diag "before: $(daxhold_holders)"

dmesg_mark ext4_madvise
check "daxhold trace events on" trace_on
out=/tmp/poison.out
dax_poison /mnt/ext4/f 3 > $out 2>&1
rc=$?
diag_file $out
is $rc 0 "dax_poison got a SIGBUS (exit 0)"

start=$(pmem_data_start pmem0)
phys=$(kv phys $out)
fs_off=$(kv fs_offset $out)
vaddr=$(kv vaddr $out)
diag "pmem0 data area starts at $start"

daxhold_wait ' -> top pmem0 '
dmesg_grep_since_mark 'daxhold: ' | strip_ts > /tmp/dh.lines
diag_file /tmp/dh.lines
nf=$(grep -c 'daxhold: pmem0: notify_failure ' /tmp/dh.lines)
is "$nf" 1 "exactly one notify_failure line"
line=$(grep 'daxhold: pmem0: notify_failure ' /tmp/dh.lines | head -n 1)
off=$(field offset "$line")
len=$(field len "$line")
flags=$(field mf_flags "$line")
is "$off" "$fs_off" "notify_failure offset == FIEMAP offset on pmem0"
is "$off" "$((phys - start))" "notify_failure offset == phys - data start"
is "$len" 0x1000 "notify_failure len is 4096"
is "$flags" 0x23 "mf_flags = MF_ACTION_REQUIRED|MF_COUNT_INCREASED|MF_SW_SIMULATED"
like "$line" 'MF_ACTION_REQUIRED' "the line names MF_ACTION_REQUIRED"

tf=$(trace_ev daxhold_failure) tt=$(trace_ev daxhold_top)
is "$(echo "$tf" | grep -c .) $(field pmem "$tf") $(field offset "$tf") $(field len "$tf") $(field mf_flags "$tf")" \
	"1 pmem0 $fs_off 0x1000 $flags" "trace: one daxhold_failure: pmem0, the FIEMAP offset, 4096, the logged mf_flags"
is "$(echo "$tt" | grep -c .) $(field device "$tt") $(field depth "$tt") $(field sector "$tt") $(field sectors "$tt")" \
	"1 pmem0 0 $((fs_off / 512)) 8" "trace: one daxhold_top: pmem0 itself, depth 0, the page's sector, 8 sectors"

sig=$(grep '^sigbus ' $out)
is "$(field si_code "$sig")" 4 "SIGBUS si_code is BUS_MCEERR_AR"
is "$(field si_addr "$sig")" "$vaddr" "si_addr is the poisoned page"
is "$(field si_addr_lsb "$sig")" 12 "si_addr_lsb is 12"

diag "after: $(daxhold_holders)"
is "$(daxhold_field pmem0 calls)" $((calls0 + 1)) "calls +1"
is "$(daxhold_field pmem0 action_required)" $((ar0 + 1)) "action_required +1"
is "$(daxhold_field pmem0 action_optional)" "$ao0" "action_optional unchanged"
is "$(daxhold_field pmem0 bytes)" $((bytes0 + 4096)) "bytes +4096"
is "$(daxhold_field pmem0 last_offset)" "$fs_off" "last_offset"
is "$(daxhold_field pmem0 last_len)" 0x1000 "last_len"
is "$(daxhold_field pmem0 last_flags)" "$flags" "last_flags == logged mf_flags"

umount /mnt/ext4
check "rmmod daxhold" daxhold_unload
done_testing
