// SPDX-License-Identifier: GPL-2.0

//! The C glue (`rust/observe/control/glue.c`): module parameter and sysfs controls, which
//! 6.12's Rust cannot declare, and the failure log's work item, which its
//! Rust workqueue cannot cancel. The sysfs callbacks land here and are
//! handed to the safe control layer (`crate::observe::control`), the work item to
//! `crate::observe::events`.

use kernel::ffi::{c_char, c_int};

use crate::errno;
use crate::ffi::bindings;
use crate::observe::control;
use kernel::error::Result;

/// The `devices=` module parameter, empty if not given.
pub(crate) fn param_devices() -> &'static [u8] {
    // SAFETY: the C side returns the parameter string (NUL-terminated,
    // owned by the module and not written after load) or NULL.
    let p = unsafe { bindings::daxhold_param_devices() };
    // SAFETY: NULL or NUL-terminated, see above; lives until rmmod.
    unsafe { crate::ffi::cstr::bytes(p) }
}

/// The `policy=` module parameter.
pub(crate) fn param_policy() -> &'static [u8] {
    // SAFETY: as for `param_devices`: the parameter string or NULL.
    let p = unsafe { bindings::daxhold_param_policy() };
    // SAFETY: NULL or NUL-terminated; lives until rmmod.
    unsafe { crate::ffi::cstr::bytes(p) }
}

/// The control files' callbacks (the glue calls nothing else of daxhold's
/// for them).
static CTL_OPS: bindings::daxhold_ctl_ops = bindings::daxhold_ctl_ops {
    attach: Some(daxhold_ctl_attach),
    detach: Some(daxhold_ctl_detach),
    rescan: Some(daxhold_ctl_rescan),
    translate: Some(daxhold_ctl_translate),
    policy_store: Some(daxhold_ctl_policy_store),
    metadata_store: Some(daxhold_ctl_metadata_store),
    badblocks_store: Some(crate::poison::ffi::daxhold_ctl_badblocks_store),
    holders: Some(daxhold_ctl_holders),
    policy_show: Some(daxhold_ctl_policy_show),
    index: Some(daxhold_ctl_index),
    metadata_show: Some(daxhold_ctl_metadata_show),
    badblocks_show: Some(crate::poison::ffi::daxhold_ctl_badblocks_show),
    dev_show: Some(daxhold_ctl_dev_show),
    last_failure: Some(daxhold_ctl_last_failure),
};

/// Create `/sys/kernel/daxhold/`, its files calling [`CTL_OPS`].
pub(crate) fn sysfs_init() -> Result {
    // SAFETY: called once from module init, paired with `sysfs_exit()`;
    // the callbacks are static.
    kernel::error::to_result(unsafe { bindings::daxhold_sysfs_init(&CTL_OPS) }).inspect_err(|e| {
        kernel::pr_err!(
            "cannot create /sys/kernel/daxhold: {}\n",
            crate::errno::Name(*e)
        );
    })
}

/// Remove the control files of `/sys/kernel/daxhold/`; returns after every
/// running callback. A no-op if they are not there.
pub(crate) fn sysfs_close() {
    // SAFETY: idempotent; after `sysfs_init()` or its failure.
    unsafe { bindings::daxhold_sysfs_close() }
}

/// Remove the rest of `/sys/kernel/daxhold/`, once no [`DevDir`] is left.
/// A no-op if it is not there.
pub(crate) fn sysfs_exit() {
    // SAFETY: idempotent; every `DevDir` was dropped (the holders are).
    unsafe { bindings::daxhold_sysfs_exit() }
}

/// A read of `devices/<disk>/<attr>`: fills `buf` (`size` bytes) and
/// returns the length, or `-ENODEV` once the disk is no longer held.
///
/// # Safety
///
/// Called by the sysfs glue with a NUL-terminated attribute name and a
/// writable buffer of `size` bytes.
unsafe extern "C" fn daxhold_ctl_dev_show(
    devt: u32,
    attr: *const c_char,
    buf: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: the attribute's name, NUL-terminated, static.
    let attr = unsafe { crate::ffi::cstr::bytes(attr) };
    // SAFETY: sysfs passes a writable page of `size` bytes.
    errno::len(control::dev_show(devt, attr, unsafe { output(buf, size) }))
}

/// # Safety
///
/// `buf` points to `len` readable bytes for the duration of the call.
unsafe fn input<'a>(buf: *const c_char, len: usize) -> &'a [u8] {
    if buf.is_null() {
        return &[];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts(buf.cast(), len) }
}

/// # Safety
///
/// `buf` points to `size` writable bytes that nothing else uses for the
/// duration of the call (or is NULL).
unsafe fn output<'a>(buf: *mut c_char, size: usize) -> &'a mut [u8] {
    if buf.is_null() {
        return &mut [];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts_mut(buf.cast(), size) }
}

/// `attach` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
unsafe extern "C" fn daxhold_ctl_attach(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    errno::of(control::attach(unsafe { input(buf, len) }))
}

/// `detach` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
unsafe extern "C" fn daxhold_ctl_detach(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    errno::of(control::detach(unsafe { input(buf, len) }))
}

/// `holders` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
unsafe extern "C" fn daxhold_ctl_holders(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::holders(unsafe { output(buf, size) }) as isize
}

/// `rescan` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
unsafe extern "C" fn daxhold_ctl_rescan(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    errno::of(control::rescan(unsafe { input(buf, len) }))
}

/// `translate` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
unsafe extern "C" fn daxhold_ctl_translate(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    errno::of(control::translate(unsafe { input(buf, len) }))
}

/// `policy` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
unsafe extern "C" fn daxhold_ctl_policy_store(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    errno::of(control::policy_store(unsafe { input(buf, len) }))
}

/// `policy` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
unsafe extern "C" fn daxhold_ctl_policy_show(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::policy_show(unsafe { output(buf, size) }) as isize
}

/// `index` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
unsafe extern "C" fn daxhold_ctl_index(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::index_show(unsafe { output(buf, size) }) as isize
}

/// `last_failure` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
unsafe extern "C" fn daxhold_ctl_last_failure(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::last_failure_show(unsafe { output(buf, size) }) as isize
}

/// `metadata` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
unsafe extern "C" fn daxhold_ctl_metadata_show(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::metadata_show(unsafe { output(buf, size) }) as isize
}

/// `metadata` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
unsafe extern "C" fn daxhold_ctl_metadata_store(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    errno::of(control::metadata_store(unsafe { input(buf, len) }))
}
