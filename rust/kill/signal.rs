// SPDX-License-Identifier: GPL-2.0

//! The signal side of a kill: a reference to each task of the kill set
//! and the SIGBUS it gets (`BUS_MCEERR_AR`/`AO`, forced on a running task
//! that blocks it), and the line `kill_proc()` logs for each.

use kernel::error::{to_result, Result};
use kernel::ffi::c_int;
use kernel::task::Task;
use kernel::types::ARef;

use crate::abstractions::fs::Inode;
use crate::abstractions::mm::MfFlags;
use crate::abstractions::task::TaskExt;
use crate::ffi::bindings;

/// A reference to a task of the kill set.
pub(crate) type TaskRef = ARef<Task>;

/// Send `task` SIGBUS with `code` (BUS_MCEERR_AR/AO), `si_addr` and
/// `si_addr_lsb`.
pub(crate) fn send_mceerr(task: &Task, code: i32, addr: u64, lsb: u8) -> Result {
    // SAFETY: `&Task` is a live task.
    to_result(unsafe { bindings::daxhold_send_mceerr(task.as_ptr(), code, addr, u32::from(lsb)) })
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

/// `mf_dax_kill_procs()`: signal the tasks that map pages `[pgoff, pgoff +
/// count)` of `inode`'s file (BUS_MCEERR_AR to the current task,
/// BUS_MCEERR_AO to early-kill tasks; all of them for a pre-remove) and
/// unmap those pages (`EBUSY` if a DAX entry could not be locked).
pub(crate) fn mf_dax_kill_procs(
    inode: &Inode,
    pgoff: u64,
    count: u64,
    mf_flags: MfFlags,
) -> Result {
    let (Ok(index), Ok(count)) = (usize::try_from(pgoff), usize::try_from(count)) else {
        return Err(kernel::error::code::ERANGE);
    };
    // SAFETY: the inode is live, and so is its mapping; the kernel locks
    // what it walks.
    to_result(unsafe {
        bindings::mf_dax_kill_procs(inode.mapping(), index, count, mf_flags.as_raw())
    })
}
