/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daxhold's trace events (Documentation/admin.rst, "Tracepoints"): a
 * failure as daxhold checked it, each top of the stack it reached and what
 * the top's holder answered, each owner the reverse map found, each SIGBUS
 * daxhold sent itself, and the known-poison scan's bad ranges and damaged
 * owners.  The kernel's own events complete the picture: ras:
 * memory_failure_event for the page, signal:signal_generate for the
 * SIGBUSes a holder above (XFS) sends.
 *
 * Every event carries the failure's seq (the same in /proc/fs/daxhold/
 * events); devices are named as in /proc/partitions and given as dev_t,
 * positions as 512-byte sectors.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM daxhold

#if !defined(_TRACE_DAXHOLD_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DAXHOLD_H

#include <linux/kdev_t.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

/* Count of attached probes, read by Rust before it builds an event. */
int daxhold_trace_reg(void);
void daxhold_trace_unreg(void);

TRACE_EVENT_FN(daxhold_failure,
	TP_PROTO(u64 seq, const char *pmem, u64 offset, u64 len, u32 mf_flags),
	TP_ARGS(seq, pmem, offset, len, mf_flags),
	TP_STRUCT__entry(
		__field(u64, seq)
		__string(pmem, pmem)
		__field(u64, offset)
		__field(u64, len)
		__field(u32, mf_flags)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__assign_str(pmem);
		__entry->offset = offset;
		__entry->len = len;
		__entry->mf_flags = mf_flags;
	),
	TP_printk("seq=%llu pmem=%s offset=0x%llx len=0x%llx mf_flags=0x%x",
		  __entry->seq, __get_str(pmem), __entry->offset, __entry->len,
		  __entry->mf_flags),
	daxhold_trace_reg, daxhold_trace_unreg);

/*
 * outcome: handled (the top's holder took it), declined (no holder there,
 * or it answered -EOPNOTSUPP: daxhold's reverse map or the kernel), failed
 * (another error, in rc), unmapped (the range maps to no byte of this
 * device).  whole: a pre-remove of the whole device (sectors is then all).
 */
TRACE_EVENT_FN(daxhold_top,
	TP_PROTO(u64 seq, const char *device, u32 dev, u32 depth, u64 sector,
		 u64 sectors, int rc, const char *outcome, bool whole),
	TP_ARGS(seq, device, dev, depth, sector, sectors, rc, outcome, whole),
	TP_STRUCT__entry(
		__field(u64, seq)
		__string(device, device)
		__field(dev_t, dev)
		__field(u32, depth)
		__field(u64, sector)
		__field(u64, sectors)
		__field(int, rc)
		__string(outcome, outcome)
		__field(bool, whole)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__assign_str(device);
		__entry->dev = dev;
		__entry->depth = depth;
		__entry->sector = sector;
		__entry->sectors = sectors;
		__entry->rc = rc;
		__assign_str(outcome);
		__entry->whole = whole;
	),
	TP_printk("seq=%llu device=%s dev=%d:%d depth=%u sector=%llu sectors=%llu outcome=%s rc=%d%s",
		  __entry->seq, __get_str(device), MAJOR(__entry->dev),
		  MINOR(__entry->dev), __entry->depth, __entry->sector,
		  __entry->sectors, __get_str(outcome), __entry->rc,
		  __entry->whole ? " whole" : ""),
	daxhold_trace_reg, daxhold_trace_unreg);

/*
 * An owner of failed pages: count pages of inode ino of the filesystem on
 * dev from page pgoff of the file, at pfn; kind file (data of a file).
 * rc: 0, or the error of having its mapping tasks signalled.
 */
TRACE_EVENT_FN(daxhold_owner,
	TP_PROTO(u64 seq, u32 dev, u64 ino, u64 pgoff, u64 count, u64 pfn,
		 int rc, const char *kind),
	TP_ARGS(seq, dev, ino, pgoff, count, pfn, rc, kind),
	TP_STRUCT__entry(
		__field(u64, seq)
		__field(dev_t, dev)
		__field(u64, ino)
		__field(u64, pgoff)
		__field(u64, count)
		__field(u64, pfn)
		__field(int, rc)
		__string(kind, kind)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__entry->dev = dev;
		__entry->ino = ino;
		__entry->pgoff = pgoff;
		__entry->count = count;
		__entry->pfn = pfn;
		__entry->rc = rc;
		__assign_str(kind);
	),
	TP_printk("seq=%llu dev=%d:%d ino=%llu pgoff=%llu count=%llu pfn=0x%llx kind=%s rc=%d",
		  __entry->seq, MAJOR(__entry->dev), MINOR(__entry->dev),
		  __entry->ino, __entry->pgoff, __entry->count, __entry->pfn,
		  __get_str(kind), __entry->rc),
	daxhold_trace_reg, daxhold_trace_unreg);

