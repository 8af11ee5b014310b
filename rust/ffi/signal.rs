// SPDX-License-Identifier: GPL-2.0

//! The SIGBUS probes (`rust/signal_glue.c`): registered at load, and the
//! callback through which they report each `force_sig_mceerr()` and
//! `send_sig_mceerr()` to `crate::signal`.

use kernel::error::{to_result, Result};
use kernel::ffi::c_char;

use super::bindings;

/// `TASK_COMM_LEN`: the longest task name, NUL included.
const COMM_LEN: usize = 16;

/// Register the probes on `force_sig_mceerr` and `send_sig_mceerr`.
pub(crate) fn probes_init() -> Result {
    // SAFETY: called once at module init, paired with `probes_exit()`.
    to_result(unsafe { bindings::daxhold_sig_probes_init() })
}

/// Unregister them (a no-op if they were not registered); no handler runs
/// after this.
pub(crate) fn probes_exit() {
    // SAFETY: called once at module exit (or init's error path).
    unsafe { bindings::daxhold_sig_probes_exit() }
}

/// The address of the running task's `task_struct`: what the probes pass
/// as `current_task`, to compare with.
pub(crate) fn current_task() -> usize {
    // `Task` wraps `task_struct` transparently: the same address.
    core::ptr::from_ref::<kernel::task::Task>(kernel::current!()) as usize
}

/// A SIGBUS is being sent (a probe, in atomic context: must not sleep).
///
/// # Safety
///
/// `comm` is NULL or points to `TASK_COMM_LEN` readable bytes (the target
/// task's `comm`) for the duration of the call.
#[no_mangle]
unsafe extern "C" fn daxhold_sig_hit(
    current_task: *const kernel::ffi::c_void,
    pid: i32,
    comm: *const c_char,
    code: i32,
    addr: u64,
    lsb: i32,
) {
    let mut name = [0u8; COMM_LEN];
    if !comm.is_null() {
        // SAFETY: `comm` has COMM_LEN readable bytes (our contract); a
        // concurrent rename can only make the copy a mix of two names.
        let src = unsafe { core::slice::from_raw_parts(comm.cast::<u8>(), COMM_LEN) };
        crate::pure::nopanic::copy(&mut name, src);
    }
    crate::signal::hit(current_task as usize, pid, &name, code, addr, lsb);
}
