// SPDX-License-Identifier: GPL-2.0

//! Routes: the translation of the common failure, worked out once per stack
//! instead of once per failure.
//!
//! Most bytes of a failed disk go up one chain of partitions and `linear`
//! targets to one top device: between the boundaries of the segments on
//! that chain, a failed range `[a, b)` becomes the range `[a + d, b + d)` of
//! the top device for one fixed `d`. A [`Route`] is one such stretch of a
//! device; [`Stack::routes`] cuts a whole device into them when a stack is
//! built, and [`find`] answers a failure inside one of them with the
//! [`Hit::Top`] the walk ([`Stack::translate`]) would give, by one binary
//! search over the routes, without walking the stack. Whatever is not on a
//! route (striped targets, bytes that several devices use, gaps, ranges
//! that cross a boundary) is left to the walk, so a route table can be
//! partial (storage ran out) without being wrong. The property tests check
//! each route against the walk (rust/pure/tests/stack_props.rs).

use core::ops::Deref;

use super::hit::Hit;
use super::segment::{DevId, Link, Map, Segment};
use super::translate::Stack;
use crate::pure::notify::Extent;

/// Bytes `[start, end)` of device `lower` go up one chain of linear maps to
/// bytes `[top_start, top_start + end - start)` of device `top`, `depth`
/// levels up, which no device uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// The failed device.
    pub lower: DevId,
    /// First byte of the stretch on `lower`.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
    /// The top device.
    pub top: DevId,
    /// Levels from `lower` to `top` (at least 1).
    pub depth: u32,
    /// Where `start` is on `top`.
    pub top_start: u64,
}

/// What one step of the cut found at a byte: a route, or the first byte
/// after it that may start one.
enum Step {
    On(Route),
    Off(u64),
}

impl<S: Deref<Target = [Segment]>, L: Deref<Target = [Link]>> Stack<S, L> {
    /// Cuts bytes `[0, dev_end)` of `dev` into routes, written to `out` in
    /// order of `start`; returns how many. Stops early when `out` is full.
    /// `O(r * depth * log n)` for `r` routes.
    pub fn routes(&self, dev: DevId, dev_end: u64, out: &mut [Route]) -> usize {
        let mut n = 0usize;
        let mut a = 0u64;
        while a < dev_end {
            let next = match self.route_at(dev, a, dev_end) {
                Step::On(r) => {
                    let Some(slot) = out.get_mut(n) else { break };
                    *slot = r;
                    // Below out.len(): cannot saturate.
                    n = n.saturating_add(1);
                    r.end
                }
                Step::Off(next) => next,
            };
            if next <= a {
                break;
            }
            a = next;
        }
        n
    }

    /// The route through byte `a` of `dev` (`a < dev_end`), if the walk
    /// takes one chain of single linear segments from there to a top.
    fn route_at(&self, dev: DevId, a: u64, dev_end: u64) -> Step {
        // Byte `a` is byte `x` of device `cur`; the chain so far is the same
        // for bytes `[lo, hi)` of `dev`.
        let (mut cur, mut x, mut depth) = (dev, a, 0u32);
        let (mut lo, mut hi) = (0u64, dev_end);
        let mut span = (0, self.links().len());
        loop {
            let (layers, cursors) = self.cursors(cur, span, x);
            if layers == 0 {
                if depth == 0 {
                    // Nothing uses `dev`: the walk's business.
                    return Step::Off(dev_end);
                }
                // `x - (a - lo)`: lo <= a and the chain maps [lo, a] onto
                // [x - (a - lo), x].
                let Some(top_start) = a.checked_sub(lo).and_then(|d| x.checked_sub(d)) else {
                    return Step::Off(hi);
                };
                return Step::On(Route {
                    lower: dev,
                    start: lo,
                    end: hi,
                    top: cur,
                    depth,
                    top_start,
                });
            }
            let [first, ..] = cursors;
            let seg = if layers == 1 {
                self.segment_at(cur, first, x)
            } else {
                None
            };
            let Some(seg) = seg else {
                return Step::Off(self.off_end(cur, first, x, a, hi));
            };
            // The chain holds while byte `x` stays inside `seg`.
            let below = x.saturating_sub(seg.start);
            let above = seg.end.saturating_sub(x);
            lo = lo.max(a.saturating_sub(below));
            hi = hi.min(a.saturating_add(above));
            depth = depth.saturating_add(1);
            let linear = matches!(seg.map, Map::Partition | Map::Linear);
            let Some(up) = seg.upper_start.checked_add(below) else {
                return Step::Off(hi);
            };
            if !linear || depth > self.max_depth() {
                return Step::Off(hi);
            }
            (cur, x) = (seg.upper, up);
            span = (seg.users.0 as usize, seg.users.1 as usize);
        }
    }

    /// The segment of `dev`'s only list that holds byte `x`, if any.
    fn segment_at(&self, dev: DevId, cursor: usize, x: u64) -> Option<&Segment> {
        let l = self.links().get(cursor)?;
        if l.lower != dev || l.layer() != 0 {
            return None;
        }
        let s = self.segments().get(l.seg())?;
        (s.start <= x && x < s.end).then_some(s)
    }

    /// Where a stretch that is on no route, from byte `x` of `dev` (byte
    /// `a` of the failed device), ends: at the next segment of the first
    /// list, if it starts before `hi`, or at `hi`.
    fn off_end(&self, dev: DevId, cursor: usize, x: u64, a: u64, hi: u64) -> u64 {
        let next = self
            .links()
            .get(cursor)
            .filter(|l| l.lower == dev && l.layer() == 0)
            .and_then(|l| self.segments().get(l.seg()))
            .filter(|s| s.start > x)
            .map(|s| a.saturating_add(s.start.saturating_sub(x)));
        next.map_or(hi, |n| n.min(hi)).max(a.saturating_add(1))
    }
}

/// The hit the walk gives for `extent` of `dev`, if the extent lies on one
/// of `routes` (sorted by `lower`, then `start`): one [`Hit::Top`], and the
/// index of the route. `None` for anything else, which the walk must
/// translate.
pub fn find(routes: &[Route], dev: DevId, extent: Extent) -> Option<(usize, Hit)> {
    let Extent::Range { offset, end } = extent else {
        return None;
    };
    let i = routes
        .partition_point(|r| (r.lower, r.start) <= (dev, offset))
        .checked_sub(1)?;
    let r = routes.get(i)?;
    if r.lower != dev || end > r.end {
        return None;
    }
    let len = end.checked_sub(offset).filter(|&l| l > 0)?;
    let offset = offset
        .checked_sub(r.start)
        .and_then(|rel| r.top_start.checked_add(rel))?;
    let top = Hit::Top {
        device: r.top,
        depth: r.depth,
        offset,
        len,
    };
    Some((i, top))
}
