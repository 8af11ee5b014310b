// SPDX-License-Identifier: GPL-2.0

//! The thin unsafe layer: safe wrappers around the C interfaces daxhold
//! uses (the ones written to be proposed upstream are in
//! `crate::abstractions`). Most of daxhold's `unsafe` lives there and here;
//! the few blocks elsewhere (the registry published for C, the failure's
//! batch of records, the signal probe's per-thread slots) each say why
//! with their `// SAFETY:` comment.

pub(crate) mod badblocks;
pub(crate) mod bindings;
pub(crate) mod cstr;
pub(crate) mod glue;
pub(crate) mod index;
pub(crate) mod kill;
#[cfg(daxhold_kunit)]
pub(crate) mod kunit;
pub(crate) mod proc;
pub(crate) mod seq;
pub(crate) mod signal;
pub(crate) mod stack;
pub(crate) mod trace;

/// The C part's static `atomic_t` whose `int counter` is at `counter`, as
/// an `AtomicI32` (the same layout).
///
/// # Safety
///
/// `counter` is the `counter` of a static `atomic_t` of the module's C part
/// (alive as long as the module), which C touches only with `atomic_*()`.
pub(crate) unsafe fn c_atomic(
    counter: *mut kernel::ffi::c_int,
) -> &'static core::sync::atomic::AtomicI32 {
    // SAFETY: valid for the module's life and only accessed atomically
    // (our contract).
    unsafe { core::sync::atomic::AtomicI32::from_ptr(counter) }
}
