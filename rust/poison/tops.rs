// SPDX-License-Identifier: GPL-2.0

//! Where a bad range goes: translated up the current stack snapshot to
//! the tops it reaches (with the chain of devices to each), its unmapped
//! pieces kept as findings, and each top queued for
//! [`super::resolve::resolve_tops`] to find the files there.

use core::fmt::Write;
use core::ops::ControlFlow;

use kernel::error::{code, Result};
use kernel::prelude::*;

use super::finding::{Finding, Findings, Key, Kind, Text, CHAIN, NAME};
use super::resolve::{page_pfns, Pending};
use crate::errno;
use crate::owners::Disk;
use crate::pure::badblocks::BadRange;
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::notify::Extent;
use crate::pure::stack::{DevId, StackError, SECTOR_SIZE};
use crate::topology::Snapshot;
use crate::translate::{self, Chain};

/// Tops of the stack one bad range reaches that are resolved.
const MAX_TOPS: usize = 16;

/// One top of the stack a bad range reaches.
#[derive(Clone, Copy)]
struct TopHit {
    dev: DevId,
    depth: u32,
    offset: u64,
    len: u64,
    chain: Text<CHAIN>,
}

/// Translate one bad range up the stack and queue each top for
/// [`super::resolve::resolve_tops`].
pub(super) fn resolve(
    h: &Disk<'_>,
    pmem: Text<NAME>,
    range: BadRange,
    fresh: bool,
    snap: &Snapshot,
    new: &mut Findings,
) -> Result {
    let offset = range.sector.checked_mul(SECTOR_SIZE).ok_or(code::ERANGE)?;
    let len = range.sectors.checked_mul(SECTOR_SIZE).ok_or(code::ERANGE)?;
    let end = offset.checked_add(len).ok_or(code::ERANGE)?;
    let tops = match walk_tops(h, pmem, range, Extent::Range { offset, end }, snap, new) {
        Ok(t) => t,
        Err(e) => {
            pr_err!(
                "{}: badblocks: sector {} sectors {}: cannot translate ({e:?})\n",
                h.name,
                range.sector,
                range.sectors
            );
            return Ok(());
        }
    };
    if tops.lost {
        pr_err!(
            "{}: badblocks: sector {}: reaches more than {MAX_TOPS} tops; the rest are left out\n",
            h.name,
            range.sector
        );
    }
    let pfns = bad_pfns(h, range, offset, len);
    for top in tops.hits.iter().flatten() {
        queue_top(new, pmem, range, top, snap, pfns, fresh);
    }
    Ok(())
}

/// The tops one bad range reaches, with the chain of devices to each.
struct Tops {
    hits: [Option<TopHit>; MAX_TOPS],
    n: usize,
    /// More than [`MAX_TOPS`]: the rest are left out.
    lost: bool,
}

impl Tops {
    fn add(&mut self, hit: TopHit) {
        if let Some(slot) = self.hits.get_mut(self.n) {
            *slot = Some(hit);
            // Below hits.len(): cannot saturate.
            self.n = self.n.saturating_add(1);
        } else {
            self.lost = true;
        }
    }
}

/// Walk `extent` of holder `h`'s disk up the stack: the tops it reaches,
/// its unmapped pieces added to `new` as findings.
fn walk_tops(
    h: &Disk<'_>,
    pmem: Text<NAME>,
    range: BadRange,
    extent: Extent,
    snap: &Snapshot,
    new: &mut Findings,
) -> core::result::Result<Tops, StackError> {
    let mut tops = Tops {
        hits: [None; MAX_TOPS],
        n: 0,
        lost: false,
    };
    // Never stopped early: every top is wanted.
    let _: ControlFlow<()> = snap.reach(DevId(h.devt), extent, Chain::Keep, |r| {
        match r.kind {
            translate::Kind::Top => tops.add(TopHit {
                dev: r.device,
                depth: r.depth,
                offset: r.offset,
                len: r.len,
                chain: chain(snap, r.chain),
            }),
            translate::Kind::Unmapped => {
                new.push(unmapped(pmem, range, snap, r.device, r.offset, r.len))
            }
            translate::Kind::Whole => {}
        }
        ControlFlow::Continue(())
    })?;
    Ok(tops)
}

/// The finding of bytes `[offset, offset + len)` of `device` that bad
/// range `range` reaches and nothing maps.
fn unmapped(
    pmem: Text<NAME>,
    range: BadRange,
    snap: &Snapshot,
    device: DevId,
    offset: u64,
    len: u64,
) -> Finding {
    let mut f = Finding::new(Key::new(pmem, range.sector, Kind::Unmapped));
    f.key.dev = device.0;
    f.key.top_sector = offset / SECTOR_SIZE;
    f.key.sectors = len.div_ceil(SECTOR_SIZE);
    f.devname = Text::new(snap.name(device));
    f
}

/// `pmem>p1>dm-0`: the names of `path`.
fn chain(snap: &Snapshot, path: &[DevId]) -> Text<CHAIN> {
    let mut c = Text::<CHAIN>::EMPTY;
    let mut w = FixedBuf::new(&mut c.0);
    for (i, d) in path.iter().enumerate() {
        let sep = if i == 0 { "" } else { ">" };
        let _ = write!(w, "{sep}{}", snap.name(*d));
    }
    c
}

/// The pfns of the bad pages, for the DAX index (see `bad_pfn`); `None`
/// if they cannot be known (one line if that is not just "no pfn").
fn bad_pfns(h: &Disk<'_>, range: BadRange, offset: u64, len: u64) -> Option<(u64, u64)> {
    match page_pfns(h, offset, len) {
        Ok(p) => Some(p),
        // A bad page whose pfn cannot be known: nothing maps it.
        Err(e) if e == code::ENXIO => None,
        Err(e) => {
            pr_warn!(
                "{}: badblocks: sector {}: mapped pages not looked up ({}); files are still found by their extents\n",
                h.name,
                range.sector,
                errno::Name(e)
            );
            None
        }
    }
}

/// Add the finding of `top` to `new` and queue its files for
/// [`super::resolve::resolve_tops`].
fn queue_top(
    new: &mut Findings,
    pmem: Text<NAME>,
    range: BadRange,
    top: &TopHit,
    snap: &Snapshot,
    pfns: Option<(u64, u64)>,
    fresh: bool,
) {
    let mut f = Finding::new(Key::new(pmem, range.sector, Kind::Top));
    f.key.dev = top.dev.0;
    f.key.top_sector = top.offset / SECTOR_SIZE;
    f.key.sectors = top.len.div_ceil(SECTOR_SIZE);
    f.devname = Text::new(snap.name(top.dev));
    f.depth = top.depth;
    f.chain = top.chain;
    new.push(f);
    let mut base = f;
    base.key.kind = Kind::File;
    base.key.sectors = 0;
    let p = Pending {
        base,
        offset: top.offset,
        len: top.len,
        sectors: f.key.sectors,
        pfns,
        fresh,
    };
    if new.pending.push(p, GFP_KERNEL).is_err() {
        new.no_memory("the tops to resolve");
    }
}
