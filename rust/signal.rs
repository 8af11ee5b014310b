// SPDX-License-Identifier: GPL-2.0

//! Signal records: which tasks daxhold's handling of a failure had
//! signalled (Documentation/design.rst, "Signal records").
//!
//! The failure handler ([`crate::notify`]) marks its thread with the
//! failure's [`Log`] for as long as it runs ([`enter`], undone when the
//! returned [`Active`] drops). The SIGBUS probes ([`crate::ffi::signal`])
//! report every `force_sig_mceerr()` and `send_sig_mceerr()` in the system
//! to [`hit`], which adds a [`What::Signal`] record to that log only when
//! the sending thread is marked: so the records list the tasks signalled by
//! daxhold's own reverse map and by the XFS holder it forwarded to, and no
//! others (the kernel's fallback after daxhold declined runs after the mark
//! is gone).

use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use kernel::prelude::*;

use crate::ffi::signal;
use crate::notify::Log;
use crate::pure::events::{Name, What};

/// Threads handling a failure at once that get signal records; more run
/// fine, unmarked (no records for them).
const MAX_ACTIVE: usize = 16;

/// One marked thread: written by that thread only, read by the probes on
/// any thread (which compare `task` with their own first).
struct Slot {
    /// Its `task_struct` address, 0 for a free slot.
    task: AtomicUsize,
    /// The failure's log, borrowed by the mark for as long as it is set.
    log: AtomicPtr<()>,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    task: AtomicUsize::new(0),
    log: AtomicPtr::new(core::ptr::null_mut()),
};

static ACTIVE: [Slot; MAX_ACTIVE] = [FREE; MAX_ACTIVE];

/// The mark of the running failure handler, which borrows the log that
/// gets its records; dropping it clears the mark.
pub(crate) struct Active<'a>(Option<&'static Slot>, PhantomData<&'a ()>);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            slot.task.store(0, Ordering::Release);
        }
    }
}

/// Mark the running thread as handling the failure whose records `log`
/// keeps, until the result is dropped. Never waits.
pub(crate) fn enter<'a>(log: &'a Log<'_>) -> Active<'a> {
    let me = signal::current_task();
    for slot in ACTIVE.iter() {
        // Only the thread that claimed a slot writes the rest of it, and
        // only its own probe hits read it back: nothing to order but the
        // claim.
        if slot
            .task
            .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            let p = core::ptr::from_ref(log).cast::<()>().cast_mut();
            slot.log.store(p, Ordering::Relaxed);
            return Active(Some(slot), PhantomData);
        }
    }
    Active(None, PhantomData)
}

/// A SIGBUS with `code`, `addr`, `lsb` is being sent to task `pid`
/// (`comm`) by thread `sender` (a probe: atomic context, never sleeps).
pub(crate) fn hit(sender: usize, pid: i32, comm: &[u8], code: i32, addr: u64, lsb: i32) {
    if sender == 0 {
        return;
    }
    let Some(slot) = ACTIVE
        .iter()
        .find(|s| s.task.load(Ordering::Acquire) == sender)
    else {
        return;
    };
    // The sender is the thread that marked the slot (inside its handler),
    // so the slot's log is the one it stored in `enter`, and the mark
    // (`Active<'a>`) borrows it: alive while the mark is set.
    let log = slot
        .log
        .load(Ordering::Relaxed)
        .cast::<Log<'_>>()
        .cast_const();
    // SAFETY: the mark is set (its thread is here, inside its handling).
    let Some(log) = (unsafe { log.as_ref() }) else {
        return;
    };
    log.add(What::Signal {
        pid,
        comm: Name::new(comm),
        code,
        addr,
        lsb,
    });
}

/// Start the SIGBUS probes; without them (one line said why) daxhold runs
/// as before, with no signal records.
pub(crate) fn init() {
    if let Err(e) = signal::probes_init() {
        pr_warn!(
            "cannot probe force_sig_mceerr/send_sig_mceerr ({}): no signal records in /proc/fs/daxhold/events\n",
            crate::errno::Name(e)
        );
    }
}

/// Stop them (unload; no failure handler runs any more).
pub(crate) fn exit() {
    signal::probes_exit();
}
