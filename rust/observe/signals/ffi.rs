// SPDX-License-Identifier: GPL-2.0

//! The `signal_generate` probe (`rust/observe/signals/glue.c`): registered at load,
//! and the callback through which it reports each `BUS_MCEERR_AR`/`AO`
//! SIGBUS to `crate::observe::signals`.

use kernel::error::{to_result, Result};
use kernel::ffi::c_char;

use crate::abstractions::task::COMM_LEN;
use crate::ffi::bindings;

/// The probe's callback.
static SIG_OPS: bindings::daxhold_sig_ops = bindings::daxhold_sig_ops {
    hit: Some(daxhold_sig_hit),
};

/// Register the probe on the `signal_generate` tracepoint, reporting to
/// [`SIG_OPS`].
pub(crate) fn probe_init() -> Result {
    // SAFETY: called once at module init, paired with `probe_exit()`; the
    // callback is static.
    to_result(unsafe { bindings::daxhold_sig_trace_init(&SIG_OPS) })
}

/// Unregister it (a no-op if it was not registered); no probe runs after
/// this.
pub(crate) fn probe_exit() {
    // SAFETY: called once at module exit (or init's error path).
    unsafe { bindings::daxhold_sig_trace_exit() }
}

/// The C counter of threads inside `crate::observe::signals::listen()`, which the
/// probe reads first.
fn listening() -> &'static core::sync::atomic::AtomicI32 {
    // SAFETY: the counter of the C part's static `daxhold_sig_listening`.
    unsafe {
        crate::ffi::c_atomic(core::ptr::addr_of_mut!(
            bindings::daxhold_sig_listening.counter
        ))
    }
}

/// One more thread listening: the probe looks at SIGBUSes from now on.
pub(crate) fn listen_start() {
    listening().fetch_add(1, core::sync::atomic::Ordering::SeqCst);
}

/// One thread less.
pub(crate) fn listen_end() {
    listening().fetch_sub(1, core::sync::atomic::Ordering::SeqCst);
}

/// The address of the running task's `task_struct`: what the probe passes
/// as `current_task`, to compare with.
pub(crate) fn current_task() -> usize {
    // `Task` wraps `task_struct` transparently: the same address.
    core::ptr::from_ref::<kernel::task::Task>(kernel::current!()) as usize
}

/// A SIGBUS is being sent (the probe, with the target's siglock held and
/// interrupts off: must not sleep or take a lock).
///
/// # Safety
///
/// `comm` is NULL or points to `TASK_COMM_LEN` readable bytes (the target
/// task's `comm`) for the duration of the call.
unsafe extern "C" fn daxhold_sig_hit(
    current_task: *const kernel::ffi::c_void,
    pid: i32,
    comm: *const c_char,
    code: i32,
    addr: u64,
    lsb: i32,
) {
    const NONE: [u8; COMM_LEN] = [0; COMM_LEN];
    let name = if comm.is_null() {
        &NONE
    } else {
        // `hit` copies the name before returning; a concurrent rename can
        // only make the copy a mix of two names.
        // SAFETY: `comm` has COMM_LEN readable bytes (our contract).
        unsafe { &*comm.cast::<[u8; COMM_LEN]>() }
    };
    crate::observe::signals::hit(current_task as usize, pid, name, code, addr, lsb);
}
