// SPDX-License-Identifier: GPL-2.0

//! The C glue (`rust/glue.c`): module parameter and sysfs controls, which
//! 6.12's Rust cannot declare, and the failure log's work item, which its
//! Rust workqueue cannot cancel. The sysfs callbacks land here and are
//! handed to the safe control layer (`crate::control`), the work item to
//! `crate::events`.

use kernel::ffi::{c_char, c_int};

use super::bindings;
use crate::control;
use kernel::error::Result;

/// The `devices=` module parameter, empty if not given.
pub(crate) fn param_devices() -> &'static [u8] {
    // SAFETY: the C side returns the parameter string (NUL-terminated,
    // owned by the module and not written after load) or NULL.
    let p = unsafe { bindings::daxhold_param_devices() };
    // SAFETY: NULL or NUL-terminated, see above; lives until rmmod.
    unsafe { super::cstr::bytes(p) }
}

/// The `policy=` module parameter.
pub(crate) fn param_policy() -> &'static [u8] {
    // SAFETY: as for `param_devices`: the parameter string or NULL.
    let p = unsafe { bindings::daxhold_param_policy() };
    // SAFETY: NULL or NUL-terminated; lives until rmmod.
    unsafe { super::cstr::bytes(p) }
}

/// Create `/sys/kernel/daxhold/`.
pub(crate) fn sysfs_init() -> Result {
    // SAFETY: called once from module init, paired with `sysfs_exit()`.
    kernel::error::to_result(unsafe { bindings::daxhold_sysfs_init() }).inspect_err(|e| {
        kernel::pr_err!(
            "cannot create /sys/kernel/daxhold: {}\n",
            crate::errno::Name(*e)
        );
    })
}

/// Remove `/sys/kernel/daxhold/`; returns after every running callback.
pub(crate) fn sysfs_exit() {
    // SAFETY: called once from module exit after a successful `sysfs_init()`.
    unsafe { bindings::daxhold_sysfs_exit() }
}

/// Queue the failure log's work item; callable in any context.
pub(crate) fn log_kick() {
    // SAFETY: `queue_delayed_work()` on the glue's static work item: no
    // arguments, no sleeping.
    unsafe { bindings::daxhold_log_kick() }
}

/// Cancel the failure log's work item, waiting for it if it runs.
pub(crate) fn log_stop() {
    // SAFETY: `cancel_delayed_work_sync()` on the glue's static work item,
    // from process context (module init's error path, or exit).
    unsafe { bindings::daxhold_log_stop() }
}

/// The failure log's work item (process context).
#[no_mangle]
extern "C" fn daxhold_log_print() {
    crate::events::print_work();
}

/// Sleep for `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: plain sleep; callers are in process context.
    unsafe { bindings::msleep(ms) }
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
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_attach(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    control::attach(unsafe { input(buf, len) })
}

/// `detach` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_detach(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    control::detach(unsafe { input(buf, len) })
}

/// `holders` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_holders(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::holders(unsafe { output(buf, size) }) as isize
}

/// `rescan` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_rescan(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    control::rescan(unsafe { input(buf, len) })
}

/// `translate` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_translate(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    control::translate(unsafe { input(buf, len) })
}

/// `policy` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_policy_store(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    control::policy_store(unsafe { input(buf, len) })
}

/// `policy` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_policy_show(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::policy_show(unsafe { output(buf, size) }) as isize
}

/// `index` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_index(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::index_show(unsafe { output(buf, size) }) as isize
}

/// `metadata` show: fills `buf` (`size` bytes) and returns the length.
///
/// # Safety
///
/// Called by the sysfs glue with a writable buffer of `size` bytes.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_metadata_show(buf: *mut c_char, size: usize) -> isize {
    // SAFETY: sysfs passes a writable page of `size` bytes.
    control::metadata_show(unsafe { output(buf, size) }) as isize
}

/// `metadata` store.
///
/// # Safety
///
/// Called by the sysfs glue with the written buffer and its length.
#[no_mangle]
unsafe extern "C" fn daxhold_ctl_metadata_store(buf: *const c_char, len: usize) -> c_int {
    // SAFETY: sysfs passes `len` readable bytes.
    control::metadata_store(unsafe { input(buf, len) })
}
