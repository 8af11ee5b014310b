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

use crate::pure::events::{BUS_MCEERR_AO, BUS_MCEERR_AR};

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

/// One mm found by the collect walk with a poisoned page present in one
/// of its VMAs: the user address and shift of the first such page the
/// walk met (`si_addr`, `si_addr_lsb` for its task), and the largest
/// shift among all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmEntry {
    /// The mm (in the module the `mm_struct` address, alive while the
    /// walk holds the file's `i_mmap_rwsem`); 0: a free slot.
    pub mm: u64,
    /// User address of the first poisoned page present in its VMAs.
    pub addr: u64,
    /// log2 of the size of that mapping (12, 21 or 30).
    pub shift: u8,
    /// The largest mapping shift among its VMAs.
    pub max_shift: u8,
}

/// The storage of [`Mappings`]: the hash table's slots (its size is the
/// largest power of two that fits) and, as many as the table takes mms,
/// slots for the order of their first appearance.
pub trait MapSlots {
    /// The table and the order.
    fn parts(&self) -> (&[MmEntry], &[u32]);
    /// The same, writable.
    fn parts_mut(&mut self) -> (&mut [MmEntry], &mut [u32]);
}

impl MapSlots for (&mut [MmEntry], &mut [u32]) {
    fn parts(&self) -> (&[MmEntry], &[u32]) {
        (self.0, self.1)
    }
    fn parts_mut(&mut self) -> (&mut [MmEntry], &mut [u32]) {
        (self.0, self.1)
    }
}

/// The mms of one collect walk: each VMA with a present poisoned page
/// gives ([`Mappings::push`]) its mm, address and shift, folded per mm;
/// then each process's picked task is looked up by its mm
/// ([`Mappings::get`]).
///
/// This turns the collect around: the kernel's `collect_procs_fsdax()`
/// walks the processes once and, per picked task, the file's VMAs
/// through the `i_mmap` interval tree; a module cannot query that tree
/// (its iterators are not exported), so daxhold walks the VMAs once into
/// this table and the processes once against it: O(V + P) for V VMAs and
/// P processes (an open-addressing hash table keyed by mm, at most half
/// full, linear probing), instead of O(V x P). No allocation here: the
/// caller gives the storage; what did not fit is counted
/// ([`Mappings::needed`]), so the caller can grow it and walk again.
pub struct Mappings<S> {
    store: S,
    /// Distinct mms held (`order[..used]`).
    used: usize,
    /// Mappings of new mms that found no room.
    missed: usize,
}

/// The table slot where the search for `mm` starts, in a table of `mask
/// + 1` slots (Fibonacci hashing of the address without its low bits,
/// which are equal in every `mm_struct`).
fn home(mm: u64, mask: usize) -> usize {
    let h = (mm >> 6).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    usize::try_from(h >> 32).unwrap_or(0) & mask
}

impl<S: MapSlots> Mappings<S> {
    /// An empty table over `store`, whose table slots must all be free
    /// (mm 0, as `MmEntry::default()` and zeroed memory are; a slot in use
    /// would be found as an mm of the walk): not cleared here, as that
    /// costs a write per slot where the kernel's zeroing allocation has
    /// done it. Reused for another walk, the table is emptied by
    /// [`Mappings::clear`], in O(mms held).
    pub fn new(store: S) -> Self {
        Mappings {
            store,
            used: 0,
            missed: 0,
        }
    }

    /// Table slots used: a power of two (0 if the storage has none).
    fn table_len(&self) -> usize {
        let n = self.store.parts().0.len();
        n.checked_ilog2()
            .and_then(|b| 1usize.checked_shl(b))
            .unwrap_or(0)
    }

    /// How many distinct mms it takes: half the table, at most the
    /// order's slots.
    pub fn capacity(&self) -> usize {
        (self.table_len() / 2).min(self.store.parts().1.len())
    }

    /// Distinct mms held.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Whether a mapping found no room.
    pub fn overflowed(&self) -> bool {
        self.missed > 0
    }

