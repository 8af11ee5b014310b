// SPDX-License-Identifier: GPL-2.0
/*
 * daxhold's trace events (include/trace/events/daxhold.h): the event
 * definitions and one function per event for Rust (rust/observe/trace/mod.rs) to call.
 * C because 6.12's Rust cannot define trace events: TRACE_EVENT is a C
 * preprocessor construct, and kernel::tracepoint only declares the
 * kernel's own events (its rust_do_trace_* helpers are built into the
 * kernel for those alone).
 *
 * daxhold_trace_users counts the attached probes of all daxhold events
 * (TRACE_EVENT_FN's reg/unreg): Rust reads it first, so with no tracer
 * attached an event costs one load on the failure path, not a call.
 */
#include <linux/atomic.h>

#define CREATE_TRACE_POINTS
#include <trace/events/daxhold.h>
#include <daxhold/glue.h>

atomic_t daxhold_trace_users = ATOMIC_INIT(0);

int daxhold_trace_reg(void)
{
	atomic_inc(&daxhold_trace_users);
	return 0;
}

void daxhold_trace_unreg(void)
{
	atomic_dec(&daxhold_trace_users);
}

void daxhold_trace_failure(u64 seq, const char *pmem, u64 offset, u64 len,
			   u32 mf_flags)
{
	trace_daxhold_failure(seq, pmem, offset, len, mf_flags);
}

void daxhold_trace_top(u64 seq, const char *device, u32 dev, u32 depth,
		       u64 sector, u64 sectors, int rc, const char *outcome,
		       bool whole)
{
	trace_daxhold_top(seq, device, dev, depth, sector, sectors, rc,
			  outcome, whole);
}

void daxhold_trace_owner(u64 seq, u32 dev, u64 ino, u64 pgoff, u64 count,
			 u64 pfn, int rc, const char *kind)
{
	trace_daxhold_owner(seq, dev, ino, pgoff, count, pfn, rc, kind);
}

void daxhold_trace_kill(u64 seq, int pid, const char *comm, int si_code,
			u64 addr, int lsb)
{
	trace_daxhold_kill(seq, pid, comm, si_code, addr, lsb);
}

void daxhold_trace_badblocks(const char *pmem, u64 sector, u64 sectors,
			     const char *state)
{
	trace_daxhold_badblocks(pmem, sector, sectors, state);
}

void daxhold_trace_poison(const struct daxhold_trace_poison *p)
{
	trace_daxhold_poison(p->pmem, p->sector, p->chain, p->top_sector,
			     p->dev, p->kind, p->ino, p->offset, p->len,
			     p->what, p->state);
}
