// SPDX-License-Identifier: GPL-2.0

//! The kill set of one failure: every task the reverse map's collect step
//! found mapping a poisoned page of any owner, once (Documentation/
//! design.rst, "Kill semantics").
//!
//! The kernel's `mf_dax_kill_procs()` collects and signals per page of one
//! `<mapping, index>`: a task that maps two owners of a shared (reflinked)
//! page, or several pages of a range, gets one SIGBUS per page and owner.
//! daxhold collects for all owners of a failure first, into this set keyed
//! by task, then signals each task once.
//!
//! Core-only: the set never allocates. Its slots come from the caller
//! ([`Slots`]): preallocated kernel vectors in the module, `Vec`s or
//! arrays ([`Fixed`]) here; when they are full, [`KillSet::add`] says so
//! and the caller grows the storage ([`KillSet::regrow`]) or falls back.
//!
//! A failure can have a thousand mapping tasks (one process per mapping of
//! a much-shared file): the set finds a task by binary search in a second
//! array, the slot numbers sorted by task, so each `add` costs O(log n)
//! comparisons (and, for a new task, one shift of that array's tail: a
//! `memmove` of at most 4 bytes a task) instead of a scan of every entry.
//! The targets themselves stay in the order they were first found.
//!
//! What fills the set, the collect walk's VMAs by mm ([`Mappings`]), is
//! in `mappings.rs`.

mod mappings;

use crate::pure::events::{BUS_MCEERR_AO, BUS_MCEERR_AR};
pub use mappings::{Found, MapSlots, Mappings, MmSlot, Record};

/// `PAGE_SHIFT`: the smallest mapping size.
pub const PAGE_SHIFT: u8 = 12;

/// One task to signal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// The task's identity (in the module: its `task_struct` address,
    /// stable while the set holds a reference to it). 0 is never a task.
    pub task: u64,
    /// The user address of the first poisoned page found mapped by it:
    /// its `si_addr`.
    pub addr: u64,
    /// log2 of the size of that mapping: its `si_addr_lsb`.
    pub shift: u8,
    /// The largest mapping size (log2) seen for the task in this failure.
    pub max_shift: u8,
}

/// The storage of a [`KillSet`]: slots for targets and, as many, for the
/// lookup index (slot numbers, the set's own bookkeeping). The set uses
/// as many slots as the shorter of the two has (at most `u32::MAX`).
pub trait Slots {
    /// The target slots and the index slots.
    fn parts(&self) -> (&[Target], &[u32]);
    /// The same, writable.
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]);
}

impl Slots for (&mut [Target], &mut [u32]) {
    fn parts(&self) -> (&[Target], &[u32]) {
        (self.0, self.1)
    }
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]) {
        (self.0, self.1)
    }
}

/// Storage for `N` tasks in one value (tests, small fixed sets).
#[derive(Clone, Copy)]
pub struct Fixed<const N: usize> {
    slots: [Target; N],
    index: [u32; N],
}

impl<const N: usize> Fixed<N> {
    /// Empty slots.
    pub fn new() -> Self {
        Fixed {
            slots: [Target::default(); N],
            index: [0; N],
        }
    }
}

impl<const N: usize> Default for Fixed<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Slots for Fixed<N> {
    fn parts(&self) -> (&[Target], &[u32]) {
        (&self.slots, &self.index)
    }
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]) {
        (&mut self.slots, &mut self.index)
    }
}

/// What [`KillSet::add`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A task not seen before, now in slot `n` (the caller takes its
    /// reference to the task for that slot).
    New(usize),
    /// The task was in the set already: its address stays, its largest
    /// shift may have grown.
    Merged,
    /// A new task, but every slot is used: nothing changed.
    Full,
    /// Task 0 or a shift of 0 (no mapping): ignored, as the kernel's
    /// `__add_to_kill()` drops a page that is not mapped.
    Ignored,
}

/// Tasks to signal, each once, in the order they were first found.
///
/// Invariant: `index[..len]` holds the slot numbers `0..len`, each once,
/// sorted by the task of their slot (tasks are distinct).
pub struct KillSet<S: Slots> {
    store: S,
    len: usize,
}

/// The task in slot `i` (0, never a task, if there is no such slot).
fn task_at(slots: &[Target], i: u32) -> u64 {
    usize::try_from(i)
        .ok()
        .and_then(|i| slots.get(i))
        .map_or(0, |t| t.task)
}

impl<S: Slots> KillSet<S> {
    /// An empty set over `store`.
    pub fn new(store: S) -> Self {
        KillSet { store, len: 0 }
    }

    /// Tasks in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots in its storage.
    pub fn capacity(&self) -> usize {
        let (slots, index) = self.store.parts();
        slots
            .len()
            .min(index.len())
            .min(usize::try_from(u32::MAX).unwrap_or(usize::MAX))
    }

    /// The tasks, in the order they were first found.
    pub fn targets(&self) -> &[Target] {
        self.store.parts().0.get(..self.len).unwrap_or(&[])
    }

