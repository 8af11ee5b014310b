# SPDX-License-Identifier: GPL-2.0
# Harness self-test: each debug-kernel checker's report, in the words the
# checker prints, fails a run whose TAP is all ok: one expect_failure per
# rule of run.py's BAD_KERNEL (kmemleak_startup.sh: its start-up lines
# are not reports).
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: append=printk.devkmsg=on
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=kernel: BUG: KASAN: slab-use-after-free
# daxhold-test: expect_failure=kernel: WARNING: possible circular locking
# daxhold-test: expect_failure=kernel: WARNING: suspicious RCU usage
# daxhold-test: expect_failure=kernel: BUG: sleeping function called from invalid context
# daxhold-test: expect_failure=kernel: UBSAN: shift-out-of-bounds
# daxhold-test: expect_failure=kernel: list_add corruption
# daxhold-test: expect_failure=kernel: ODEBUG: free active
# daxhold-test: expect_failure=kernel: DEBUG_LOCKS_WARN_ON
# daxhold-test: expect_failure=kernel: INFO: task sh:1 blocked for more than 60 seconds
# daxhold-test: expect_failure=kernel: watchdog: BUG: soft lockup
# daxhold-test: expect_failure=kernel: Watchdog detected hard LOCKUP
# daxhold-test: expect_failure=kernel: rcu: INFO: rcu_preempt detected stalls
# daxhold-test: expect_failure=kernel: kmemleak: 1 new suspected memory leaks
# daxhold-test: expect_failure=kernel: unreferenced object 0xffff888001234000
# daxhold-test: expect_failure=kernel: Disabling lock debugging due to kernel taint
. /daxtest/lib.sh
plan 1
while IFS= read -r line; do
	echo "<3>$line" > /dev/kmsg
done <<'LINES'
BUG: KASAN: slab-use-after-free in selftest+0x10/0x20
WARNING: possible circular locking dependency detected
WARNING: suspicious RCU usage
BUG: sleeping function called from invalid context at selftest.c:1
UBSAN: shift-out-of-bounds in selftest.c:1:1
list_add corruption. prev->next should be next (ffff888001234000)
ODEBUG: free active (active state 0) object: ffff888001234000 object type: timer_list
DEBUG_LOCKS_WARN_ON(1)
INFO: task sh:1 blocked for more than 60 seconds.
watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [sh:1]
Watchdog detected hard LOCKUP on cpu 1
rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
unreferenced object 0xffff888001234000 (size 64):
Disabling lock debugging due to kernel taint
LINES
ok "all tests pass"
done_testing
