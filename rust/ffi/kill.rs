// SPDX-License-Identifier: GPL-2.0

//! daxhold's own kills, where they touch the kernel (`rust/kill_glue.c`):
//! the collect walk of a file's mappings into a [`Collector`] (the kill
//! set of one failure, with a task reference per entry), the unmap, the
//! SIGBUS, and the live value of `vm.memory_failure_early_kill`
//! (Documentation/design.rst, "Kill semantics").

use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use kernel::ffi::{c_int, c_void};

use kernel::alloc::{flags::__GFP_ZERO, Allocator, KVVec, KVec, Vec};
use kernel::error::{code, to_result, Result};
use kernel::prelude::*;

use super::bindings;
use super::index::Inode;
use crate::pure::killset::{
    self, Added, KillSet, MapSlots, Mappings, MmSlot, Record, Slots, Target,
};

/// `TASK_COMM_LEN`.
pub(crate) const COMM_LEN: usize = 16;

/// Tasks the first storage of a kill set has room for; it doubles (with
/// `GFP_KERNEL`, between walks) up to [`MAX_TASKS`].
const FIRST_TASKS: usize = 16;
/// The most tasks one failure's set takes; beyond, the kernel's
/// per-owner kill runs for the rest (nobody missed).
pub(crate) const MAX_TASKS: usize = 1 << 16;
/// VMAs the first table of the collect walk has room for; it grows
/// (`GFP_KERNEL`, between walks, to what the walk reported, at least
/// twice the room) up to [`MAX_VMAS`].
const FIRST_VMAS: usize = 16;
/// The most VMAs one owner's collect takes (per VMA a record of 32 bytes
/// and two table slots of 40, kvmalloc); beyond, the kernel's per-owner
/// kill runs for that owner.
const MAX_VMAS: usize = 1 << 16;

/// The room the last failure needed (tasks, VMAs), set when its kill set
/// is dropped: the next kill set starts with it, so that a file mapped by
/// many processes is walked once per owner, not once more per doubling
/// (and a small failure after a large one allocates little again).
static TASKS_HINT: AtomicUsize = AtomicUsize::new(FIRST_TASKS);
static VMAS_HINT: AtomicUsize = AtomicUsize::new(FIRST_VMAS);

/// `hint` as a first size: a power of two from `first` to `max`.
fn first_size(hint: &AtomicUsize, first: usize, max: usize) -> usize {
    hint.load(Ordering::Relaxed)
        .clamp(first, max)
        .checked_next_power_of_two()
        .unwrap_or(first)
}

/// A vector of `n` elements, all bytes zero, in one zeroing allocation
/// (`GFP_KERNEL`), not `n` writes: the kill set's storage is allocated
/// for every failure, as large as the last one needed.
///
/// # Safety
///
/// All bytes zero must be a valid `T`.
unsafe fn zeroed<T, A: Allocator>(n: usize) -> Result<Vec<T, A>> {
    let mut v = Vec::with_capacity(n, GFP_KERNEL | __GFP_ZERO)?;
    // __GFP_ZERO: krealloc/kvrealloc of no previous memory zero it all.
    // SAFETY: the capacity is at least `n` and all of it is zeroed, which
    // is a valid `T` (our contract).
    unsafe { v.set_len(n) };
    Ok(v)
}

/// A reference to a task (`get_task_struct()`); dropping it is
/// `put_task_struct()`.
pub(crate) struct TaskRef(NonNull<bindings::task_struct>);

