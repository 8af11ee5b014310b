// SPDX-License-Identifier: GPL-2.0

//! The signal side of a kill: a reference to each task of the kill set
//! and the SIGBUS it gets (`BUS_MCEERR_AR`/`AO`, forced on a running task
//! that blocks it), and the line `kill_proc()` logs for each.

use kernel::ffi::c_int;

use kernel::task::Task;
use kernel::types::ARef;

use crate::abstractions::task::TaskExt;
use crate::ffi::bindings;

pub(crate) use crate::abstractions::task::COMM_LEN;

/// A reference to a task of the kill set.
pub(crate) type TaskRef = ARef<Task>;

/// Send `task` SIGBUS with `code` (BUS_MCEERR_AR/AO), `si_addr` and
/// `si_addr_lsb`: 0 or a negative errno.
pub(crate) fn send_mceerr(task: &Task, code: i32, addr: u64, lsb: u8) -> c_int {
    // SAFETY: `&Task` is a live task.
    unsafe { bindings::daxhold_send_mceerr(task.as_ptr(), code, addr, u32::from(lsb)) }
}

/// Whether the running task blocks or ignores SIGBUS.
pub(crate) fn current_blocks_sigbus() -> bool {
    // SAFETY: reads the running task's own signal state.
    unsafe { bindings::daxhold_sigbus_blocked() }
}

/// `force_sig(SIGBUS)` on the running task: unblocks SIGBUS and resets
/// an ignoring handler, so a pending SIGBUS kills it.
pub(crate) fn force_sigbus_current() {
    // SAFETY: force_sig() acts on `current`, always valid here.
    unsafe { bindings::force_sig(bindings::SIGBUS as c_int) };
}

/// Log the line `kill_proc()` in mm/memory-failure.c logs for each task it
/// signals, with its format string, so that log monitors and test suites
/// that look for "Sending SIGBUS to <comm>" find daxhold's own kills too.
/// `comm` is cut at its first NUL and at `TASK_COMM_LEN - 1` bytes.
pub(crate) fn kill_line(pfn: u64, comm: &[u8], pid: i32) {
    let mut name = [0u8; COMM_LEN];
    for (d, &s) in name
        .iter_mut()
        .take(COMM_LEN - 1)
        .zip(comm.iter().take_while(|&&c| c != 0))
    {
        *d = s;
    }
    let pfn = pfn as kernel::ffi::c_ulong;
    // The conversions are unsigned long, string, int; `name` outlives it.
    // SAFETY: a NUL-terminated format matching the arguments, and `name`
    // ends in NUL (its last byte is never written).
    unsafe {
        bindings::_printk(
            c"\x013Memory failure: %#lx: Sending SIGBUS to %s:%d due to hardware memory corruption\n"
                .as_ptr()
                .cast(),
            pfn,
            name.as_ptr(),
            pid,
        )
    };
}
