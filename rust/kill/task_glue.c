// SPDX-License-Identifier: GPL-2.0
/*
 * The signal step of daxhold's own kills (Documentation/design.rst, "Kill
 * semantics"): whether the running task takes SIGBUS, and the SIGBUS with
 * the siginfo the kernel's memory-failure kill builds.  C because 6.12's
 * Rust wraps neither current->blocked and sighand nor kernel_siginfo's
 * unions (task references, pid and name are Rust's: kernel::task::Task,
 * rust/abstractions/task.rs).
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <daxhold/glue.h>

/*
 * Whether the running task blocks or ignores SIGBUS: a signal it would
 * not take now (force_sig_info_to_task()'s test).
 */
bool daxhold_sigbus_blocked(void)
{
	return sigismember(&current->blocked, SIGBUS) ||
	       current->sighand->action[SIGBUS - 1].sa.sa_handler == SIG_IGN;
}

/*
 * SIGBUS @code (BUS_MCEERR_AR or _AO) at @addr, si_addr_lsb @lsb to @t:
 * the siginfo send_sig_mceerr() and force_sig_mceerr() build, sent with the
 * exported send_sig_info() (send_sig_mceerr() would do for AO, but
 * force_sig_mceerr() is not exported; the caller forces SIGBUS on a
 * current task that blocks it).  0 or a negative errno.
 */
int daxhold_send_mceerr(struct task_struct *t, int code, u64 addr, u32 lsb)
{
	struct kernel_siginfo info;

	clear_siginfo(&info);
	info.si_signo = SIGBUS;
	info.si_errno = 0;
	info.si_code = code;
	info.si_addr = (void __user *)(unsigned long)addr;
	info.si_addr_lsb = (short)lsb;
	return send_sig_info(SIGBUS, &info, t);
}
