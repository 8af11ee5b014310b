// SPDX-License-Identifier: GPL-2.0
/*
 * Signal records (Documentation/design.rst, "Signal records"): which tasks
 * the kernel signalled on daxhold's behalf.  daxhold records its own kills
 * itself; the kernel sends the others (kill_proc() in mm/memory-failure.c,
 * reached through mf_dax_kill_procs() from the XFS holder daxhold forwards
 * to, or from daxhold's per-owner fallback), and its public signal_generate
 * tracepoint (include/trace/events/signal.h) shows each of them.  Its
 * struct tracepoint is not exported: it is found by name with the exported
 * for_each_kernel_tracepoint() and probed with tracepoint_probe_register().
 * C because 6.12's Rust has no tracepoint probe API (kernel::tracepoint
 * only declares the kernel's own events to call) and no kernel_siginfo
 * union accessors.
 *
 * The probe runs for every signal in the system with the target's siglock
 * held and interrupts off: it compares the signal, the count of listening
 * threads (daxhold's own kills are sent while nobody listens) and
 * si_code, then calls the
 * hit of the daxhold_sig_ops Rust registers it with (rust/observe/signals/ffi.rs),
 * which stages the record
 * only if the sending thread is listening (inside a call that daxhold makes
 * for a failure): no lock, no allocation, no sleeping.
 */
#include <linux/atomic.h>
#include <linux/preempt.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/signal.h>
#include <daxhold/glue.h>

/* Threads inside signal::listen() now: while 0 the probe stops at once. */
atomic_t daxhold_sig_listening = ATOMIC_INIT(0);

#ifdef CONFIG_TRACEPOINTS
static struct tracepoint *daxhold_sig_tp;
/* Rust's callback, set before the probe is registered. */
static const struct daxhold_sig_ops *daxhold_sig;

/* TP_PROTO of signal_generate, after the probe's data pointer. */
static void daxhold_sig_generate(void *data, int sig,
				 struct kernel_siginfo *info,
				 struct task_struct *t, int group, int result)
{
	/* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) carry no siginfo. */
	if (sig != SIGBUS || !atomic_read(&daxhold_sig_listening) ||
	    (unsigned long)info <= 1UL || !in_task())
		return;
	if (info->si_code != BUS_MCEERR_AR && info->si_code != BUS_MCEERR_AO)
		return;
	daxhold_sig->hit(current, task_pid_nr(t), t->comm, info->si_code,
			 (u64)(unsigned long)info->si_addr,
			 (s32)info->si_addr_lsb);
}

/*
 * The probe has signal_generate's TP_PROTO as the build tree's
 * <trace/events/signal.h> declares it (its register_trace_ function, not
 * called: its struct tracepoint is not exported): a kernel whose
 * tracepoint differs does not build.
 */
typedef int (*daxhold_sig_register_fn)(typeof(&daxhold_sig_generate), void *);
static_assert(__builtin_types_compatible_p(typeof(&register_trace_signal_generate),
					   daxhold_sig_register_fn),
	      "signal_generate's TP_PROTO is not the one daxhold's probe has");

static void daxhold_sig_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "signal_generate"))
		*(struct tracepoint **)priv = tp;
}

/*
 * Probe signal_generate: 0, -ENOENT if the kernel has no such tracepoint,
 * -EOPNOTSUPP without CONFIG_TRACEPOINTS, or tracepoint_probe_register()'s
 * error.  The caller logs it and goes on without records of the kernel's
 * kills.
 */
int daxhold_sig_trace_init(const struct daxhold_sig_ops *ops)
{
	struct tracepoint *tp = NULL;
	int rc;

	daxhold_sig = ops;
	for_each_kernel_tracepoint(daxhold_sig_find, &tp);
	if (!tp)
		return -ENOENT;
	rc = tracepoint_probe_register(tp, daxhold_sig_generate, NULL);
	if (rc)
		return rc;
	daxhold_sig_tp = tp;
	return 0;
}

/* After this no probe runs (it waits for the ones in flight). */
void daxhold_sig_trace_exit(void)
{
	if (!daxhold_sig_tp)
		return;
	tracepoint_probe_unregister(daxhold_sig_tp, daxhold_sig_generate, NULL);
	tracepoint_synchronize_unregister();
	daxhold_sig_tp = NULL;
}
#else /* !CONFIG_TRACEPOINTS */
int daxhold_sig_trace_init(const struct daxhold_sig_ops *ops)
{
	return -EOPNOTSUPP;
}

void daxhold_sig_trace_exit(void)
{
}
#endif
