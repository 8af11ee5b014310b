// SPDX-License-Identifier: GPL-2.0

//! Known poison: the badblocks lists of the held pmem disks, translated up
//! the stack and resolved to what they damage (Documentation/design.rst,
//! "Known poison").
//!
//! A scan (the glue's work item, process context, never the failure path)
//! runs when a held disk's list changes (the badblocks_set/clear probes),
//! when a disk is attached or let go, when the stack changes, when the
//! policy file is written, and every [`REFRESH_MS`] while there is known
//! poison (files come into memory, filesystems are mounted). It reads each
//! held disk's list under its seqlock, merges touching entries, translates
//! each bad range up the current stack snapshot, and for each top of the
//! stack finds:
//!
//! - files that map the damaged pages, in the DAX index (the reverse map's
//!   own query), signalled (early-kill tasks only, `BUS_MCEERR_AO`) under
//!   the `kill` policy when the range is first seen;
//! - in-core DAX files whose extents (FIEMAP) lie on the damaged bytes,
//!   whether or not anyone maps them (a DAX fault over a bad block fails,
//!   so most damaged files are not mapped);
//! - ext4/ext2 static metadata on them (`crate::metadata`);
//! - otherwise: nothing known owns them (`unowned`).
//!
//! The results are kept sorted as one list of findings, diffed against the
//! previous scan's ([`diff_sorted`]): each new damaged file, metadata or
//! unowned range gets one dmesg line, each one gone a `cleared` line; the
//! list is what `/proc/fs/daxhold/poison` shows.

use core::fmt::{self, Write};
use core::ops::ControlFlow;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::alloc::KVec;
use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::Arc;

use crate::errno;
use crate::ffi::badblocks as bb;
use crate::ffi::bdev::BdevFile;
use crate::ffi::index::{self, PAGE_SHIFT};
use crate::holder::{self, Holder, Registry};
use crate::owners::Piece;
use crate::pure::badblocks::{
    diff_sorted, file_hit, intersect, normalize, track, BadRange, BadblocksPolicy, Change, Tracked,
};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::notify::Extent;
use crate::pure::stack::{DevId, Hit, MAX_DEPTH_LIMIT, SECTOR_SIZE};
use crate::stack::{self, Snapshot};

/// Rescan this often while there is known poison (ms).
const REFRESH_MS: u32 = 30_000;
/// Poll this often when the change probes are missing (ms).
const POLL_MS: u32 = 5_000;
/// Most findings kept; past it the rest of a scan is left out (one line).
const MAX_FINDINGS: usize = 8192;
/// Tops of the stack one bad range reaches that are resolved.
const MAX_TOPS: usize = 16;

const NAME: usize = 32;
const CHAIN: usize = 96;
const WHAT: usize = 48;
const FS: usize = 8;

/// Short text in a fixed array, ordered bytewise.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Text<const N: usize>([u8; N]);

impl<const N: usize> Text<N> {
    const EMPTY: Self = Text([0; N]);

    fn new(s: &str) -> Self {
        let mut t = Self::EMPTY;
        let _ = FixedBuf::new(&mut t.0).write_str(s);
        t
    }

    /// `v` formatted, spaces made underscores (a `key=value` value).
    fn word(v: impl fmt::Display) -> Self {
        let mut t = Self::EMPTY;
        let _ = write!(FixedBuf::new(&mut t.0), "{v}");
        for b in t.0.iter_mut().filter(|b| **b == b' ') {
            *b = b'_';
        }
        t
    }

    fn as_str(&self) -> &str {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        self.0
            .get(..end)
            .and_then(|s| core::str::from_utf8(s).ok())
            .unwrap_or("?")
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is, in the order the poison file lists them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Bad,
    Top,
    File,
    Metadata,
    Unowned,
    Unmapped,
}

/// What identifies a finding across scans (see [`Finding`] for the
/// fields each kind uses).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    pmem: Text<NAME>,
    /// First sector of the bad range on the pmem.
    sector: u64,
    kind: Kind,
    /// Top: its dev_t; file, metadata, unowned: the filesystem's; unmapped:
    /// the device with the unused bytes.
    dev: u32,
    /// Top, unowned, unmapped: first sector on `dev`.
    top_sector: u64,
    /// Bad: the range's sectors; top, unowned, unmapped: sectors on `dev`.
    sectors: u64,
    ino: u64,
    /// File: bytes of the file.
    offset: u64,
    len: u64,
    what: Text<WHAT>,
}

