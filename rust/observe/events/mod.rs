// SPDX-License-Identifier: GPL-2.0

//! The failure log in the module: the ring of [`Event`]s that the failure
//! path fills instead of calling `printk`, and the work item that prints
//! them (Documentation/design.rst, "The failure log").
//!
//! The ring ([`Ring`]) is allocated once, at load, and lives in the
//! holders' registry. A failure keeps what its records say in a small batch
//! of its own ([`Log`]) and adds them here a batch at a time: one hold
//! of the ring's spinlock to write each record in its slot, which never
//! allocates or waits for anything else. A full ring drops the record and
//! counts it; the work item says how many were lost.
//!
//! The history that `/proc/fs/daxhold/events` shows (the last [`HISTORY`]
//! records) is a second ring of the same records, filled by the printer,
//! not by the failure path: each record moves from the pending ring to the
//! history in the same lock hold that takes it out to print it. So the
//! failure path does not get slower at all (it is benchmarked: the choice
//! of filling the history when recording would add a 128-byte copy per
//! record under the lock), and a reader loses nothing either: it copies
//! the history and the records still waiting to be printed, in one lock
//! hold ([`recent`]). What the printer reports as lost (a full pending
//! ring) is missing from both, as it is from dmesg.

mod batch;
mod kill_line;

pub(crate) use batch::Log;

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::error::Result;
use kernel::prelude::*;

use crate::abstractions::block::DISK_NAME_LEN;
use kernel::sync::SpinLock;

use crate::ffi::bindings;
use crate::pure::events::{Event, EventLog, Name, What, NAME_LEN};
use crate::pure::notify::Extent;

// A record keeps a disk name whole.
kernel::static_assert!(NAME_LEN == DISK_NAME_LEN);
// Two cache lines: the failure path writes each record once, in its slot.
kernel::static_assert!(core::mem::size_of::<Event>() == 128);

/// Records the ring holds: one per line, a failure takes one plus one per
/// piece of the stack it reaches (two for a page under one dm device).
/// 512 records of 128 bytes: 64 KiB, allocated once.
pub(crate) const CAPACITY: usize = 512;

/// Records printed already that the history keeps: the last 512, 64 KiB,
/// allocated once.
pub(crate) const HISTORY: usize = 512;

/// The ring and the history.
pub(crate) type EventRing = EventLog<KVVec<Event>>;

/// The ring and the history under the lock the failure path takes, as the
/// registry keeps them.
pub(crate) type Ring = SpinLock<EventRing>;

/// An empty ring of [`CAPACITY`] records and an empty history of
/// [`HISTORY`], allocated now (module load).
pub(crate) fn new_ring() -> Result<EventRing> {
    let pending = KVVec::from_elem(Event::EMPTY, CAPACITY, GFP_KERNEL)?;
    let history = KVVec::from_elem(Event::EMPTY, HISTORY, GFP_KERNEL)?;
    Ok(EventLog::new(pending, history))
}

/// The newest [`HISTORY`] records, printed or not, oldest first: copied
/// in one lock hold into storage allocated before it (process context),
/// and how many of its slots they fill.
pub(crate) fn recent(ring: &Ring) -> Result<(KVVec<Event>, usize)> {
    let mut out = KVVec::from_elem(Event::EMPTY, HISTORY, GFP_KERNEL)?;
    let n = ring.lock().recent(&mut out);
    Ok((out, n))
}

/// Add one failure's records (`whats`, of failure `seq` of `holder`'s
/// `extent`) to the log, in one lock hold (the failure path), each written
/// once, into its slot. A full ring counts what does not fit as lost; the
/// kernel kill lines of those are logged at once, so that no kill of
/// daxhold's goes without one.
pub(crate) fn record_all(ring: &Ring, seq: u64, holder: &Name, extent: &Extent, whats: &[What]) {
    if whats.is_empty() {
        return;
    }
    // Bit i: whats[i] did not fit (a batch is far below 64 records);
    // `false` (full) is counted in the ring and reported by the printer.
    let dropped = ring.lock().push_records(seq, holder, *extent, whats);
    if dropped == 0 {
        return;
    }
    // Bit `i` for `whats[i]`, as `push_records` gives them.
    let mut bit = 1u64;
    for what in whats {
        let this = bit;
        bit <<= 1;
        if dropped & this != 0 {
            kill_line(&Event {
                seq,
                holder: *holder,
                extent: *extent,
                what: *what,
            });
        }
    }
}

/// The kernel kill line of `e`, if it is one of daxhold's own kills.
fn kill_line(e: &Event) {
    if let Some((pfn, comm, pid)) = e.kill_line() {
        kill_line::log(pfn, &comm.0, pid);
    }
}

