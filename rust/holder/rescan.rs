// SPDX-License-Identifier: GPL-2.0

//! The rescan: the snapshot refreshed and the attach policy applied to it
//! (at load, from the work item the change signals queue, and on a write
//! to the `rescan` or `policy` control); the change signals' callbacks.

use kernel::error::Result;

use super::snapshot::current_or_say;
use super::{with_registry, Registry};
use crate::ffi::bindings;

/// Rescan: refresh the snapshot and apply the attach policy to it.
pub(crate) fn rescan(r: &Registry) -> Result {
    let snap = current_or_say(
        r,
        "the attach policy is applied at the next change or rescan",
    )?;
    let policy = r.policy();
    for d in snap.pmem_disks() {
        if policy.wants(d.has_users) {
            r.attach_auto(d.info.dev, d.name());
        }
    }
    // Let go of what the policy took and no longer wants, or whose disk is
    // gone (it is not in the snapshot any more).
    for dev in r.auto_devs().into_iter().flatten() {
        let wanted = snap
            .pmem_disks()
            .find(|d| d.info.dev == dev)
            .is_some_and(|d| policy.wants(d.has_users));
        if !wanted {
            r.detach_auto(dev);
        }
    }
    Ok(())
}

/// The change signals' callbacks, for [`crate::topology::ffi::watch_init`].
pub(crate) static STACK_OPS: bindings::daxhold_stack_ops = bindings::daxhold_stack_ops {
    rescan: Some(daxhold_rescan),
    holds_dev: Some(daxhold_holds_dev),
};

/// The rescan work item queued by the change signals (process context).
extern "C" fn daxhold_rescan() {
    with_registry(|r| {
        // Errors were logged where they happened.
        let _ = rescan(r);
    });
    // Known poison is translated against the new stack.
    crate::poison::kick();
}

/// Whether daxhold holds the disk `dev` (the slot-loss probe; atomic
/// context: takes only the holder table's spinlock).
extern "C" fn daxhold_holds_dev(dev: u32) -> bool {
    with_registry(|r| r.holds_dev(dev)).unwrap_or(false)
}
