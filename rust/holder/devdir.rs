// SPDX-License-Identifier: GPL-2.0

//! Each held disk's sysfs directory, `/sys/kernel/daxhold/devices/<disk>/`
//! (`rust/observe/control/glue.c` makes it; its reads go to the control's
//! ops table).

use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::error::{from_err_ptr, Result};

use crate::ffi::bindings;
use crate::observe::trace::ffi::CBuf;

/// `/sys/kernel/daxhold/devices/<disk>/` of a held disk, removed on drop.
///
/// # Invariants
///
/// `0` came from `daxhold_devdir_add()` and is deleted only by `drop`.
pub(crate) struct DevDir(NonNull<bindings::daxhold_devdir>);

// SAFETY: the directory is a kobject, used from any thread by the kernel;
// `DevDir` only deletes it.
unsafe impl Send for DevDir {}
// SAFETY: `&DevDir` gives no access at all.
unsafe impl Sync for DevDir {}

impl DevDir {
    /// Create the directory `name` (up to a NUL) for the held disk `devt`.
    pub(crate) fn add(name: &[u8], devt: u32) -> Result<Self> {
        let name = CBuf::<33>::new(name);
        // SAFETY: `name` is NUL-terminated; the kobject copies it.
        let p = from_err_ptr(unsafe { bindings::daxhold_devdir_add(name.as_ptr(), devt) })?;
        NonNull::new(p)
            .map(DevDir)
            .ok_or(kernel::error::code::ENOMEM)
    }
}

impl Drop for DevDir {
    fn drop(&mut self) {
        // SAFETY: by the invariants, a live directory, deleted only here;
        // it sleeps (process context: holders are released there).
        unsafe { bindings::daxhold_devdir_del(self.0.as_ptr()) }
    }
}

/// A held disk's directory, removed at detach ([`DevDirSlot::take`]) even
/// while the holder itself lives on in a reader's hands (a scan, a `/proc`
/// read): a detach and a new attach of the same disk must not meet it.
///
/// # Invariants
///
/// `0` is NULL or the directory of a [`DevDir`] this slot took over, which
/// only [`DevDirSlot::take`] hands back out.
pub(crate) struct DevDirSlot(AtomicPtr<bindings::daxhold_devdir>);

impl DevDirSlot {
    /// A slot owning `dir`.
    pub(crate) fn new(dir: DevDir) -> Self {
        let p = dir.0.as_ptr();
        // INVARIANT: the slot owns the directory from now on.
        core::mem::forget(dir);
        DevDirSlot(AtomicPtr::new(p))
    }

    /// The directory, once: dropping it removes it (process context).
    pub(crate) fn take(&self) -> Option<DevDir> {
        // INVARIANT: the swap hands the directory out at most once.
        NonNull::new(self.0.swap(core::ptr::null_mut(), Ordering::AcqRel)).map(DevDir)
    }
}

impl Drop for DevDirSlot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
