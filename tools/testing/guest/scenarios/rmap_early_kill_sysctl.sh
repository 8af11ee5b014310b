# SPDX-License-Identifier: GPL-2.0
# daxhold's own kill and vm.memory_failure_early_kill (Documentation/
# design.rst, "Kill semantics"): the sysctl is read only when a process
# other than the poisoning one maps the failed page, and then decides
# whether a mapper without prctl(PR_MCE_KILL) gets BUS_MCEERR_AO, as in
# the kernel's task_early_kill().  ext4 -o dax on a partition of pmem0,
# daxhold holding pmem0 by policy; page 3 of a fresh file per round:
#   on/madvise    sysctl 1, madvise(MADV_HWPOISON) by a second mapper:
#                 the poisoner AR, the plain mapper AO at its own address
#   off/madvise   sysctl 0, the same: the poisoner AR, the mapper nothing
#   on/pfn        sysctl 1, hwpoison-inject corrupt-pfn (the writing shell
#                 maps nothing): the plain mapper AO
#   alone         sysctl 1, madvise by the only mapper: AR
# and the signal records of each round in /proc/fs/daxhold/events.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=300
. /daxtest/lib.sh
require_module daxhold

plan 31

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: pmem0p1" \
	sh -c 'printf "label: dos\nstart=4096, size=200000\n" | sfdisk -q /dev/pmem0'
check "mkfs.ext4 + mount -o dax /dev/pmem0p1" mkfs_mount_dax ext4 /dev/pmem0p1 /mnt/p
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held

# fresh NAME: a 16-page file of random data, written back.
fresh() {
	dd if=/dev/urandom of=/mnt/p/$1 bs=4096 count=16 2>/dev/null
	sync
}

# plain NAME SYSCTL: sets the sysctl, starts a mapper of page 3 of NAME
# without early kill (quiet), waits until it is ready (1 test).
plain() {
	echo "$2" > /proc/sys/vm/memory_failure_early_kill
	rmap_start quiet "/mnt/p/$1" --wait 30
	_ready() { grep -q '^ready' /tmp/quiet.out; }
	check "$1: sysctl $2, the plain mapper maps page 3" until_ok _ready
}

# The AO check of the plain mapper after an injection (3 tests).
quiet_ao() {
	wait $quiet_pid
	is $? 0 "$1: the plain mapper got SIGBUS"
	_sig=$(grep '^sigbus ' /tmp/quiet.out)
	is "$(field si_code "$_sig")" 5 "$1: plain mapper: BUS_MCEERR_AO"
	is "$(field si_addr "$_sig")" "$(kv vaddr /tmp/quiet.out)" "$1: plain mapper: si_addr is its page"
}

fresh on
plain on 1
dax_poison /mnt/p/on 3 > /tmp/ar.out 2>&1
is $? 0 "on: the poisoning process got SIGBUS"
sigbus_ar_ok /tmp/ar.out "on: poisoner"
quiet_ao on

fresh off
plain off 0
dax_poison /mnt/p/off 3 > /tmp/ar.out 2>&1
is $? 0 "off: the poisoning process got SIGBUS"
is "$(field si_code "$(grep '^sigbus ' /tmp/ar.out)")" 4 "off: poisoner: BUS_MCEERR_AR"
kill -0 $quiet_pid 2>/dev/null
is $? 0 "off: the plain mapper is still waiting"
kill $quiet_pid 2>/dev/null
wait $quiet_pid
is "$(grep -c '^sigbus ' /tmp/quiet.out)" 0 "off: the plain mapper got nothing"

fresh pfn
plain pfn 1
dax_poison /mnt/p/pfn 3 --no-poison > /tmp/where.out 2>&1
_phys=$(kv phys /tmp/where.out)
_r=$(hwpoison_pfn $((_phys >> 12)))
is "$_r" ok "pfn: corrupt-pfn accepted"
quiet_ao pfn

fresh alone
echo 1 > /proc/sys/vm/memory_failure_early_kill
dax_poison /mnt/p/alone 3 > /tmp/ar.out 2>&1
is $? 0 "alone: the poisoning process got SIGBUS"
sigbus_ar_ok /tmp/ar.out "alone: poisoner"
echo 0 > /proc/sys/vm/memory_failure_early_kill

# Each daxhold kill records its tasks: AO for the plain mapper in rounds
# on and pfn, AR for the poisoners of on, off and alone.
cat /proc/fs/daxhold/events > /tmp/ev.out
grep ' signal ' /tmp/ev.out | while read -r l; do diag "events: $l"; done
is "$(grep -c ' signal .*code=AO' /tmp/ev.out)" 2 "events: two BUS_MCEERR_AO records"
is "$(grep -c ' signal .*code=AR' /tmp/ev.out)" 3 "events: three BUS_MCEERR_AR records"

check "umount" umount /mnt/p
check "rmmod daxhold" daxhold_unload
done_testing
