// SPDX-License-Identifier: GPL-2.0

//! The routes of a snapshot: for each pmem disk, the ranges that reach one
//! top device the same way, cut when the snapshot is built, with which a
//! failure on one finds its top by a binary search instead of the walk.

use kernel::alloc::KVec;
use kernel::prelude::*;

use super::{is_pmem_disk, DevEntry, Snapshot};
use crate::pure::nopanic::count;
use crate::pure::notify::Extent;
use crate::pure::stack::{find_route, DevId, Hit, Link, Route, Segment, Stack, SECTOR_SIZE};

impl Snapshot {
    /// The one hit the walk gives for `extent` of `dev` when the extent is
    /// on a route (`pure::stack::route`): a [`Hit::Top`] found by one
    /// binary search, with its top device. `None`: walk the stack.
    #[inline]
    pub(crate) fn route(&self, dev: DevId, extent: Extent) -> Option<(Hit, Option<&DevEntry>)> {
        let routes = self.routes.get(..self.nr_routes)?;
        let (i, top) = find_route(routes, dev, extent)?;
        let entry = self.route_tops.get(i).and_then(|&d| self.devs.get(d));
        Some((top, entry))
    }
}

/// Where the top device of each of `routes` is in `devs` (`usize::MAX`: not
/// there). Without memory, an empty list, which leaves the snapshot with no
/// routes (`nr_routes` is its length).
pub(super) fn route_tops(devs: &[DevEntry], routes: &[Route]) -> KVec<usize> {
    let mut tops = KVec::new();
    if tops.reserve(routes.len(), GFP_KERNEL).is_err() {
        no_routes();
        return tops;
    }
    for r in routes {
        let i = devs
            .binary_search_by_key(&r.top.0, |d| d.info.dev)
            .unwrap_or(usize::MAX);
        // Reserved above: cannot fail.
        let _ = tops.push(i, GFP_KERNEL);
    }
    tops
}

/// Say that a snapshot has no routes for lack of memory.
fn no_routes() {
    pr_warn!("stack: no memory for the routes (ENOMEM); failures take the walk up the stack\n");
}

/// Most routes a snapshot keeps; past them failures take the walk.
const MAX_ROUTES: usize = 4096;

/// The routes of every pmem disk, in storage for as many as the stack can
/// have (two per segment and one per disk), and how many there are. Without
/// memory, none: every failure takes the walk.
pub(super) fn cut_routes(
    devs: &[DevEntry],
    stack: &Stack<KVec<Segment>, KVec<Link>>,
) -> (KVec<Route>, usize) {
    let disks = devs.iter().filter(|d| is_pmem_disk(d));
    let room = stack
        .segments()
        .len()
        .saturating_mul(2)
        .saturating_add(count(disks.clone()))
        .min(MAX_ROUTES);
    let Ok(mut routes) = KVec::from_elem(Route::default(), room, GFP_KERNEL) else {
        no_routes();
        return (KVec::new(), 0);
    };
    let mut n = 0usize;
    for d in disks {
        let bytes = d.info.nr_sects.saturating_mul(SECTOR_SIZE);
        let out = routes.get_mut(n..).unwrap_or(&mut []);
        n = n.saturating_add(stack.routes(DevId(d.info.dev), bytes, out));
    }
    (routes, n)
}
