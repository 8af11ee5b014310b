// SPDX-License-Identifier: GPL-2.0

//! The scan: each held disk's badblocks list read under its seqlock,
//! merged, tracked across scans (new and cleared ranges get a line each),
//! translated up the current stack snapshot to the tops it reaches (queued
//! for [`super::resolve`]), and the findings diffed against the previous
//! scan's, one [`super::log`] line per change.

use core::fmt::Write;
use core::ops::ControlFlow;
use core::sync::atomic::Ordering;

use kernel::alloc::KVec;
use kernel::error::{code, code::ENOMEM, Error, Result};
use kernel::prelude::*;

use super::control::SCANS;
use super::finding::{Finding, Findings, Key, Kind, Text, CHAIN, MAX_FINDINGS, NAME};
use super::log::report;
use super::resolve::{page_pfns, resolve_tops, Pending};
use super::schedule::{after_scan, retry, RETRY_MS};
use super::PoisonState;
use crate::errno;
use crate::ffi::badblocks as bb;
use crate::ffi::bdev::BdevFile;
use crate::holder::{Holder, Registry};
use crate::pure::badblocks::{diff_sorted, intersect, normalize, track, BadRange, Change, Tracked};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::notify::Extent;
use crate::pure::stack::{DevId, Hit, MAX_DEPTH_LIMIT, SECTOR_SIZE};
use crate::stack::{self, Snapshot};

/// Tops of the stack one bad range reaches that are resolved.
const MAX_TOPS: usize = 16;

/// Scan every held disk's badblocks list and report what changed. Kept
/// out of line: fault injection aims at its address range
/// (Documentation/testing.rst, "Allocation failures").
#[inline(never)]
pub(super) fn scan(r: &Registry) {
    let mut st = r.poison.lock();
    SCANS.fetch_add(1, Ordering::Relaxed);
    let snap = match stack::current(r) {
        Ok(s) => Some(s),
        Err(e) => {
            // Without the stack no top is found: not a picture to diff.
            drop(st);
            return incomplete(format_args!("cannot read the stack"), e);
        }
    };
    bb::watch_reset();
    let gen = st.gen.saturating_add(1);
    let mut changed = false;
    let mut new = Findings::new();
    let holders = r.holders();
    for h in holders.iter().flatten() {
        let pmem = Text::new(h.name());
        let ranges = BdevFile::open_by_dev(h.devt()).and_then(|disk| {
            if let Err(e) = bb::watch(&disk) {
                if e != code::ENOENT {
                    pr_warn!(
                        "{}: badblocks: changes not watched ({}); polled\n",
                        h.name(),
                        errno::Name(e)
                    );
                }
            }
            bb::read(&disk)
        });
        let mut ranges = match ranges {
            Ok(v) => v,
            Err(e) => {
                // Gone or going: its known poison stays as it was until the
                // disk is let go.
                pr_warn!(
                    "{}: badblocks: cannot read the list ({}); its known poison is kept as it was\n",
                    h.name(),
                    errno::Name(e)
                );
                for f in st.findings.iter().filter(|f| f.key.pmem == pmem) {
                    new.push(*f);
                }
                continue;
            }
        };
        let n = normalize(ranges.as_mut_slice());
        let ranges = ranges.get(..n).unwrap_or(&[]);
        let scanned = disk_scan(
            &st,
            h,
            pmem,
            ranges,
            gen,
            snap.as_deref(),
            &mut new,
            &mut changed,
        );
        if let Err(e) = new.note("a disk's bad ranges", scanned) {
            if e != ENOMEM {
                pr_err!(
                    "{}: badblocks: scan stopped ({}); its known poison is incomplete\n",
                    h.name(),
                    errno::Name(e)
                );
            }
        }
    }
    let resolved = resolve_tops(&mut new);
    if let Err(e) = new.note("the owners", resolved) {
        if e != ENOMEM {
            pr_err!(
                "badblocks: owners not resolved ({}); known poison is incomplete\n",
                errno::Name(e)
            );
        }
    }
    if let Some(what) = new.nomem {
        // Not a picture to diff either: what was not found would be
        // reported cleared, and found again by the next scan.
        drop(st);
        return incomplete(format_args!("no memory for {what}"), ENOMEM);
    }
    if new.full {
        pr_err!("badblocks: more than {MAX_FINDINGS} findings; the rest are left out\n");
    }
    // Not sort_unstable_by_key: core's sort has panic paths (design.rst,
    // "No panics").
    crate::pure::nopanic::sort_by_key(new.list.as_mut_slice(), |a| a.key);
    let held = |p: &Text<NAME>| {
        holders
            .iter()
            .flatten()
            .any(|h| Text::<NAME>::new(h.name()) == *p)
    };
    let mut dropped = 0u64;
    // What became of the bad range of a finding that is gone.
    let fate = |f: &Finding| {
        let Some(old) = bad_range(st.findings.as_slice(), f) else {
            return Fate::Cleared;
        };
        let mut fate = Fate::Cleared;
        for n in new.list.iter() {
            if n.key.kind != Kind::Bad || n.key.pmem != f.key.pmem {
                continue;
            }
            let r = BadRange::new(n.key.sector, n.key.sectors);
            if r == old {
                return Fate::Same;
            }
            if intersect((r.sector, r.sectors), (old.sector, old.sectors)).is_some() {
                fate = Fate::Changed;
            }
        }
        fate
    };
    diff_sorted(
        st.findings.as_slice(),
        new.list.as_slice(),
        |a, b| a.key.cmp(&b.key),
        |c| match c {
            Change::Added(f) => report(f, "damaged", "damaged"),
            Change::Cleared(f) if held(&f.key.pmem) => match fate(f) {
                // The range stays: the file, filesystem or stack changed
                // (deleted, unmounted, rewritten elsewhere).
                Fate::Same => report(
                    f,
                    "no longer found there (file, filesystem or stack changed)",
                    "gone",
                ),
                // The range grew, shrank or merged: the new range's
                // findings have their own lines.
                Fate::Changed => {}
                Fate::Cleared => report(f, "cleared", "cleared"),
            },
            Change::Cleared(_) => dropped = dropped.saturating_add(1),
            Change::Kept(..) => {}
        },
    );
    if dropped > 0 {
        pr_info!(
            "badblocks: {dropped} known-poison entries of disks no longer held are forgotten\n"
        );
    }
    if changed {
        st.gen = gen;
    }
    let poisoned = new.list.iter().any(|f| f.key.kind == Kind::Bad);
    st.findings = new.list;
    drop(st);
    after_scan(r, snap.as_ref(), poisoned);
}

