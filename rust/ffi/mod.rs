// SPDX-License-Identifier: GPL-2.0

//! What every stage shares of the C side: the bindings (the kernel's and
//! daxhold's own, generated), C strings, and the KUnit glue of test
//! builds. Each stage's own bindings sit beside its C shim (`ffi.rs`,
//! `owners/index.rs`, `kill/`); the wrappers written to be proposed
//! upstream are in `crate::abstractions`. The few `unsafe` blocks outside
//! those (the registry published for C, the failure's batch of records,
//! the signal probe's per-thread slots) each say why with their
//! `// SAFETY:` comment.

pub(crate) mod bindings;
pub(crate) mod cstr;
#[cfg(daxhold_kunit)]
pub(crate) mod kunit;

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

/// Sleep for `ms` milliseconds (process context only).
pub(crate) fn msleep(ms: u32) {
    // SAFETY: plain sleep; callers are in process context.
    unsafe { bindings::msleep(ms) }
}
