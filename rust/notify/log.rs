// SPDX-License-Identifier: GPL-2.0

//! The records of one failure ([`Log`]), batched on the handler's stack
//! and handed to the failure log ([`crate::events`]) a batch at a time.

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;

use crate::events;
use crate::holder::Registry;
use crate::pure::events::{Event, Name, What};
use crate::pure::notify;

/// Records a failure keeps before it hands them to the failure log: as
/// many as the common one has (failure, signal, top, result).
const BATCH: usize = 4;

/// The records of one failure, in the order they happen: kept in a batch
/// on the handler's stack and handed to the failure log in one lock hold
/// when the batch is full and when the failure is done (on drop), which
/// also queues the log's work item (Documentation/design.rst, "The
/// failure log"). Used by its own thread only (the signal records the
/// probe stages go in through [`signal::listen`], after the call).
pub(crate) struct Log<'a> {
    r: &'a Registry,
    /// The failure's sequence number, in each record and trace event.
    pub(crate) seq: u64,
    pub(super) holder: Name,
    extent: notify::Extent,
    /// The records not handed over yet: the first `len`, written (the rest
    /// is never read, so it is not cleared either).
    batch: UnsafeCell<[MaybeUninit<Event>; BATCH]>,
    len: Cell<usize>,
}

impl<'a> Log<'a> {
    pub(super) fn new(r: &'a Registry, seq: u64, holder: Name, extent: notify::Extent) -> Self {
        Log {
            r,
            seq,
            holder,
            extent,
            batch: UnsafeCell::new([MaybeUninit::uninit(); BATCH]),
            len: Cell::new(0),
        }
    }

    /// Add one record of this failure.
    pub(crate) fn add(&self, what: What) {
        if self.len.get() >= BATCH {
            self.flush();
        }
        let n = self.len.get();
        // `Log` is not `Sync`: only this thread gets here, and `add` and
        // `flush` call nothing that comes back into them.
        // SAFETY: so this is the only reference to the batch while it lives.
        let batch = unsafe { &mut *self.batch.get() };
        if let Some(slot) = batch.get_mut(n) {
            slot.write(Event {
                seq: self.seq,
                holder: self.holder,
                extent: self.extent,
                what,
            });
            // Below BATCH: cannot saturate.
            self.len.set(n.saturating_add(1));
        }
    }

    /// Count `n` records of this failure as lost (reported as the ring's
    /// own losses are).
    pub(crate) fn lose(&self, n: u64) {
        events::lose(self.r, n);
    }

    /// Hand the batch to the failure log.
    fn flush(&self) {
        let n = self.len.replace(0).min(BATCH);
        let first = self.batch.get().cast::<Event>().cast_const();
        // As in `add`, no other reference to the batch meanwhile, and its
        // first `n` (at most BATCH) records were written by `add`.
        // SAFETY: `record_all` copies them and does not call back.
        let records = unsafe { core::slice::from_raw_parts(first, n) };
        events::record_all(self.r, records);
    }
}

impl Drop for Log<'_> {
    fn drop(&mut self) {
        self.flush();
        events::kick();
    }
}
