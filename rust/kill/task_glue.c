// SPDX-License-Identifier: GPL-2.0
/*
 * The signal step of daxhold's own kills (Documentation/design.rst, "Kill
 * semantics"): task references, a task's pid and name, and the SIGBUS
 * with the siginfo the kernel's memory-failure kill builds.  C because
 * 6.12's Rust wraps neither get/put_task_struct() on a raw task from a C
 * walk, nor current->blocked and sighand, nor kernel_siginfo's unions.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <daxhold/glue.h>

/* get_task_struct() and put_task_struct(), for the kill set's references. */
void daxhold_task_get(struct task_struct *t)
{
	get_task_struct(t);
}

void daxhold_task_put(struct task_struct *t)
{
	put_task_struct(t);
}

/* The task's pid (initial namespace) and a copy of its name. */
int daxhold_task_pid(struct task_struct *t, char comm[16])
{
	strscpy(comm, t->comm, 16);
	return task_pid_nr(t);
}

/* Whether @t is the running task. */
bool daxhold_task_is_current(struct task_struct *t)
{
	return t == current;
}

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