/// A scan that could not see everything (`why`, `e`): the known poison
/// stays as the last complete scan left it, one line says so, and the scan
/// runs again a little later. (A range that this scan saw come or go is
/// reported again by that one.)
fn incomplete(why: core::fmt::Arguments<'_>, e: Error) {
    pr_err!(
        "badblocks: {why} ({}); known poison kept as it was, scanning again in {} s\n",
        errno::Name(e),
        RETRY_MS / 1000
    );
    retry();
}

/// What became of a gone finding's bad range in the new scan.
enum Fate {
    /// Still there, unchanged.
    Same,
    /// Overlapped by a different range (grown, shrunk, merged).
    Changed,
    /// Gone.
    Cleared,
}

/// The bad range (in `list`, sorted) that finding `f` belongs to.
fn bad_range(list: &[Finding], f: &Finding) -> Option<BadRange> {
    list.iter()
        .find(|b| {
            b.key.kind == Kind::Bad && b.key.pmem == f.key.pmem && b.key.sector == f.key.sector
        })
        .map(|b| BadRange::new(b.key.sector, b.key.sectors))
}

/// One top of the stack a bad range reaches.
#[derive(Clone, Copy)]
struct TopHit {
    dev: DevId,
    depth: u32,
    offset: u64,
    len: u64,
    chain: Text<CHAIN>,
}

/// Scan one held disk's (normalized) `ranges` into `new`.
#[allow(clippy::too_many_arguments)]
fn disk_scan(
    st: &PoisonState,
    h: &Holder,
    pmem: Text<NAME>,
    ranges: &[BadRange],
    gen: u64,
    snap: Option<&Snapshot>,
    new: &mut Findings,
    changed: &mut bool,
) -> Result {
    let mut old = KVec::new();
    for f in st
        .findings
        .iter()
        .filter(|f| f.key.pmem == pmem && f.key.kind == Kind::Bad)
    {
        old.push(
            Tracked {
                range: BadRange::new(f.key.sector, f.key.sectors),
                since: f.since,
            },
            GFP_KERNEL,
        )?;
    }
    let mut tracked = KVec::from_elem(Tracked::default(), ranges.len(), GFP_KERNEL)?;
    let name = h.name();
    let n = track(
        old.as_slice(),
        ranges,
        gen,
        tracked.as_mut_slice(),
        |c| match c {
            Change::Added(b) => {
                *changed = true;
                pr_warn!(
                    "{name}: badblocks: sector {} sectors {}: new\n",
                    b.sector,
                    b.sectors
                );
                super::log::trace_badblocks(name, b.sector, b.sectors, "new");
            }
            Change::Cleared(b) => {
                *changed = true;
                pr_info!(
                    "{name}: badblocks: sector {} sectors {}: cleared\n",
                    b.sector,
                    b.sectors
                );
                super::log::trace_badblocks(name, b.sector, b.sectors, "cleared");
            }
            Change::Kept(..) => {}
        },
    );
    for t in tracked.iter().take(n) {
        let mut f = Finding::new(Key::new(pmem, t.range.sector, Kind::Bad));
        f.key.sectors = t.range.sectors;
        f.since = t.since;
        new.push(f);
        let fresh = t.since == gen;
        if let Some(snap) = snap {
            resolve(h, pmem, t.range, fresh, snap, new)?;
        }
    }
    Ok(())
}

