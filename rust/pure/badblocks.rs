// SPDX-License-Identifier: GPL-2.0

//! Known poison: the bad ranges of a pmem disk (its `badblocks` list) as
//! sets of sector ranges, and what changed between two readings of them.
//!
//! The module reads a disk's list into an array of [`BadRange`]s (the
//! kernel keeps at most 512 entries of at most 512 sectors each, sorted,
//! but neighbouring entries may touch: a long range is several entries);
//! [`normalize`] sorts and merges them into disjoint ranges, so that one
//! damaged area is one range however the kernel split it. [`diff_sorted`]
//! compares two sorted lists (of ranges, or of anything ordered: the
//! module diffs its findings with it too) and says what was added, what
//! was cleared and what was kept; [`Tracked`] carries each range's
//! generation (the reading that first saw it) across readings with
//! [`track`].
//!
//! [`file_hit`] is the arithmetic of resolving a damaged range of a
//! filesystem's device to a file: which bytes of one extent of the file
//! (as FIEMAP reports it) lie on it.
//!
//! Everything here is checked arithmetic on plain values: no allocation,
//! no panics.

use core::cmp::Ordering;

/// A range of 512-byte sectors: `[sector, sector + sectors)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BadRange {
    /// First sector.
    pub sector: u64,
    /// Sectors (0 only in an unused slot; [`normalize`] drops those).
    pub sectors: u64,
}

impl BadRange {
    /// `[sector, sector + sectors)`.
    pub const fn new(sector: u64, sectors: u64) -> Self {
        BadRange { sector, sectors }
    }

    /// One past the last sector, saturating at `u64::MAX`.
    pub fn end(&self) -> u64 {
        self.sector.saturating_add(self.sectors)
    }
}

/// Sorts `r` and merges overlapping and touching ranges, dropping empty
/// ones; the merged ranges are `r[..n]` for the returned `n` (the rest of
/// `r` is left in an unspecified state). Ends saturate at `u64::MAX`.
pub fn normalize(r: &mut [BadRange]) -> usize {
    // Not sort_unstable: core's sort has panic paths in the module
    // (design.rst, "No panics").
    crate::pure::nopanic::sort_by_key(r, |b| *b);
    let mut n = 0usize;
    for i in 0..r.len() {
        let Some(&cur) = r.get(i) else { break };
        // Empty, also once its end saturates (a range from `u64::MAX`).
        if cur.end() == cur.sector {
            continue;
        }
        let merged = match n.checked_sub(1).and_then(|last| r.get_mut(last)) {
            Some(last) if cur.sector <= last.end() => {
                let end = last.end().max(cur.end());
                last.sectors = end - last.sector;
                true
            }
            _ => false,
        };
        if !merged {
            if let Some(slot) = r.get_mut(n) {
                // Its end saturated too, so that the same sectors always
                // give the same range, merged or not.
                *slot = BadRange::new(cur.sector, cur.end().saturating_sub(cur.sector));
            }
            // n <= i < r.len(): cannot saturate.
            n = n.saturating_add(1);
        }
    }
    n
}

/// One element's fate between two sorted lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<'a, T> {
    /// In the new list only.
    Added(&'a T),
    /// In the old list only.
    Cleared(&'a T),
    /// In both: the old element and the new one (equal under the order).
    Kept(&'a T, &'a T),
}

/// Walks two lists sorted by `cmp` (each without duplicates under it) in
/// step, calling `f` once per element of either: [`Change::Added`],
/// [`Change::Cleared`] or [`Change::Kept`], in order. `O(old + new)`.
/// Lists that are not sorted give wrong changes, never a panic.
pub fn diff_sorted<'a, T>(
    old: &'a [T],
    new: &'a [T],
    mut cmp: impl FnMut(&T, &T) -> Ordering,
    mut f: impl FnMut(Change<'a, T>),
) {
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        match (old.get(i), new.get(j)) {
            (None, None) => return,
            (Some(o), None) => {
                f(Change::Cleared(o));
                i += 1;
            }
            (None, Some(n)) => {
                f(Change::Added(n));
                j += 1;
            }
            (Some(o), Some(n)) => match cmp(o, n) {
                Ordering::Less => {
                    f(Change::Cleared(o));
                    i += 1;
                }
                Ordering::Greater => {
                    f(Change::Added(n));
                    j += 1;
                }
                Ordering::Equal => {
                    f(Change::Kept(o, n));
                    i += 1;
                    j += 1;
                }
            },
        }
    }
}