impl Key {
    fn new(pmem: Text<NAME>, sector: u64, kind: Kind) -> Self {
        Key {
            pmem,
            sector,
            kind,
            dev: 0,
            top_sector: 0,
            sectors: 0,
            ino: 0,
            offset: 0,
            len: 0,
            what: Text::EMPTY,
        }
    }
}

/// One line of the poison file.
#[derive(Clone, Copy)]
struct Finding {
    key: Key,
    /// The device `key.dev` names (top, unmapped) or the top the
    /// filesystem sits on.
    devname: Text<NAME>,
    /// `pmem0>pmem0p1>dm-0`: the way up to the top.
    chain: Text<CHAIN>,
    fs: Text<FS>,
    depth: u32,
    /// File: some process maps a damaged page.
    mapped: bool,
    /// Bad: the generation that first saw it.
    since: u64,
}

impl Finding {
    fn new(key: Key) -> Self {
        Finding {
            key,
            devname: Text::EMPTY,
            chain: Text::EMPTY,
            fs: Text::EMPTY,
            depth: 0,
            mapped: false,
            since: 0,
        }
    }
}

/// The known poison, as the last scan left it.
pub(crate) struct PoisonState {
    /// Badblocks-change generation: scans that saw a range come or go.
    gen: u64,
    /// Sorted by key.
    findings: KVec<Finding>,
}

impl PoisonState {
    /// Nothing known yet.
    pub(crate) fn new() -> Self {
        PoisonState {
            gen: 0,
            findings: KVec::new(),
        }
    }
}

static KILL: AtomicBool = AtomicBool::new(false);
static SCANS: AtomicU64 = AtomicU64::new(0);
static SIGNALLED: AtomicU64 = AtomicU64::new(0);
static SIGNAL_ERRORS: AtomicU64 = AtomicU64::new(0);
static REPORTED: AtomicU64 = AtomicU64::new(0);

fn policy() -> BadblocksPolicy {
    if KILL.load(Ordering::Relaxed) {
        BadblocksPolicy::Kill
    } else {
        BadblocksPolicy::Report
    }
}

/// Write to `badblocks`: `report` or `kill`; scans again at once.
pub(crate) fn policy_store(input: &[u8]) -> kernel::ffi::c_int {
    let Some(p) = BadblocksPolicy::parse(input) else {
        pr_err!("badblocks: unknown policy (report or kill)\n");
        return code::EINVAL.to_errno();
    };
    KILL.store(p == BadblocksPolicy::Kill, Ordering::Relaxed);
    pr_info!("badblocks: {}\n", p.name());
    bb::kick(0);
    0
}

/// Read of `badblocks`.
pub(crate) fn policy_show(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    let _ = writeln!(buf, "{}", policy().name());
    buf.len()
}

/// Scan soon (attach, detach, a stack change); any context.
pub(crate) fn kick() {
    bb::kick(bb::SETTLE_MS);
}

/// The scan work.
pub(crate) fn scan_work() {
    holder::with_registry(scan);
}

/// Counters for the `index` file: ` bb_scans=.. bb_ranges=.. ...`.
pub(crate) fn counters(r: &Registry, out: &mut impl Write) -> fmt::Result {
    let (mut ranges, mut files) = (0u64, 0u64);
    for f in r.poison.lock().findings.iter() {
        match f.key.kind {
            // Counters: saturating, no overflow-checked `+` (a panic path;
            // design.rst, "No panics").
            Kind::Bad => ranges = ranges.saturating_add(1),
            Kind::File => files = files.saturating_add(1),
            _ => {}
        }
    }
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    write!(
        out,
        " bb_scans={} bb_ranges={ranges} bb_files={files} bb_reported={} bb_signalled={} bb_signal_errors={} bb_policy={}",
        get(&SCANS),
        get(&REPORTED),
        get(&SIGNALLED),
        get(&SIGNAL_ERRORS),
        policy().name()
    )
}

