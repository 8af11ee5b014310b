// SPDX-License-Identifier: GPL-2.0

//! Translating a byte range of one device into every range above it.

use core::ops::{ControlFlow, Deref};

use super::error::StackError;
use super::hit::Hit;
use super::segment::{DevId, Link, Map, Segment};
use super::{MAX_DEPTH_LIMIT, MAX_LAYERS};
use crate::pure::notify::Extent;

/// The model of a storage stack, built by [`super::StackBuilder`] in storage
/// the caller owns, and read-only from then on.
pub struct Stack<S, L> {
    segs: S,
    links: L,
    len: usize,
    max_depth: u32,
}

/// Returns from the enclosing function when the sink asked to stop.
macro_rules! flow {
    ($e:expr) => {
        if let ControlFlow::Break(()) = $e? {
            return Ok(ControlFlow::Break(()));
        }
    };
}
pub(super) use flow;

impl<S, L> Stack<S, L> {
    pub(super) fn new(segs: S, links: L, len: usize, max_depth: u32) -> Self {
        Stack {
            segs,
            links,
            len,
            max_depth,
        }
    }

    /// The same stack, translating at most `max_depth` levels up; a range
    /// that reaches further is an error ([`StackError::TooDeep`]).
    pub fn with_max_depth(mut self, max_depth: u32) -> Result<Self, StackError> {
        if max_depth > MAX_DEPTH_LIMIT {
            return Err(StackError::BadDepth);
        }
        self.max_depth = max_depth;
        Ok(self)
    }

    /// The maximum depth of translation.
    pub fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// Gives the storage back, for reuse.
    pub fn into_storage(self) -> (S, L) {
        (self.segs, self.links)
    }
}

/// Sends one hit to the sink.
pub(super) fn emit<F: FnMut(Hit) -> ControlFlow<()>>(
    sink: &mut F,
    hit: Hit,
) -> Result<ControlFlow<()>, StackError> {
    Ok(sink(hit))
}

impl<S: Deref<Target = [Segment]>, L: Deref<Target = [Link]>> Stack<S, L> {
    /// The segments, sorted by upper device, lower device, upper start.
    pub fn segments(&self) -> &[Segment] {
        self.segs.get(..self.len).unwrap_or(&[])
    }

    /// The links, sorted by lower device, list and lower start.
    pub(super) fn links(&self) -> &[Link] {
        self.links.get(..self.len).unwrap_or(&[])
    }

