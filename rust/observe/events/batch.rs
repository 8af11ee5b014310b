// SPDX-License-Identifier: GPL-2.0

//! The records of one failure ([`Log`]), batched on the handler's stack
//! and handed to the failure log's ring a batch at a time.

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;

use super::Ring;
use crate::pure::events::{Name, What};
use crate::pure::notify;

/// Records a failure keeps before it hands them to the failure log: as
/// many as the common one has (failure, signal, top, result).
const BATCH: usize = 4;

/// The records of one failure, in the order they happen: kept in a batch
/// on the handler's stack and handed to the failure log in one lock hold
/// when the batch is full and when the failure is done (on drop), which
/// also queues the log's work item (Documentation/design.rst, "The
/// failure log"). Used by its own thread only (the signal records the
/// probe stages go in through [`crate::observe::signals::listen`], after the call).
pub(crate) struct Log<'a> {
    ring: &'a Ring,
    /// The failure's sequence number, in each record and trace event.
    pub(crate) seq: u64,
    pub(crate) holder: &'a Name,
    extent: notify::Extent,
    /// What the records not handed over yet say: the first `len`, written
    /// (the rest is never read, so it is not cleared either). The rest of
    /// each record (`seq`, `holder`, `extent`) is the failure's, written
    /// once per record, into the ring's slot ([`super::record_all`]).
    batch: UnsafeCell<[MaybeUninit<What>; BATCH]>,
    len: Cell<usize>,
}

impl<'a> Log<'a> {
    pub(crate) fn new(ring: &'a Ring, seq: u64, holder: &'a Name, extent: notify::Extent) -> Self {
        Log {
            ring,
            seq,
            holder,
            extent,
            batch: UnsafeCell::new([MaybeUninit::uninit(); BATCH]),
            len: Cell::new(0),
        }
    }

    /// Add one record of this failure.
    #[inline]
    pub(crate) fn add(&self, what: What) {
        self.add_copy(&what);
    }

    /// Add one record of this failure, saying what `what` says (copied
    /// once, into the batch).
    pub(crate) fn add_copy(&self, what: &What) {
        if self.len.get() >= BATCH {
            self.flush();
        }
        let n = self.len.get();
        // `Log` is not `Sync`: only this thread gets here, and `add_copy`
        // and `flush` call nothing that comes back into them.
        // SAFETY: so this is the only reference to the batch while it lives.
        let batch = unsafe { &mut *self.batch.get() };
        if let Some(slot) = batch.get_mut(n) {
            slot.write(*what);
            // Below BATCH: cannot saturate.
            self.len.set(n.saturating_add(1));
        }
    }

    /// Count `n` records of this failure as lost (reported as the ring's
    /// own losses are).
    pub(crate) fn lose(&self, n: u64) {
        super::lose(self.ring, n);
    }

    /// Hand the batch to the failure log.
    fn flush(&self) {
        let n = self.len.replace(0).min(BATCH);
        let first = self.batch.get().cast::<What>().cast_const();
        // As in `add_copy`, no other reference to the batch meanwhile, and
        // its first `n` (at most BATCH) records were written by `add_copy`.
        // SAFETY: `record_all` copies them and does not call back.
        let whats = unsafe { core::slice::from_raw_parts(first, n) };
        super::record_all(self.ring, self.seq, self.holder, &self.extent, whats);
    }
}

impl Drop for Log<'_> {
    fn drop(&mut self) {
        self.flush();
        super::kick();
    }
}
