// SPDX-License-Identifier: GPL-2.0

//! Block devices: `struct block_device` and `struct gendisk` as borrowed
//! [`BlockDevice`] and [`Gendisk`], and an open one ([`BdevFile`]:
//! `bdev_file_open_by_path()` or `bdev_file_open_by_dev()` ... `fput()`,
//! read-only and unclaimed), which lends its [`BlockDevice`].

use core::ops::Deref;
use core::ptr::NonNull;

use kernel::error::{from_err_ptr, Result};
use kernel::str::CStr;
use kernel::types::Opaque;

use crate::ffi::bindings;

/// `BLK_OPEN_READ` (a cast macro bindgen cannot translate).
const BLK_OPEN_READ: bindings::blk_mode_t = 1 << 0;

/// Longest disk name (`DISK_NAME_LEN`).
pub(crate) const DISK_NAME_LEN: usize = 32;

/// A `struct block_device`.
///
/// # Invariants
///
/// A `&BlockDevice` exists only while its lender keeps the block device
/// alive (an open file, a referenced gendisk), and with it its gendisk.
#[repr(transparent)]
pub(crate) struct BlockDevice(Opaque<bindings::block_device>);

impl BlockDevice {
    /// The block device at `ptr`, borrowed.
    ///
    /// # Safety
    ///
    /// `ptr` is a block device the caller keeps alive for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: NonNull<bindings::block_device>) -> &'a BlockDevice {
        // SAFETY: `BlockDevice` is a transparent `struct block_device`,
        // alive for `'a` (our contract): the type invariant.
        unsafe { &*ptr.as_ptr().cast::<BlockDevice>() }
    }

    /// The `struct block_device`, for C that takes one.
    pub(crate) fn as_ptr(&self) -> *mut bindings::block_device {
        self.0.get()
    }

    /// The device number.
    pub(crate) fn dev(&self) -> u32 {
        // SAFETY: alive (the type invariant); `bd_dev` is fixed.
        unsafe { (*self.as_ptr()).bd_dev }
    }

    /// Its disk.
    pub(crate) fn disk(&self) -> &Gendisk {
        // SAFETY: a live block device's gendisk lives at least as long
        // (the type invariant); `bd_disk` is fixed and never NULL.
        unsafe { Gendisk::from_raw(NonNull::new_unchecked((*self.as_ptr()).bd_disk)) }
    }

    /// Whether this is a partition rather than a whole disk.
    pub(crate) fn is_partition(&self) -> bool {
        self.as_ptr() != self.disk().part0().as_ptr()
    }

    /// The disk's name (`pmem0`), NUL-padded.
    pub(crate) fn disk_name(&self) -> [u8; DISK_NAME_LEN] {
        self.disk().name()
    }
}

/// A `struct gendisk`.
///
/// # Invariants
///
/// A `&Gendisk` exists only while its lender keeps the disk alive, and
/// with it its whole-disk block device (`part0`).
#[repr(transparent)]
pub(crate) struct Gendisk(Opaque<bindings::gendisk>);

impl Gendisk {
    /// The disk at `ptr`, borrowed.
    ///
    /// # Safety
    ///
    /// `ptr` is a gendisk the caller keeps alive for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: NonNull<bindings::gendisk>) -> &'a Gendisk {
        // SAFETY: `Gendisk` is a transparent `struct gendisk`, alive for
        // `'a` (our contract): the type invariant.
        unsafe { &*ptr.as_ptr().cast::<Gendisk>() }
    }

    /// Its whole-disk block device.
    pub(crate) fn part0(&self) -> &BlockDevice {
        // SAFETY: a live gendisk's `part0` is set at allocation and lives
        // as long as the disk (the type invariant).
        unsafe { BlockDevice::from_raw(NonNull::new_unchecked((*self.0.get()).part0)) }
    }

    /// Its name (`pmem0`), NUL-padded.
    pub(crate) fn name(&self) -> [u8; DISK_NAME_LEN] {
        // SAFETY: alive (the type invariant); `disk_name` is a fixed array
        // of the kernel's `c_char` (u8), copied out by value.
        unsafe { (*self.0.get()).disk_name }
    }
}

/// A block device opened for reading, without claiming it (no holder): it
/// never keeps a filesystem from mounting the device.
///
/// # Invariants
///
/// `0` is a block device file this value opened and holds one reference
/// to; its block device and gendisk live at least as long.
pub(crate) struct BdevFile(NonNull<bindings::file>);

impl Deref for BdevFile {
    type Target = BlockDevice;

    fn deref(&self) -> &BlockDevice {
        // SAFETY: our open block device file (the invariant) has a live,
        // non-NULL `file_bdev()` for as long as we hold it.
        unsafe {
            BlockDevice::from_raw(NonNull::new_unchecked(bindings::file_bdev(self.0.as_ptr())))
        }
    }
}

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
}

impl Drop for BdevFile {
    fn drop(&mut self) {
        // SAFETY: we own this reference to the file and give it back once.
        unsafe { bindings::fput(self.0.as_ptr()) };
    }
}
