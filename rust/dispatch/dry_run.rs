// SPDX-License-Identifier: GPL-2.0

//! The dry run of the `translate` control: a failure's translation up the
//! stack, each piece it reaches reported, no holder called, nobody
//! signalled.

use core::ops::ControlFlow;
use core::sync::atomic::{AtomicU64, Ordering};

use kernel::prelude::*;

use crate::holder::{Holder, Registry};
use crate::pure::notify;
use crate::pure::stack::{DevId, SECTOR_SIZE};
use crate::topology::{DevEntry, Snapshot};
use crate::translate::{Chain, Kind};

/// `(offset, len)` of `extent` if it ends past the end of `holder`'s disk
/// (as the snapshot knows it; a disk it does not know is not checked).
fn past_end(snap: &Snapshot, holder: &Holder, extent: notify::Extent) -> Option<(u64, u64)> {
    let size = snap
        .dev(DevId(holder.devt()))?
        .info
        .nr_sects
        .saturating_mul(SECTOR_SIZE);
    match extent {
        notify::Extent::Range { end, .. } if end > size => Some(extent.offset_len()),
        _ => None,
    }
}

/// Requests run by [`dry_run`], numbered in its log lines.
static DRY_RUNS: AtomicU64 = AtomicU64::new(0);

/// One piece a dry run reached: a top of the stack, or a device above
/// that does not map those bytes (`unmapped`).
pub(crate) struct DryHit<'a> {
    pub(crate) kind: &'static str,
    pub(crate) device: &'a str,
    pub(crate) dev: DevId,
    pub(crate) sector: u64,
    pub(crate) sectors: u64,
    pub(crate) depth: u32,
}

/// Translate `extent` of `holder`'s disk up the stack as a failure there
/// would be, and hand each piece it reaches to `emit` (with the dry run's
/// number), without calling any holder or signalling anyone. An error
/// has its one dmesg line.
pub(crate) fn dry_run(
    r: &Registry,
    holder: &Holder,
    extent: notify::Extent,
    mut emit: impl FnMut(u64, &DryHit<'_>),
) -> Result {
    let name = holder.name();
    let snap = match crate::holder::current(r) {
        Ok(s) => s,
        Err(e) => {
            pr_err!(
                "translate: {name}: cannot read the stack: {}\n",
                crate::errno::Name(e)
            );
            return Err(e);
        }
    };
    if let Some((offset, len)) = past_end(&snap, holder, extent) {
        pr_err!("translate: {name}: offset {offset:#x} len {len:#x} is past the end of the disk\n");
        return Err(kernel::error::code::ERANGE);
    }
    let n = DRY_RUNS.fetch_add(1, Ordering::Relaxed);
    let walked = snap.reach(DevId(holder.devt()), extent, Chain::Skip, |r| {
        let kind = match r.kind {
            Kind::Top => "top",
            Kind::Unmapped => "unmapped",
            Kind::Whole => return ControlFlow::Continue(()),
        };
        let hit = DryHit {
            kind,
            device: r.entry.map_or("?", DevEntry::name),
            dev: r.device,
            sector: r.offset / SECTOR_SIZE,
            sectors: r.len.div_ceil(SECTOR_SIZE),
            depth: r.depth,
        };
        emit(n, &hit);
        ControlFlow::Continue(())
    });
    walked.map(|_| ()).map_err(|e| {
        pr_err!("translate #{n}: {name}: {e:?}\n");
        Error::from_errno(e.errno())
    })
}