// SAFETY: a task reference may be dropped on any thread.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Take a reference to `t`.
    ///
    /// # Safety
    ///
    /// `t` is a live task for the duration of the call (the collect walk
    /// passes tasks from the task list under RCU).
    unsafe fn get(t: NonNull<bindings::task_struct>) -> Self {
        // SAFETY: `t` is live (our contract); the reference we take keeps
        // it so until the drop.
        unsafe { bindings::daxhold_task_get(t.as_ptr()) };
        TaskRef(t)
    }

    /// Its pid (initial namespace) and name.
    pub(crate) fn pid_comm(&self) -> (i32, [u8; COMM_LEN]) {
        let mut comm = [0u8; COMM_LEN];
        // SAFETY: we hold a reference; `comm` has TASK_COMM_LEN bytes.
        let pid = unsafe { bindings::daxhold_task_pid(self.0.as_ptr(), comm.as_mut_ptr().cast()) };
        (pid, comm)
    }

    /// Whether it is the running task.
    pub(crate) fn is_current(&self) -> bool {
        // SAFETY: only compares the address with `current`.
        unsafe { bindings::daxhold_task_is_current(self.0.as_ptr()) }
    }

    /// Send it SIGBUS with `code` (BUS_MCEERR_AR/AO), `si_addr` and
    /// `si_addr_lsb`: 0 or a negative errno.
    pub(crate) fn send_mceerr(&self, code: i32, addr: u64, lsb: u8) -> c_int {
        // SAFETY: we hold a reference, so the task is live.
        unsafe { bindings::daxhold_send_mceerr(self.0.as_ptr(), code, addr, u32::from(lsb)) }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference, given back once.
        unsafe { bindings::daxhold_task_put(self.0.as_ptr()) };
    }
}

/// Whether the running task blocks or ignores SIGBUS.
pub(crate) fn current_blocks_sigbus() -> bool {
    // SAFETY: reads the running task's own signal state.
    unsafe { bindings::daxhold_sigbus_blocked() }
}

/// `force_sig(SIGBUS)` on the running task: unblocks SIGBUS and resets
/// an ignoring handler, so a pending SIGBUS kills it.
pub(crate) fn force_sigbus_current() {
    // SAFETY: force_sig() acts on `current`, always valid here.
    unsafe { bindings::force_sig(bindings::SIGBUS as c_int) };
}

/// The slots of a kill set: kernel vectors filled to their capacity (the
/// targets, and the set's lookup index).
pub(crate) struct Store(KVec<Target>, KVec<u32>);

impl Slots for Store {
    fn parts(&self) -> (&[Target], &[u32]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]) {
        (&mut self.0, &mut self.1)
    }
}

impl Store {
    fn new(n: usize) -> Result<Self> {
        // SAFETY: `Target` is integers only (all zero: its default), and
        // so is `u32`.
        unsafe { Ok(Store(zeroed(n)?, zeroed(n)?)) }
    }
}

/// The storage of the collect walk's [`Mappings`]: kernel vectors filled
/// to their capacity (`kvmalloc`: a large one may be `vmalloc`ed), a
/// table of twice the VMAs it takes and their records.
pub(crate) struct MapStore(KVVec<MmSlot>, KVVec<Record>);

impl MapSlots for MapStore {
    fn parts(&self) -> (&[MmSlot], &[Record]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [MmSlot], &mut [Record]) {
        (&mut self.0, &mut self.1)
    }
}

impl MapStore {
    /// Room for `n` VMAs (`n` a power of two).
    fn new(n: usize) -> Result<Self> {
        let slots = n.checked_mul(2).ok_or(code::ENOMEM)?;
        // SAFETY: `MmSlot` and `Record` are integers and a bool only (all
        // zero: a free slot, an empty record, their defaults).
        unsafe { Ok(MapStore(zeroed(slots)?, zeroed(n)?)) }
    }
}

/// Storage a failure's kill set gives back for the next one: sets,
/// references all empty, the table's slots all free.
pub(crate) struct Spare {
    store: Store,
    refs: KVec<Option<TaskRef>>,
    maps: MapStore,
}

/// Spare storage is kept for the next failure up to this room (tasks or
/// VMAs), and beyond it while a failure needed at least a quarter of it.
const KEEP_SPARE: usize = 1024;

impl Spare {
    /// Tasks it has room for.
    fn tasks(&self) -> usize {
        self.store
            .0
            .len()
            .min(self.store.1.len())
            .min(self.refs.len())
    }

    /// VMAs it has room for (the table is twice the records).
    fn vmas(&self) -> usize {
        self.maps.1.len().min(self.maps.0.len() / 2)
    }
}

