// SPDX-License-Identifier: GPL-2.0

//! An open block device: `bdev_file_open_by_path()` or
//! `bdev_file_open_by_dev()` ... `fput()`, read-only and unclaimed, and
//! what can be read of it while it is open.

use core::ptr::NonNull;

use kernel::error::{from_err_ptr, Result};
use kernel::str::CStr;

use crate::ffi::bindings;

/// `BLK_OPEN_READ` (a cast macro bindgen cannot translate).
const BLK_OPEN_READ: bindings::blk_mode_t = 1 << 0;

/// Longest disk name (`DISK_NAME_LEN`).
pub(crate) const DISK_NAME_LEN: usize = 32;

/// A block device opened for reading, without claiming it (no holder): it
/// never keeps a filesystem from mounting the device.
///
/// # Invariants
///
/// `0` is a block device file this value opened and holds one reference
/// to; its block device and gendisk live at least as long.
pub(crate) struct BdevFile(NonNull<bindings::file>);

impl BdevFile {
    /// Open the block device at `path`. Errors are those of
    /// `bdev_file_open_by_path()`: `ENOENT` (no such path), `ENOTBLK` (not
    /// a block device), `ENXIO`/`ENODEV` (gone), ...
    pub(crate) fn open(path: &CStr) -> Result<Self> {
        // SAFETY: the path is NUL-terminated and outlives the call; no
        // holder and no holder ops are passed, so nothing is retained.
        let file = from_err_ptr(unsafe {
            bindings::bdev_file_open_by_path(
                path.as_char_ptr(),
                BLK_OPEN_READ,
                core::ptr::null_mut(),
                core::ptr::null(),
            )
        })?;
        Self::own(file)
    }

    /// Open the block device with dev_t `dev` (as [`Self::open`]).
    pub(crate) fn open_by_dev(dev: u32) -> Result<Self> {
        // SAFETY: no holder and no holder ops are passed, so nothing is
        // retained; the result is an error pointer or an open file.
        let file = from_err_ptr(unsafe {
            bindings::bdev_file_open_by_dev(
                dev,
                BLK_OPEN_READ,
                core::ptr::null_mut(),
                core::ptr::null(),
            )
        })?;
        Self::own(file)
    }

    /// Take `file`, just opened, as ours.
    fn own(file: *mut bindings::file) -> Result<Self> {
        // INVARIANT: an open block device file, ours, or NULL (refused).
        NonNull::new(file)
            .map(BdevFile)
            .ok_or(kernel::error::code::ENODEV)
    }

    /// The `struct block_device` behind the file.
    pub(crate) fn as_ptr(&self) -> *mut bindings::block_device {
        // SAFETY: `self.0` is a block device file we opened and still hold.
        unsafe { bindings::file_bdev(self.0.as_ptr()) }
    }

    /// The device number.
    pub(crate) fn dev(&self) -> u32 {
        // SAFETY: the block device lives at least as long as the open file.
        unsafe { (*self.as_ptr()).bd_dev }
    }

    /// Whether this is a partition rather than a whole disk.
    pub(crate) fn is_partition(&self) -> bool {
        let bdev = self.as_ptr();
        // SAFETY: an open block device has a live gendisk, whose `part0` is
        // the whole-disk block device.
        unsafe { bdev != (*(*bdev).bd_disk).part0 }
    }

    /// The disk's name (`pmem0`), NUL-padded.
    pub(crate) fn disk_name(&self) -> [u8; DISK_NAME_LEN] {
        // SAFETY: as in `is_partition`; `disk_name` is a fixed array of the
        // kernel's `c_char` (u8) inside the gendisk, copied out by value.
        unsafe { (*(*self.as_ptr()).bd_disk).disk_name }
    }
}

impl Drop for BdevFile {
    fn drop(&mut self) {
        // SAFETY: we own this reference to the file and give it back once.
        unsafe { bindings::fput(self.0.as_ptr()) };
    }
}
