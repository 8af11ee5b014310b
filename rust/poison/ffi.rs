// SPDX-License-Identifier: GPL-2.0

//! Known poison, where it touches the kernel (`rust/poison/bb_glue.c`,
//! `rust/poison/watch_glue.c`): the scan work and the change watch on each
//! held disk's `badblocks` attribute, a consistent copy of a disk's
//! badblocks list, the in-core DAX files of a filesystem and their extents
//! (FIEMAP), and the `/sys/kernel/daxhold/badblocks` callbacks.

use kernel::ffi::{c_char, c_int};

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::error::{code, to_result, Error, Result};

use crate::abstractions::block::BdevFile;
use crate::abstractions::fs::Inode;
use crate::ffi::bindings;
use crate::owners::index::Sb;
use crate::pure::badblocks::{BadRange, FileExtent};

/// The most entries a badblocks list has (`MAX_BADBLOCKS` on 4 KiB pages).
pub(crate) const MAX_ENTRIES: usize = 512;

/// Extents read per FIEMAP call while walking a file.
const EXTENT_BATCH: usize = 32;

/// `FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_DATA_INLINE
/// | FIEMAP_EXTENT_DATA_TAIL`: no place on the device (yet) to be damaged.
const NOT_ON_DEVICE: u32 = 0x2 | 0x4 | 0x200 | 0x400;

/// From a change to its scan (ms).
pub(crate) const SETTLE_MS: u32 = bindings::DAXHOLD_BB_SETTLE_MS;

/// Let the scan (`ops.scan`, which is to call [`crate::poison::scan`]) be
/// queued and register the fiemap probe (a failure is one line: files
/// nobody maps are not found).
pub(crate) fn init(ops: &'static bindings::daxhold_bb_ops) -> Result {
    // SAFETY: called once from module init, paired with `exit()`; the
    // callback is static.
    to_result(unsafe { bindings::daxhold_bb_init(ops) })
}

/// Stop the scan work and wait for a running scan, stop watching every
/// disk, unregister the probe; no scan is queued after this.
pub(crate) fn exit() {
    // SAFETY: called from module exit (or init's error path) after `init()`.
    unsafe { bindings::daxhold_bb_exit() }
}

/// Whether the last scan watches every held disk's changes (else the scan
/// polls).
pub(crate) fn all_watched() -> bool {
    // SAFETY: a plain read of a flag.
    unsafe { bindings::daxhold_bb_all_watched() }
}

/// Run the scan in `delay_ms` (sooner than a refresh already queued); any
/// context, never waits.
pub(crate) fn kick(delay_ms: u32) {
    // SAFETY: queues the glue's static work item; no arguments to keep.
    unsafe { bindings::daxhold_bb_kick(delay_ms) }
}

/// Queue the scan in `delay_ms` unless it is queued already (the periodic
/// refresh); any context.
pub(crate) fn refresh(delay_ms: u32) {
    // SAFETY: queues the glue's static work item; no arguments to keep.
    unsafe { bindings::daxhold_bb_refresh(delay_ms) }
}

/// A scan starts: the disks it [`watch`]es are the held ones, the others
/// are let go at [`watch_end`]. Process context (the scan work).
pub(crate) fn watch_begin() {
    // SAFETY: plain call, takes the glue's mutex.
    unsafe { bindings::daxhold_bb_watch_begin() }
}

/// Watch `disk`'s `badblocks` attribute for changes, if not yet (one that
/// cannot be opened leaves the scan polling): `Some(errno)` of an open
/// that failed, the first time in a row, for the caller's one line.
/// `ENOENT` if the disk has no list. May sleep.
pub(crate) fn watch(disk: &BdevFile) -> Result<Option<Error>> {
    let mut failed: c_int = 0;
    // The glue keeps the dev_t, the diskseq and the attribute's open file,
    // never the block device.
    // SAFETY: the block device is open, so its gendisk is live; `failed`
    // is ours.
    to_result(unsafe { bindings::daxhold_bb_watch(disk.as_ptr(), &mut failed) })?;
    Ok((failed < 0).then(|| Error::from_errno(failed)))
}

/// The scan is over: stop watching disks it did not [`watch`]. May sleep.
pub(crate) fn watch_end() {
    // SAFETY: plain call, takes the glue's mutex.
    unsafe { bindings::daxhold_bb_watch_end() }
}