/// A bad range and the generation (badblocks reading) that first saw it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tracked {
    /// The range.
    pub range: BadRange,
    /// The generation it was first seen in.
    pub since: u64,
}

/// The ranges of a new reading `new` (normalized) at generation `gen`,
/// with their generations carried over from `old` (the previous reading's
/// result, sorted by range): written to `out[..n]` for the returned `n`,
/// which is `new.len()` unless `out` is shorter. `f` hears every change
/// (a range that grew or shrank is a different range: cleared, then
/// added).
pub fn track(
    old: &[Tracked],
    new: &[BadRange],
    gen: u64,
    out: &mut [Tracked],
    mut f: impl FnMut(Change<'_, BadRange>),
) -> usize {
    let mut n = 0usize;
    let mut put = |t: Tracked| {
        if let Some(slot) = out.get_mut(n) {
            *slot = t;
            n += 1;
        }
    };
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        match (old.get(i), new.get(j)) {
            (None, None) => break,
            (Some(o), None) => {
                f(Change::Cleared(&o.range));
                i += 1;
            }
            (None, Some(r)) => {
                f(Change::Added(r));
                put(Tracked {
                    range: *r,
                    since: gen,
                });
                j += 1;
            }
            (Some(o), Some(r)) => match o.range.cmp(r) {
                Ordering::Less => {
                    f(Change::Cleared(&o.range));
                    i += 1;
                }
                Ordering::Greater => {
                    f(Change::Added(r));
                    put(Tracked {
                        range: *r,
                        since: gen,
                    });
                    j += 1;
                }
                Ordering::Equal => {
                    f(Change::Kept(&o.range, r));
                    put(*o);
                    i += 1;
                    j += 1;
                }
            },
        }
    }
    n
}

/// Bytes `[offset, offset + len)`: the overlap of two byte ranges, if
/// they overlap (`None` also for empty ranges and overflowing ends).
pub fn intersect(a: (u64, u64), b: (u64, u64)) -> Option<(u64, u64)> {
    let a_end = a.0.checked_add(a.1)?;
    let b_end = b.0.checked_add(b.1)?;
    let start = a.0.max(b.0);
    let end = a_end.min(b_end);
    (start < end).then(|| (start, end - start))
}

/// One extent of a file, as FIEMAP reports it: `len` bytes of the file
/// from byte `logical` are at byte `physical` of its filesystem's device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileExtent {
    /// First byte in the file.
    pub logical: u64,
    /// First byte on the device.
    pub physical: u64,
    /// Bytes.
    pub len: u64,
}

/// The bytes of the file, `(file offset, len)`, that `ext` puts on the
/// damaged bytes `[offset, offset + len)` of the device, if any.
pub fn file_hit(ext: FileExtent, damaged: (u64, u64)) -> Option<(u64, u64)> {
    let (start, len) = intersect((ext.physical, ext.len), damaged)?;
    let file_off = ext.logical.checked_add(start - ext.physical)?;
    file_off.checked_add(len)?;
    Some((file_off, len))
}

/// What the badblocks work does with damaged files that processes map
/// (`/sys/kernel/daxhold/badblocks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadblocksPolicy {
    /// Report only (the default).
    Report,
    /// Also signal the early-kill tasks that map a damaged page
    /// (`BUS_MCEERR_AO`, as memory_failure() does for action-optional
    /// errors), once, when the damage is first seen.
    Kill,
}

impl BadblocksPolicy {
    /// The word for `input` (one trailing newline allowed), if it is one.
    pub fn parse(input: &[u8]) -> Option<Self> {
        let word = input.strip_suffix(b"\n").unwrap_or(input);
        match word {
            b"report" => Some(BadblocksPolicy::Report),
            b"kill" => Some(BadblocksPolicy::Kill),
            _ => None,
        }
    }

    /// Its word.
    pub fn name(self) -> &'static str {
        match self {
            BadblocksPolicy::Report => "report",
            BadblocksPolicy::Kill => "kill",
        }
    }
}