/// One failure's kill set and the task references of its entries (slot
/// `i` of `refs` holds the reference for entry `i`), and the mappings of
/// the owner being collected.
pub(crate) struct Collector {
    set: KillSet<Store>,
    refs: KVec<Option<TaskRef>>,
    maps: Mappings<MapStore>,
    /// The most VMAs one collect of this failure reported.
    vmas: usize,
    /// The pages being collected: `(pgoff, count)`.
    range: (u64, u64),
    /// A collect stopped on a full set.
    full: bool,
    /// What the last collect that failed could not do.
    failure: &'static str,
    /// The hints have been set from it.
    hinted: bool,
}

/// `refs` with `n` empty slots (no allocation when they are filled).
fn new_refs(n: usize) -> Result<KVec<Option<TaskRef>>> {
    let mut v = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        v.push(None, GFP_KERNEL)?;
    }
    Ok(v)
}

impl Collector {
    /// An empty set (process context: allocates with `GFP_KERNEL`).
    ///
    /// `spare`, the storage the last failure gave back, is taken if it
    /// has the room the hints ask for (no allocation then), else freed.
    pub(crate) fn new(spare: Option<Spare>) -> Result<Self> {
        let tasks = first_size(&TASKS_HINT, FIRST_TASKS, MAX_TASKS);
        let vmas = first_size(&VMAS_HINT, FIRST_VMAS, MAX_VMAS);
        let (store, refs, maps) = match spare {
            Some(s) if s.tasks() >= tasks && s.vmas() >= vmas => (s.store, s.refs, s.maps),
            _ => (Store::new(tasks)?, new_refs(tasks)?, MapStore::new(vmas)?),
        };
        Ok(Collector {
            set: KillSet::new(store),
            refs,
            maps: Mappings::new(maps),
            vmas: 0,
            range: (0, 0),
            full: false,
            failure: "",
            hinted: false,
        })
    }

    /// Its storage, for the next failure: the task references dropped,
    /// the table emptied (O(VMAs held)). `None` (freed) if it is much
    /// larger than what this failure needed.
    pub(crate) fn into_spare(mut self) -> Option<Spare> {
        self.hint();
        let len = self.set.len();
        for r in self.refs.iter_mut().take(len) {
            *r = None;
        }
        self.maps.clear();
        let need = len.max(self.vmas);
        // Its storage moves out whole: no empty vectors put in its place
        // (dropping one still calls krealloc(NULL, 0), five per failure).
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so each of the
        // three fields is read (moved out) once; the others are plain
        // data that need no drop, and `Drop for Collector` only hints,
        // which was done above.
        let (set, refs, maps) = unsafe {
            (
                core::ptr::read(&this.set),
                core::ptr::read(&this.refs),
                core::ptr::read(&this.maps),
            )
        };
        let spare = Spare {
            store: set.into_store(),
            refs,
            maps: maps.into_store(),
        };
        let kept = spare.tasks().max(spare.vmas());
        (kept <= KEEP_SPARE || kept / 4 <= need).then_some(spare)
    }

    /// The room this failure needed, for the next one.
    fn hint(&mut self) {
        TASKS_HINT.store(self.set.len(), Ordering::Relaxed);
        VMAS_HINT.store(self.vmas, Ordering::Relaxed);
        self.hinted = true;
    }

    /// Twice the room (`-ENOSPC` at [`MAX_TASKS`], `-ENOMEM`). Kept out of
    /// line, as [`Collector::grow_maps`]: fault injection aims at their
    /// address ranges (Documentation/testing.rst, "Allocation failures").
    #[inline(never)]
    fn grow(&mut self) -> Result {
        let n = self
            .set
            .capacity()
            .checked_mul(2)
            .filter(|&n| n <= MAX_TASKS)
            .ok_or(code::ENOSPC)?;
        let store = Store::new(n)?;
        let mut refs = new_refs(n)?;
        for (dst, src) in refs.iter_mut().zip(self.refs.iter_mut()) {
            *dst = src.take();
        }
        if let Err(store) = self.set.regrow(store) {
            drop(store);
            // Cannot happen (n > len); put the references back.
            for (dst, src) in self.refs.iter_mut().zip(refs.iter_mut()) {
                *dst = src.take();
            }
            return Err(code::EINVAL);
        }
        self.refs = refs;
        Ok(())
    }

