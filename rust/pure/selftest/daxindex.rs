// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_daxindex` suite ([`super::DAXINDEX_CASES`]): the
//! index of DAX mappings, on node arrays (no allocation, as KUnit runs them
//! on a kernel stack: [`NODES`] nodes of 528 bytes per map).

use core::ops::ControlFlow;

use super::Fail;
use crate::pure::daxindex::{DaxIndex, Owner};
use crate::pure::rmap::{Node, RmapError};

const NODES: usize = 3;
const HITS: usize = 8;

/// Two inode-like owners closer together than a PMD record is long, so
/// their records in the owner-keyed map overlap.
const A: u64 = 0xffff_8880_0000_1000;
const B: u64 = A + 600;

/// Runs `f` on an empty index over stack arrays.
fn with_index(f: impl FnOnce(&mut DaxIndex<&mut [Node]>) -> Result<(), Fail>) -> Result<(), Fail> {
    let mut a: [Node; NODES] = core::array::from_fn(|_| Node::default());
    let mut b: [Node; NODES] = core::array::from_fn(|_| Node::default());
    let mut ix = DaxIndex::new(&mut a[..], &mut b[..]);
    f(&mut ix)
}

/// Owners of pfns `[lo, hi]`, in a fixed array; `None` if more than fit or
/// the query failed.
fn owners(ix: &DaxIndex<&mut [Node]>, lo: u64, hi: u64) -> Option<([Option<Owner>; HITS], usize)> {
    let mut out = [None; HITS];
    let mut n = 0usize;
    let r = ix.query(lo, hi, |o| match out.get_mut(n) {
        Some(slot) => {
            *slot = Some(o);
            n += 1;
            ControlFlow::Continue(())
        }
        None => ControlFlow::Break(()),
    });
    matches!(r, Ok(ControlFlow::Continue(()))).then_some((out, n))
}

/// A page shared by two files (reflink) has both owners, each at its own
/// pgoff; adding a mapping again changes nothing.
pub(super) fn shared_page() -> Result<(), Fail> {
    with_index(|ix| {
        ensure!(ix.add(100, 1, A, 7) == Ok(true));
        ensure!(ix.add(100, 1, B, 0) == Ok(true));
        ensure!(ix.add(100, 1, A, 7) == Ok(false));
        ensure!(ix.len() == 2);
        let Some((got, n)) = owners(ix, 100, 100) else {
            ensure!(false);
            return Ok(());
        };
        ensure!(n == 2);
        ensure!(got[0].map(|o| (o.owner, o.pgoff)) == Some((A, 7)));
        ensure!(got[1].map(|o| (o.owner, o.pgoff)) == Some((B, 0)));
        ensure!(owners(ix, 101, 200).map(|(_, n)| n) == Some(0));
        Ok(())
    })
}

/// A PMD mapping answers for the pages asked, at their own pgoffs.
pub(super) fn pmd_clipped() -> Result<(), Fail> {
    with_index(|ix| {
        ensure!(ix.add(0x200, 512, A, 512) == Ok(true));
        let Some((got, n)) = owners(ix, 0x205, 0x205) else {
            ensure!(false);
            return Ok(());
        };
        ensure!(n == 1);
        ensure!(
            got[0]
                == Some(Owner {
                    owner: A,
                    pgoff: 517,
                    pfn: 0x205,
                    count: 1
                })
        );
        let Some((got, _)) = owners(ix, 0x1f0, 0x201) else {
            ensure!(false);
            return Ok(());
        };
        ensure!(got[0].map(|o| (o.pfn, o.count, o.pgoff)) == Some((0x200, 2, 512)));
        Ok(())
    })
}

/// Forgetting an evicted file drops its mappings only, even where its
/// records and a neighbour's overlap in the owner-keyed map.
pub(super) fn forget_owner() -> Result<(), Fail> {
    with_index(|ix| {
        ensure!(ix.add(0x400, 512, A, 0) == Ok(true));
        ensure!(ix.add(10, 1, A, 600) == Ok(true));
        ensure!(ix.add(10, 1, B, 3) == Ok(true));
        ensure!(ix.add(11, 1, B, 4) == Ok(true));
        ensure!(ix.forget(A) == Ok(2));
        ensure!(ix.len() == 2);
        ensure!(owners(ix, 0x400, 0x5ff).map(|(_, n)| n) == Some(0));
        let Some((got, n)) = owners(ix, 0, u64::MAX) else {
            ensure!(false);
            return Ok(());
        };
        ensure!(n == 2 && got[0].map(|o| o.owner) == Some(B));
        ensure!(ix.forget(A) == Ok(0));
        ensure!(ix.forget(B) == Ok(2));
        ensure!(ix.is_empty());
        Ok(())
    })
}

/// Without room the index is unchanged, and says why.
pub(super) fn no_room() -> Result<(), Fail> {
    let mut ix = DaxIndex::new(&mut [][..], &mut [][..]);
    ensure!(ix.add(1, 1, A, 0) == Err(RmapError::NoRoom));
    ensure!(ix.is_empty());
    ensure!(ix.nodes_wanted() == (1, 1));
    Ok(())
}
