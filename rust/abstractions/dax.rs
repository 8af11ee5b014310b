// SPDX-License-Identifier: GPL-2.0

//! The dax_device holder interface.
//!
//! A dax_device has one holder slot: `fs_dax_get_by_bdev()` with a holder
//! pointer and `struct dax_holder_operations` takes it, `fs_put_dax()` gives
//! it back, and `dax_holder_notify_failure()` (from `memory_failure()` or
//! `kill_dax()`) calls the holder's `notify_failure`. A user implements
//! [`NotifyFailure`] and takes the slot with [`Holding::new`]: the holder
//! pointer is its `Arc`, so the callback reaches the user's per-device
//! state through the slot itself (`dax_holder()`), with no lookup.
//!
//! Lifetime: a call runs under the dax core's SRCU read lock, which is
//! private to `drivers/dax/super.c`. [`Holding`]'s `Drop` therefore gives
//! the slot back first and then waits for every call already inside the
//! callback (counted by this layer) before it lets go of the `Arc`: a call
//! that read the holder pointer has been counted before the slot was
//! emptied, and one that reads it after finds `NULL` and declines.

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::ffi::{c_int, c_void};

use kernel::error::{code, to_result, Result};
use kernel::sync::Arc;
use kernel::types::Opaque;

use super::block::{BdevFile, BlockDevice};
use super::mm::MfFlags;
use crate::ffi::bindings;
use crate::ffi::msleep;

/// A `struct dax_device`.
///
/// # Invariants
///
/// A `&DaxDevice` exists only while its lender holds a reference to the
/// device (a [`DaxRef`], a [`Holding`]), so it is live (perhaps dying:
/// the dax core checks that itself).
#[repr(transparent)]
pub(crate) struct DaxDevice(Opaque<bindings::dax_device>);

// SAFETY: a dax_device is refcounted kernel state usable from any task.
unsafe impl Send for DaxDevice {}
// SAFETY: `&DaxDevice` allows only calls the dax core makes safe from any
// number of tasks at once (`dax_holder()`, `dax_holder_notify_failure()`).
unsafe impl Sync for DaxDevice {}

impl DaxDevice {
    /// Hand a failure of `[offset, offset + len)` to this dax_device's
    /// holder: `dax_holder_notify_failure()`, whose result is returned
    /// (`EOPNOTSUPP` if it has no holder, `ENXIO` if it is dying).
    pub(crate) fn notify_failure(&self, offset: u64, len: u64, mf_flags: MfFlags) -> Result {
        // SAFETY: live (the type invariant). The dax core checks liveness
        // and the holder under its own SRCU lock.
        to_result(unsafe {
            bindings::dax_holder_notify_failure(self.as_ptr(), offset, len, mf_flags.as_raw())
        })
    }

    /// Whether someone holds the slot now (a filesystem, a dm device, a
    /// [`Holding`]).
    pub(crate) fn is_held(&self) -> bool {
        // SAFETY: live (the type invariant); `dax_holder()` only reads.
        !unsafe { bindings::dax_holder(self.as_ptr()) }.is_null()
    }

    /// The `struct dax_device`, for C that takes one.
    pub(crate) fn as_ptr(&self) -> *mut bindings::dax_device {
        self.0.get()
    }
}

/// A counted reference to a dax_device (`fs_dax_get_by_bdev()` without a
/// holder): it takes no slot. Dropping it puts the reference. Owned, not an
/// `ARef`: the dax core exports no way to take a second reference.
///
/// # Invariants
///
/// `dax` is a dax_device this value holds one reference to.
pub(crate) struct DaxRef {
    dax: NonNull<bindings::dax_device>,
}

// SAFETY: the reference is put from whichever task drops it.
unsafe impl Send for DaxRef {}
// SAFETY: `&DaxRef` gives only a `&DaxDevice`, which is `Sync`.
unsafe impl Sync for DaxRef {}

impl DaxRef {
    /// The dax_device of the disk of `bdev` (a reference, no holder slot),
    /// or `None` if it has none (no DAX, or a partition not aligned to a
    /// page).
    pub(crate) fn of(bdev: &BlockDevice) -> Option<Self> {
        let mut start_off = 0u64;
        // SAFETY: `bdev` is live (its invariant); a NULL holder takes no
        // slot, only a reference.
        let dax = unsafe {
            bindings::fs_dax_get_by_bdev(
                bdev.as_ptr(),
                &mut start_off,
                core::ptr::null_mut(),
                core::ptr::null(),
            )
        };
        // INVARIANT: a non-NULL result is a reference for us.
        NonNull::new(dax).map(|dax| DaxRef { dax })
    }
}

impl Deref for DaxRef {
    type Target = DaxDevice;

    fn deref(&self) -> &DaxDevice {
        // SAFETY: `DaxDevice` is a transparent `struct dax_device`, which
        // our reference keeps live while the borrow lasts.
        unsafe { &*self.dax.as_ptr().cast::<DaxDevice>() }
    }
}

impl Drop for DaxRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference (invariant) and no slot.
        unsafe { bindings::fs_put_dax(self.dax.as_ptr(), core::ptr::null_mut()) };
    }
}

/// A dax_device holder's callback.
pub(crate) trait NotifyFailure: Send + Sync + Sized {
    /// `[offset, offset + len)` of the held dax_device failed; `mf_flags`
    /// are `memory_failure()`'s (`MF_MEM_PRE_REMOVE` from `kill_dax()`, with
    /// the whole device). Process context; may sleep. `Err(EOPNOTSUPP)`
    /// leaves the failure to the kernel's own per-page handling.
    fn notify_failure(&self, offset: u64, len: u64, mf_flags: MfFlags) -> Result;
}

