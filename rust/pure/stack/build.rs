// SPDX-License-Identifier: GPL-2.0

//! Collecting, checking and indexing the segments of a stack.

use core::ops::DerefMut;

use super::error::StackError;
use super::segment::{DevId, Link, Map, Segment};
use super::translate::Stack;
use super::{DEFAULT_MAX_DEPTH, MAX_LAYERS, MAX_SEGMENTS, SECTOR_SIZE};
use crate::pure::nopanic::{count, sort_by_key};

/// Collects partitions and dm targets into caller-provided storage.
///
/// `storage` needs one [`Segment`] per partition, per linear target and per
/// stripe of each striped target. A call that fails leaves the builder as it
/// was. [`StackBuilder::build`] checks the whole set and indexes it.
///
/// All offsets and lengths are in bytes and must be whole sectors
/// ([`SECTOR_SIZE`]), as every partition and dm table is.
pub struct StackBuilder<S> {
    segs: S,
    used: usize,
}

/// Checks that `v` is a whole number of sectors.
fn aligned(v: u64) -> Result<u64, StackError> {
    // SECTOR_SIZE is a power of two. (`is_multiple_of` is newer than the
    // kernel's minimum Rust.)
    if v & (SECTOR_SIZE - 1) == 0 {
        Ok(v)
    } else {
        Err(StackError::Unaligned)
    }
}

/// Checks a `(start, len)` range: non-empty, aligned, not past `u64::MAX`.
fn range(start: u64, len: u64) -> Result<(), StackError> {
    if len == 0 {
        return Err(StackError::ZeroLength);
    }
    aligned(start)?;
    aligned(len)?;
    start.checked_add(len).ok_or(StackError::Overflow)?;
    Ok(())
}

/// Checks the layout of a striped target as dm-stripe does: `n` stripes
/// of `chunk_sectors` chunks, `len` bytes in equal stripes of whole
/// chunks. The stripe count, the chunk and a stripe's width, in bytes.
fn stripe_layout(n: usize, len: u64, chunk_sectors: u32) -> Result<(u32, u64, u64), StackError> {
    let count = u32::try_from(n).map_err(|_| StackError::StripeLayout)?;
    if count == 0 {
        return Err(StackError::ZeroStripes);
    }
    if chunk_sectors == 0 {
        return Err(StackError::ZeroChunk);
    }
    let chunk = u64::from(chunk_sectors)
        .checked_mul(SECTOR_SIZE)
        .ok_or(StackError::Overflow)?;
    let width = len
        .checked_div(u64::from(count))
        .ok_or(StackError::ZeroStripes)?;
    if len.checked_rem(u64::from(count)) != Some(0) || width.checked_rem(chunk) != Some(0) {
        return Err(StackError::StripeLayout);
    }
    Ok((count, chunk, width))
}

impl<S: DerefMut<Target = [Segment]>> StackBuilder<S> {
    /// An empty builder over `storage`.
    pub fn new(storage: S) -> Self {
        StackBuilder {
            segs: storage,
            used: 0,
        }
    }

