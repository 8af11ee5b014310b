// SPDX-License-Identifier: GPL-2.0

//! The dax_device holder interface: `fs_dax_get_by_bdev()`,
//! `fs_put_dax()`, `dax_holder()` and the `notify_failure` callback.

use core::ptr::NonNull;
use kernel::ffi::{c_int, c_void};

use super::bdev::BdevFile;
use super::bindings;
use crate::pure::mf;

// The flag values daxhold decodes are the kernel's own.
kernel::static_assert!(mf::MF_COUNT_INCREASED == bindings::mf_flags_MF_COUNT_INCREASED);
kernel::static_assert!(mf::MF_ACTION_REQUIRED == bindings::mf_flags_MF_ACTION_REQUIRED);
kernel::static_assert!(mf::MF_MUST_KILL == bindings::mf_flags_MF_MUST_KILL);
kernel::static_assert!(mf::MF_SOFT_OFFLINE == bindings::mf_flags_MF_SOFT_OFFLINE);
kernel::static_assert!(mf::MF_UNPOISON == bindings::mf_flags_MF_UNPOISON);
kernel::static_assert!(mf::MF_SW_SIMULATED == bindings::mf_flags_MF_SW_SIMULATED);
kernel::static_assert!(mf::MF_NO_RETRY == bindings::mf_flags_MF_NO_RETRY);
kernel::static_assert!(mf::MF_MEM_PRE_REMOVE == bindings::mf_flags_MF_MEM_PRE_REMOVE);

/// The identity of a dax_device: its address, compared but never followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DaxId(usize);

#[cfg(daxhold_kunit)]
impl DaxId {
    /// An identity no real dax_device has (for tests).
    pub(crate) const fn fake(addr: usize) -> Self {
        DaxId(addr)
    }
}

/// The holder cookie daxhold puts in `dax_dev->holder_data`. Every
/// dax_device has its own slot, so one cookie serves them all; daxhold finds
/// its per-device state by [`DaxId`], never through this pointer.
static HOLDER_COOKIE: u8 = 0;

fn cookie() -> *mut c_void {
    core::ptr::addr_of!(HOLDER_COOKIE).cast_mut().cast()
}

/// Who holds a dax_device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HolderState {
    /// Nobody: the slot is free.
    Free,
    /// daxhold itself.
    Daxhold,
    /// Someone else (a filesystem mounted on it, a dm device).
    Other,
}

/// A counted reference to a dax_device, from `fs_dax_get_by_bdev()`, and
/// the holder slot if it was taken with it. Dropping it releases both.
pub(crate) struct DaxRef {
    dax: NonNull<bindings::dax_device>,
    holding: bool,
}

// SAFETY: a dax_device is refcounted kernel state usable from any task; the
// reference and the holder slot this owns are released from whichever task
// drops it.
unsafe impl Send for DaxRef {}
// SAFETY: `&DaxRef` only allows `dax_holder()` and address comparison, both
// safe from any number of tasks at once.
unsafe impl Sync for DaxRef {}

/// The callback table daxhold registers as holder.
static HOLDER_OPS: bindings::dax_holder_operations = bindings::dax_holder_operations {
    notify_failure: Some(notify_failure),
};

impl DaxRef {
    /// The dax_device of `bdev`'s disk, without taking the holder slot, or
    /// `None` if the device does not support DAX (or is misaligned).
    pub(crate) fn probe(bdev: &BdevFile) -> Option<Self> {
        // SAFETY: `bdev.as_ptr()` is a live block device for as long as
        // `bdev` is open, which covers the call.
        unsafe { Self::probe_bdev(bdev.as_ptr()) }
    }

