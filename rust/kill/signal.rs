// SPDX-License-Identifier: GPL-2.0

//! The signal side of a kill: a reference to each task of the kill set
//! and the SIGBUS it gets (`BUS_MCEERR_AR`/`AO`, forced on a running task
//! that blocks it), and the line `kill_proc()` logs for each.

use core::ptr::NonNull;
use kernel::ffi::c_int;

use crate::ffi::bindings;

/// `TASK_COMM_LEN`.
pub(crate) const COMM_LEN: usize = 16;

/// A reference to a task (`get_task_struct()`); dropping it is
/// `put_task_struct()`.
pub(crate) struct TaskRef(NonNull<bindings::task_struct>);

// SAFETY: a task reference may be dropped on any thread.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Take a reference to `t`.
    ///
    /// # Safety
    ///
    /// `t` is a live task for the duration of the call (the collect walk
    /// passes tasks from the task list under RCU).
    pub(super) unsafe fn get(t: NonNull<bindings::task_struct>) -> Self {
        // SAFETY: `t` is live (our contract); the reference we take keeps
        // it so until the drop.
        unsafe { bindings::daxhold_task_get(t.as_ptr()) };
        TaskRef(t)
    }

    /// Its pid (initial namespace) and name.
    pub(crate) fn pid_comm(&self) -> (i32, [u8; COMM_LEN]) {
        let mut comm = [0u8; COMM_LEN];
        // SAFETY: we hold a reference; `comm` has TASK_COMM_LEN bytes.
        let pid = unsafe { bindings::daxhold_task_pid(self.0.as_ptr(), comm.as_mut_ptr().cast()) };
        (pid, comm)
    }

    /// Whether it is the running task.
    pub(crate) fn is_current(&self) -> bool {
        // SAFETY: only compares the address with `current`.
        unsafe { bindings::daxhold_task_is_current(self.0.as_ptr()) }
    }

    /// Send it SIGBUS with `code` (BUS_MCEERR_AR/AO), `si_addr` and
    /// `si_addr_lsb`: 0 or a negative errno.
    pub(crate) fn send_mceerr(&self, code: i32, addr: u64, lsb: u8) -> c_int {
        // SAFETY: we hold a reference, so the task is live.
        unsafe { bindings::daxhold_send_mceerr(self.0.as_ptr(), code, addr, u32::from(lsb)) }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference, given back once.
        unsafe { bindings::daxhold_task_put(self.0.as_ptr()) };
    }
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