/// Scan every held disk's badblocks list and report what changed.
fn scan(r: &Registry) {
    let mut st = r.poison.lock();
    SCANS.fetch_add(1, Ordering::Relaxed);
    bb::watch_reset();
    let snap = match stack::current(r) {
        Ok(s) => Some(s),
        Err(e) => {
            pr_err!(
                "badblocks: cannot read the stack ({}); ranges not translated this time\n",
                errno::Name(e)
            );
            None
        }
    };
    let gen = st.gen.saturating_add(1);
    let mut changed = false;
    let mut new = Findings {
        list: KVec::new(),
        pending: KVec::new(),
        full: false,
    };
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
        if let Err(e) = disk_scan(
            &st,
            h,
            pmem,
            ranges,
            gen,
            snap.as_deref(),
            &mut new,
            &mut changed,
        ) {
            pr_err!(
                "{}: badblocks: scan stopped ({}); its known poison is incomplete\n",
                h.name(),
                errno::Name(e)
            );
        }
    }
    if let Err(e) = resolve_tops(r, &mut new) {
        pr_err!(
            "badblocks: owners not resolved ({}); known poison is incomplete\n",
            errno::Name(e)
        );
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
            Change::Added(f) => report(f, "damaged"),
            Change::Cleared(f) if held(&f.key.pmem) => match fate(f) {
                // The range stays: the file, filesystem or stack changed
                // (deleted, unmounted, rewritten elsewhere).
                Fate::Same => report(
                    f,
                    "no longer found there (file, filesystem or stack changed)",
                ),
                // The range grew, shrank or merged: the new range's
                // findings have their own lines.
                Fate::Changed => {}
                Fate::Cleared => report(f, "cleared"),
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
    // The stack moved under the scan: once more, against the new one.
    let moved = match (&snap, stack::current(r)) {
        (Some(a), Ok(b)) => !Arc::ptr_eq(a, &b),
        _ => false,
    };
    if moved {
        pr_info!("badblocks: the stack changed during the scan; scanning again\n");
        bb::kick(bb::SETTLE_MS);
    } else if !bb::has_probes() {
        bb::refresh(POLL_MS);
    } else if poisoned {
        bb::refresh(REFRESH_MS);
    }
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

/// The findings of one scan.
struct Findings {
    list: KVec<Finding>,
    /// Tops still to resolve, all at once per filesystem ([`resolve_tops`]).
    pending: KVec<Pending>,
    full: bool,
}

impl Findings {
    fn push(&mut self, f: Finding) {
        if self.list.len() >= MAX_FINDINGS || self.list.push(f, GFP_KERNEL).is_err() {
            self.full = true;
        }
    }

    /// Add a damaged piece of file `ino`, merged into the last finding if
    /// it continues it.
    fn push_file(&mut self, f: Finding) {
        if let Some(last) = self.list.as_mut_slice().last_mut() {
            let k = &mut last.key;
            if k.kind == Kind::File
                && k.pmem == f.key.pmem
                && k.sector == f.key.sector
                && k.dev == f.key.dev
                && k.ino == f.key.ino
                && k.offset.checked_add(k.len) == Some(f.key.offset)
            {
                k.len = k.len.saturating_add(f.key.len);
                last.mapped |= f.mapped;
                return;
            }
        }
        self.push(f);
    }
}

/// One dmesg line for a finding that appeared or went away.
fn report(f: &Finding, state: &str) {
    let k = &f.key;
    let (major, minor) = (k.dev >> 20, k.dev & 0xfffff);
    match k.kind {
        Kind::Bad | Kind::Top | Kind::Unmapped => return,
        Kind::File => pr_warn!(
            "{}: known poison: sector {} -> {} sector {}: {} dev {major}:{minor} ino {} offset {:#x} len {:#x}{}: {state}\n",
            k.pmem,
            k.sector,
            f.chain,
            k.top_sector,
            f.fs,
            k.ino,
            k.offset,
            k.len,
            if f.mapped { " (mapped)" } else { "" },
        ),
        Kind::Metadata => pr_warn!(
            "{}: known poison: sector {} -> {} sector {}: {} dev {major}:{minor} metadata {}: {state}\n",
            k.pmem,
            k.sector,
            f.chain,
            k.top_sector,
            f.fs,
            k.what,
        ),
        Kind::Unowned => pr_warn!(
            "{}: known poison: sector {} -> {} sector {} sectors {}: {} dev {major}:{minor}: no known owner (free space, or a file not in memory): {state}\n",
            k.pmem,
            k.sector,
            f.chain,
            k.top_sector,
            k.sectors,
            f.fs,
        ),
    }
    REPORTED.fetch_add(1, Ordering::Relaxed);
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
            }
            Change::Cleared(b) => {
                *changed = true;
                pr_info!(
                    "{name}: badblocks: sector {} sectors {}: cleared\n",
                    b.sector,
                    b.sectors
                );
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
            new.full = true;
        }
    }
    Ok(())
}

