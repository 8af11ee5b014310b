// SPDX-License-Identifier: GPL-2.0

//! The reverse map of DAX mappings, where it touches the kernel
//! (`rust/owners/index_glue.c`): the owners of a failed pfn range, read at failure
//! time from the DAX entries of a filesystem's in-core inodes
//! (Documentation/design.rst, "Where the owners come from"); the
//! superblock walks.

use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int, c_void};

use kernel::error::{code, to_result, Error, Result};

use crate::abstractions::dax::DaxRef;
pub(crate) use crate::abstractions::fs::Inode;
use crate::abstractions::fs::SuperBlock;
use crate::errno;
use crate::ffi::bindings;
use crate::pure::daxowner::{DaxEntry, Owner};

/// `PAGE_SHIFT` on the architectures daxhold builds for.
pub(crate) const PAGE_SHIFT: u32 = 12;

/// DAX entries read from the kernel per call while walking a file.
const ENTRY_BATCH: usize = 32;

/// How [`Sb::dax_owners`] found the owners.
pub(crate) enum Lookup {
    /// From the failed pages' association with the one file whose DAX
    /// entry maps each (none shared by reflink): no inode walked.
    Direct,
    /// By walking the filesystem's in-core inodes: how many it looked at.
    Walked(u64),
}

/// Calls `f` on every DAX entry of `inode` from page `from` on (the entry
/// that holds page `from` first), in batches read under RCU; with
/// `first_only`, on that first entry alone.
fn for_each_entry(
    inode: &Inode,
    from: u64,
    first_only: bool,
    mut f: impl FnMut(DaxEntry) -> Result,
) -> Result {
    let (mut next, mut seen) = (from, 0u64);
    let max = if first_only { 1 } else { ENTRY_BATCH };
    loop {
        let mut batch: [bindings::daxhold_dax_entry; ENTRY_BATCH] =
            core::array::from_fn(|_| bindings::daxhold_dax_entry::default());
        // SAFETY: the inode is live; `batch` has room for `max` <=
        // ENTRY_BATCH entries.
        let n = unsafe {
            bindings::daxhold_dax_entries(
                inode.as_ptr(),
                &mut next,
                &mut seen,
                batch.as_mut_ptr(),
                max as u32,
            )
        };
        let got = batch.get(..n as usize).ok_or(code::EIO)?;
        for raw in got {
            f(DaxEntry {
                pgoff: raw.pgoff,
                pfn: raw.pfn,
                order: raw.order,
            })?;
        }
        if first_only || (n as usize) < max {
            return Ok(());
        }
    }
}

/// A mounted ext4, ext2 or XFS filesystem, inside [`for_each_sb`]'s
/// callback (which holds its `s_umount`).
pub(crate) struct Sb<'a> {
    sb: &'a SuperBlock,
    /// dev_t of its block device.
    pub(crate) dev: u32,
    /// `ext4`, `ext2`, `xfs`.
    pub(crate) fs: &'a str,
}

impl Sb<'_> {
    /// Shut the filesystem down (`->shutdown`), as a dying device would.
    pub(crate) fn shutdown(&self) -> Result {
        // SAFETY: s_umount is held for the callback, as the glue requires.
        to_result(unsafe { bindings::daxhold_sb_shutdown(self.sb.as_ptr()) })
    }

    /// Read `buf.len()` bytes at byte `off` of filesystem block `nr`.
    pub(crate) fn read(&self, nr: u64, off: u32, buf: &mut [u8]) -> Result {
        let len = u32::try_from(buf.len()).map_err(|_| code::EINVAL)?;
        // SAFETY: s_umount is held; `buf` has `len` writable bytes.
        to_result(unsafe {
            bindings::daxhold_sb_read(self.sb.as_ptr(), nr, off, buf.as_mut_ptr().cast(), len)
        })
    }

    /// Its block size in bytes.
    pub(crate) fn block_size(&self) -> u64 {
        self.sb.block_size()
    }

    /// Calls `f` with every owner of pfns `[lo, hi]` among its in-core
    /// files: the part of each DAX entry inside the range, with its file
    /// referenced. From the pages' association with their one file where
    /// no page is shared by reflink ([`Lookup::Direct`]), else by walking
    /// the in-core inodes (Documentation/design.rst, "Where the owners come
    /// from"). May sleep; stops at `f`'s first error.
    pub(crate) fn dax_owners<F: FnMut(&Inode, Owner) -> Result>(
        &self,
        lo: u64,
        hi: u64,
        mut f: F,
    ) -> Result<Lookup> {
        let mut ptr = core::ptr::null_mut();
        let mut pgoff = 0u64;
        // SAFETY: s_umount is held for the callback; the out-pointers are
        // ours.
        let rc = unsafe {
            bindings::daxhold_dax_assoc_owner(self.sb.as_ptr(), lo, hi, &mut ptr, &mut pgoff)
        };
        match rc {
            0 => return Ok(Lookup::Direct),
            1 => {
                let ptr = NonNull::new(ptr).ok_or(code::EIO)?;
                // SAFETY: the glue referenced it for us; the `ARef` gives
                // that reference back.
                let inode = unsafe { Inode::adopt(ptr) };
                // One page is in one entry, the one at `pgoff`.
                let (from, first_only) = if lo == hi { (pgoff, true) } else { (0, false) };
                for_each_entry(&inode, from, first_only, |e| match e.clip(lo, hi) {
                    Some(o) => f(&inode, o),
                    None => Ok(()),
                })?;
                return Ok(Lookup::Direct);
            }
            rc if rc != code::EAGAIN.to_errno() => return Err(Error::from_errno(rc)),
            _ => {}
        }
        self.walk_owners(lo, hi, f).map(Lookup::Walked)
    }

    /// [`Sb::dax_owners`] by walking the in-core inodes; returns how many
    /// were looked at.
    fn walk_owners<F: FnMut(&Inode, Owner) -> Result>(
        &self,
        lo: u64,
        hi: u64,
        mut f: F,
    ) -> Result<u64> {
        let mut each = |inode: &Inode| {
            for_each_entry(inode, 0, false, |e| match e.clip(lo, hi) {
                Some(o) => f(inode, o),
                None => Ok(()),
            })
        };
        let mut scanned = 0u64;
        let ctx = core::ptr::addr_of_mut!(each).cast::<c_void>();
        // `for_each_sb`'s callback holds s_umount; `scanned` is ours.
        // SAFETY: the trampoline matches `each`, which `ctx` points to.
        to_result(unsafe {
            bindings::daxhold_sb_dax_owners(
                self.sb.as_ptr(),
                lo,
                hi,
                Some(trampoline_for(&each)),
                ctx,
                &mut scanned,
            )
        })?;
        Ok(scanned)
    }

    /// Calls `f` on each in-core regular DAX file of the filesystem, mapped
    /// or not, referenced by the walk for the duration of the call (not
    /// beyond it: `f` borrows it). May sleep; stops at `f`'s
    /// first error.
    pub(crate) fn for_each_dax_file<F: FnMut(&Inode) -> Result>(&self, mut f: F) -> Result {
        let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
        // SAFETY: the trampoline matches the closure type and `ctx` points
        // to it for the whole call; s_umount is held.
        to_result(unsafe {
            bindings::daxhold_sb_for_each_dax_file(
                self.sb.as_ptr(),
                Some(walk_trampoline::<F>),
                ctx,
            )
        })
    }
}

