# SPDX-License-Identifier: GPL-2.0
# Device removal under daxhold: `ndctl disable-namespace` on a held pmem.
# kill_dax() sends notify_failure(0, U64_MAX, MF_MEM_PRE_REMOVE) to the
# holder and clears the slot; daxhold must log and count it, survive, let
# go of the device by name afterwards, re-attach once the namespace is
# back, and unload cleanly (its daxhold_failure trace event says the same).
# Also: removal with daxhold still attached, then rmmod.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

plan 18

check "fsdax namespace" make_fsdax_all
check "insmod daxhold devices=pmem0" daxhold_load devices=pmem0
# pmem0's parent is the pfn device (fsdax); it names its namespace.
ns=$(cat /sys/block/pmem0/device/namespace)
diag "pmem0 is $ns"

check "daxhold trace events on" trace_on
dmesg_mark remove1
check "ndctl disable-namespace $ns" ndctl disable-namespace "$ns"
daxhold_wait 'pmem0: notify_failure offset=0x0 len=0xffffffffffffffff '
dmesg_grep_since_mark 'daxhold: ' | strip_ts > /tmp/rm.lines
diag_file /tmp/rm.lines
is "$(grep -c 'pmem0: notify_failure offset=0x0 len=0xffffffffffffffff mf_flags=0x80 (MF_MEM_PRE_REMOVE)' /tmp/rm.lines)" 1 \
	"one PRE_REMOVE notify_failure for the whole device"
tf=$(trace_ev daxhold_failure)
is "$(printf '%s\n' "$tf" | grep -c .) $(field pmem "$tf") $(field offset "$tf") $(field len "$tf") $(field mf_flags "$tf")" \
	"1 pmem0 0x0 0xffffffffffffffff 0x80" "trace: one daxhold_failure, the whole of pmem0, MF_MEM_PRE_REMOVE"
is "$(daxhold_field pmem0 pre_remove)" 1 "pre_remove counted"
is "$(daxhold_field pmem0 bytes)" 0 "the whole-device form adds no bytes"
check "/dev/pmem0 is gone" test ! -e /dev/pmem0

is "$(writefile /sys/kernel/daxhold/detach pmem0)" ok "detach by name after removal"
is "$(daxhold_nholders)" 0 "nothing held"

check "ndctl enable-namespace $ns" ndctl enable-namespace "$ns"
check "/dev/pmem0 is back" wait_for /dev/pmem0
is "$(writefile /sys/kernel/daxhold/attach pmem0)" ok "re-attach pmem0"

# Removal with daxhold attached, then unload.
check "ndctl disable-namespace $ns (attached)" ndctl disable-namespace "$ns"
is "$(daxhold_field pmem0 pre_remove)" 1 "second removal counted on the new holder"
check "rmmod with a removed device still listed" daxhold_unload
check "ndctl enable-namespace $ns" ndctl enable-namespace "$ns"
done_testing
