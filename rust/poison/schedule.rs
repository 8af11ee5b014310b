// SPDX-License-Identifier: GPL-2.0

//! When a scan runs: the glue's work item, queued by the badblocks
//! change watch (`rust/poison/watch_glue.c`: the pmem driver's
//! `sysfs_notify_dirent()` on a held disk's `badblocks` attribute), by
//! [`kick`] (attach, detach, a stack change), by the policy file, and
//! again by [`after_scan`]: at once if the stack moved under the scan,
//! every [`POLL_MS`] while a held disk is not watched, every
//! [`REFRESH_MS`] while there is known poison.

use kernel::prelude::*;
use kernel::sync::Arc;

use super::Current;
use crate::poison::ffi as bb;
use crate::topology::Snapshot;

/// Rescan this often while there is known poison (ms).
const REFRESH_MS: u32 = 30_000;
/// Poll this often while a held disk's changes are not watched (ms).
const POLL_MS: u32 = 5_000;
/// Scan again this soon after a scan that could not finish (ms).
pub(super) const RETRY_MS: u32 = 5_000;

/// Scan soon (attach, detach, a stack change); any context.
pub(crate) fn kick() {
    bb::kick(bb::SETTLE_MS);
}

/// Scan again in [`RETRY_MS`] (a scan that could not finish).
pub(super) fn retry() {
    bb::kick(RETRY_MS);
}

/// Queue the next scan, after one against `snap` that found known poison
/// or not (`poisoned`).
pub(super) fn after_scan(current: Current<'_>, snap: Option<&Arc<Snapshot>>, poisoned: bool) {
    // The stack moved under the scan: once more, against the new one.
    let moved = match current() {
        Ok(b) => snap.is_some_and(|a| !Arc::ptr_eq(a, &b)),
        Err(e) => {
            pr_err!(
                "badblocks: cannot read the stack after the scan ({}); scanning again in {} s\n",
                crate::errno::Name(e),
                RETRY_MS / 1000
            );
            return retry();
        }
    };
    if moved {
        pr_info!("badblocks: the stack changed during the scan; scanning again\n");
        bb::kick(bb::SETTLE_MS);
    } else if !bb::all_watched() {
        bb::refresh(POLL_MS);
    } else if poisoned {
        bb::refresh(REFRESH_MS);
    }
}