/// A copy of `disk`'s badblocks list, read under its seqlock (entries
/// as the kernel keeps them: sorted, possibly touching). `ENODEV` if the
/// disk is going away, `ENOMEM` if the copy cannot be allocated.
pub(crate) fn read(disk: &BdevFile) -> Result<KVec<BadRange>> {
    let mut raw = KVec::with_capacity(MAX_ENTRIES, GFP_KERNEL)?;
    for _ in 0..MAX_ENTRIES {
        raw.push(bindings::daxhold_bb_range::default(), GFP_KERNEL)?;
    }
    let (bdev, out) = (disk.as_ptr(), raw.as_mut_ptr());
    // SAFETY: the block device is open; `out` has MAX_ENTRIES writable
    // entries.
    let rc = unsafe { bindings::daxhold_bb_read(bdev, out, MAX_ENTRIES as u32) };
    if rc < 0 {
        return Err(Error::from_errno(rc));
    }
    let n = usize::try_from(rc)
        .map_err(|_| code::ERANGE)?
        .min(MAX_ENTRIES);
    let mut out = KVec::with_capacity(n, GFP_KERNEL)?;
    for r in raw.iter().take(n) {
        out.push(BadRange::new(r.sector, r.sectors), GFP_KERNEL)?;
    }
    Ok(out)
}

/// A regular DAX file of a filesystem, pinned by the walk that gives it.
pub(crate) struct File<'a> {
    inode: &'a Inode,
}

impl File<'_> {
    /// Its inode number.
    pub(crate) fn ino(&self) -> u64 {
        self.inode.ino()
    }

    /// Calls `f` on each of its extents that lies on the device (FIEMAP
    /// through the filesystem's own `->fiemap`), in file order. May sleep.
    pub(crate) fn for_each_extent(&self, mut f: impl FnMut(FileExtent) -> Result) -> Result {
        let mut start = 0u64;
        loop {
            let mut batch: [bindings::daxhold_fiemap_ext; EXTENT_BATCH] =
                core::array::from_fn(|_| bindings::daxhold_fiemap_ext::default());
            let mut more = false;
            // SAFETY: the inode is pinned by the walk; `batch` has room for
            // EXTENT_BATCH extents, `more` is ours.
            let rc = unsafe {
                bindings::daxhold_fiemap(
                    self.inode.as_ptr(),
                    start,
                    batch.as_mut_ptr(),
                    EXTENT_BATCH as u32,
                    &mut more,
                )
            };
            if rc < 0 {
                return Err(Error::from_errno(rc));
            }
            let got = batch.get(..rc as usize).ok_or(code::EIO)?;
            for e in got.iter().filter(|e| e.flags & NOT_ON_DEVICE == 0) {
                f(FileExtent {
                    logical: e.logical,
                    physical: e.physical,
                    len: e.len,
                })?;
            }
            let Some(last) = got.last() else {
                return Ok(());
            };
            let next = last.logical.saturating_add(last.len);
            // A batch that did not move on would loop for ever.
            if !more || next <= start {
                return Ok(());
            }
            start = next;
        }
    }
}

/// Calls `f` on every in-core regular DAX file of `sb`. May sleep; stops at
/// `f`'s first error.
pub(crate) fn for_each_dax_file<F: FnMut(&File<'_>) -> Result>(sb: &Sb<'_>, mut f: F) -> Result {
    // The walk pins each inode for the call, which `File`'s lifetime (the
    // closure's borrow) does not outlive.
    sb.for_each_dax_file(|inode| f(&File { inode }))
}

/// `badblocks` store: `report` or `kill`.
///
/// # Safety
///
/// `buf` points to `len` readable bytes (sysfs gives them).
pub(crate) unsafe extern "C" fn daxhold_ctl_badblocks_store(
    buf: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: guaranteed by the caller (sysfs).
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    crate::errno::of(crate::poison::policy_store(input))
}

/// `badblocks` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// `buf` points to `size` writable bytes (sysfs gives a page).
pub(crate) unsafe extern "C" fn daxhold_ctl_badblocks_show(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: guaranteed by the caller (sysfs).
    let out = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    crate::poison::policy_show(out) as isize
}
