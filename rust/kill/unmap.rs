// SPDX-License-Identifier: GPL-2.0

//! What happens to the failed pages of an owner once its tasks are
//! collected: the unmap from every process, the drop of its DAX entries
//! before a device goes, and the hardware-poison mark.

use crate::abstractions::fs::Inode;
use kernel::error::{to_result, Result};

use crate::ffi::bindings;

/// Unmap bytes `[start, start + len)` of `inode`'s file from every process.
pub(crate) fn unmap(inode: &Inode, start: u64, len: u64) {
    // SAFETY: the inode is live (referenced while borrowed).
    unsafe { bindings::daxhold_kill_unmap(inode.as_ptr(), start, len) };
}

/// Write back, then drop the DAX entries of pages `[pgoff, pgoff + count)`
/// of `inode` (pre-remove: no entry may outlive the device's struct
/// pages, or the file's eviction oopses). Tried three times; an entry
/// dirtied again each time stays: `Err(EBUSY)`.
pub(crate) fn invalidate(inode: &Inode, pgoff: u64, count: u64) -> Result {
    let end = pgoff.saturating_add(count.saturating_sub(1));
    // SAFETY: the inode is live (referenced while borrowed).
    to_result(unsafe { bindings::daxhold_invalidate(inode.as_ptr(), pgoff, end) })
}

/// Mark pfns `[pfn, pfn + count)` hardware-poisoned (`PageHWPoison`), as
/// `mf_dax_kill_procs()` does for the pages it handles.
pub(crate) fn mark_poison(pfn: u64, count: u64) {
    // SAFETY: the glue checks each pfn with pfn_valid().
    unsafe { bindings::daxhold_kill_mark_poison(pfn, count) };
}