/// A top of the stack to resolve: `len` damaged bytes of device
/// `base.key.dev` from `offset`.
struct Pending {
    /// The records its owners get (kind, fs, ino, offset, len set later).
    base: Finding,
    offset: u64,
    len: u64,
    /// Sectors on the top device (for `unowned`).
    sectors: u64,
    /// The bad pages' pfns `[lo, hi]` on the pmem, if known.
    pfns: Option<(u64, u64)>,
    /// Its bad range is new in this scan (`kill` acts on those only).
    fresh: bool,
}

/// The pfns `[lo, hi]` of the pages holding pmem bytes `[offset, offset +
/// len)`.
fn page_pfns(h: &Holder, offset: u64, len: u64) -> Result<(u64, u64)> {
    let first = offset >> PAGE_SHIFT;
    let pages = offset
        .checked_add(len)
        .ok_or(code::ERANGE)?
        .div_ceil(1 << PAGE_SHIFT)
        .saturating_sub(first);
    if pages == 0 {
        return Err(code::EINVAL);
    }
    let lo = bad_pfn(h, first, pages)?;
    let hi = lo.checked_add(pages - 1).ok_or(code::ERANGE)?;
    Ok((lo, hi))
}

/// Resolve every pending top, one filesystem at a time: the DAX index for
/// mapped pages, one walk of the filesystem's in-core DAX files (FIEMAP)
/// for all its damaged pieces together, ext4/ext2 metadata, or nobody.
fn resolve_tops(r: &Registry, new: &mut Findings) -> Result {
    let mut pending = core::mem::take(&mut new.pending);
    crate::pure::nopanic::sort_by_key(pending.as_mut_slice(), |p| (p.base.key.dev, p.offset));
    let mut rest = pending.as_slice();
    while let Some(first) = rest.first() {
        let dev = first.base.key.dev;
        let n = rest
            .iter()
            .position(|p| p.base.key.dev != dev)
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(n);
        rest = tail;
        resolve_dev(r, DevId(dev), group, new)?;
    }
    Ok(())
}

