// SPDX-License-Identifier: GPL-2.0

//! Where the records wait and stay: the [`Ring`] of those waiting to be
//! printed, the [`History`] of those printed, and the two as one
//! [`EventLog`].

use core::ops::DerefMut;

use super::record::{Event, Name, What};
use crate::pure::notify::Extent;

/// A ring of [`Event`]s in storage the caller owns and sizes (`KVVec` in
/// the module, filled with [`Event::EMPTY`] once at load): first in, first
/// out; a record that finds it full is dropped and counted.
pub struct Ring<S> {
    slots: S,
    /// Slot of the oldest record.
    head: usize,
    /// Records held.
    len: usize,
    /// Records dropped because the ring was full, not yet reported.
    lost: u64,
}

impl<S: DerefMut<Target = [Event]>> Ring<S> {
    /// An empty ring over `slots`, whose length is its capacity.
    pub fn new(slots: S) -> Self {
        Ring {
            slots,
            head: 0,
            len: 0,
            lost: 0,
        }
    }

    /// Most records held at once.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Records held now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot `n` places after the oldest.
    fn slot(&self, n: usize) -> Option<usize> {
        self.head.checked_add(n)?.checked_rem(self.capacity())
    }

    /// Add `e` after the newest record; if the ring is full, count it as
    /// lost instead and return `false`. Never waits, never allocates.
    pub fn push(&mut self, e: Event) -> bool {
        if self.len < self.capacity() {
            if let Some(s) = self.slot(self.len).and_then(|i| self.slots.get_mut(i)) {
                *s = e;
                self.len = self.len.saturating_add(1);
                return true;
            }
        }
        self.lost = self.lost.saturating_add(1);
        false
    }

    /// Add one failure's records after the newest, in order: each of
    /// `whats` as an [`Event`] of `seq`, `holder` and `extent`, written
    /// field by field into its slot (the failure path: no record is built
    /// elsewhere and copied in). A record that finds the ring full is
    /// counted as lost; bit `i` of the result is set if `whats[i]` was
    /// (none past 63). Never waits, never allocates. Inlined into its one
    /// caller, the failure path's hand-over.
    #[inline]
    pub fn push_records(&mut self, seq: u64, holder: &Name, extent: Extent, whats: &[What]) -> u64 {
        let cap = self.capacity();
        // Those that fit (the first `room`), and the rest, dropped.
        let room = cap.saturating_sub(self.len);
        let (fit, rest) = whats.split_at(room.min(whats.len()));
        // The slot after the newest record, found once (one division):
        // the records go to the slots from there to the end, then from
        // the start.
        let at = self.slot(self.len).unwrap_or(0);
        let (before, after) = self.slots.split_at_mut(at.min(cap));
        let (first, then) = fit.split_at(after.len().min(fit.len()));
        fill(after, first, seq, holder, extent);
        fill(before, then, seq, holder, extent);
        // At most `room`: `len` stays at most `cap`.
        self.len = self.len.saturating_add(fit.len());
        if rest.is_empty() {
            return 0;
        }
        self.lost = self.lost.saturating_add(rest.len() as u64);
        // Bits `fit.len()` up to `whats.len()`, none past 63.
        let upto = u32::try_from(whats.len())
            .ok()
            .and_then(|n| u64::MAX.checked_shr(64u32.checked_sub(n)?))
            .unwrap_or(u64::MAX);
        let from = u32::try_from(fit.len())
            .ok()
            .and_then(|n| u64::MAX.checked_shl(n))
            .unwrap_or(0);
        upto & from
    }

    /// Take the oldest record.
    pub fn pop(&mut self) -> Option<Event> {
        if self.len == 0 {
            return None;
        }
        let e = *self.slots.get(self.head)?;
        self.head = self.slot(1).unwrap_or(0);
        self.len = self.len.saturating_sub(1);
        Some(e)
    }

    /// Records lost since the last call.
    pub fn take_lost(&mut self) -> u64 {
        core::mem::take(&mut self.lost)
    }

    /// Count `n` records lost before they reached the ring.
    pub fn lose(&mut self, n: u64) {
        self.lost = self.lost.saturating_add(n);
    }
}

/// Write each of `whats` as an [`Event`] of `seq`, `holder` and `extent`
/// into `slots`, in order, as many as both have.
fn fill(slots: &mut [Event], whats: &[What], seq: u64, holder: &Name, extent: Extent) {
    // A copy the loop keeps at hand (no reload after each store).
    let holder = *holder;
    for (e, what) in slots.iter_mut().zip(whats) {
        e.seq = seq;
        e.holder = holder;
        e.extent = extent;
        e.what = *what;
    }
}