    /// Add `task` found mapping a poisoned page at `addr` with a mapping of
    /// `2^shift` bytes: the first address found for a task wins (its
    /// `si_addr` and `si_addr_lsb`), the largest shift is kept apart.
    /// O(log n) to find the task.
    pub fn add(&mut self, task: u64, addr: u64, shift: u8) -> Added {
        if task == 0 || shift == 0 {
            return Added::Ignored;
        }
        let len = self.len;
        let cap = self.capacity();
        let (slots, index) = self.store.parts_mut();
        let Some(sorted) = index.get(..len) else {
            return Added::Full;
        };
        let pos = match sorted.binary_search_by(|&i| task_at(slots, i).cmp(&task)) {
            Ok(pos) => {
                let slot = sorted
                    .get(pos)
                    .and_then(|&i| usize::try_from(i).ok())
                    .and_then(|i| slots.get_mut(i));
                if let Some(t) = slot {
                    t.max_shift = t.max_shift.max(shift);
                }
                return Added::Merged;
            }
            Err(pos) => pos,
        };
        // A new task: its slot is `len`, its place in the index `pos`.
        let (Some(slot), Ok(mut carry), true) = (slots.get_mut(len), u32::try_from(len), len < cap)
        else {
            return Added::Full;
        };
        let Some(tail) = index.get_mut(pos..=len) else {
            return Added::Full;
        };
        *slot = Target {
            task,
            addr,
            shift,
            max_shift: shift,
        };
        // Insert `len` at `pos`, shifting the tail up by one (its last
        // element, slot `len` of the index, was unused).
        for x in tail.iter_mut() {
            core::mem::swap(x, &mut carry);
        }
        self.len = len.saturating_add(1);
        Added::New(len)
    }

    /// Move the set into `bigger` storage; `Err(bigger)` (the set
    /// unchanged) if it has fewer slots than the set has tasks.
    pub fn regrow(&mut self, mut bigger: S) -> Result<S, S> {
        let len = self.len;
        let (slots, index) = self.store.parts();
        let (Some(slots), Some(index)) = (slots.get(..len), index.get(..len)) else {
            return Err(bigger);
        };
        {
            let (dst_slots, dst_index) = bigger.parts_mut();
            let (Some(dst_slots), Some(dst_index)) =
                (dst_slots.get_mut(..len), dst_index.get_mut(..len))
            else {
                return Err(bigger);
            };
            crate::pure::nopanic::copy(dst_slots, slots);
            crate::pure::nopanic::copy(dst_index, index);
        }
        Ok(core::mem::replace(&mut self.store, bigger))
    }

    /// Its storage back.
    pub fn into_store(self) -> S {
        self.store
    }
}

/// The `si_code` the kernel's `kill_proc()` sends: BUS_MCEERR_AR to the
/// task that consumed the poison (the current task) when the failure is
/// action required, BUS_MCEERR_AO to every other task. (`mf_dax_kill_procs()`
/// ORs MF_ACTION_REQUIRED into every call, so through the reverse map the
/// current task always gets AR; daxhold passes `action_required` true to
/// send what the kernel would.)
pub fn sig_code(action_required: bool, is_current: bool) -> i32 {
    if action_required && is_current {
        BUS_MCEERR_AR
    } else {
        BUS_MCEERR_AO
    }
}

/// Whether an action-required SIGBUS must be forced on the current task
/// (`force_sig_mceerr()` semantics): it blocks or ignores SIGBUS, so a
/// plain send would leave it running on the poison.
pub fn must_force(code: i32, blocked_or_ignored: bool) -> bool {
    code == BUS_MCEERR_AR && blocked_or_ignored
}

/// The byte range to unmap for pages `[pgoff, pgoff + count)` of a file
/// whose largest mapping seen is `2^shift` bytes: as the kernel's
/// `unmap_and_kill()`, rounded out to that size (at least a page, also
/// when nothing was mapped). `(start, len)`, or `None` on overflow or an
/// empty range.
pub fn unmap_range(pgoff: u64, count: u64, shift: u8) -> Option<(u64, u64)> {
    if count == 0 {
        return None;
    }
    let shift = u32::from(shift.max(PAGE_SHIFT));
    let size = 1u64.checked_shl(shift).filter(|&s| s != 0)?;
    let first = pgoff.checked_mul(1 << PAGE_SHIFT)?;
    let end = pgoff.checked_add(count)?.checked_mul(1 << PAGE_SHIFT)?;
    let mask = size.wrapping_sub(1);
    let start = first & !mask;
    let end = end.checked_add(mask)? & !mask;
    Some((start, end.checked_sub(start)?))
}

/// Add `task`, for whose mm the walk found `f`, to `set`: its first
/// address and shift, and its largest shift, as adding each of its
/// mappings in walk order would. What the first add did.
pub fn add_task<S: Slots>(set: &mut KillSet<S>, task: u64, f: &Found) -> Added {
    let got = set.add(task, f.addr, f.shift);
    if matches!(got, Added::New(_) | Added::Merged) && f.max_shift > f.shift {
        // Merges: only the largest shift can change.
        set.add(task, f.addr, f.max_shift);
    }
    got
}