/// Resolve the pending tops `group` (sorted by offset, disjoint) of `dev`.
fn resolve_dev(r: &Registry, dev: DevId, group: &[Pending], new: &mut Findings) -> Result {
    // (a) Mapped pages, from the DAX index, as the failure path asks it:
    // the index lock before the superblock walk, as there.
    let mut mapped: KVec<(usize, MappedPages)> = KVec::new();
    for (i, p) in group.iter().enumerate() {
        let Some((lo, hi)) = p.pfns else { continue };
        let kill = p.fresh && policy() == BadblocksPolicy::Kill;
        match mapped_pages(r, p.base.key.pmem, lo, hi, kill, dev) {
            Ok(m) => {
                for m in m.iter() {
                    mapped.push((i, *m), GFP_KERNEL)?;
                }
            }
            Err(e) => pr_warn!(
                "{}: badblocks: sector {}: mapped pages not looked up ({}); files are still found by their extents\n",
                p.base.key.pmem,
                p.base.key.sector,
                errno::Name(e)
            ),
        }
    }
    let is_mapped = |i: usize, ino: u64, offset: u64, len: u64| {
        mapped.iter().any(|(j, m)| {
            *j == i
                && m.ino == ino
                && intersect(
                    (m.pgoff << PAGE_SHIFT, m.count << PAGE_SHIFT),
                    (offset, len),
                )
                .is_some()
        })
    };
    // (b) In-core files whose extents lie on any of the damaged pieces:
    // one walk of the filesystem.
    let mut owned = KVec::from_elem(false, group.len(), GFP_KERNEL)?;
    let mut fs = Text::<FS>::new("none");
    let before = new.list.len();
    index::for_each_sb(|sb| {
        if sb.dev != dev.0 {
            return Ok(());
        }
        fs = Text::new(sb.fs);
        bb::for_each_dax_file(sb, |file| {
            let ino = file.ino();
            file.for_each_extent(|ext| {
                let end = ext.physical.saturating_add(ext.len);
                // The first piece that ends after the extent starts.
                let from = group.partition_point(|p| p.offset.saturating_add(p.len) <= ext.physical);
                // Indices by hand: `enumerate()` counts with a checked add.
                let mut i = from;
                while let Some(p) = group.get(i) {
                    if p.offset >= end {
                        break;
                    }
                    let here = i;
                    i = i.saturating_add(1);
                    if let Some((offset, len)) = file_hit(ext, (p.offset, p.len)) {
                        let mut f = p.base;
                        f.fs = fs;
                        f.key.ino = ino;
                        f.key.offset = offset;
                        f.key.len = len;
                        f.mapped = is_mapped(here, ino, offset, len);
                        new.push_file(f);
                        if let Some(o) = owned.get_mut(here) {
                            *o = true;
                        }
                    }
                }
                Ok(())
            })
        })
        .or_else(|e| {
            // A filesystem without ->fiemap (or no fiemap probe): only
            // mapped files are found.
            if e == crate::errno::eopnotsupp() {
                pr_warn!(
                    "badblocks: the {} filesystem on {}:{} cannot list its files' extents; only mapped files are found\n",
                    sb.fs,
                    dev.0 >> 20,
                    dev.0 & 0xfffff
                );
                Ok(())
            } else {
                Err(e)
            }
        })?;
        // (c) Metadata, and mapped pages of files FIEMAP did not name.
        for (i, p) in group.iter().enumerate() {
            for (_, m) in mapped.iter().filter(|(j, _)| *j == i) {
                let named = new.list.get(before..).unwrap_or(&[]).iter().any(|f| {
                    f.key.kind == Kind::File
                        && f.key.ino == m.ino
                        && f.key.pmem == p.base.key.pmem
                        && f.key.sector == p.base.key.sector
                });
                if !named {
                    let mut f = p.base;
                    f.fs = fs;
                    f.key.ino = m.ino;
                    f.key.offset = m.pgoff << PAGE_SHIFT;
                    f.key.len = m.count << PAGE_SHIFT;
                    f.mapped = true;
                    new.push(f);
                    if let Some(o) = owned.get_mut(i) {
                        *o = true;
                    }
                }
            }
            if !matches!(sb.fs, "ext4" | "ext2") {
                continue;
            }
            let piece = Piece {
                dev,
                offset: p.offset,
                len: p.len,
            };
            match crate::metadata::find(sb, &piece) {
                Ok(Some(meta)) => {
                    let mut f = p.base;
                    f.fs = fs;
                    f.key.kind = Kind::Metadata;
                    f.key.what = Text::word(meta.what);
                    new.push(f);
                    if let Some(o) = owned.get_mut(i) {
                        *o = true;
                    }
                }
                Ok(None) => {}
                Err(e) => pr_warn!(
                    "{}: badblocks: cannot read the layout of {} ({}); metadata not checked\n",
                    p.base.key.pmem,
                    p.base.devname,
                    errno::Name(e)
                ),
            }
        }
        Ok(())
    })?;
    // Nobody: free space, a file not in memory, or no filesystem at all.
    for (p, _) in group.iter().zip(owned.iter()).filter(|(_, o)| !**o) {
        let mut f = p.base;
        f.fs = fs;
        f.key.kind = Kind::Unowned;
        f.key.sectors = p.sectors;
        new.push(f);
    }
    Ok(())
}

/// Pages of a file that some process maps over the bad range.
#[derive(Clone, Copy)]
struct MappedPages {
    ino: u64,
    pgoff: u64,
    count: u64,
}