/// Count `n` records lost before they reached the log (signal records
/// that did not fit where they are staged); the printer reports them with
/// the ring's own.
pub(crate) fn lose(ring: &Ring, n: u64) {
    if n > 0 {
        ring.lock().lose(n);
    }
}

/// Set by [`kick`] when it queues the work item, cleared by the work item
/// before it takes the first record out: while it is set, a print that has
/// not started yet is queued and will see every record added since.
static KICKED: AtomicBool = AtomicBool::new(false);

/// Have the work item print what was recorded (never waits). The failure
/// path calls it once per failure: while a print is queued already it is
/// one load, instead of `queue_delayed_work()`'s atomic bit operation with
/// interrupts off.
pub(crate) fn kick() {
    // Both orderings SeqCst, with the printer's clear: a kick that reads
    // `true` comes before the clear in that order, and the clear before
    // the printer's first look at the ring, so the records added before
    // this kick (under the ring's lock) are printed by that pass.
    if KICKED.load(Ordering::SeqCst) {
        return;
    }
    KICKED.store(true, Ordering::SeqCst);
    // SAFETY: `queue_delayed_work()` on the glue's static work item, whose
    // callbacks `start` set before any failure could kick: no sleeping.
    unsafe { bindings::daxhold_log_kick() };
}

/// Records the printer takes out of the ring per lock hold.
const PRINT_CHUNK: usize = 8;

/// The number of the newest failure whose records the printer has moved
/// to the history; 0 before the first. A running maximum: records of
/// concurrent failures may reach the history out of order.
static LAST_FAILURE: AtomicU64 = AtomicU64::new(0);

/// The number of the newest failure printed, 0 if none: what
/// `/sys/kernel/daxhold/last_failure` shows.
pub(crate) fn last_failure() -> u64 {
    LAST_FAILURE.load(Ordering::Relaxed)
}

/// Print every record in the ring, oldest first, then the number lost.
/// The lock is held only to take records out (to the history), up to
/// [`PRINT_CHUNK`] at a time, never across `printk`: the failure path,
/// which takes the same lock for each record it adds, meets the printer
/// there once per chunk rather than once per record. Returns whether a
/// newer failure than before reached the history.
pub(crate) fn print(ring: &Ring) -> bool {
    let mut chunk = [Event::EMPTY; PRINT_CHUNK];
    let mut newest = 0u64;
    loop {
        let (n, lost) = {
            let mut log = ring.lock();
            let mut n = 0usize;
            for slot in chunk.iter_mut() {
                let Some(e) = log.pop() else { break };
                *slot = e;
                // At most PRINT_CHUNK: cannot saturate.
                n = n.saturating_add(1);
            }
            // What was lost before these: said after them.
            let lost = if n < PRINT_CHUNK { log.take_lost() } else { 0 };
            (n, lost)
        };
        for e in chunk.get(..n).unwrap_or(&[]) {
            newest = newest.max(e.seq);
            kill_line(e);
            if e.is_quiet() {
                continue;
            }
            if e.is_error() {
                pr_err!("{e}\n");
            } else {
                pr_info!("{e}\n");
            }
        }
        if lost != 0 {
            pr_err!("failure log full: {lost} lines lost\n");
        }
        if n < PRINT_CHUNK {
            break;
        }
    }
    LAST_FAILURE.fetch_max(newest, Ordering::Relaxed) < newest
}

/// Have the work item that [`kick`] queues call `ops.print`, which is to
/// call [`print_work`] with the ring (module init, before any failure).
pub(crate) fn start(ops: &'static bindings::daxhold_log_ops) {
    // SAFETY: stores a static table for the work item; no sleeping.
    unsafe { bindings::daxhold_log_start(ops) };
}

/// The work item queued by [`kick`], with the ring. Returns whether a
/// newer failure reached the history (the glue then wakes those polling
/// `last_failure`).
pub(crate) fn print_work(ring: &Ring) -> bool {
    // Records added from now on need a new kick (see `kick`).
    KICKED.store(false, Ordering::SeqCst);
    print(ring)
}

/// Module unload, after the last failure handler returned: stop the work
/// item and print what is left, so that the log is complete before the
/// `unloaded` line.
pub(crate) fn stop(ring: &Ring) {
    // SAFETY: `cancel_delayed_work_sync()` on the glue's static work item,
    // from process context (module exit).
    unsafe { bindings::daxhold_log_stop() };
    // Nobody polls any more: the control files went first.
    let _ = print(ring);
}
