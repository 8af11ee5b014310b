// SPDX-License-Identifier: GPL-2.0

//! Inserting one record: a descent by key, then a split (or a share
//! with a neighbour) where a node is full, on the way back up.

use core::ops::DerefMut;

use super::error::RmapError;
use super::node::{Body, Entry, Inner, Leaf, Node, NIL};
use super::record::{Packed, Record};
use super::tree::{Path, Rmap};
use super::MAX_HEIGHT;

impl<S: DerefMut<Target = [Node]>> Rmap<S> {
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
        if self.split_nodes(&path, full)? > self.nodes_free() {
            return Err(RmapError::NoRoom);
        }
        self.insert_on_path(&path, rec)
    }

    /// Nodes the splits of an insertion into the leaf at the end of `path`
    /// need: the leaf if `full`, each full node above it, and a new root if
    /// the root splits. [`RmapError::NoRoom`] if the tree cannot grow a
    /// level.
    fn split_nodes(&self, path: &Path, full: bool) -> Result<usize, RmapError> {
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
        Ok(need)
    }

    /// Puts `rec` in the leaf at the end of `path` (at the step's slot),
    /// splits what is full on the way up and refreshes every entry above:
    /// the free nodes it needs were checked ([`Self::split_nodes`]).
    fn insert_on_path(&mut self, path: &Path, rec: Packed) -> Result<(), RmapError> {
        let leaf_step = path.leaf()?;
        let pos = leaf_step.idx as usize;
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
}