/// The pages of files on `dev` that processes map over the bad pfns
/// `[lo, hi]` of the pmem `pmem`, from the DAX index (which starts
/// watching the filesystem on `dev`, as a failure there would make it).
/// With `kill` (the `kill` policy, a range seen for the first time), the
/// early-kill tasks mapping them are signalled (`BUS_MCEERR_AO`).
fn mapped_pages(
    r: &Registry,
    pmem: Text<NAME>,
    lo: u64,
    hi: u64,
    kill: bool,
    dev: DevId,
) -> Result<KVec<MappedPages>> {
    let mut out = KVec::new();
    let mut idx = r.owners.index.lock();
    if !index::is_watched(dev.0) {
        index::for_each_sb(|sb| {
            if sb.dev == dev.0 {
                idx.watch(sb)
            } else {
                Ok(())
            }
        })?;
    }
    idx.sync()?;
    let mut err = None;
    idx.owners(lo, hi, |inode, o| {
        if inode.dev() != dev.0 {
            return ControlFlow::Continue(());
        }
        let m = MappedPages {
            ino: inode.ino(),
            pgoff: o.pgoff,
            count: o.count,
        };
        if let Err(e) = out.push(m, GFP_KERNEL) {
            err = Some(e);
            return ControlFlow::Break(());
        }
        if kill {
            // Action optional: no MF_ACTION_REQUIRED, so only tasks that
            // asked for early kill are signalled, as memory_failure() does
            // for an error found by a scrub.
            let rc = inode.kill_procs(o.pgoff, o.count, 0);
            SIGNALLED.fetch_add(1, Ordering::Relaxed);
            if rc != 0 {
                SIGNAL_ERRORS.fetch_add(1, Ordering::Relaxed);
            }
            pr_warn!(
                "{}: badblocks: dev {}:{} ino {} pgoff {} pages {}: early-kill mappers signalled ({})\n",
                pmem,
                dev.0 >> 20,
                dev.0 & 0xfffff,
                m.ino,
                m.pgoff,
                m.count,
                rc
            );
        }
        ControlFlow::Continue(())
    })?;
    drop(idx);
    match err {
        Some(e) => Err(e.into()),
        None => Ok(out),
    }
}

/// The pfn of page `first` of `h`'s disk, the first of `pages` bad ones.
/// The pmem driver refuses direct access to a bad page (`-EHWPOISON`, or
/// `-EIO` under nfit_test), so its pfn is taken from the good pages on
/// both sides, when they are exactly `pages + 1` apart (a linear range, as
/// a real pmem's data area is; nfit_test's vmalloc-backed one is not, and
/// then `ENXIO`: nothing can map a bad page there anyway).
fn bad_pfn(h: &Holder, first: u64, pages: u64) -> Result<u64> {
    if let Ok(pfn) = index::dax_pfn(h.dax(), first) {
        return Ok(pfn);
    }
    let before = first.checked_sub(1).ok_or(code::ENXIO)?;
    let after = first.checked_add(pages).ok_or(code::ENXIO)?;
    let p = index::dax_pfn(h.dax(), before)?;
    let q = index::dax_pfn(h.dax(), after)?;
    match q.checked_sub(p) {
        Some(d) if d == pages.saturating_add(1) => p.checked_add(1).ok_or(code::ERANGE),
        _ => Err(code::ENXIO),
    }
}

/// The `/proc/fs/daxhold/poison` text: a header line, then one record per
/// line (Documentation/admin.rst).
pub(crate) fn show(r: &Registry, out: &mut impl Write) -> fmt::Result {
    writeln!(out, "# daxhold poison v1")?;
    let st = r.poison.lock();
    for f in st.findings.iter() {
        let k = &f.key;
        let (major, minor) = (k.dev >> 20, k.dev & 0xfffff);
        match k.kind {
            Kind::Bad => writeln!(
                out,
                "bad {} sector={} sectors={} since={}",
                k.pmem, k.sector, k.sectors, f.since
            ),
            Kind::Top => writeln!(
                out,
                "top {} sector={} dev={} devt={major}:{minor} top_sector={} sectors={} depth={} chain={}",
                k.pmem, k.sector, f.devname, k.top_sector, k.sectors, f.depth, f.chain
            ),
            Kind::File => writeln!(
                out,
                "file {} sector={} fsdev={major}:{minor} fs={} ino={} offset={:#x} len={:#x} mapped={}",
                k.pmem,
                k.sector,
                f.fs,
                k.ino,
                k.offset,
                k.len,
                u8::from(f.mapped)
            ),
            Kind::Metadata => writeln!(
                out,
                "metadata {} sector={} fsdev={major}:{minor} fs={} what={}",
                k.pmem, k.sector, f.fs, k.what
            ),
            Kind::Unowned => writeln!(
                out,
                "unowned {} sector={} fsdev={major}:{minor} fs={} sector_top={} sectors={}",
                k.pmem, k.sector, f.fs, k.top_sector, k.sectors
            ),
            Kind::Unmapped => writeln!(
                out,
                "unmapped {} sector={} sectors={} dev={} dev_sector={}",
                k.pmem, k.sector, k.sectors, f.devname, k.top_sector
            ),
        }?;
    }
    Ok(())
}
