# SPDX-License-Identifier: GPL-2.0
# Host hook smoke test, no daxhold: a process maps a page of an ext4 -o dax
# file with early kill set; the guest asks the host (host_cmd) to inject an
# action-optional machine check (QEMU monitor `mce`, memory scrub, MCi_ADDR
# = the page's physical address).  memory_failure() must run on that pfn
# and the process must get SIGBUS BUS_MCEERR_AO for its page, lsb 12.
# Without daxhold there are no daxhold events: the kernel's own trace
# events, from the tracefs buffer, back the log lines up: one
# ras:memory_failure_event for the pfn (a dax page, Recovered) and one
# signal:signal_generate of SIGBUS BUS_MCEERR_AO to the process.
#
# daxhold-test: nvdimms=1
# daxhold-test: timeout=120
# A machine check taints the kernel (TAINT_MACHINE_CHECK), which turns
# lockdep off for the rest of the boot: machine checks come last.
# daxhold-test: allow=Disabling lock debugging due to kernel taint
. /daxtest/lib.sh

plan 12

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "mkfs.ext4 + mount -o dax /dev/pmem0" \
	mkfs_mount_dax ext4 /dev/pmem0 /mnt/ext4
dd if=/dev/zero of=/mnt/ext4/f bs=4096 count=16 2>/dev/null
sync

out=/tmp/victim.out
dax_poison /mnt/ext4/f 5 --no-poison --early-kill --wait 60 > $out 2>&1 &
pid=$!
i=0
while ! grep -q '^ready' $out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the victim mapped its page" grep -q '^ready' $out
phys=$(kv phys $out)
vaddr=$(kv vaddr $out)
pfn=$(printf '0x%x' $((phys >> 12)))

# The kernel's events of a memory failure and of the SIGBUSes it sends.
T=$TRACEFS
kernel_trace_on() {
	echo 1 > $T/events/ras/memory_failure_event/enable &&
		echo 'sig == 7' > $T/events/signal/signal_generate/filter &&
		echo 1 > $T/events/signal/signal_generate/enable && trace_clear
}
check "trace events ras:memory_failure_event, signal:signal_generate (SIGBUS) on" \
	kernel_trace_on

# status VAL|UC|EN|MISCV|ADDRV|S, MCACOD 0xc0 (memory scrub: action
# optional); mcg_status MCIP|RIPV; misc: physical address mode, lsb 12.
dmesg_mark mce
r=$(host_cmd mce -b 0 9 0xbd000000000000c0 5 $phys 0x8c)
is "$?" 0 "host injected the machine check ($r)"
wait $pid
rc=$?
diag_file $out
is $rc 0 "the victim got a SIGBUS"
sig=$(grep '^sigbus ' $out)
is "$(field si_code "$sig")" 5 "si_code is BUS_MCEERR_AO"
is "$(field si_addr "$sig")" "$vaddr" "si_addr is the victim's page"
is "$(field si_addr_lsb "$sig")" 12 "si_addr_lsb is 12"
dmesg_since_mark | strip_ts | grep -E 'mce|Memory failure' > /tmp/mce.log
diag_file /tmp/mce.log
cmp_ok "$(grep -c "Memory failure: $(printf '0x%x' $((phys >> 12)))" /tmp/mce.log)" \
	-ge 1 "memory_failure() ran on the pfn"
# memory_failure() traces its result (action_result()) after the kills.
mf_ev() { trace_ev memory_failure_event; }
mf_traced() { mf_ev | grep -q .; }
until_ok mf_traced
cat $T/trace > /tmp/mce.trace
diag_file /tmp/mce.trace
is "$(mf_ev)" "pfn $pfn: recovery action for dax page: Recovered" \
	"trace: one memory_failure_event, the pfn, a dax page, Recovered"
sg=$(trace_ev signal_generate)
is "$(echo "$sg" | grep -c .) $(field sig "$sg") $(field code "$sg") $(field comm "$sg") $(field pid "$sg")" \
	"1 7 5 dax_poison $(kv pid $out)" \
	"trace: one signal_generate: SIGBUS BUS_MCEERR_AO to the victim"
umount /mnt/ext4
done_testing
