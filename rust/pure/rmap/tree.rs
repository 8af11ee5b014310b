// SPDX-License-Identifier: GPL-2.0

//! The map: a B+tree over the caller's nodes, changed one record at a time
//! or loaded in bulk. Here: the map, its storage and free list, the
//! paths from its root; the changes are in `insert.rs`, `remove.rs` and
//! `load.rs`.

use core::ops::{Deref, DerefMut};

use super::error::RmapError;
use super::node::{Body, Entry, Inner, Leaf, Node, INNER_MAX, LEAF_MAX, NIL, NODE_BYTES};
use super::record::{Key, Packed};
use super::MAX_HEIGHT;

/// One level of a path from the root: a node and the child (inner node) or
/// the slot (leaf) the path takes there.
#[derive(Clone, Copy, Default)]
pub(super) struct Step {
    pub(super) node: u32,
    pub(super) idx: u32,
}

/// A path from the root to a leaf: `steps[..depth]`.
pub(super) struct Path {
    pub(super) steps: [Step; MAX_HEIGHT],
    pub(super) depth: usize,
}

impl Path {
    /// The steps through inner nodes, root first.
    pub(super) fn inner(&self) -> &[Step] {
        self.steps
            .get(..self.depth.saturating_sub(1))
            .unwrap_or(&[])
    }

    /// The leaf step.
    pub(super) fn leaf(&self) -> Result<Step, RmapError> {
        match self.depth.checked_sub(1) {
            Some(i) => self.steps.get(i).copied().ok_or(RmapError::Corrupt),
            None => Err(RmapError::Corrupt),
        }
    }
}

/// The reverse map: records in a B+tree whose inner nodes keep, for each
/// child, its smallest key and the largest last block below it, so a
/// query skips every subtree that cannot overlap (see the module
/// documentation).
///
/// `S` is the caller's storage of [`Node`]s: `&mut [Node]`, `Vec<Node>`,
/// `KVec<Node>`. The map never allocates: an insertion that needs a node
/// when none is free fails with [`RmapError::NoRoom`] and changes nothing.
pub struct Rmap<S> {
    pub(super) nodes: S,
    /// The root node, [`NIL`] when empty.
    pub(super) root: u32,
    /// Levels: 0 when empty, 1 when the root is a leaf.
    pub(super) height: usize,
    /// Records.
    pub(super) len: usize,
    /// Head of the free list (nodes freed by removals), [`NIL`] if none.
    pub(super) free: u32,
    /// Nodes on the free list.
    pub(super) nfree: usize,
    /// Nodes `[0, top)` have been used; the rest were never touched.
    pub(super) top: usize,
    pub(super) leaf_cap: usize,
    pub(super) inner_cap: usize,
}

/// Nodes to hold `n` records packed by [`Rmap::load`] with the given
/// fanout.
pub(super) fn load_nodes(n: usize, leaf: usize, inner: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let mut level = n.div_ceil(leaf.max(1));
    let mut total = level;
    while level > 1 {
        level = level.div_ceil(inner.max(2));
        total = total.saturating_add(level);
    }
    total
}

/// Nodes that `n` records can need after any sequence of insertions and
/// removals with the given fanout: every node but the root is at least
/// half full.
pub(super) fn hold_nodes(n: usize, leaf: usize, inner: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // Non-root nodes hold at least half their capacity.
    let mut level = n.div_ceil((leaf / 2).max(1));
    let mut total = level;
    while level > 1 {
        level = level.div_ceil((inner / 2).max(2));
        total = total.saturating_add(level);
    }
    total
}

impl<S: Deref<Target = [Node]>> Rmap<S> {
    /// Records in the map.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the map holds no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Levels of the tree: 0 when empty, 1 when all records fit one leaf.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Nodes of the storage the map may use.
    pub fn capacity(&self) -> usize {
        self.nodes.len().min(NIL as usize)
    }

    /// Nodes in the tree (not free).
    pub fn nodes_used(&self) -> usize {
        self.top.saturating_sub(self.nfree)
    }