    /// As [`Self::probe`], for a block device the caller keeps alive.
    ///
    /// # Safety
    ///
    /// `bdev` is a live block device for the duration of the call.
    pub(crate) unsafe fn probe_bdev(bdev: *mut bindings::block_device) -> Option<Self> {
        let mut start_off = 0u64;
        // SAFETY: `bdev` is live (our contract); a NULL holder takes no
        // slot, only a reference.
        let dax = unsafe {
            bindings::fs_dax_get_by_bdev(
                bdev,
                &mut start_off,
                core::ptr::null_mut(),
                core::ptr::null(),
            )
        };
        NonNull::new(dax).map(|dax| DaxRef {
            dax,
            holding: false,
        })
    }

    /// Hand a failure of `[offset, offset + len)` to this dax_device's
    /// holder: `dax_holder_notify_failure()`, whose result is returned
    /// (`-EOPNOTSUPP` if it has no holder, `-ENXIO` if it is dying).
    pub(crate) fn notify_failure(&self, offset: u64, len: u64, mf_flags: c_int) -> c_int {
        // SAFETY: `self.dax` is a live dax_device: we hold a reference. The
        // dax core checks liveness and holder under its own SRCU lock.
        unsafe { bindings::dax_holder_notify_failure(self.dax.as_ptr(), offset, len, mf_flags) }
    }

    /// The dax_device of `bdev`'s disk with daxhold as its holder, or
    /// `None` if the device has no DAX or the slot was taken meanwhile.
    ///
    /// Call [`Self::holder_state`] on a probe first: 6.12's
    /// `fs_dax_get_by_bdev()` leaks an inode reference when the slot is
    /// already taken, so this must only be tried on a free slot.
    pub(crate) fn hold(bdev: &BdevFile) -> Option<Self> {
        let mut start_off = 0u64;
        // `HOLDER_OPS` and the cookie are statics: they outlive the
        // registration, which `Drop` releases before the module is gone.
        // SAFETY: as in `probe`, with static holder data and ops (above).
        let dax = unsafe {
            bindings::fs_dax_get_by_bdev(bdev.as_ptr(), &mut start_off, cookie(), &HOLDER_OPS)
        };
        NonNull::new(dax).map(|dax| DaxRef { dax, holding: true })
    }

    /// Who holds this dax_device now.
    pub(crate) fn holder_state(&self) -> HolderState {
        // SAFETY: `self.dax` is a live dax_device: we hold a reference.
        let holder = unsafe { bindings::dax_holder(self.dax.as_ptr()) };
        if holder.is_null() {
            HolderState::Free
        } else if holder == cookie() {
            HolderState::Daxhold
        } else {
            HolderState::Other
        }
    }

    /// The dax_device, for calls into the kernel; live while `self` is.
    pub(crate) fn as_ptr(&self) -> *mut bindings::dax_device {
        self.dax.as_ptr()
    }

    /// This device's identity.
    pub(crate) fn id(&self) -> DaxId {
        DaxId(self.dax.as_ptr() as usize)
    }
}

impl Drop for DaxRef {
    fn drop(&mut self) {
        let holder = if self.holding {
            cookie()
        } else {
            core::ptr::null_mut()
        };
        // `fs_put_dax()` releases the slot only if it still holds our cookie
        // (kill_dax() may have cleared it), and always drops the reference.
        // SAFETY: we own one reference to `self.dax` (and the slot if holding).
        unsafe { bindings::fs_put_dax(self.dax.as_ptr(), holder) };
    }
}

/// `dax_holder_operations.notify_failure`: called by
/// `dax_holder_notify_failure()` under the dax SRCU read lock, in process
/// context (memory_failure(), kill_dax()).
///
/// # Safety
///
/// Called by the dax core only, with a `dax_dev` whose holder ops are ours.
/// The pointer is used as an identity and never dereferenced here.
unsafe extern "C" fn notify_failure(
    dax_dev: *mut bindings::dax_device,
    offset: u64,
    len: u64,
    mf_flags: c_int,
) -> c_int {
    crate::notify::notify_failure(DaxId(dax_dev as usize), offset, len, mf_flags)
}
