// SPDX-License-Identifier: GPL-2.0

//! The whole-device form: every device that uses the failed one.

use core::ops::{ControlFlow, Deref};

use super::error::StackError;
use super::hit::Hit;
use super::segment::{DevId, Link, Segment};
use super::translate::{emit, flow, Stack};

impl<S: Deref<Target = [Segment]>, L: Deref<Target = [Link]>> Stack<S, L> {
    /// The segments of upper device `dev`, sorted by lower device.
    fn uses(&self, dev: DevId) -> &[Segment] {
        let segs = self.segments();
        let a = segs.partition_point(|s| s.upper < dev);
        let b = segs.partition_point(|s| s.upper <= dev);
        segs.get(a..b).unwrap_or(&[])
    }

    /// Gives one [`Hit::Whole`] per device that uses `dev` at any level, by
    /// device id.
    pub(super) fn whole<F: FnMut(Hit) -> ControlFlow<()>>(
        &self,
        dev: DevId,
        sink: &mut F,
    ) -> Result<ControlFlow<()>, StackError> {
        let segs = self.segments();
        let mut i = 0;
        while let Some(s) = segs.get(i) {
            let upper = s.upper;
            if let Some(depth) = self.distance(upper, dev, 1)? {
                // A device that uses itself is a cycle: a stack without end.
                if upper == dev {
                    return Err(StackError::TooDeep);
                }
                let hit = Hit::Whole {
                    device: upper,
                    depth,
                };
                flow!(emit(sink, hit));
            }
            i = segs.partition_point(|s| s.upper <= upper);
        }
        Ok(ControlFlow::Continue(()))
    }

    /// The fewest levels from `dev` up to `upper`, which is `level` levels
    /// above where the walk down started; `None` if `upper` does not use
    /// `dev`. Walking further down than the maximum depth is an error.
    fn distance(&self, upper: DevId, dev: DevId, level: u32) -> Result<Option<u32>, StackError> {
        if level > self.max_depth() {
            return Err(StackError::TooDeep);
        }
        let uses = self.uses(upper);
        let mut best: Option<u32> = None;
        let mut i = 0;
        while let Some(s) = uses.get(i) {
            let lower = s.lower;
            let d = if lower == dev {
                Some(1)
            } else if self.uses(lower).is_empty() {
                None
            } else {
                let next = level.checked_add(1).ok_or(StackError::TooDeep)?;
                self.distance(lower, dev, next)?
                    .map(|d| d.saturating_add(1))
            };
            best = match (best, d) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            i = uses.partition_point(|s| s.lower <= lower);
        }
        Ok(best)
    }
}
