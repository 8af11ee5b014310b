// SPDX-License-Identifier: GPL-2.0

//! The failure log in the module: the ring of [`Event`]s that the failure
//! path fills instead of calling `printk`, and the work item that prints
//! them (Documentation/design.rst, "The failure log").
//!
//! The ring is allocated once, at load, and lives in the [`Registry`];
//! adding a record takes its spinlock for the copy of one record and
//! never allocates or waits for anything else. A full ring drops the
//! record and counts it; the work item says how many were lost.

use kernel::error::Result;
use kernel::prelude::*;

use crate::ffi::bdev::DISK_NAME_LEN;
use crate::ffi::glue;
use crate::holder::{self, Registry};
use crate::pure::events::{Event, Ring, NAME_LEN};

// A record keeps a disk name whole.
kernel::static_assert!(NAME_LEN == DISK_NAME_LEN);

/// Records the ring holds: one per line, a failure takes one plus one per
/// piece of the stack it reaches (two for a page under one dm device).
/// 512 records of 128 bytes: 64 KiB, allocated once.
pub(crate) const CAPACITY: usize = 512;

/// The ring, as the registry keeps it.
pub(crate) type EventRing = Ring<KVVec<Event>>;

/// An empty ring of [`CAPACITY`] records, allocated now (module load).
pub(crate) fn new_ring() -> Result<EventRing> {
    let mut slots = KVVec::with_capacity(CAPACITY, GFP_KERNEL)?;
    for _ in 0..CAPACITY {
        slots.push(Event::EMPTY, GFP_KERNEL)?;
    }
    Ok(Ring::new(slots))
}

/// Add `e` to the log (the failure path). A full ring counts it as lost.
pub(crate) fn record(r: &Registry, e: Event) {
    // `false` (full) is counted in the ring and reported by the printer.
    let _ = r.log.lock().push(e);
}

/// Have the work item print what was recorded (never waits).
pub(crate) fn kick() {
    glue::log_kick();
}

/// Print every record in the ring, oldest first, then the number lost.
/// The lock is held only to take each record out, never across `printk`.
pub(crate) fn print(r: &Registry) {
    loop {
        let next = r.log.lock().pop();
        match next {
            Some(e) if e.is_error() => pr_err!("{e}\n"),
            Some(e) => pr_info!("{e}\n"),
            None => break,
        }
    }
    let lost = r.log.lock().take_lost();
    if lost != 0 {
        pr_err!("failure log full: {lost} lines lost\n");
    }
}

/// The work item queued by [`kick`].
pub(crate) fn print_work() {
    holder::with_registry(print);
}

/// Module unload, after the last failure handler returned: stop the work
/// item and print what is left, so that the log is complete before the
/// `unloaded` line.
pub(crate) fn stop(r: &Registry) {
    glue::log_stop();
    print(r);
}