    /// Segments added so far.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether nothing was added yet.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    fn push(&mut self, seg: Segment) -> Result<(), StackError> {
        let slot = self.segs.get_mut(self.used).ok_or(StackError::NoRoom)?;
        *slot = seg;
        self.used = self.used.checked_add(1).ok_or(StackError::NoRoom)?;
        Ok(())
    }

    /// Partition `part` of `disk`: `len` bytes of the disk from `start`.
    pub fn partition(
        &mut self,
        disk: DevId,
        part: DevId,
        start: u64,
        len: u64,
    ) -> Result<(), StackError> {
        range(start, len)?;
        if disk == part {
            return Err(StackError::SelfMap(part));
        }
        let end = start.saturating_add(len);
        self.push(Segment::new(part, 0, len, disk, start, end, Map::Partition))
    }

    /// A `linear` target of `dm`: its bytes `[start, start + len)` are the
    /// bytes of `lower` from `lower_start` (dm-linear's `<dev> <offset>`).
    pub fn linear(
        &mut self,
        dm: DevId,
        start: u64,
        len: u64,
        lower: DevId,
        lower_start: u64,
    ) -> Result<(), StackError> {
        range(start, len)?;
        range(lower_start, len)?;
        if dm == lower {
            return Err(StackError::SelfMap(dm));
        }
        let lower_end = lower_start.saturating_add(len);
        self.push(Segment::new(
            dm,
            start,
            len,
            lower,
            lower_start,
            lower_end,
            Map::Linear,
        ))
    }

    /// A `striped` target of `dm` at `[start, start + len)`: `chunk_sectors`
    /// per chunk, over `stripes` (each a lower device and the sector of it
    /// the stripe starts at, in bytes), as `dmsetup` writes
    /// `striped <#stripes> <chunk> <dev> <offset>...`.
    ///
    /// As dm-stripe, `len` must split into equal stripes of whole chunks.
    /// Adds one segment per stripe.
    pub fn striped(
        &mut self,
        dm: DevId,
        start: u64,
        len: u64,
        chunk_sectors: u32,
        stripes: &[(DevId, u64)],
    ) -> Result<(), StackError> {
        self.striped_iter(dm, start, len, chunk_sectors, stripes.iter().copied())
    }

    /// As [`StackBuilder::striped`], with the stripes from an iterator, so
    /// that a caller reading a table as text needs no array of them.
    ///
    /// The iterator is walked twice (a clone to count the stripes, then
    /// itself) and must give the same stripes both times, as one over a
    /// slice or over text does. If it gives fewer the second time, the call
    /// fails with [`StackError::StripeLayout`] and, as any failed call,
    /// leaves the builder as it was; any more are ignored.
    pub fn striped_iter<I>(
        &mut self,
        dm: DevId,
        start: u64,
        len: u64,
        chunk_sectors: u32,
        stripes: I,
    ) -> Result<(), StackError>
    where
        I: Iterator<Item = (DevId, u64)> + Clone,
    {
        range(start, len)?;
        let n = count(stripes.clone());
        let (count, chunk, width) = stripe_layout(n, len, chunk_sectors)?;
        if self.used.saturating_add(n) > self.segs.len() {
            return Err(StackError::NoRoom);
        }
        // Check and add each stripe; on any error, drop what was added.
        let before = self.used;
        let mut add = |stripe: u32, lower: DevId, lower_start: u64| {
            range(lower_start, width)?;
            if lower == dm {
                return Err(StackError::SelfMap(dm));
            }
            let map = Map::Striped {
                stripes: count,
                stripe,
                chunk,
            };
            let lower_end = lower_start.saturating_add(width);
            self.push(Segment::new(
                dm,
                start,
                len,
                lower,
                lower_start,
                lower_end,
                map,
            ))
        };
        let added = (0..count)
            .zip(stripes)
            .try_fold(0u32, |n, (stripe, (lower, lower_start))| {
                add(stripe, lower, lower_start).map(|()| n.saturating_add(1))
            });
        match added {
            Ok(n) if n == count => Ok(()),
            Ok(_) => {
                self.used = before;
                Err(StackError::StripeLayout)
            }
            Err(e) => {
                self.used = before;
                Err(e)
            }
        }
    }

    /// Checks the segments and indexes them by lower device into `links`
    /// (at least one [`Link`] per segment).
    ///
    /// Refuses overlapping ranges of one upper device (except the stripes of
    /// one striped target, which share it) and overlapping partitions of one
    /// disk. The stack translates up to [`DEFAULT_MAX_DEPTH`] levels; see
    /// [`Stack::with_max_depth`].
    pub fn build<L: DerefMut<Target = [Link]>>(
        mut self,
        mut links: L,
    ) -> Result<Stack<S, L>, StackError> {
        let n = self.used;
        if n > MAX_SEGMENTS {
            return Err(StackError::NoRoom);
        }
        let segs = self.segs.get_mut(..n).ok_or(StackError::NoRoom)?;
        let lk = links.get_mut(..n).ok_or(StackError::NoRoom)?;

        // By upper device: each table checked, then grouped by lower device
        // for the whole-device walk down from each device.
        sort_by_key(segs, |s| (s.upper, s.upper_start, s.stripe()));
        check_upper(segs)?;
        sort_by_key(segs, |s| (s.upper, s.lower, s.upper_start, s.stripe()));

        // By lower device: the lists translation searches.
        // A counter of its own: zipping with (0u32..) steps with a checked
        // add, a panic path. n <= MAX_SEGMENTS: it does not wrap.
        let mut seg = 0u32;
        for (s, l) in segs.iter().zip(lk.iter_mut()) {
            *l = Link::new(s.lower, seg);
            seg = seg.wrapping_add(1);
        }
        let bounds = |l: &Link| segs.get(l.seg()).map_or((0, 0), |s| (s.start, s.end));
        sort_by_key(lk, |l| (l.lower, bounds(l)));
        check_partitions(lk, segs)?;
        assign_layers(lk, segs);
        sort_by_key(lk, |l| (l.lower, l.layer(), bounds(l)));
        set_reach(lk, segs);
        for s in segs.iter_mut() {
            let first = lk.partition_point(|l| l.lower < s.upper);
            let end = lk.partition_point(|l| l.lower <= s.upper);
            // Both are at most n, below MAX_SEGMENTS: they fit in a u32.
            s.users = (first as u32, end as u32);
        }
        Ok(Stack::new(self.segs, links, n, DEFAULT_MAX_DEPTH))
    }
}