    /// Nodes free for insertions.
    pub fn nodes_free(&self) -> usize {
        self.nfree
            .saturating_add(self.capacity().saturating_sub(self.top))
    }

    /// Bytes of the nodes in the tree: the map's memory, index included,
    /// when storage is sized to fit.
    pub fn bytes_used(&self) -> usize {
        self.nodes_used().saturating_mul(NODE_BYTES)
    }

    /// The node at `i`.
    pub(super) fn node(&self, i: u32) -> Result<&Body, RmapError> {
        self.nodes
            .get(i as usize)
            .map(|n| &n.0)
            .ok_or(RmapError::Corrupt)
    }

    pub(super) fn leaf(&self, i: u32) -> Result<&Leaf, RmapError> {
        match self.node(i)? {
            Body::Leaf(l) => Ok(l),
            _ => Err(RmapError::Corrupt),
        }
    }

    /// The entry for node `i` in its parent: its smallest key and largest
    /// last block.
    pub(super) fn summary(&self, i: u32) -> Result<Entry, RmapError> {
        let (key, max) = match self.node(i)? {
            Body::Leaf(l) => (
                l.get(0).map(Packed::key),
                l.as_slice().iter().map(|r| r.last).max(),
            ),
            Body::Inner(n) => (
                n.get(0).map(|e| e.key),
                n.as_slice().iter().map(|e| e.max).max(),
            ),
            Body::Free(_) => (None, None),
        };
        match (key, max) {
            (Some(key), Some(max)) => Ok(Entry { key, max, child: i }),
            _ => Err(RmapError::Corrupt),
        }
    }

    /// The path from the root to the leaf where `key` is or would go; the
    /// leaf step's `idx` is the first record not below `key`.
    pub(super) fn descend(&self, key: &Key) -> Result<Path, RmapError> {
        let mut path = Path {
            steps: [Step::default(); MAX_HEIGHT],
            depth: 0,
        };
        let mut node = self.root;
        for level in 0..self.height {
            let is_leaf_level = level + 1 == self.height;
            let idx = match self.node(node)? {
                Body::Inner(n) if !is_leaf_level => {
                    let s = n.as_slice();
                    let i = s.partition_point(|e| e.key <= *key).saturating_sub(1);
                    let next = s.get(i).ok_or(RmapError::Corrupt)?.child;
                    (i, next)
                }
                Body::Leaf(l) if is_leaf_level => {
                    let i = l.as_slice().partition_point(|r| r.key() < *key);
                    (i, node)
                }
                _ => return Err(RmapError::Corrupt),
            };
            let step = path.steps.get_mut(level).ok_or(RmapError::Corrupt)?;
            *step = Step {
                node,
                idx: u32::try_from(idx.0).map_err(|_| RmapError::Corrupt)?,
            };
            node = idx.1;
            path.depth = level + 1;
        }
        Ok(path)
    }
}

impl<S: DerefMut<Target = [Node]>> Rmap<S> {
    /// An empty map over `storage`, with the largest fanout ([`LEAF_MAX`]
    /// records per leaf, [`INNER_MAX`] children per inner node).
    pub fn new(storage: S) -> Self {
        Rmap {
            nodes: storage,
            root: NIL,
            height: 0,
            len: 0,
            free: NIL,
            nfree: 0,
            top: 0,
            leaf_cap: LEAF_MAX,
            inner_cap: INNER_MAX,
        }
    }

    /// An empty map over `storage` using at most `leaf` records per leaf and
    /// `inner` children per inner node (each from 4 to [`LEAF_MAX`] or
    /// [`INNER_MAX`]). Small nodes make deep trees of few records: for
    /// tests, and for tuning.
    pub fn with_fanout(storage: S, leaf: usize, inner: usize) -> Result<Self, RmapError> {
        if !(4..=LEAF_MAX).contains(&leaf) || !(4..=INNER_MAX).contains(&inner) {
            return Err(RmapError::BadFanout);
        }
        Ok(Rmap {
            leaf_cap: leaf,
            inner_cap: inner,
            ..Rmap::new(storage)
        })
    }