    /// Room for the VMAs the last walk reported, at least twice the room
    /// it had (`-ENOSPC` beyond [`MAX_VMAS`], `-ENOMEM`).
    #[inline(never)]
    fn grow_maps(&mut self) -> Result {
        let n = self
            .maps
            .capacity()
            .checked_mul(2)
            .ok_or(code::ENOSPC)?
            .max(self.maps.needed())
            .checked_next_power_of_two()
            .filter(|&n| n <= MAX_VMAS)
            .ok_or(code::ENOSPC)?;
        // The old storage goes first: both at once are not needed.
        self.maps = Mappings::new(MapStore(KVVec::new(), KVVec::new()));
        self.maps = Mappings::new(MapStore::new(n)?);
        Ok(())
    }

    /// Add the tasks mapping pages `[pgoff, pgoff + count)` of `inode`
    /// (growing the set as needed): the largest mapping shift seen (0 if
    /// nothing is mapped). On an error (no memory, too many tasks or
    /// mappings) the set keeps what it had; the caller falls back for this
    /// owner.
    pub(crate) fn collect(
        &mut self,
        inode: &Inode,
        pgoff: u64,
        count: u64,
        pre_remove: bool,
        early_kill: bool,
    ) -> Result<u8> {
        loop {
            self.full = false;
            self.maps.clear();
            self.range = (pgoff, count);
            let mut shift = 0u32;
            let ctx = core::ptr::from_mut(self).cast::<c_void>();
            // `ctx` is this collector; the callbacks cast it back to it.
            // SAFETY: `inode` holds a reference to the inode; `ctx` is
            // exclusively ours for the call and of the type they expect.
            let rc = unsafe {
                bindings::daxhold_kill_collect(
                    inode.as_ptr(),
                    pgoff,
                    count,
                    pre_remove,
                    early_kill,
                    Some(collect_map),
                    Some(collect_ready),
                    Some(collect_task),
                    ctx,
                    &mut shift,
                )
            };
            self.vmas = self.vmas.max(self.maps.needed());
            if rc == 0 {
                return Ok(u8::try_from(shift).unwrap_or(0));
            }
            if self.maps.overflowed() {
                // More VMAs than room: room for all, and the walk again.
                self.failure = "no room for more mappings";
                self.grow_maps()?;
                continue;
            }
            if !self.full {
                self.failure = "the walk failed";
                return to_result(rc).and(Err(code::EIO));
            }
            // Full: more room, and the walk again (tasks found already
            // merge, their references are not taken twice).
            self.failure = "no room for more tasks";
            self.grow()?;
        }
    }

    /// The tasks, each with its reference, in the order found.
    pub(crate) fn targets(&self) -> impl Iterator<Item = (&Target, &TaskRef)> {
        self.set
            .targets()
            .iter()
            .zip(self.refs.iter())
            .filter_map(|(t, r)| r.as_ref().map(|r| (t, r)))
    }

    /// Tasks in the set.
    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }

    /// What the last collect that failed could not do.
    pub(crate) fn failure(&self) -> &'static str {
        self.failure
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if !self.hinted {
            self.hint();
        }
    }
}

/// The collect walk's first callback, under `i_mmap_rwsem`: the next VMA
/// with a present poisoned page (its mm, no VMA, the page's user address
/// and mapping shift), or a VMA to look at if a picked task has its mm
/// (its mm, the VMA): recorded, or counted if there is no room.
///
/// # Safety
///
/// `ctx` is the `Collector` of the running `collect()`.
unsafe extern "C" fn collect_map(
    ctx: *mut c_void,
    mm: *const c_void,
    vma: *mut bindings::vm_area_struct,
    addr: u64,
    shift: u32,
) {
    // SAFETY: our contract: the collector, exclusively borrowed by the
    // walk that calls us.
    let c = unsafe { &mut *ctx.cast::<Collector>() };
    c.maps.push(
        mm as u64,
        vma as u64,
        addr,
        u8::try_from(shift).unwrap_or(0),
    );
}