/* A SIGBUS daxhold sent itself (si_code 4: BUS_MCEERR_AR, 5: _AO). */
TRACE_EVENT_FN(daxhold_kill,
	TP_PROTO(u64 seq, int pid, const char *comm, int si_code, u64 addr,
		 int lsb),
	TP_ARGS(seq, pid, comm, si_code, addr, lsb),
	TP_STRUCT__entry(
		__field(u64, seq)
		__field(int, pid)
		__string(comm, comm)
		__field(int, si_code)
		__field(u64, addr)
		__field(int, lsb)
	),
	TP_fast_assign(
		__entry->seq = seq;
		__entry->pid = pid;
		__assign_str(comm);
		__entry->si_code = si_code;
		__entry->addr = addr;
		__entry->lsb = lsb;
	),
	TP_printk("seq=%llu pid=%d comm=%s si_code=%s addr=0x%llx lsb=%d",
		  __entry->seq, __entry->pid, __get_str(comm),
		  __entry->si_code == 4 ? "BUS_MCEERR_AR" :
		  __entry->si_code == 5 ? "BUS_MCEERR_AO" : "?",
		  __entry->addr, __entry->lsb),
	daxhold_trace_reg, daxhold_trace_unreg);

/* A range of a held pmem's badblocks list appeared (new) or went (cleared). */
TRACE_EVENT_FN(daxhold_badblocks,
	TP_PROTO(const char *pmem, u64 sector, u64 sectors, const char *state),
	TP_ARGS(pmem, sector, sectors, state),
	TP_STRUCT__entry(
		__string(pmem, pmem)
		__field(u64, sector)
		__field(u64, sectors)
		__string(state, state)
	),
	TP_fast_assign(
		__assign_str(pmem);
		__entry->sector = sector;
		__entry->sectors = sectors;
		__assign_str(state);
	),
	TP_printk("pmem=%s sector=%llu sectors=%llu state=%s",
		  __get_str(pmem), __entry->sector, __entry->sectors,
		  __get_str(state)),
	daxhold_trace_reg, daxhold_trace_unreg);

/*
 * What known poison damages, as it appears (state damaged) or goes (cleared;
 * gone: the file, filesystem or stack changed while the range stayed):
 * kind file (ino, byte offset and len in it), metadata (what) or unowned,
 * at top_sector of top (the way up in chain) in the filesystem on dev.
 */
TRACE_EVENT_FN(daxhold_poison,
	TP_PROTO(const char *pmem, u64 sector, const char *chain,
		 u64 top_sector, u32 dev, const char *kind, u64 ino,
		 u64 offset, u64 len, const char *what, const char *state),
	TP_ARGS(pmem, sector, chain, top_sector, dev, kind, ino, offset, len,
		what, state),
	TP_STRUCT__entry(
		__string(pmem, pmem)
		__field(u64, sector)
		__string(chain, chain)
		__field(u64, top_sector)
		__field(dev_t, dev)
		__string(kind, kind)
		__field(u64, ino)
		__field(u64, offset)
		__field(u64, len)
		__string(what, what)
		__string(state, state)
	),
	TP_fast_assign(
		__assign_str(pmem);
		__entry->sector = sector;
		__assign_str(chain);
		__entry->top_sector = top_sector;
		__entry->dev = dev;
		__assign_str(kind);
		__entry->ino = ino;
		__entry->offset = offset;
		__entry->len = len;
		__assign_str(what);
		__assign_str(state);
	),
	TP_printk("pmem=%s sector=%llu chain=%s top_sector=%llu dev=%d:%d kind=%s ino=%llu offset=0x%llx len=0x%llx what=%s state=%s",
		  __get_str(pmem), __entry->sector, __get_str(chain),
		  __entry->top_sector, MAJOR(__entry->dev),
		  MINOR(__entry->dev), __get_str(kind), __entry->ino,
		  __entry->offset, __entry->len, __get_str(what),
		  __get_str(state)),
	daxhold_trace_reg, daxhold_trace_unreg);

#endif /* _TRACE_DAXHOLD_H */

/* This part must be outside the multi-read protection. */
#include <trace/define_trace.h>
