// SPDX-License-Identifier: GPL-2.0

//! The collect walk (`daxhold_kill_collect()` in `rust/kill/kill_glue.c`):
//! [`Collector::collect`] walks a file's mappings and the processes
//! that map it into the kill set, through the three callbacks C calls
//! back; and whether only the running task maps the pages.

use core::ptr::NonNull;
use kernel::ffi::{c_int, c_void};

use kernel::error::{code, to_result, Result};

use super::storage::Collector;
use crate::abstractions::fs::Inode;
use crate::abstractions::task;
use crate::ffi::bindings;
use crate::pure::killset::{self, Added};

impl Collector {
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
                *slot = Some(unsafe { task::get(t) });
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

/// Whether only the running task's mm maps pages `[pgoff, pgoff + count)`
/// of `inode`'s file (or nothing does): then the collect picks no other
/// process, and the early-kill sysctl does not matter. May sleep.
pub(crate) fn only_current(inode: &Inode, pgoff: u64, count: u64) -> bool {
    // SAFETY: the inode is live (referenced while borrowed).
    unsafe { bindings::daxhold_kill_only_current(inode.as_ptr(), pgoff, count) }
}
