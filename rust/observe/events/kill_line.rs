// SPDX-License-Identifier: GPL-2.0

//! The kernel's own line for a memory-failure kill, printed for each of
//! daxhold's kills with the failure's other records.

use crate::abstractions::task::COMM_LEN;
use crate::ffi::bindings;

/// Log the line `kill_proc()` in mm/memory-failure.c logs for each task it
/// signals, with its format string, so that log monitors and test suites
/// that look for "Sending SIGBUS to <comm>" find daxhold's own kills too.
/// `comm` is cut at its first NUL and at `TASK_COMM_LEN - 1` bytes.
pub(crate) fn log(pfn: u64, comm: &[u8], pid: i32) {
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