impl<S: DerefMut<Target = [Event]>> Ring<S> {
    /// The records held, oldest first.
    fn for_each(&self, mut f: impl FnMut(&Event)) {
        for n in 0..self.len {
            if let Some(e) = self.slot(n).and_then(|i| self.slots.get(i)) {
                f(e);
            }
        }
    }
}

/// The records already printed: the last `capacity` of them, oldest first;
/// a new one overwrites the oldest. Never allocates, never waits.
pub struct History<S> {
    slots: S,
    /// Slot the next record goes to.
    next: usize,
    /// Records held (at most the capacity).
    len: usize,
}

impl<S: DerefMut<Target = [Event]>> History<S> {
    /// An empty history over `slots`, whose length is its capacity.
    pub fn new(slots: S) -> Self {
        History {
            slots,
            next: 0,
            len: 0,
        }
    }

    /// Records held now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keep `e`, overwriting the oldest record if the history is full.
    pub fn push(&mut self, e: Event) {
        let cap = self.slots.len();
        if let Some(s) = self.slots.get_mut(self.next) {
            *s = e;
            self.next = self.next.saturating_add(1).checked_rem(cap).unwrap_or(0);
            self.len = self.len.saturating_add(1).min(cap);
        }
    }

    /// The records held, oldest first.
    fn for_each(&self, mut f: impl FnMut(&Event)) {
        let cap = self.slots.len();
        // The oldest is `len` slots before `next`, modulo the capacity.
        let first = self
            .next
            .saturating_add(cap)
            .saturating_sub(self.len)
            .checked_rem(cap)
            .unwrap_or(0);
        for n in 0..self.len {
            let i = first.saturating_add(n).checked_rem(cap).unwrap_or(0);
            if let Some(e) = self.slots.get(i) {
                f(e);
            }
        }
    }
}

/// The failure log: the records waiting to be printed ([`Ring`], filled by
/// the failure path) and those printed already ([`History`], filled by the
/// printer as it takes each record out, so the failure path does no extra
/// work for it).
pub struct EventLog<S> {
    /// Waiting to be printed.
    pub pending: Ring<S>,
    /// Printed.
    pub history: History<S>,
}

impl<S: DerefMut<Target = [Event]>> EventLog<S> {
    /// An empty log: `pending` and `history` slots, whose lengths are the
    /// two capacities.
    pub fn new(pending: S, history: S) -> Self {
        EventLog {
            pending: Ring::new(pending),
            history: History::new(history),
        }
    }

    /// Add `e` to be printed (the failure path): [`Ring::push`].
    pub fn push(&mut self, e: Event) -> bool {
        self.pending.push(e)
    }

    /// Add one failure's records to be printed (the failure path):
    /// [`Ring::push_records`].
    #[inline]
    pub fn push_records(&mut self, seq: u64, holder: &Name, extent: Extent, whats: &[What]) -> u64 {
        self.pending.push_records(seq, holder, extent, whats)
    }

    /// Take the oldest record to print; it moves to the history.
    pub fn pop(&mut self) -> Option<Event> {
        let e = self.pending.pop()?;
        self.history.push(e);
        Some(e)
    }

    /// Records lost since the last call (the pending ring was full).
    pub fn take_lost(&mut self) -> u64 {
        self.pending.take_lost()
    }

    /// Count `n` records lost before they reached the log; reported with
    /// the ring's own.
    pub fn lose(&mut self, n: u64) {
        self.pending.lose(n);
    }

    /// Most records waiting to be printed at once.
    pub fn capacity(&self) -> usize {
        self.pending.capacity()
    }

    /// Copy the newest `out.len()` records (or all, if fewer), printed and
    /// not, oldest first, to the start of `out`; returns how many.
    pub fn recent(&self, out: &mut [Event]) -> usize {
        let total = self.history.len().saturating_add(self.pending.len());
        let mut skip = total.saturating_sub(out.len());
        let mut n = 0usize;
        let mut put = |e: &Event| {
            if skip > 0 {
                skip -= 1;
            } else if let Some(o) = out.get_mut(n) {
                *o = *e;
                // n < out.len() here: it cannot wrap.
                n = n.wrapping_add(1);
            }
        };
        self.history.for_each(&mut put);
        self.pending.for_each(&mut put);
        n
    }
}
