// SPDX-License-Identifier: GPL-2.0

//! Each held disk's sysfs directory, `/sys/kernel/daxhold/devices/<disk>/`
//! (`rust/observe/control/glue.c` makes it; its reads go to the control's
//! ops table).

use core::ptr::NonNull;

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