/// The first present poisoned page of a VMA the walk left to be looked
/// at: its user address and shift (0: none).
///
/// # Safety
///
/// `vma` was given to [`collect_map`] by the running walk, which still
/// holds the file's `i_mmap_rwsem` (so the VMA is in its tree).
unsafe fn look(vma: u64, (pgoff, count): (u64, u64)) -> (u64, u8) {
    let (mut addr, mut shift) = (0u64, 0u32);
    // SAFETY: `vma` is live (our contract); the outputs are ours.
    unsafe {
        bindings::daxhold_kill_look(
            vma as *mut bindings::vm_area_struct,
            pgoff,
            count,
            &mut addr,
            &mut shift,
        )
    };
    (addr, u8::try_from(shift).unwrap_or(0))
}

/// The second: the VMA walk is over. `-ENOSPC` if VMAs did not fit (the
/// caller grows the room and walks again), 1 if none was found (no task
/// to look for), else 0.
///
/// # Safety
///
/// `ctx` is the `Collector` of the running `collect()`.
unsafe extern "C" fn collect_ready(ctx: *mut c_void) -> c_int {
    // SAFETY: our contract: the collector, exclusively borrowed by the
    // walk that calls us.
    let c = unsafe { &*ctx.cast::<Collector>() };
    if c.maps.overflowed() {
        -(bindings::ENOSPC as c_int)
    } else if c.maps.is_empty() {
        1
    } else {
        0
    }
}

/// The third: a task picked from a process, and its mm, under RCU; added
/// if a poisoned page is present in a VMA of that mm (the VMAs of the mm
/// not looked at yet are looked at now, once).
///
/// # Safety
///
/// `ctx` is the `Collector` of the running `collect()`, and `t` a live
/// task.
unsafe extern "C" fn collect_task(
    ctx: *mut c_void,
    t: *mut bindings::task_struct,
    mm: *const c_void,
) -> c_int {
    // SAFETY: our contract: the collector, exclusively borrowed by the
    // walk that calls us.
    let c = unsafe { &mut *ctx.cast::<Collector>() };
    let Some(t) = NonNull::new(t) else {
        return 0;
    };
    let range = c.range;
    // SAFETY: the VMAs in the table were given by this walk, which is
    // running (it calls us) and holds `i_mmap_rwsem`.
    let Some(f) = c.maps.lookup(mm as u64, |vma| unsafe { look(vma, range) }) else {
        return 0;
    };
    match killset::add_task(&mut c.set, t.as_ptr() as u64, &f) {
        Added::New(i) => {
            if let Some(slot) = c.refs.get_mut(i) {
                // SAFETY: `t` is live (our contract).
                *slot = Some(unsafe { TaskRef::get(t) });
            }
            0
        }
        Added::Merged | Added::Ignored => 0,
        Added::Full => {
            c.full = true;
            -(bindings::ENOSPC as c_int)
        }
    }
}

impl Inode {
    /// Whether only the running task's mm maps pages `[pgoff, pgoff +
    /// count)` of the file (or nothing does): then the collect picks no
    /// other process, and the early-kill sysctl does not matter. May
    /// sleep.
    pub(crate) fn only_current(&self, pgoff: u64, count: u64) -> bool {
        // SAFETY: the inode is live (we hold a reference).
        unsafe { bindings::daxhold_kill_only_current(self.as_ptr(), pgoff, count) }
    }

    /// Unmap bytes `[start, start + len)` of the file from every process.
    pub(crate) fn unmap(&self, start: u64, len: u64) {
        // SAFETY: the inode is live (we hold a reference).
        unsafe { bindings::daxhold_kill_unmap(self.as_ptr(), start, len) };
    }
}

