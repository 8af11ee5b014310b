// SPDX-License-Identifier: GPL-2.0

//! Loading the map in bulk: every record checked, sorted in place and
//! packed into full leaves, the levels above built one by one.

use core::ops::DerefMut;

use super::error::RmapError;
use super::node::{Body, Inner, Leaf, Node};
use super::record::{Packed, Record};
use super::tree::Rmap;
use super::MAX_HEIGHT;

impl<S: DerefMut<Target = [Node]>> Rmap<S> {
    /// Replaces the contents with `records`, sorting them in place (their
    /// order on return is the map's): `O(n log n)`, leaves packed full
    /// (about 36 bytes per record with the default fanout, index included).
    ///
    /// Every record is checked first; on any error (a bad record, two
    /// with one key: [`RmapError::Exists`], too few nodes:
    /// [`RmapError::NoRoom`]) the map is left empty.
    pub fn load(&mut self, records: &mut [Record]) -> Result<(), RmapError> {
        self.clear();
        for r in records.iter() {
            r.check()?;
        }
        records.sort_unstable_by_key(Packed::key_of);
        let mut prev = None;
        for r in records.iter() {
            let key = Packed::key_of(r);
            if prev == Some(key) {
                return Err(RmapError::Exists);
            }
            prev = Some(key);
        }
        let n = records.len();
        if n == 0 {
            return Ok(());
        }
        if self.nodes_to_load(n) > self.capacity() {
            return Err(RmapError::NoRoom);
        }
        let built = self.build(records);
        if built.is_err() {
            self.clear();
        }
        built
    }

    /// Packs sorted, checked `records` into leaves and builds the levels
    /// above them: nodes `[0, nodes_to_load(n))`, level by level.
    fn build(&mut self, records: &[Record]) -> Result<(), RmapError> {
        let n = records.len();
        let leaves = n.div_ceil(self.leaf_cap);
        let mut recs = records.iter();
        for j in 0..leaves {
            let take = n / leaves + usize::from(j < n % leaves);
            let mut leaf = Leaf::EMPTY;
            for r in recs.by_ref().take(take) {
                if !leaf.push(Packed::new(r)?) {
                    return Err(RmapError::Corrupt);
                }
            }
            self.alloc(Body::Leaf(leaf))?;
        }
        let (mut first, mut count, mut height) = (0u32, leaves, 1);
        while count > 1 {
            let parents = count.div_ceil(self.inner_cap);
            let level_first = u32::try_from(self.top).map_err(|_| RmapError::NoRoom)?;
            let mut child = first;
            for j in 0..parents {
                let take = count / parents + usize::from(j < count % parents);
                let mut node = Inner::EMPTY;
                for _ in 0..take {
                    if !node.push(self.summary(child)?) {
                        return Err(RmapError::Corrupt);
                    }
                    child = child.checked_add(1).ok_or(RmapError::Corrupt)?;
                }
                self.alloc(Body::Inner(node))?;
            }
            first = level_first;
            count = parents;
            height += 1;
        }
        if height > MAX_HEIGHT {
            return Err(RmapError::NoRoom);
        }
        self.root = first;
        self.height = height;
        self.len = n;
        Ok(())
    }
}