/// Translate one bad range up the stack and queue each top for
/// [`resolve_tops`].
fn resolve(
    h: &Holder,
    pmem: Text<NAME>,
    range: BadRange,
    fresh: bool,
    snap: &Snapshot,
    new: &mut Findings,
) -> Result {
    let offset = range.sector.checked_mul(SECTOR_SIZE).ok_or(code::ERANGE)?;
    let len = range.sectors.checked_mul(SECTOR_SIZE).ok_or(code::ERANGE)?;
    let end = offset.checked_add(len).ok_or(code::ERANGE)?;
    let mut path = [DevId(0); MAX_DEPTH_LIMIT as usize + 1];
    if let Some(p) = path.first_mut() {
        *p = DevId(h.devt());
    }
    let mut tops = [None::<TopHit>; MAX_TOPS];
    let mut nr_tops = 0usize;
    let mut lost_tops = false;
    let chain = |path: &[DevId], depth: u32| {
        let mut c = Text::<CHAIN>::EMPTY;
        let mut w = FixedBuf::new(&mut c.0);
        for (i, d) in path.iter().take(depth as usize + 1).enumerate() {
            let sep = if i == 0 { "" } else { ">" };
            let _ = write!(w, "{sep}{}", snap.name(*d));
        }
        c
    };
    let walked = snap
        .stack()
        .translate(DevId(h.devt()), Extent::Range { offset, end }, |hit| {
            match hit {
                Hit::Mapped { device, depth, .. } => {
                    if let Some(p) = path.get_mut(depth as usize) {
                        *p = device;
                    }
                }
                Hit::Top {
                    device,
                    depth,
                    offset,
                    len,
                } => {
                    if let Some(p) = path.get_mut(depth as usize) {
                        *p = device;
                    }
                    if let Some(slot) = tops.get_mut(nr_tops) {
                        *slot = Some(TopHit {
                            dev: device,
                            depth,
                            offset,
                            len,
                            chain: chain(&path, depth),
                        });
                        // Below tops.len(): cannot saturate.
                        nr_tops = nr_tops.saturating_add(1);
                    } else {
                        lost_tops = true;
                    }
                }
                Hit::Unmapped {
                    device,
                    depth: _,
                    offset,
                    len,
                } => {
                    let mut f = Finding::new(Key::new(pmem, range.sector, Kind::Unmapped));
                    f.key.dev = device.0;
                    f.key.top_sector = offset / SECTOR_SIZE;
                    f.key.sectors = len.div_ceil(SECTOR_SIZE);
                    f.devname = Text::new(snap.name(device));
                    new.push(f);
                }
                Hit::Whole { .. } => {}
            }
            ControlFlow::Continue(())
        });
    if let Err(e) = walked {
        pr_err!(
            "{}: badblocks: sector {} sectors {}: cannot translate ({e:?})\n",
            h.name(),
            range.sector,
            range.sectors
        );
        return Ok(());
    }
    if lost_tops {
        pr_err!(
            "{}: badblocks: sector {}: reaches more than {MAX_TOPS} tops; the rest are left out\n",
            h.name(),
            range.sector
        );
    }
    // The pfns of the bad pages, for the DAX index (see `bad_pfn`).
    let pfns = match page_pfns(h, offset, len) {
        Ok(p) => Some(p),
        // A bad page whose pfn cannot be known: nothing maps it.
        Err(e) if e == code::ENXIO => None,
        Err(e) => {
            pr_warn!(
                "{}: badblocks: sector {}: mapped pages not looked up ({}); files are still found by their extents\n",
                h.name(),
                range.sector,
                errno::Name(e)
            );
            None
        }
    };
    for top in tops.iter().flatten() {
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
    Ok(())
}