    /// At least as many distinct mms as the walk reported (held, plus
    /// every mapping that found no room): the capacity a walk again needs.
    pub fn needed(&self) -> usize {
        self.used.saturating_add(self.missed)
    }

    /// Forget every mm (a new walk): O(mms held).
    pub fn clear(&mut self) {
        let used = self.used;
        let (table, order) = self.store.parts_mut();
        for &i in order.get(..used).unwrap_or(&[]) {
            if let Some(e) = usize::try_from(i).ok().and_then(|i| table.get_mut(i)) {
                *e = MmEntry::default();
            }
        }
        self.used = 0;
        self.missed = 0;
    }

    /// The slot of `mm`: `Ok` if it is there, `Err` with the free slot
    /// where it would go, `Err(None)` if neither (a full table).
    fn find(&self, mm: u64) -> Result<usize, Option<usize>> {
        let len = self.table_len();
        let mask = len.wrapping_sub(1);
        let table = self.store.parts().0;
        let mut i = home(mm, mask);
        for _ in 0..len {
            match table.get(i) {
                Some(e) if e.mm == mm => return Ok(i),
                Some(e) if e.mm == 0 => return Err(Some(i)),
                Some(_) => i = i.wrapping_add(1) & mask,
                None => break,
            }
        }
        Err(None)
    }

    /// Record the walk's next mapping: `mm`'s first keeps its address
    /// and shift, every one may raise its largest shift. mm 0 or shift 0
    /// (no mapping) is ignored; a new mm beyond the capacity only counted.
    /// O(1) expected.
    pub fn push(&mut self, mm: u64, addr: u64, shift: u8) {
        if mm == 0 || shift == 0 {
            return;
        }
        let slot = match self.find(mm) {
            Ok(i) => {
                if let Some(e) = self.store.parts_mut().0.get_mut(i) {
                    e.max_shift = e.max_shift.max(shift);
                }
                return;
            }
            Err(slot) => slot,
        };
        let used = self.used;
        let room = self.capacity();
        let (table, order) = self.store.parts_mut();
        let free = slot
            .filter(|_| used < room)
            .and_then(|i| Some((i, u32::try_from(i).ok()?)));
        let (Some((i, at)), Some(o)) = (free, order.get_mut(used)) else {
            self.missed = self.missed.saturating_add(1);
            return;
        };
        let Some(e) = table.get_mut(i) else {
            self.missed = self.missed.saturating_add(1);
            return;
        };
        *e = MmEntry {
            mm,
            addr,
            shift,
            max_shift: shift,
        };
        *o = at;
        self.used = used.saturating_add(1);
    }

    /// What the walk found for `mm`, if anything. O(1) expected.
    pub fn get(&self, mm: u64) -> Option<&MmEntry> {
        if mm == 0 {
            return None;
        }
        let i = self.find(mm).ok()?;
        self.store.parts().0.get(i)
    }

    /// The mms held, in the order the walk first met them.
    pub fn iter(&self) -> impl Iterator<Item = &MmEntry> {
        let (table, order) = self.store.parts();
        order
            .get(..self.used)
            .unwrap_or(&[])
            .iter()
            .filter_map(move |&i| usize::try_from(i).ok().and_then(|i| table.get(i)))
    }

    /// Its storage back.
    pub fn into_store(self) -> S {
        self.store
    }
}

/// Add `task`, whose mm the walk found as `e`, to `set`: its first
/// address and shift, and its largest shift, as adding each of its
/// mappings in walk order would. What the first add did.
pub fn add_task<S: Slots>(set: &mut KillSet<S>, task: u64, e: &MmEntry) -> Added {
    let got = set.add(task, e.addr, e.shift);
    if matches!(got, Added::New(_) | Added::Merged) && e.max_shift > e.shift {
        // Merges: only the largest shift can change.
        set.add(task, e.addr, e.max_shift);
    }
    got
}
