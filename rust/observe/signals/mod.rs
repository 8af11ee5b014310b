// SPDX-License-Identifier: GPL-2.0

//! Signal records: which tasks the kernel signalled on daxhold's behalf
//! (Documentation/design.rst, "Signal records").
//!
//! daxhold records its own kills itself ([`crate::owners`]). The kernel
//! sends the others from inside two calls daxhold makes for a failure: the
//! upper holder's `notify_failure` (XFS, through `mf_dax_kill_procs()`)
//! and `mf_dax_kill_procs()` itself (the per-owner fallback). [`listen`]
//! runs such a call with its thread marked; the `signal_generate` probe
//! ([`crate::observe::signals::ffi`]) reports each `BUS_MCEERR_AR`/`AO` SIGBUS in the
//! system to [`hit`], which stages a [`What::Signal`] record in the slot of
//! the marked sending thread, if any; [`listen`] moves the staged records
//! into the failure's [`Log`] when the call returns. The probe runs with
//! the target's siglock held and interrupts off, so it takes no lock: the
//! staging is the slot's own array, used by its thread only.

pub(crate) mod ffi;

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::prelude::*;

use crate::abstractions::task::COMM_LEN;
use crate::observe::events::Log;
use crate::pure::events::{Name, What};

/// Threads listening at once; more run their calls fine, unmarked (no
/// records of the kernel's kills for them).
const MAX_ACTIVE: usize = 16;

/// Signal records one call stages; more are counted as lost.
const STAGE: usize = 16;

/// One marked thread.
///
/// # Invariants
///
/// `staged` and `len` are used only by the thread whose `task_struct`
/// address is in `task`, while it is there: by [`listen`] around the call
/// and by [`hit`] inside it, from the probe, which runs on that thread in
/// task context. Other threads only read `task`.
struct Slot {
    /// The marked thread's `task_struct` address, 0 for a free slot.
    task: AtomicUsize,
    /// Signals seen in this call: the first `STAGE` are in `staged`.
    len: AtomicUsize,
    staged: UnsafeCell<[MaybeUninit<What>; STAGE]>,
}

// SAFETY: by the invariants, `staged` is never used by two threads; the
// rest is atomics.
unsafe impl Sync for Slot {}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    task: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    staged: UnsafeCell::new([MaybeUninit::uninit(); STAGE]),
};

static ACTIVE: [Slot; MAX_ACTIVE] = [FREE; MAX_ACTIVE];

/// A free slot, claimed for the running thread `me`.
fn claim(me: usize) -> Option<&'static Slot> {
    ACTIVE.iter().find(|slot| {
        slot.task
            .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    })
}

/// Run `call`, a call into the kernel that may signal tasks for the
/// failure `log` records, then add a [`What::Signal`] record for each
/// `BUS_MCEERR` SIGBUS the kernel sent from this thread meanwhile, in the
/// order sent. Never waits.
pub(crate) fn listen<R>(log: &Log<'_>, call: impl FnOnce() -> R) -> R {
    let me = ffi::current_task();
    let Some(slot) = claim(me) else {
        return call();
    };
    slot.len.store(0, Ordering::Relaxed);
    ffi::listen_start();
    let ret = call();
    ffi::listen_end();
    let seen = slot.len.load(Ordering::Relaxed);
    let kept = seen.min(STAGE);
    // SAFETY: this thread owns the slot (claimed above), and its probe
    // hits are over (the call returned).
    let staged = unsafe { &*slot.staged.get() };
    for what in staged.iter().take(kept) {
        // SAFETY: `hit` wrote each of the first `kept` in this call.
        log.add_copy(unsafe { what.assume_init_ref() });
    }
    if seen > kept {
        log.lose(seen.saturating_sub(kept) as u64);
    }
    slot.task.store(0, Ordering::Release);
    ret
}

/// A SIGBUS with `code`, `addr`, `lsb` is being sent to task `pid`
/// (`comm`) by the thread `sender`, in task context (the probe, with the
/// target's siglock held: no lock, no sleeping).
pub(crate) fn hit(sender: usize, pid: i32, comm: &[u8; COMM_LEN], code: i32, addr: u64, lsb: i32) {
    if sender == 0 {
        return;
    }
    let Some(slot) = ACTIVE
        .iter()
        .find(|s| s.task.load(Ordering::Acquire) == sender)
    else {
        return;
    };
    // The sender is the running thread, so it owns the slot (invariants).
    let n = slot.len.load(Ordering::Relaxed);
    slot.len.store(n.saturating_add(1), Ordering::Relaxed);
    // SAFETY: as above: no other reference to `staged` meanwhile.
    let staged = unsafe { &mut *slot.staged.get() };
    if let Some(s) = staged.get_mut(n) {
        s.write(What::Signal {
            pid,
            comm: Name::from_comm(comm),
            code,
            addr,
            lsb,
            kill_line: None,
        });
    }
}

/// Probe `signal_generate`; without it (one line says why) daxhold runs
/// as before, with no records of the kernel's kills.
pub(crate) fn init() {
    if let Err(e) = ffi::probe_init() {
        pr_warn!(
            "cannot probe the signal_generate tracepoint ({}; CONFIG_TRACEPOINTS?): no records of the kernel's SIGBUSes in /proc/fs/daxhold/events\n",
            crate::errno::Name(e)
        );
    }
}

/// Stop the probe (unload; no failure handler runs any more).
pub(crate) fn exit() {
    ffi::probe_exit();
}
