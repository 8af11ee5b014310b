// SPDX-License-Identifier: GPL-2.0

//! The known-poison scan as the holder stage runs it: its work item's
//! callback, with the registry's held disks, poison state and snapshot.

use crate::ffi::bindings;
use crate::owners::Disk;
use crate::poison;

use super::{current, with_registry, Holder, MAX_HOLDERS};

/// The scan work's callbacks, for [`crate::poison::ffi::init`].
pub(crate) static BB_OPS: bindings::daxhold_bb_ops = bindings::daxhold_bb_ops {
    scan: Some(daxhold_bb_scan),
};

/// The scan work, queued by the badblocks change watch and
/// [`poison::kick`] (process context).
extern "C" fn daxhold_bb_scan() {
    with_registry(|r| {
        let holders = r.holders();
        let disks: [Option<Disk<'_>>; MAX_HOLDERS] =
            core::array::from_fn(|i| holders.get(i).and_then(|h| h.as_deref()).map(Holder::disk));
        poison::scan(&r.poison, &disks, &|| current(r))
    });
}