/// Whether `b` is the next stripe of the same striped target as `a`.
fn next_stripe(a: &Segment, b: &Segment) -> bool {
    match (a.map, b.map) {
        (
            Map::Striped {
                stripes: sa,
                stripe: ia,
                chunk: ca,
            },
            Map::Striped {
                stripes: sb,
                stripe: ib,
                chunk: cb,
            },
        ) => {
            a.upper == b.upper
                && a.upper_start == b.upper_start
                && a.len == b.len
                && (sa, ca) == (sb, cb)
                && ia.checked_add(1) == Some(ib)
        }
        _ => false,
    }
}

/// Segments sorted by (upper, upper start, stripe): no two upper ranges of
/// a device overlap, except the stripes of one target.
fn check_upper(segs: &[Segment]) -> Result<(), StackError> {
    for pair in segs.windows(2) {
        if let [a, b] = pair {
            if a.upper == b.upper && b.upper_start < a.upper_end() && !next_stripe(a, b) {
                return Err(StackError::Overlap(b.upper));
            }
        }
    }
    Ok(())
}

/// Links sorted by (lower, start): partitions of one disk do not overlap.
fn check_partitions(links: &[Link], segs: &[Segment]) -> Result<(), StackError> {
    let mut disk = None;
    let mut end = 0u64;
    let parts = links
        .iter()
        .filter_map(|l| segs.get(l.seg()))
        .filter(|s| s.map == Map::Partition);
    for s in parts {
        if disk != Some(s.lower) {
            disk = Some(s.lower);
            end = 0;
        }
        if s.start < end {
            return Err(StackError::PartitionOverlap(s.lower));
        }
        end = s.end;
    }
    Ok(())
}

/// Links sorted by (lower, start): split each lower device's links into
/// lists without overlaps, greedily (first list that is free at the start),
/// which uses as many lists as segments share a byte; the last list takes
/// whatever does not fit and may overlap.
fn assign_layers(links: &mut [Link], segs: &[Segment]) {
    let mut run = 0;
    while run < links.len() {
        let lower = links.get(run).map(|l| l.lower);
        let mut last_end = [0u64; MAX_LAYERS];
        let mut layers = 1;
        let mut i = run;
        while let Some(l) = links.get_mut(i) {
            if Some(l.lower) != lower {
                break;
            }
            let (start, end) = segs.get(l.seg()).map_or((0, 0), |s| (s.start, s.end));
            let mut layer = MAX_LAYERS - 1;
            for (k, e) in last_end.iter().enumerate().take(MAX_LAYERS - 1) {
                if *e <= start {
                    layer = k;
                    break;
                }
            }
            if let Some(e) = last_end.get_mut(layer) {
                *e = (*e).max(end);
            }
            l.set_list(layer, 1);
            layers = layers.max(layer.saturating_add(1));
            // links.get_mut(i) succeeded: i < links.len().
            i = i.saturating_add(1);
        }
        for l in links.iter_mut().take(i).skip(run) {
            l.set_list(usize::from(l.layer()), layers);
        }
        run = i;
    }
}

/// Links sorted by (lower, layer, start): the running maximum of ends.
fn set_reach(links: &mut [Link], segs: &[Segment]) {
    let mut list = None;
    let mut reach = 0u64;
    for l in links {
        if list != Some((l.lower, l.layer())) {
            list = Some((l.lower, l.layer()));
            reach = 0;
        }
        reach = reach.max(segs.get(l.seg()).map_or(0, |s| s.end));
        l.reach = reach;
    }
}
