// SPDX-License-Identifier: GPL-2.0

//! Range queries over the map, and a check of its invariants.

use core::ops::{ControlFlow, Deref};

use super::error::RmapError;
use super::node::{Body, Entry, Leaf, Node, NIL};
use super::record::{Key, Packed, Record};
use super::tree::Rmap;
use super::MAX_HEIGHT;

impl<S: Deref<Target = [Node]>> Rmap<S> {
    /// Calls `f` with every record that covers a block of `[lo, hi]` (both
    /// inclusive: `start <= hi && start + count - 1 >= lo`), as XFS's
    /// `xfs_rmap_query_range()` with a high key of `hi`. Records come in key
    /// order: by start block, then owner, then offset. `f` stops the query by
    /// returning [`ControlFlow::Break`], which is returned.
    ///
    /// `O(log n + k)` for `k` records reported in the usual layout (see the
    /// module documentation for the bound with nested records); never
    /// allocates. [`RmapError::BadRange`] if `lo > hi`.
    pub fn query_range<B, F: FnMut(&Record) -> ControlFlow<B>>(
        &self,
        lo: u64,
        hi: u64,
        mut f: F,
    ) -> Result<ControlFlow<B>, RmapError> {
        if lo > hi {
            return Err(RmapError::BadRange);
        }
        if self.root == NIL {
            return Ok(ControlFlow::Continue(()));
        }
        // A depth-first walk: each level's node and the next child to look
        // at there.
        let mut stack = [(NIL, 0usize); MAX_HEIGHT];
        let mut depth = 1usize;
        if let Some(first) = stack.first_mut() {
            *first = (self.root, 0);
        }
        // `top` is depth - 1, the level being looked at.
        while let Some((top, &(node, from))) = depth
            .checked_sub(1)
            .and_then(|d| stack.get(d).map(|s| (d, s)))
        {
            match self.node(node)? {
                Body::Leaf(leaf) => {
                    if let ControlFlow::Break(b) = scan_leaf(leaf.as_slice(), lo, hi, &mut f) {
                        return Ok(ControlFlow::Break(b));
                    }
                    depth = top;
                }
                Body::Inner(inner) => {
                    // Down to the next child that may hold a hit, or back up.
                    match next_child(inner.as_slice(), from, lo, hi) {
                        Some((i, e)) => {
                            if let Some(t) = stack.get_mut(top) {
                                // i < items.len() <= INNER_MAX.
                                t.1 = i.saturating_add(1);
                            }
                            let below = stack.get_mut(depth).ok_or(RmapError::Corrupt)?;
                            *below = (e.child, 0);
                            depth += 1;
                        }
                        None => depth = top,
                    }
                }
                Body::Free(_) => return Err(RmapError::Corrupt),
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Whether the map holds a record equal to `record` (every field).
    pub fn contains(&self, record: &Record) -> bool {
        let Ok(rec) = Packed::new(record) else {
            return false;
        };
        if self.root == NIL {
            return false;
        }
        let Ok(path) = self.descend(&rec.key()) else {
            return false;
        };
        let leaf = path.depth.checked_sub(1).and_then(|d| path.steps.get(d));
        match leaf.map(|step| (self.node(step.node), step.idx as usize)) {
            Some((Ok(Body::Leaf(l)), pos)) => l.get(pos) == Some(&rec),
            _ => false,
        }
    }

    /// Checks every invariant of the tree: `O(n)`, for tests. Records are
    /// valid and in strictly increasing key order; every entry of an inner
    /// node holds its child's smallest key and largest last block; all
    /// leaves are at the same depth; every node but the root is at least
    /// half full and none is over its capacity; the record count is right;
    /// every node below the high-water mark is in the tree or on the free
    /// list, once. [`RmapError::Corrupt`] if any fails.
    pub fn check(&self) -> Result<(), RmapError> {
        let bad = RmapError::Corrupt;
        if self.root == NIL {
            return if self.len == 0 && self.height == 0 && self.nodes_used() == 0 {
                Ok(())
            } else {
                Err(bad)
            };
        }
        let mut stack = [(NIL, 0usize); MAX_HEIGHT];
        let mut depth = 1usize;
        if let Some(first) = stack.first_mut() {
            *first = (self.root, 0);
        }
        let (mut records, mut nodes) = (0usize, 0usize);
        let mut prev: Option<Key> = None;
        while let Some(&(node, from)) = depth.checked_sub(1).and_then(|d| stack.get(d)) {
            let is_root = depth == 1;
            let at_leaf_level = depth == self.height;
            if from == 0 {
                nodes += 1;
            }
            match self.node(node)? {
                Body::Leaf(leaf) if at_leaf_level => {
                    records += self.check_leaf(leaf, is_root, &mut prev)?;
                    depth -= 1;
                }
                Body::Inner(inner) if !at_leaf_level => {
                    let n = inner.len();
                    if n > self.inner_cap || n < 2 || (!is_root && n < self.inner_cap / 2) {
                        return Err(bad);
                    }
                    match inner.get(from) {
                        Some(e) => {
                            if self.summary(e.child)? != *e {
                                return Err(bad);
                            }
                            if let Some(top) = stack.get_mut(depth - 1) {
                                top.1 = from + 1;
                            }
                            *stack.get_mut(depth).ok_or(bad)? = (e.child, 0);
                            depth += 1;
                        }
                        None => depth -= 1,
                    }
                }
                _ => return Err(bad),
            }
            if nodes > self.nodes_used() {
                return Err(bad);
            }
        }
        if records != self.len || nodes != self.nodes_used() {
            return Err(bad);
        }
        self.check_free()
    }

    /// A leaf of [`Rmap::check`] (the root if `is_root`): neither over its
    /// capacity nor less than half full, its records valid and each above
    /// `prev` in key order, which it moves on. Its number of records.
    fn check_leaf(
        &self,
        leaf: &Leaf,
        is_root: bool,
        prev: &mut Option<Key>,
    ) -> Result<usize, RmapError> {
        let bad = RmapError::Corrupt;
        let n = leaf.len();
        if n > self.leaf_cap || n == 0 || (!is_root && n < self.leaf_cap / 2) {
            return Err(bad);
        }
        for r in leaf.as_slice() {
            let back = r.unpack();
            if Packed::new(&back) != Ok(*r) || prev.is_some_and(|p| p >= r.key()) {
                return Err(bad);
            }
            *prev = Some(r.key());
        }
        Ok(n)
    }

    /// The free list of [`Rmap::check`]: `nfree` free nodes below the
    /// high-water mark.
    fn check_free(&self) -> Result<(), RmapError> {
        let bad = RmapError::Corrupt;
        let (mut free, mut at) = (0usize, self.free);
        while at != NIL {
            free += 1;
            match self.node(at)? {
                Body::Free(next) if free <= self.nfree && (at as usize) < self.top => at = *next,
                _ => return Err(bad),
            }
        }
        if free != self.nfree {
            return Err(bad);
        }
        Ok(())
    }
}

/// Calls `f` with each record of a leaf that covers a block of `[lo, hi]`,
/// in key order, until it returns [`ControlFlow::Break`].
fn scan_leaf<B, F: FnMut(&Record) -> ControlFlow<B>>(
    records: &[Packed],
    lo: u64,
    hi: u64,
    f: &mut F,
) -> ControlFlow<B> {
    for r in records {
        if r.start > hi {
            break;
        }
        if r.last >= lo {
            if let ControlFlow::Break(b) = f(&r.unpack()) {
                return ControlFlow::Break(b);
            }
        }
    }
    ControlFlow::Continue(())
}

/// The next child of an inner node's `items`, from `from` on, that starts
/// at or before `hi` and reaches `lo`: its index and entry. Children are in
/// key order, so the first one that starts after `hi` ends the node. A
/// plain range, not enumerate()/skip(): their counters are
/// overflow-checked, a panic path (design.rst, "No panics").
fn next_child(items: &[Entry], from: usize, lo: u64, hi: u64) -> Option<(usize, &Entry)> {
    for i in from..items.len() {
        let Some(e) = items.get(i) else {
            break;
        };
        if e.key.start > hi {
            break;
        }
        if e.max >= lo {
            return Some((i, e));
        }
    }
    None
}