/// [`walk_trampoline`] for the type of `_f`, which closures cannot name.
fn trampoline_for<F: FnMut(&Inode) -> Result>(
    _f: &F,
) -> unsafe extern "C" fn(*mut c_void, *mut bindings::inode) -> c_int {
    walk_trampoline::<F>
}

/// # Safety
///
/// `ctx` is the `&mut F` [`Sb::dax_owners`] or [`Sb::for_each_dax_file`]
/// passed; `inode` is
/// referenced by the walk for the duration of the call.
unsafe extern "C" fn walk_trampoline<F: FnMut(&Inode) -> Result>(
    ctx: *mut c_void,
    inode: *mut bindings::inode,
) -> c_int {
    // SAFETY: guaranteed by the caller.
    let f = unsafe { &mut *ctx.cast::<F>() };
    let Some(ptr) = NonNull::new(inode) else {
        return 0;
    };
    // SAFETY: referenced by the walk for the call, which the borrow does
    // not outlive.
    errno::of(f(unsafe { Inode::from_raw(ptr) }))
}

/// # Safety
///
/// `ctx` is the `&mut F` [`walk_sbs`] passed; `sb` is a live superblock
/// with `s_umount` held and `fs` a NUL-terminated name, for the call.
unsafe extern "C" fn sb_trampoline<F: FnMut(&Sb<'_>) -> c_int>(
    ctx: *mut c_void,
    sb: *mut bindings::super_block,
    dev: u32,
    fs: *const c_char,
) -> c_int {
    // SAFETY: guaranteed by the caller.
    let (f, name) = unsafe { (&mut *ctx.cast::<F>(), crate::ffi::cstr::bytes(fs)) };
    let Some(sb) = NonNull::new(sb) else {
        return 0;
    };
    let sb = Sb {
        // SAFETY: s_umount is held for the call, which `Sb` does not
        // outlive.
        sb: unsafe { SuperBlock::from_raw(sb) },
        dev,
        fs: core::str::from_utf8(name).unwrap_or("?"),
    };
    f(&sb)
}

/// The glue's walk of the mounted ext4, ext2 and XFS superblocks: `f`
/// returns 0 to go on, anything else to stop; a negative stop is an error.
fn walk_sbs<F: FnMut(&Sb<'_>) -> c_int>(mut f: F) -> Result {
    let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
    // SAFETY: the trampoline matches `F`; `ctx` points to `f` for the call.
    to_result(unsafe { bindings::daxhold_for_each_sb(Some(sb_trampoline::<F>), ctx) })
}

/// Calls `f` on every mounted ext4, ext2 and XFS filesystem that sits on a
/// block device. May sleep. Stops at `f`'s first error.
pub(crate) fn for_each_sb<F: FnMut(&Sb<'_>) -> Result>(mut f: F) -> Result {
    walk_sbs(|sb| errno::of(f(sb)))
}

/// Calls `f` on the ext4, ext2 or XFS filesystem mounted on block device
/// `dev`, if there is one: `Ok(true)`, or `Ok(false)` if none is. Stops
/// looking once it is found. May sleep.
pub(crate) fn sb_on<F: FnMut(&Sb<'_>) -> Result>(dev: u32, mut f: F) -> Result<bool> {
    let mut found = false;
    walk_sbs(|sb| {
        if sb.dev != dev {
            return 0;
        }
        found = true;
        // Positive: found, stop (the walk reads it as success).
        match errno::of(f(sb)) {
            0 => 1,
            rc => rc,
        }
    })?;
    Ok(found)
}

/// The pfn of page `pgoff` of a dax_device (its data area).
pub(crate) fn dax_pfn(dax: &DaxRef, pgoff: u64) -> Result<u64> {
    let mut pfn = 0u64;
    // SAFETY: `dax` holds a reference, so the dax_device is live.
    to_result(unsafe { bindings::daxhold_dax_pfn(dax.as_ptr(), pgoff, &mut pfn) })?;
    Ok(pfn)
}