/// Calls inside a [`NotifyFailure`] callback now, of every [`Holding`].
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// One call counted in [`CALLS`] while it lives.
struct Call;

impl Call {
    fn enter() -> Self {
        // SeqCst, as the slot's release and the count's read in `Holding`'s
        // Drop: one of the two sees the other.
        CALLS.fetch_add(1, Ordering::SeqCst);
        Call
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        CALLS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `dax_holder_operations` of holders of type `T`.
struct Ops<T>(PhantomData<T>);

impl<T: NotifyFailure> Ops<T> {
    const OPS: bindings::dax_holder_operations = bindings::dax_holder_operations {
        notify_failure: Some(Self::notify_failure),
    };

    /// `dax_holder_operations.notify_failure`.
    ///
    /// # Safety
    ///
    /// Called by the dax core with a live `dax_dev` whose holder
    /// operations were these, so whose holder pointer, while not `NULL`,
    /// is the `T` of a live [`Holding`].
    unsafe extern "C" fn notify_failure(
        dax_dev: *mut bindings::dax_device,
        offset: u64,
        len: u64,
        mf_flags: c_int,
    ) -> c_int {
        let _call = Call::enter();
        // SAFETY: `dax_dev` is live for the call (our contract).
        let data = unsafe { bindings::dax_holder(dax_dev) };
        // SAFETY: counted before the read, so a non-NULL pointer is a `T`
        // its `Holding` keeps alive until this call is over (module doc).
        unsafe { call_holder::<T>(data.cast_const().cast(), offset, len, mf_flags) }
    }
}

/// Call the holder `data` (`NULL`: the slot was given back meanwhile, and
/// the failure is declined with `-EOPNOTSUPP`).
///
/// # Safety
///
/// `data` is `NULL` or a `T` alive for the call.
pub(crate) unsafe fn call_holder<T: NotifyFailure>(
    data: *const T,
    offset: u64,
    len: u64,
    mf_flags: c_int,
) -> c_int {
    // SAFETY: our contract.
    match unsafe { data.as_ref() } {
        // The kernel's own value, as the dax core returns it.
        None => -(bindings::EOPNOTSUPP as c_int),
        Some(holder) => match holder.notify_failure(offset, len, MfFlags::from_raw(mf_flags)) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        },
    }
}

/// The holder slot of a dax_device, taken by `T`, whose [`NotifyFailure`]
/// the dax core calls until this is dropped.
///
/// # Invariants
///
/// `dax` is a dax_device this value holds one reference to, whose holder
/// slot it took with the address of `data`'s `T` and `Ops::<T>::OPS`.
pub(crate) struct Holding<T: NotifyFailure> {
    dax: NonNull<bindings::dax_device>,
    data: Arc<T>,
}

// SAFETY: as `DaxRef`; `T` is `Send + Sync` (`NotifyFailure`).
unsafe impl<T: NotifyFailure> Send for Holding<T> {}
// SAFETY: as `DaxRef`; `&Holding` gives `&T`, which is `Sync`.
unsafe impl<T: NotifyFailure> Sync for Holding<T> {}

impl<T: NotifyFailure> Holding<T> {
    /// Take the holder slot of the dax_device of `bdev`'s disk for `data`.
    /// `EBUSY` if the device has no DAX or the slot is taken.
    ///
    /// 6.12's `fs_dax_get_by_bdev()` leaks an inode reference when the slot
    /// is taken already: check [`DaxRef::is_held`] on a probe first.
    pub(crate) fn new(bdev: &BdevFile, data: Arc<T>) -> Result<Self> {
        let mut start_off = 0u64;
        let holder = core::ptr::from_ref::<T>(&data).cast_mut().cast::<c_void>();
        let (bdev, ops) = (bdev.as_ptr(), &Ops::<T>::OPS);
        // SAFETY: `bdev` is open, so live; the holder pointer and the
        // operations outlive the slot, which `Drop` gives back first.
        let dax = unsafe { bindings::fs_dax_get_by_bdev(bdev, &mut start_off, holder, ops) };
        // INVARIANT: a non-NULL result is a reference with the slot.
        let dax = NonNull::new(dax).ok_or(code::EBUSY)?;
        Ok(Holding { dax, data })
    }

    /// The holder.
    pub(crate) fn data(&self) -> &Arc<T> {
        &self.data
    }
}

impl<T: NotifyFailure> core::ops::Deref for Holding<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: NotifyFailure> Drop for Holding<T> {
    fn drop(&mut self) {
        let holder = core::ptr::from_ref::<T>(&self.data)
            .cast_mut()
            .cast::<c_void>();
        // `fs_put_dax()` empties the slot only if it still holds our
        // pointer (`kill_dax()` may have emptied it), and always puts the
        // reference.
        // SAFETY: we own the reference and the slot (invariant).
        unsafe { bindings::fs_put_dax(self.dax.as_ptr(), holder) };
        // Calls that read our pointer before the slot was emptied.
        wait_calls();
    }
}

/// Wait until no [`NotifyFailure`] callback of any [`Holding`] runs. With
/// every `Holding` dropped, none runs after this either.
pub(crate) fn wait_calls() {
    while CALLS.load(Ordering::SeqCst) != 0 {
        msleep(1);
    }
}
