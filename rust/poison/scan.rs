// SPDX-License-Identifier: GPL-2.0

//! The scan: each held disk's badblocks list read under its seqlock,
//! merged, tracked across scans (new and cleared ranges get a line each),
//! translated up the current stack snapshot ([`super::tops`]: the tops it
//! reaches, queued for [`super::resolve`]), and the findings diffed against the previous
//! scan's, one [`super::log`] line per change.

use core::sync::atomic::Ordering;

use kernel::alloc::KVec;
use kernel::error::{code, code::ENOMEM, Error, Result};
use kernel::prelude::*;
use kernel::sync::Mutex;

use super::control::SCANS;
use super::finding::{Finding, Findings, Key, Kind, Text, MAX_FINDINGS, NAME};
use super::log::report;
use super::resolve::resolve_tops;
use super::schedule::{after_scan, retry, RETRY_MS};
use super::{Current, PoisonState};
use crate::abstractions::block::BdevFile;
use crate::errno;
use crate::owners::Disk;
use crate::poison::ffi as bb;
use crate::pure::badblocks::{diff_sorted, intersect, normalize, track, BadRange, Change, Tracked};
use crate::topology::Snapshot;

/// Scan every held disk's badblocks list and report what changed. Kept
/// out of line: fault injection aims at its address range
/// (Documentation/testing.rst, "Allocation failures").
#[inline(never)]
pub(crate) fn scan(state: &Mutex<PoisonState>, holders: &[Option<Disk<'_>>], current: Current<'_>) {
    let mut st = state.lock();
    SCANS.fetch_add(1, Ordering::Relaxed);
    let snap = match current() {
        Ok(s) => Some(s),
        Err(e) => {
            // Without the stack no top is found: not a picture to diff.
            drop(st);
            return incomplete(format_args!("cannot read the stack"), e);
        }
    };
    bb::watch_begin();
    let gen = st.gen.saturating_add(1);
    let mut changed = false;
    let mut new = Findings::new();
    for h in holders.iter().flatten() {
        scan_holder(&st, h, gen, snap.as_deref(), &mut new, &mut changed);
    }
    bb::watch_end();
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
    report_changes(st.findings.as_slice(), new.list.as_slice(), holders);
    if changed {
        st.gen = gen;
    }
    let poisoned = new.list.iter().any(|f| f.key.kind == Kind::Bad);
    st.findings = new.list;
    drop(st);
    after_scan(current, snap.as_ref(), poisoned);
}

/// Scan holder `h`'s disk into `new`: its badblocks list (watched for
/// changes from now on), or, if it cannot be read, its findings of the
/// last scan (`st`) as they were. Out of line, as [`report_changes`] and
/// `resolve_tops`: its 9 KiB of tops and findings must not stay on the
/// stack while `resolve_tops` walks into the filesystem (FIEMAP).
#[inline(never)]
fn scan_holder(
    st: &PoisonState,
    h: &Disk<'_>,
    gen: u64,
    snap: Option<&Snapshot>,
    new: &mut Findings,
    changed: &mut bool,
) {
    let pmem = Text::new(h.name);
    let mut ranges = match read_list(h) {
        Ok(v) => v,
        Err(e) => {
            // Gone or going: its known poison stays as it was until the
            // disk is let go.
            pr_warn!(
                "{}: badblocks: cannot read the list ({}); its known poison is kept as it was\n",
                h.name,
                errno::Name(e)
            );
            for f in st.findings.iter().filter(|f| f.key.pmem == pmem) {
                new.push(*f);
            }
            return;
        }
    };
    let n = normalize(ranges.as_mut_slice());
    let ranges = ranges.get(..n).unwrap_or(&[]);
    let scanned = disk_scan(st, h, pmem, ranges, gen, snap, new, changed);
    if let Err(e) = new.note("a disk's bad ranges", scanned) {
        if e != ENOMEM {
            pr_err!(
                "{}: badblocks: scan stopped ({}); its known poison is incomplete\n",
                h.name,
                errno::Name(e)
            );
        }
    }
}

/// The badblocks list of holder `h`'s disk, whose changes are watched
/// from now on (or polled, with one line, if they cannot be).
fn read_list(h: &Disk<'_>) -> Result<KVec<BadRange>> {
    let disk = BdevFile::open_by_dev(h.devt)?;
    match bb::watch(&disk) {
        Ok(None) => {}
        Ok(Some(e)) => pr_warn!(
            "{}: cannot watch /sys/dev/block/{}:{}/badblocks ({}): its badblocks changes are polled every 5 s\n",
            h.name,
            h.devt >> 20,
            h.devt & 0xfffff,
            errno::Name(e)
        ),
        Err(e) if e == code::ENOENT => {}
        Err(e) => pr_warn!(
            "{}: badblocks: changes not watched ({}); polled\n",
            h.name,
            errno::Name(e)
        ),
    }
    bb::read(&disk)
}

/// One line per change between the last scan's findings (`old`) and this
/// one's (`new`, both sorted), for the disks still held; the findings of
/// disks no longer held are forgotten with one line for all.
#[inline(never)]
fn report_changes(old: &[Finding], new: &[Finding], holders: &[Option<Disk<'_>>]) {
    let held = |p: &Text<NAME>| {
        holders
            .iter()
            .flatten()
            .any(|h| Text::<NAME>::new(h.name) == *p)
    };
    let mut dropped = 0u64;
    diff_sorted(
        old,
        new,
        |a, b| a.key.cmp(&b.key),
        |c| match c {
            Change::Added(f) => report(f, "damaged", "damaged"),
            Change::Cleared(f) if held(&f.key.pmem) => match fate(old, new, f) {
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
}

/// What became, in the findings `new`, of the bad range that the gone
/// finding `f` of `old` belonged to.
fn fate(old: &[Finding], new: &[Finding], f: &Finding) -> Fate {
    let Some(range) = bad_range(old, f) else {
        return Fate::Cleared;
    };
    let mut fate = Fate::Cleared;
    for n in new {
        if n.key.kind != Kind::Bad || n.key.pmem != f.key.pmem {
            continue;
        }
        let r = BadRange::new(n.key.sector, n.key.sectors);
        if r == range {
            return Fate::Same;
        }
        if intersect((r.sector, r.sectors), (range.sector, range.sectors)).is_some() {
            fate = Fate::Changed;
        }
    }
    fate
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

/// Scan one held disk's (normalized) `ranges` into `new`.
#[allow(clippy::too_many_arguments)]
fn disk_scan(
    st: &PoisonState,
    h: &Disk<'_>,
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
    let n = track(old.as_slice(), ranges, gen, tracked.as_mut_slice(), |c| {
        *changed |= range_changed(h.name, c);
    });
    for t in tracked.iter().take(n) {
        let mut f = Finding::new(Key::new(pmem, t.range.sector, Kind::Bad));
        f.key.sectors = t.range.sectors;
        f.since = t.since;
        new.push(f);
        let fresh = t.since == gen;
        if let Some(snap) = snap {
            super::tops::resolve(h, pmem, t.range, fresh, snap, new)?;
        }
    }
    Ok(())
}

/// One line and one trace event for a bad range of disk `name` that came
/// or went; whether it did.
fn range_changed(name: &str, c: Change<'_, BadRange>) -> bool {
    let (b, what) = match c {
        Change::Added(b) => (b, "new"),
        Change::Cleared(b) => (b, "cleared"),
        Change::Kept(..) => return false,
    };
    if what == "new" {
        pr_warn!(
            "{name}: badblocks: sector {} sectors {}: new\n",
            b.sector,
            b.sectors
        );
    } else {
        pr_info!(
            "{name}: badblocks: sector {} sectors {}: cleared\n",
            b.sector,
            b.sectors
        );
    }
    super::log::trace_badblocks(name, b.sector, b.sectors, what);
    true
}
