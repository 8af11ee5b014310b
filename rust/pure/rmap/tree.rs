// SPDX-License-Identifier: GPL-2.0

//! The map: a B+tree over the caller's nodes, changed one record at a time
//! or loaded in bulk.

use core::ops::{Deref, DerefMut};

use super::error::RmapError;
use super::node::{Body, Entry, Inner, Leaf, Node, INNER_MAX, LEAF_MAX, NIL, NODE_BYTES};
use super::record::{Key, Packed, Record};
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
    fn inner(&self) -> &[Step] {
        self.steps
            .get(..self.depth.saturating_sub(1))
            .unwrap_or(&[])
    }

    /// The leaf step.
    fn leaf(&self) -> Result<Step, RmapError> {
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

    fn leaf(&self, i: u32) -> Result<&Leaf, RmapError> {
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

    fn leaf_mut(&mut self, i: u32) -> Result<&mut Leaf, RmapError> {
        match self.node_mut(i)? {
            Body::Leaf(l) => Ok(l),
            _ => Err(RmapError::Corrupt),
        }
    }

    fn inner_mut(&mut self, i: u32) -> Result<&mut Inner, RmapError> {
        match self.node_mut(i)? {
            Body::Inner(n) => Ok(n),
            _ => Err(RmapError::Corrupt),
        }
    }

    /// Two different nodes at once.
    fn two_mut(&mut self, a: u32, b: u32) -> Result<(&mut Body, &mut Body), RmapError> {
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
    fn alloc(&mut self, body: Body) -> Result<u32, RmapError> {
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
    fn release(&mut self, i: u32) -> Result<(), RmapError> {
        let next = self.free;
        *self.node_mut(i)? = Body::Free(next);
        self.free = i;
        // At most one per node: cannot saturate.
        self.nfree = self.nfree.saturating_add(1);
        Ok(())
    }

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

    /// Adds `record`: `O(log n)` (a path of binary searches, at most one
    /// split per level, each moving half a node).
    ///
    /// [`RmapError::Exists`] if a record with its key is in the map,
    /// [`RmapError::NoRoom`] if the splits it needs find too few free
    /// nodes; then nothing changed.
    pub fn insert(&mut self, record: &Record) -> Result<(), RmapError> {
        let rec = Packed::new(record)?;
        self.insert_packed(rec, true)
    }

    /// [`Rmap::insert`] of a checked record; `share` lets a full leaf give
    /// records to a neighbour (once) instead of splitting.
    fn insert_packed(&mut self, rec: Packed, share: bool) -> Result<(), RmapError> {
        let key = rec.key();
        if self.root == NIL {
            let mut leaf = Leaf::EMPTY;
            if !leaf.push(rec) {
                return Err(RmapError::Corrupt);
            }
            self.root = self.alloc(Body::Leaf(leaf))?;
            self.height = 1;
            self.len = 1;
            return Ok(());
        }
        let path = self.descend(&key)?;
        let leaf_step = path.leaf()?;
        let leaf = self.leaf(leaf_step.node)?;
        let pos = leaf_step.idx as usize;
        if leaf.get(pos).map(Packed::key) == Some(key) {
            return Err(RmapError::Exists);
        }
        let full = leaf.len() >= self.leaf_cap;
        // A full leaf whose neighbour has room for two more shares its
        // records with it, and the insertion starts again: both then have
        // room. This keeps leaves fuller than splitting alone (random
        // insertions settle near 80% rather than 70%).
        if full && share {
            if let Some(parent) = path.inner().last() {
                if self.share_leaf(parent.node, parent.idx as usize)? {
                    return self.insert_packed(rec, false);
                }
            }
        }
        // Nodes the splits need: the leaf if full, each full node above
        // it, and a new root if the root splits.
        let mut need = 0;
        if full {
            need = 1;
            for step in path.inner().iter().rev() {
                match self.node(step.node)? {
                    Body::Inner(n) if n.len() >= self.inner_cap => need += 1,
                    _ => break,
                }
            }
            if need == path.depth {
                if self.height >= MAX_HEIGHT {
                    return Err(RmapError::NoRoom);
                }
                need += 1;
            }
        }
        if need > self.nodes_free() {
            return Err(RmapError::NoRoom);
        }

        let mut split = self.insert_leaf(leaf_step.node, pos, rec)?;
        let mut child = leaf_step.node;
        for step in path.inner().iter().rev() {
            let sum = self.summary(child)?;
            let idx = step.idx as usize;
            let node = self.inner_mut(step.node)?;
            *node.get_mut(idx).ok_or(RmapError::Corrupt)? = sum;
            if let Some(right) = split.take() {
                split = self.insert_inner(step.node, idx + 1, right)?;
            }
            child = step.node;
        }
        if let Some(right) = split {
            let mut root = Inner::EMPTY;
            if !(root.push(self.summary(self.root)?) && root.push(right)) {
                return Err(RmapError::Corrupt);
            }
            self.root = self.alloc(Body::Inner(root))?;
            // Below MAX_HEIGHT (checked on the way down).
            self.height = self.height.saturating_add(1);
        }
        // One per record, each in a node: cannot saturate.
        self.len = self.len.saturating_add(1);
        Ok(())
    }

    /// Shares the records of leaf `idx` of `parent` evenly with a neighbour
    /// that has room for at least two more, if there is one: whether it
    /// did. The parent's first key and largest last block do not change.
    fn share_leaf(&mut self, parent: u32, idx: usize) -> Result<bool, RmapError> {
        let cap = self.leaf_cap;
        let p = self.inner_mut(parent)?;
        let children = (
            idx.checked_sub(1).and_then(|i| p.get(i)).map(|e| e.child),
            p.get(idx).map(|e| e.child),
            idx.checked_add(1).and_then(|i| p.get(i)).map(|e| e.child),
        );
        let room = |map: &Self, c: Option<u32>| match c.map(|c| map.leaf(c)) {
            Some(Ok(l)) => cap.saturating_sub(l.len()),
            _ => 0,
        };
        let (left, right) = (room(self, children.0), room(self, children.2));
        let (l, r, at) = match children {
            // A left neighbour means idx >= 1.
            (Some(l), Some(me), _) if left >= 2 && left >= right => (l, me, idx.saturating_sub(1)),
            (_, Some(me), Some(r)) if right >= 2 => (me, r, idx),
            _ => return Ok(false),
        };
        let shared = match self.two_mut(l, r)? {
            (Body::Leaf(a), Body::Leaf(b)) => Leaf::balance(a, b),
            _ => false,
        };
        if !shared {
            return Err(RmapError::Corrupt);
        }
        let (ls, rs) = (self.summary(l)?, self.summary(r)?);
        let p = self.inner_mut(parent)?;
        *p.get_mut(at).ok_or(RmapError::Corrupt)? = ls;
        *p.get_mut(at + 1).ok_or(RmapError::Corrupt)? = rs;
        Ok(true)
    }

    /// Puts `rec` at `pos` of leaf `i`, splitting it if full: the entry of
    /// the new right half, if any.
    fn insert_leaf(&mut self, i: u32, pos: usize, rec: Packed) -> Result<Option<Entry>, RmapError> {
        let cap = self.leaf_cap;
        let leaf = self.leaf_mut(i)?;
        if leaf.len() < cap {
            return if leaf.insert(pos, rec) {
                Ok(None)
            } else {
                Err(RmapError::Corrupt)
            };
        }
        let mid = cap.div_ceil(2);
        let mut right = Leaf::EMPTY;
        let ok = leaf.move_tail(mid, &mut right)
            && if pos <= mid {
                leaf.insert(pos, rec)
            } else {
                right.insert(pos - mid, rec)
            };
        if !ok {
            return Err(RmapError::Corrupt);
        }
        let r = self.alloc(Body::Leaf(right))?;
        self.summary(r).map(Some)
    }

    /// Puts `entry` at `pos` of inner node `i`, splitting it if full: the
    /// entry of the new right half, if any.
    fn insert_inner(
        &mut self,
        i: u32,
        pos: usize,
        entry: Entry,
    ) -> Result<Option<Entry>, RmapError> {
        let cap = self.inner_cap;
        let node = self.inner_mut(i)?;
        if node.len() < cap {
            return if node.insert(pos, entry) {
                Ok(None)
            } else {
                Err(RmapError::Corrupt)
            };
        }
        let mid = cap.div_ceil(2);
        let mut right = Inner::EMPTY;
        let ok = node.move_tail(mid, &mut right)
            && if pos <= mid {
                node.insert(pos, entry)
            } else {
                right.insert(pos - mid, entry)
            };
        if !ok {
            return Err(RmapError::Corrupt);
        }
        let r = self.alloc(Body::Inner(right))?;
        self.summary(r).map(Some)
    }

    /// Removes the record equal to `record` (every field, `UNWRITTEN`
    /// included): `O(log n)`. [`RmapError::NotFound`] if there is none;
    /// then nothing changed. Never needs a free node.
    pub fn remove(&mut self, record: &Record) -> Result<(), RmapError> {
        let rec = Packed::new(record)?;
        if self.root == NIL {
            return Err(RmapError::NotFound);
        }
        let path = self.descend(&rec.key())?;
        let leaf_step = path.leaf()?;
        let pos = leaf_step.idx as usize;
        let leaf = self.leaf_mut(leaf_step.node)?;
        if leaf.get(pos) != Some(&rec) {
            return Err(RmapError::NotFound);
        }
        leaf.remove(pos);
        self.len = self.len.saturating_sub(1);

        let mut child = leaf_step.node;
        let mut child_is_leaf = true;
        for step in path.inner().iter().rev() {
            self.fix_child(step.node, step.idx as usize, child, child_is_leaf)?;
            child = step.node;
            child_is_leaf = false;
        }
        // An inner root left with one child gives way to it; an empty leaf
        // root leaves the map empty.
        match self.node(self.root)? {
            Body::Inner(n) if n.len() == 1 => {
                let only = n.get(0).ok_or(RmapError::Corrupt)?.child;
                self.release(self.root)?;
                self.root = only;
                // An inner root: height >= 2.
                self.height = self.height.saturating_sub(1);
            }
            Body::Leaf(l) if l.len() == 0 => {
                self.release(self.root)?;
                self.root = NIL;
                self.height = 0;
            }
            _ => {}
        }
        Ok(())
    }

    /// After a removal below child `idx` (node `child`) of inner node
    /// `parent`: refreshes its entry, and if the child is less than half
    /// full, merges it with a neighbour or takes some of the neighbour's
    /// items.
    fn fix_child(
        &mut self,
        parent: u32,
        idx: usize,
        child: u32,
        is_leaf: bool,
    ) -> Result<(), RmapError> {
        let (len, cap) = match self.node(child)? {
            Body::Leaf(l) if is_leaf => (l.len(), self.leaf_cap),
            Body::Inner(n) if !is_leaf => (n.len(), self.inner_cap),
            _ => return Err(RmapError::Corrupt),
        };
        if len >= cap / 2 {
            let sum = self.summary(child)?;
            *self
                .inner_mut(parent)?
                .get_mut(idx)
                .ok_or(RmapError::Corrupt)? = sum;
            return Ok(());
        }
        let p = self.inner_mut(parent)?;
        // The left neighbour if there is one, else the right one.
        let left = idx.saturating_sub(1).min(p.len().saturating_sub(2));
        let (l, r) = match (p.get(left), p.get(left + 1)) {
            (Some(l), Some(r)) => (l.child, r.child),
            _ => return Err(RmapError::Corrupt),
        };
        // Merge the right one into the left one if both fit one node,
        // else share their items evenly (both are then at least half full).
        let (merged, ok) = match self.two_mut(l, r)? {
            (Body::Leaf(a), Body::Leaf(b)) if a.len() + b.len() <= cap => (true, b.move_tail(0, a)),
            (Body::Inner(a), Body::Inner(b)) if a.len() + b.len() <= cap => {
                (true, b.move_tail(0, a))
            }
            (Body::Leaf(a), Body::Leaf(b)) => (false, Leaf::balance(a, b)),
            (Body::Inner(a), Body::Inner(b)) => (false, Inner::balance(a, b)),
            _ => return Err(RmapError::Corrupt),
        };
        if !ok {
            return Err(RmapError::Corrupt);
        }
        let (ls, rs) = (self.summary(l)?, self.summary(r).ok());
        let p = self.inner_mut(parent)?;
        *p.get_mut(left).ok_or(RmapError::Corrupt)? = ls;
        if merged {
            p.remove(left + 1);
            self.release(r)?;
        } else {
            *p.get_mut(left + 1).ok_or(RmapError::Corrupt)? = rs.ok_or(RmapError::Corrupt)?;
        }
        Ok(())
    }
}
