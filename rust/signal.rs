// SPDX-License-Identifier: GPL-2.0

//! Signal records: which tasks daxhold's handling of a failure had
//! signalled (Documentation/design.rst, "Signal records").
//!
//! The failure handler ([`crate::notify`]) marks its thread as handling
//! failure `seq` of a held disk for as long as it runs ([`enter`], undone
//! when the returned [`Active`] drops). The SIGBUS probes
//! ([`crate::ffi::signal`]) report every `force_sig_mceerr()` and
//! `send_sig_mceerr()` in the system to [`hit`], which keeps a
//! [`What::Signal`] record in the failure log only when the sending thread
//! is marked: so the records list the tasks signalled by daxhold's own
//! reverse map and by the XFS holder it forwarded to, and no others (the
//! kernel's fallback after daxhold declined runs after the mark is gone).

use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use kernel::prelude::*;

use crate::events;
use crate::ffi::signal;
use crate::holder::Registry;
use crate::pure::events::{Event, Name, What, NAME_LEN};
use crate::pure::notify::Extent;

/// Threads handling a failure at once that get signal records; more run
/// fine, unmarked (no records for them).
const MAX_ACTIVE: usize = 16;

/// Words of a disk name in a [`Slot`].
const NAME_WORDS: usize = NAME_LEN / 8;
kernel::static_assert!(NAME_LEN % 8 == 0);

/// One marked thread: written by that thread only, read by the probes on
/// any thread (which compare `task` with their own first).
struct Slot {
    /// Its `task_struct` address, 0 for a free slot.
    task: AtomicUsize,
    /// The failure's sequence number.
    seq: AtomicU64,
    /// The held disk's name, as the failure's records carry it (so that
    /// the probe need not look it up in the holder table).
    holder: [AtomicU64; NAME_WORDS],
    /// The failed bytes: `offset`, and `end` (0 for the whole device).
    offset: AtomicU64,
    end: AtomicU64,
    /// The registry whose failure log gets the records, borrowed by the
    /// mark for as long as it is set (so the probe need not look it up
    /// with `holder::with_registry()`).
    registry: AtomicPtr<Registry>,
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    task: AtomicUsize::new(0),
    seq: AtomicU64::new(0),
    holder: [ZERO; NAME_WORDS],
    offset: AtomicU64::new(0),
    end: AtomicU64::new(0),
    registry: AtomicPtr::new(core::ptr::null_mut()),
};

static ACTIVE: [Slot; MAX_ACTIVE] = [FREE; MAX_ACTIVE];

/// The mark of the running failure handler, which borrows the registry
/// whose log gets its records; dropping it clears the mark.
pub(crate) struct Active<'a>(Option<&'static Slot>, PhantomData<&'a Registry>);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            slot.task.store(0, Ordering::Release);
        }
    }
}

/// Bytes `8 * i` to `8 * i + 7` of `name`, as one word of a [`Slot`].
fn name_word(name: &Name, i: usize) -> u64 {
    let mut bytes = [0u8; 8];
    let from = name.0.get(i.saturating_mul(8)..).unwrap_or(&[]);
    for (d, s) in bytes.iter_mut().zip(from.iter()) {
        *d = *s;
    }
    u64::from_ne_bytes(bytes)
}

/// Mark the running thread as handling failure `seq` of held disk
/// `holder`, of bytes `extent`, until the result is dropped; its signal
/// records go to the failure log of `r`. Never waits.
pub(crate) fn enter(r: &Registry, seq: u64, holder: Name, extent: Extent) -> Active<'_> {
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
            let (offset, end) = match extent {
                Extent::Range { offset, end } => (offset, end),
                Extent::WholeDevice => (0, 0),
            };
            slot.seq.store(seq, Ordering::Relaxed);
            for (i, w) in slot.holder.iter().enumerate() {
                w.store(name_word(&holder, i), Ordering::Relaxed);
            }
            slot.offset.store(offset, Ordering::Relaxed);
            slot.end.store(end, Ordering::Relaxed);
            slot.registry
                .store(core::ptr::from_ref(r).cast_mut(), Ordering::Relaxed);
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
    // so the rest of the slot is as it wrote it.
    let mut name = Name::NONE;
    for (i, w) in slot.holder.iter().enumerate() {
        let bytes = w.load(Ordering::Relaxed).to_ne_bytes();
        // Not chunks_exact(): its zip has panic paths (design.rst, "No
        // panics").
        let to = name.0.get_mut(i.saturating_mul(8)..).unwrap_or(&mut []);
        for (d, s) in to.iter_mut().zip(bytes.iter()) {
            *d = *s;
        }
    }
    let (offset, end) = (
        slot.offset.load(Ordering::Relaxed),
        slot.end.load(Ordering::Relaxed),
    );
    let extent = if end == 0 {
        Extent::WholeDevice
    } else {
        Extent::Range { offset, end }
    };
    let seq = slot.seq.load(Ordering::Relaxed);
    let r = slot.registry.load(Ordering::Relaxed);
    // The marked thread (the sender running this probe) stored the
    // registry in `enter`, and its mark (`Active<'a>`) borrows it.
    // SAFETY: the mark is still set (its thread is here, inside its
    // handling), so the registry it borrows is alive.
    let Some(r) = (unsafe { r.as_ref() }) else {
        return;
    };
    events::record(
        r,
        Event {
            seq,
            holder: name,
            extent,
            what: What::Signal {
                pid,
                comm: Name::new(comm),
                code,
                addr,
                lsb,
            },
        },
    );
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
