// SPDX-License-Identifier: GPL-2.0

//! Which files map which pmem pages: the reverse map daxhold keeps for
//! filesystems that have none of their own (ext4, ext2, XFS without
//! rmapbt).
//!
//! Records come from the filesystems' own DAX state: each DAX entry of a
//! file's mapping says "page `pgoff` of this file is `1 << order` pages at
//! pfn `pfn`" (see Documentation/design.rst, "Where the records come
//! from"). The index keeps them as reverse-map [`Record`]s keyed by pfn
//! (`start` = first pfn, `count` = pages, `owner` = the file, `offset` =
//! pgoff), so a failure's physical range finds every owner with one
//! [`Rmap::query_range`], however many files share the page (reflink).
//!
//! A second map keyed by owner (`start` = owner, `owner` = pfn) lets an
//! evicted file's records be dropped in `O(k log n)` without a scan.
//!
//! Owners are opaque `u64`s to this module (the kernel side uses the inode's
//! address, which it checks is still live before using it).

use core::ops::{ControlFlow, Deref, DerefMut};

use super::rmap::{Node, Record, Rmap, RmapError};

/// One owner of a queried range: pages `[pgoff, pgoff + count)` of file
/// `owner` are pfns `[pfn, pfn + count)`, all inside the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner {
    pub owner: u64,
    pub pgoff: u64,
    pub pfn: u64,
    pub count: u64,
}

/// Records dropped per pass of [`DaxIndex::forget`] (a query cannot change
/// the map it walks, so removal goes in batches of this many).
const FORGET_BATCH: usize = 16;

/// The index: two reverse maps over caller storage (`Vec`, `KVec`).
pub struct DaxIndex<S> {
    by_pfn: Rmap<S>,
    by_owner: Rmap<S>,
}

impl<S: DerefMut<Target = [Node]>> DaxIndex<S> {
    /// An empty index over two storages.
    pub fn new(pfn_nodes: S, owner_nodes: S) -> Self {
        DaxIndex {
            by_pfn: Rmap::new(pfn_nodes),
            by_owner: Rmap::new(owner_nodes),
        }
    }

    /// Mappings in the index.
    pub fn len(&self) -> usize {
        self.by_pfn.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.by_pfn.is_empty()
    }

    /// Bytes of node storage in use, both maps.
    pub fn bytes_used(&self) -> usize {
        self.by_pfn
            .bytes_used()
            .saturating_add(self.by_owner.bytes_used())
    }

    /// Free nodes each map needs before an [`DaxIndex::add`] cannot fail
    /// for want of room: one split per level plus a new root.
    pub fn nodes_wanted(&self) -> (usize, usize) {
        let want = |m: &Rmap<S>| {
            let need = m.height().saturating_add(1);
            need.saturating_sub(m.nodes_free())
        };
        (want(&self.by_pfn), want(&self.by_owner))
    }

    /// Let `pfn_grow` and `owner_grow` add nodes to the two storages (see
    /// [`Rmap::grow`]).
    pub fn grow(
        &mut self,
        pfn_grow: impl FnOnce(&mut S),
        owner_grow: impl FnOnce(&mut S),
    ) -> Result<(), RmapError> {
        self.by_pfn.grow(pfn_grow)?;
        self.by_owner.grow(owner_grow)
    }

    /// Records that page `pgoff` of `owner` is `count` pages at `pfn`.
    /// `Ok(false)` if the index had it already. On an error (a bad range,
    /// no room) the index is unchanged.
    pub fn add(&mut self, pfn: u64, count: u64, owner: u64, pgoff: u64) -> Result<bool, RmapError> {
        let fwd = Record::data(pfn, count, owner, pgoff);
        let back = Record::data(owner, count, pfn, pgoff);
        match self.by_pfn.insert(&fwd) {
            Ok(()) => {}
            Err(RmapError::Exists) => return Ok(false),
            Err(e) => return Err(e),
        }
        if let Err(e) = self.by_owner.insert(&back) {
            // Undo, so both maps hold the same mappings.
            self.by_pfn.remove(&fwd).map_err(|_| RmapError::Corrupt)?;
            return Err(e);
        }
        Ok(true)
    }

    /// Drops every record of `owner`; returns how many there were.
    pub fn forget(&mut self, owner: u64) -> Result<usize, RmapError> {
        let mut dropped = 0usize;
        loop {
            let mut batch = [None::<Record>; FORGET_BATCH];
            let mut n = 0usize;
            // Stopped or not, the batch holds what was found.
            let _ = self.by_owner.query_range(owner, owner, |r| {
                if r.start != owner {
                    // A record of a lower owner long enough to reach here.
                    return ControlFlow::Continue(());
                }
                if let Some(slot) = batch.get_mut(n) {
                    *slot = Some(*r);
                    n += 1;
                }
                if n == FORGET_BATCH {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })?;
            if n == 0 {
                return Ok(dropped);
            }
            for back in batch.iter().flatten() {
                let fwd = Record::data(back.owner, back.count, owner, back.offset);
                self.by_pfn.remove(&fwd)?;
                self.by_owner.remove(back)?;
                dropped = dropped.saturating_add(1);
            }
        }
    }

    /// Drops every record.
    pub fn clear(&mut self) {
        self.by_pfn.clear();
        self.by_owner.clear();
    }
}

impl<S: Deref<Target = [Node]>> DaxIndex<S> {
    /// Calls `f` with every owner of pfns `[lo, hi]` (inclusive), clipped
    /// to that range, in pfn order; `f` may stop the walk.
    pub fn query<B>(
        &self,
        lo: u64,
        hi: u64,
        mut f: impl FnMut(Owner) -> ControlFlow<B>,
    ) -> Result<ControlFlow<B>, RmapError> {
        self.by_pfn.query_range(lo, hi, |r| match clip(r, lo, hi) {
            Some(o) => f(o),
            None => ControlFlow::Continue(()),
        })
    }
}

/// The part of record `r` inside pfns `[lo, hi]`.
fn clip(r: &Record, lo: u64, hi: u64) -> Option<Owner> {
    let last = r.last()?;
    let first = r.start.max(lo);
    let end = last.min(hi);
    let skip = first.checked_sub(r.start)?;
    Some(Owner {
        owner: r.owner,
        pgoff: r.offset.checked_add(skip)?,
        pfn: first,
        count: end.checked_sub(first)?.checked_add(1)?,
    })
}