    /// Nodes that [`Rmap::load`] of `records` records needs, at this map's
    /// fanout.
    pub fn nodes_to_load(&self, records: usize) -> usize {
        load_nodes(records, self.leaf_cap, self.inner_cap)
    }

    /// Nodes that are always enough for `records` records, whatever
    /// insertions and removals led there (every node but the root is at
    /// least half full), at this map's fanout.
    pub fn nodes_to_hold(&self, records: usize) -> usize {
        hold_nodes(records, self.leaf_cap, self.inner_cap)
    }

    /// Gives the storage back.
    pub fn into_storage(self) -> S {
        self.nodes
    }

    /// Lets `f` grow the storage (a `Vec` or `KVec` may be reallocated: the
    /// map addresses nodes by index). `f` must only add nodes at the end; if
    /// the storage ends up smaller than the nodes in use, the map is emptied
    /// and [`RmapError::Corrupt`] returned.
    pub fn grow(&mut self, f: impl FnOnce(&mut S)) -> Result<(), RmapError> {
        f(&mut self.nodes);
        if self.nodes.len() < self.top {
            self.clear();
            return Err(RmapError::Corrupt);
        }
        Ok(())
    }

    /// Removes every record (the storage stays the map's).
    pub fn clear(&mut self) {
        self.root = NIL;
        self.height = 0;
        self.len = 0;
        self.free = NIL;
        self.nfree = 0;
        self.top = 0;
    }

    fn node_mut(&mut self, i: u32) -> Result<&mut Body, RmapError> {
        self.nodes
            .get_mut(i as usize)
            .map(|n| &mut n.0)
            .ok_or(RmapError::Corrupt)
    }

    pub(super) fn leaf_mut(&mut self, i: u32) -> Result<&mut Leaf, RmapError> {
        match self.node_mut(i)? {
            Body::Leaf(l) => Ok(l),
            _ => Err(RmapError::Corrupt),
        }
    }

    pub(super) fn inner_mut(&mut self, i: u32) -> Result<&mut Inner, RmapError> {
        match self.node_mut(i)? {
            Body::Inner(n) => Ok(n),
            _ => Err(RmapError::Corrupt),
        }
    }

    /// Two different nodes at once.
    pub(super) fn two_mut(&mut self, a: u32, b: u32) -> Result<(&mut Body, &mut Body), RmapError> {
        let (a, b) = (a as usize, b as usize);
        let len = self.nodes.len();
        if a == b || a >= len || b >= len {
            return Err(RmapError::Corrupt);
        }
        let (lo, hi) = self.nodes.split_at_mut(a.max(b));
        let low = lo.get_mut(a.min(b)).ok_or(RmapError::Corrupt)?;
        let high = hi.first_mut().ok_or(RmapError::Corrupt)?;
        if a < b {
            Ok((&mut low.0, &mut high.0))
        } else {
            Ok((&mut high.0, &mut low.0))
        }
    }

    /// Takes a free node and fills it with `body`.
    pub(super) fn alloc(&mut self, body: Body) -> Result<u32, RmapError> {
        let i = if self.free != NIL {
            let i = self.free;
            self.free = match self.node(i)? {
                Body::Free(next) => *next,
                _ => return Err(RmapError::Corrupt),
            };
            self.nfree = self.nfree.saturating_sub(1);
            i
        } else if self.top < self.capacity() {
            let i = u32::try_from(self.top).map_err(|_| RmapError::NoRoom)?;
            self.top += 1;
            i
        } else {
            return Err(RmapError::NoRoom);
        };
        *self.node_mut(i)? = body;
        Ok(i)
    }

    /// Returns node `i` to the free list.
    pub(super) fn release(&mut self, i: u32) -> Result<(), RmapError> {
        let next = self.free;
        *self.node_mut(i)? = Body::Free(next);
        self.free = i;
        // At most one per node: cannot saturate.
        self.nfree = self.nfree.saturating_add(1);
        Ok(())
    }
}
