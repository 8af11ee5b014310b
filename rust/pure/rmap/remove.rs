// SPDX-License-Identifier: GPL-2.0

//! Removing one record: a descent by key, then a merge with a neighbour
//! (or a share of its items) where a node falls below half full, on the
//! way back up.

use core::ops::DerefMut;

use super::error::RmapError;
use super::node::{Body, Inner, Leaf, Node, NIL};
use super::record::{Packed, Record};
use super::tree::Rmap;

impl<S: DerefMut<Target = [Node]>> Rmap<S> {
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