    /// Translates `extent` of `device` up the stack, giving each piece to
    /// `sink` in order of lower offset, each level's pieces followed at once
    /// by what they reach above.
    ///
    /// A range gives [`Hit::Mapped`] for every piece of every upper device it
    /// reaches, split at partition, target and chunk boundaries, and
    /// [`Hit::Unmapped`] or [`Hit::Top`] for every piece of a device (at any
    /// level, the failed one included) that nothing above uses: on each way
    /// up it takes (several when upper devices share bytes), every byte of
    /// the range ends in exactly one of those two. The whole-device form
    /// gives one [`Hit::Whole`] per device using `device` at any level.
    ///
    /// Returns `Break` if the sink stopped the walk. On an error, the hits
    /// already given stand and the rest of the range was not translated.
    pub fn translate<F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        device: DevId,
        extent: Extent,
        sink: F,
    ) -> Result<ControlFlow<()>, StackError> {
        self.translate_with::<true, F>(device, extent, sink)
    }

    /// [`Stack::translate`] without the shortcut for a range inside one
    /// segment: the general walk, which the property tests compare the
    /// shortcut with (rust/pure/tests/stack_props.rs).
    #[doc(hidden)]
    pub fn translate_general<F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        device: DevId,
        extent: Extent,
        sink: F,
    ) -> Result<ControlFlow<()>, StackError> {
        self.translate_with::<false, F>(device, extent, sink)
    }

    /// [`Stack::translate`], with (`FAST`) or without the shortcut.
    fn translate_with<const FAST: bool, F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        device: DevId,
        extent: Extent,
        mut sink: F,
    ) -> Result<ControlFlow<()>, StackError> {
        match extent {
            Extent::Range { offset, end } => {
                let all = (0, self.links().len());
                self.range::<FAST, F>(device, all, offset, end, 0, &mut sink)
            }
            Extent::WholeDevice => self.whole(device, &mut sink),
        }
    }

    /// The segment of `dev`'s only list of users that holds all of
    /// `[a, b)`, if the list's first link at or after `a` (`cursor`, from
    /// [`Self::cursors`]) is one: the common case of a failure inside one
    /// partition or target. The first list has no overlaps, so no other
    /// segment of it reaches `[a, b)`, and the general walk would give this
    /// segment alone with nothing unmapped around it.
    fn covering(&self, dev: DevId, cursor: usize, a: u64, b: u64) -> Option<&Segment> {
        let l = self.links().get(cursor)?;
        if l.lower != dev || l.layer() != 0 {
            return None;
        }
        let s = self.segments().get(l.seg())?;
        (s.start <= a && b <= s.end).then_some(s)
    }

    /// The lists of `dev`'s users and, in each, the first link that may
    /// overlap bytes from `a` on: `(number of lists, cursors)`. `span` is
    /// where to search: the users' links if known, else all links.
    pub(super) fn cursors(
        &self,
        dev: DevId,
        span: (usize, usize),
        a: u64,
    ) -> (usize, [usize; MAX_LAYERS]) {
        let mut cur = [0usize; MAX_LAYERS];
        let links = self.links().get(span.0..span.1).unwrap_or(&[]);
        let first = links.partition_point(|l| l.key() <= (dev, 0, a));
        // The first link at or after the search point, or the one before it,
        // belongs to `dev` if `dev` has any user at all.
        let ours = |i: usize| links.get(i).filter(|l| l.lower == dev);
        let layers = ours(first)
            .or_else(|| first.checked_sub(1).and_then(ours))
            .map_or(0, |l| l.layers().min(MAX_LAYERS));
        for (layer, c) in cur.iter_mut().enumerate().take(layers) {
            let i = if layer == 0 {
                first
            } else {
                // Later lists come after the first; `layer` < MAX_LAYERS,
                // which fits in a u8.
                let rest = links.get(first..).unwrap_or(&[]);
                let key = (dev, layer as u8, a);
                first.saturating_add(rest.partition_point(|l| l.key() <= key))
            };
            *c = span.0.saturating_add(i);
        }
        (layers, cur)
    }

    /// The overlapping segment with the lowest start among the lists'
    /// cursors, skipping segments that end before `a` (nested in the
    /// overlapping list).
    fn next(
        &self,
        dev: DevId,
        a: u64,
        b: u64,
        layers: usize,
        cur: &mut [usize; MAX_LAYERS],
    ) -> Option<&Segment> {
        let links = self.links();
        let segs = self.segments();
        let mut best: Option<(usize, &Segment)> = None;
        for (layer, c) in cur.iter_mut().enumerate().take(layers) {
            while let Some(l) = links.get(*c) {
                if l.lower != dev || usize::from(l.layer()) != layer {
                    break;
                }
                let Some(s) = segs.get(l.seg()) else {
                    break;
                };
                if s.start >= b {
                    break;
                }
                if s.end <= a {
                    *c = c.saturating_add(1);
                    continue;
                }
                let better = match best {
                    Some((_, x)) => (s.start, s.end) < (x.start, x.end),
                    None => true,
                };
                if better {
                    best = Some((layer, s));
                }
                break;
            }
        }
        let (layer, s) = best?;
        if let Some(c) = cur.get_mut(layer) {
            // In a list without overlaps, nothing after a segment that ends
            // at or past `b` starts before `b`: done with the list.
            *c = if layer + 1 < MAX_LAYERS && s.end >= b {
                usize::MAX
            } else {
                c.saturating_add(1)
            };
        }
        Some(s)
    }

    /// Translates bytes `[a, b)` of `dev`, which is `depth` levels up and
    /// whose users' segments are in `span`.
    fn range<const FAST: bool, F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        dev: DevId,
        span: (usize, usize),
        a: u64,
        b: u64,
        depth: u32,
        sink: &mut F,
    ) -> Result<ControlFlow<()>, StackError> {
        if a >= b {
            return Ok(ControlFlow::Continue(()));
        }
        let (layers, mut cur) = self.cursors(dev, span, a);
        if layers == 0 {
            let hit = Hit::Top {
                device: dev,
                depth,
                offset: a,
                len: b.saturating_sub(a),
            };
            return emit(sink, hit);
        }
        if FAST && layers == 1 {
            let [first, ..] = cur;
            if let Some(seg) = self.covering(dev, first, a, b) {
                return self.up::<FAST, F>(seg, a, b, depth, sink);
            }
        }
        // Bytes below `covered` are translated or reported.
        let mut covered = a;
        while let Some(seg) = self.next(dev, a, b, layers, &mut cur) {
            let s = seg.start.max(a);
            let e = seg.end.min(b);
            if s > covered {
                flow!(self.unmapped(dev, depth, covered, s, sink));
            }
            covered = covered.max(e);
            flow!(self.up::<FAST, F>(seg, s, e, depth, sink));
        }
        if covered < b {
            flow!(self.unmapped(dev, depth, covered, b, sink));
        }
        Ok(ControlFlow::Continue(()))
    }

    fn unmapped<F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        dev: DevId,
        depth: u32,
        a: u64,
        b: u64,
        sink: &mut F,
    ) -> Result<ControlFlow<()>, StackError> {
        let hit = Hit::Unmapped {
            device: dev,
            depth,
            offset: a,
            len: b.saturating_sub(a),
        };
        emit(sink, hit)
    }

    /// Carries lower bytes `[s, e)` of `seg` up to its upper device.
    fn up<const FAST: bool, F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        seg: &Segment,
        s: u64,
        e: u64,
        depth: u32,
        sink: &mut F,
    ) -> Result<ControlFlow<()>, StackError> {
        let depth = depth.checked_add(1).ok_or(StackError::TooDeep)?;
        if depth > self.max_depth {
            return Err(StackError::TooDeep);
        }
        let rel = s.checked_sub(seg.start).ok_or(StackError::Overflow)?;
        let len = e.checked_sub(s).ok_or(StackError::Overflow)?;
        match seg.map {
            Map::Partition | Map::Linear => {
                let offset = seg
                    .upper_start
                    .checked_add(rel)
                    .ok_or(StackError::Overflow)?;
                self.piece::<FAST, F>(seg, offset, len, depth, sink)
            }
            Map::Striped {
                stripes,
                stripe,
                chunk,
            } => {
                // dm-stripe's stripe_map_sector() backwards: stripe `stripe`
                // holds chunks stripe, stripe + stripes, ... of the target,
                // one after the other.
                let mut rel = rel;
                let mut left = len;
                while left > 0 {
                    let n = rel.checked_div(chunk).ok_or(StackError::Overflow)?;
                    let off = rel.checked_rem(chunk).ok_or(StackError::Overflow)?;
                    let piece = left.min(chunk.saturating_sub(off));
                    let offset = n
                        .checked_mul(u64::from(stripes))
                        .and_then(|c| c.checked_add(u64::from(stripe)))
                        .and_then(|c| c.checked_mul(chunk))
                        .and_then(|c| c.checked_add(off))
                        .and_then(|c| c.checked_add(seg.upper_start))
                        .ok_or(StackError::Overflow)?;
                    flow!(self.piece::<FAST, F>(seg, offset, piece, depth, sink));
                    rel = rel.checked_add(piece).ok_or(StackError::Overflow)?;
                    left = left.saturating_sub(piece);
                }
                Ok(ControlFlow::Continue(()))
            }
        }
    }

    /// Reports upper bytes `[offset, offset + len)` of `seg` and goes on up.
    fn piece<const FAST: bool, F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        seg: &Segment,
        offset: u64,
        len: u64,
        depth: u32,
        sink: &mut F,
    ) -> Result<ControlFlow<()>, StackError> {
        let hit = Hit::Mapped {
            device: seg.upper,
            depth,
            offset,
            len,
            from: seg.lower,
            via: seg.via(),
        };
        flow!(emit(sink, hit));
        let end = offset.checked_add(len).ok_or(StackError::Overflow)?;
        let span = (seg.users.0 as usize, seg.users.1 as usize);
        self.range::<FAST, F>(seg.upper, span, offset, end, depth, sink)
    }
}
