// SPDX-License-Identifier: GPL-2.0

//! A device-mapper device by number: `dm_get_md()` ... `dm_put()`, and the
//! dax_device an upper filesystem may hold.

use core::ptr::NonNull;

use super::block::Gendisk;
use super::dax::DaxRef;
use crate::ffi::bindings;

/// A counted reference to a dm device (`md->holders`): while it lives, the
/// device cannot finish being removed, so its disk and dax_device stay.
/// Owned, not an `ARef`: `dm_get()` is not exported (`dm_get_md()` and
/// `dm_put()` are).
///
/// # Invariants
///
/// `0` is a mapped_device this value holds one reference to.
pub(crate) struct MappedDevice(NonNull<bindings::mapped_device>);

impl MappedDevice {
    /// The dm device with dev_t `dev`, or `None` if there is none (or it is
    /// being removed).
    pub(crate) fn get(dev: u32) -> Option<Self> {
        // SAFETY: `dm_get_md()` checks the number and takes a reference.
        // INVARIANT: a non-NULL result is that reference.
        NonNull::new(unsafe { bindings::dm_get_md(dev) }).map(MappedDevice)
    }

    /// The dm device's dax_device (a reference, no holder slot), if its
    /// table supports DAX.
    pub(crate) fn dax(&self) -> Option<DaxRef> {
        // SAFETY: `self.0` is a referenced dm device.
        let disk = NonNull::new(unsafe { bindings::dm_disk(self.0.as_ptr()) })?;
        // SAFETY: its gendisk (and the whole-disk block device) lives as
        // long as the reference, which outlives the borrow.
        DaxRef::of(unsafe { Gendisk::from_raw(disk) }.part0())
    }
}

impl Drop for MappedDevice {
    fn drop(&mut self) {
        // SAFETY: we own one reference, given back once.
        unsafe { bindings::dm_put(self.0.as_ptr()) };
    }
}