/// Mark pfns `[pfn, pfn + count)` hardware-poisoned (`PageHWPoison`), as
/// `mf_dax_kill_procs()` does for the pages it handles.
pub(crate) fn mark_poison(pfn: u64, count: u64) {
    // SAFETY: the glue checks each pfn with pfn_valid().
    unsafe { bindings::daxhold_kill_mark_poison(pfn, count) };
}

/// `/proc/sys/vm/memory_failure_early_kill`, open (NULL: not yet).
static EARLY_KILL: AtomicPtr<bindings::file> = AtomicPtr::new(core::ptr::null_mut());

/// Open the sysctl file (module load, and each attach until it worked):
/// process context with a normal root. One line if it cannot.
pub(crate) fn early_kill_open() {
    if !EARLY_KILL.load(Ordering::Acquire).is_null() {
        return;
    }
    let path = c"/proc/sys/vm/memory_failure_early_kill";
    // SAFETY: a NUL-terminated path; O_RDONLY.
    let f = unsafe { bindings::filp_open(path.as_ptr().cast(), bindings::O_RDONLY as c_int, 0) };
    match kernel::error::from_err_ptr(f) {
        Ok(f) if !f.is_null() => {
            if EARLY_KILL
                .compare_exchange(core::ptr::null_mut(), f, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // Another attach was faster.
                // SAFETY: `f` is ours, opened above, closed once.
                unsafe { bindings::filp_close(f, core::ptr::null_mut()) };
            }
        }
        Ok(_) => {}
        Err(e) => pr_warn!(
            "cannot open /proc/sys/vm/memory_failure_early_kill ({}): early kill taken as 0 until the next attach\n",
            crate::errno::Name(e)
        ),
    }
}

/// Close it (unload: no failure handler runs any more).
pub(crate) fn early_kill_close() {
    let f = EARLY_KILL.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !f.is_null() {
        // SAFETY: `f` was opened by early_kill_open() and is closed once
        // (swapped out above).
        unsafe { bindings::filp_close(f, core::ptr::null_mut()) };
    }
}

/// The live value of `vm.memory_failure_early_kill` (false if the file
/// is not open or cannot be read). May sleep.
pub(crate) fn early_kill() -> bool {
    let f = EARLY_KILL.load(Ordering::Acquire);
    if f.is_null() {
        return false;
    }
    let mut buf = [0u8; 8];
    let mut pos: bindings::loff_t = 0;
    // SAFETY: `f` stays open until unload, after the last failure
    // handler; `buf` has the bytes we ask for.
    let n = unsafe { bindings::kernel_read(f, buf.as_mut_ptr().cast(), buf.len(), &mut pos) };
    let Ok(n) = usize::try_from(n) else {
        return false;
    };
    buf.get(..n)
        .and_then(|b| b.first())
        .is_some_and(|&c| c != b'0' && c.is_ascii_digit())
}

/// Log the line `kill_proc()` in mm/memory-failure.c logs for each task it
/// signals, with its format string, so that log monitors and test suites
/// that look for "Sending SIGBUS to <comm>" find daxhold's own kills too.
/// `comm` is cut at its first NUL and at `TASK_COMM_LEN - 1` bytes.
pub(crate) fn kill_line(pfn: u64, comm: &[u8], pid: i32) {
    let mut name = [0u8; COMM_LEN];
    for (d, &s) in name
        .iter_mut()
        .take(COMM_LEN - 1)
        .zip(comm.iter().take_while(|&&c| c != 0))
    {
        *d = s;
    }
    let pfn = pfn as kernel::ffi::c_ulong;
    // The conversions are unsigned long, string, int; `name` outlives it.
    // SAFETY: a NUL-terminated format matching the arguments, and `name`
    // ends in NUL (its last byte is never written).
    unsafe {
        bindings::_printk(
            c"\x013Memory failure: %#lx: Sending SIGBUS to %s:%d due to hardware memory corruption\n"
                .as_ptr()
                .cast(),
            pfn,
            name.as_ptr(),
            pid,
        )
    };
}
