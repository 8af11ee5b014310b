// SPDX-License-Identifier: GPL-2.0

//! daxhold's own kills, where they touch the kernel (`rust/kill_glue.c`):
//! the collect walk of a file's mappings into a [`Collector`] (the kill
//! set of one failure, with a task reference per entry), the unmap, the
//! SIGBUS, and the live value of `vm.memory_failure_early_kill`
//! (Documentation/design.rst, "Kill semantics").

use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::ffi::{c_int, c_void};

use kernel::alloc::KVec;
use kernel::error::{code, to_result, Result};
use kernel::prelude::*;

use super::bindings;
use super::index::Inode;
use crate::pure::killset::{Added, KillSet, Slots, Target};

/// `TASK_COMM_LEN`.
pub(crate) const COMM_LEN: usize = 16;

/// Tasks the first storage of a kill set has room for; it doubles (with
/// `GFP_KERNEL`, between walks) up to [`MAX_TASKS`].
const FIRST_TASKS: usize = 16;
/// The most tasks one failure's set takes; beyond, the kernel's
/// per-owner kill runs for the rest (nobody missed).
pub(crate) const MAX_TASKS: usize = 1 << 16;

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
        let mut v = KVec::with_capacity(n, GFP_KERNEL)?;
        let mut ix = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            v.push(Target::default(), GFP_KERNEL)?;
            ix.push(0, GFP_KERNEL)?;
        }
        Ok(Store(v, ix))
    }
}

/// One failure's kill set and the task references of its entries (slot
/// `i` of `refs` holds the reference for entry `i`).
pub(crate) struct Collector {
    set: KillSet<Store>,
    refs: KVec<Option<TaskRef>>,
    /// A collect stopped on a full set.
    full: bool,
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
    pub(crate) fn new() -> Result<Self> {
        Ok(Collector {
            set: KillSet::new(Store::new(FIRST_TASKS)?),
            refs: new_refs(FIRST_TASKS)?,
            full: false,
        })
    }

    /// Twice the room (`-ENOSPC` at [`MAX_TASKS`], `-ENOMEM`).
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

    /// Add the tasks mapping pages `[pgoff, pgoff + count)` of `inode`
    /// (growing the set as needed): the largest mapping shift seen (0 if
    /// nothing is mapped). On an error (no memory, too many tasks) the set
    /// keeps what it had; the caller falls back for this owner.
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
            let mut shift = 0u32;
            let ctx = core::ptr::from_mut(self).cast::<c_void>();
            // SAFETY: the inode is referenced by `inode`; `ctx` is this
            // collector, exclusively ours for the call, and the callback
            // casts it back to the same type.
            let rc = unsafe {
                bindings::daxhold_kill_collect(
                    inode.as_ptr(),
                    pgoff,
                    count,
                    pre_remove,
                    early_kill,
                    Some(collect_one),
                    ctx,
                    &mut shift,
                )
            };
            if rc == 0 {
                return Ok(u8::try_from(shift).unwrap_or(0));
            }
            if !self.full {
                return to_result(rc).and(Err(code::EIO));
            }
            // Full: more room, and the walk again (tasks found already
            // merge, their references are not taken twice).
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
}

/// The collect walk's callback: one (task, address, shift), under RCU.
///
/// # Safety
///
/// `ctx` is the `Collector` of the running `collect()`, and `t` a live
/// task.
unsafe extern "C" fn collect_one(
    ctx: *mut c_void,
    t: *mut bindings::task_struct,
    addr: u64,
    shift: u32,
) -> c_int {
    // SAFETY: our contract: the collector, exclusively borrowed by the
    // walk that calls us.
    let c = unsafe { &mut *ctx.cast::<Collector>() };
    let Some(t) = NonNull::new(t) else {
        return 0;
    };
    let shift = u8::try_from(shift).unwrap_or(0);
    match c.set.add(t.as_ptr() as u64, addr, shift) {
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
