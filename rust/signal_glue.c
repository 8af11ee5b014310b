// SPDX-License-Identifier: GPL-2.0
/*
 * Signal records (Documentation/design.rst, "Signal records"): which tasks
 * daxhold's handling of a failure had signalled.  The kernel sends those
 * SIGBUSes itself (kill_proc() in mm/memory-failure.c, reached through
 * mf_dax_kill_procs() from daxhold's reverse map or from the XFS holder it
 * forwards to), and 6.12 has no hook that says whom: kprobes on
 * force_sig_mceerr() (the poisoned task itself, BUS_MCEERR_AR) and
 * send_sig_mceerr() (another task, BUS_MCEERR_AO) stand in for one.  C
 * because kprobes and pt_regs argument accessors have no Rust API.
 *
 * The handlers only read the arguments and call daxhold_sig_hit() (Rust,
 * rust/signal.rs), which keeps the record only if the calling thread is
 * inside daxhold's notify_failure handling right now: no allocation, no
 * sleeping, a spinlock for the copy of one record.
 */
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <daxhold/glue.h>

/* force_sig_mceerr(code, addr, lsb): SIGBUS to current. */
static int daxhold_force_sig_pre(struct kprobe *p, struct pt_regs *regs)
{
	daxhold_sig_hit(current, task_pid_nr(current), current->comm,
			(s32)regs_get_kernel_argument(regs, 0),
			(u64)regs_get_kernel_argument(regs, 1),
			(s32)(short)regs_get_kernel_argument(regs, 2));
	return 0;
}

/* send_sig_mceerr(code, addr, lsb, t): SIGBUS to t. */
static int daxhold_send_sig_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct task_struct *t =
		(struct task_struct *)regs_get_kernel_argument(regs, 3);

	if (!t)
		return 0;
	daxhold_sig_hit(current, task_pid_nr(t), t->comm,
			(s32)regs_get_kernel_argument(regs, 0),
			(u64)regs_get_kernel_argument(regs, 1),
			(s32)(short)regs_get_kernel_argument(regs, 2));
	return 0;
}

static struct kprobe daxhold_force_sig_probe = {
	.symbol_name = "force_sig_mceerr", .pre_handler = daxhold_force_sig_pre,
};
static struct kprobe daxhold_send_sig_probe = {
	.symbol_name = "send_sig_mceerr", .pre_handler = daxhold_send_sig_pre,
};
static bool daxhold_sig_probes_on;

/*
 * Register both probes, or neither: 0 or the first error (the caller logs
 * it and goes on without signal records).
 */
int daxhold_sig_probes_init(void)
{
	int rc = register_kprobe(&daxhold_force_sig_probe);

	if (rc)
		return rc;
	rc = register_kprobe(&daxhold_send_sig_probe);
	if (rc) {
		unregister_kprobe(&daxhold_force_sig_probe);
		return rc;
	}
	daxhold_sig_probes_on = true;
	return 0;
}

/* After this no handler runs (unregister_kprobe() waits for them). */
void daxhold_sig_probes_exit(void)
{
	if (!daxhold_sig_probes_on)
		return;
	unregister_kprobe(&daxhold_send_sig_probe);
	unregister_kprobe(&daxhold_force_sig_probe);
	daxhold_sig_probes_on = false;
}
