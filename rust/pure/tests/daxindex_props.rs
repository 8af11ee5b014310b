// SPDX-License-Identifier: GPL-2.0

//! Property tests: the DAX index against a naive model (a list of
//! mappings scanned in full) under random adds, forgets and queries, with
//! shared pages (several owners of one pfn), PMD-sized mappings, owners
//! that are close together (as inode addresses are) and tight storage.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use daxhold_pure::daxindex::{DaxIndex, Owner};
use daxhold_pure::rmap::{Node, RmapError};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

/// A mapping: (pfn, count, owner, pgoff).
type Map = (u64, u64, u64, u64);

#[derive(Clone, Debug)]
enum Op {
    Add(Map),
    Forget(u64),
    Query(u64, u64),
}

/// Owners a few bytes apart, so one owner's record in the owner-keyed map
/// (`[owner, owner + count)`) reaches into its neighbours.
fn owner() -> impl Strategy<Value = u64> {
    (0u64..6).prop_map(|i| 0xffff_8880_0000_0000 + i * 100)
}

fn mapping() -> impl Strategy<Value = Map> {
    (
        0u64..4096,
        prop_oneof![Just(1u64), Just(512u64), 1u64..8],
        owner(),
        0u64..64,
    )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => mapping().prop_map(Op::Add),
        1 => owner().prop_map(Op::Forget),
        3 => (0u64..5000, 0u64..600).prop_map(|(lo, n)| Op::Query(lo, lo + n)),
    ]
}

/// What the model answers for `[lo, hi]`: every mapping that overlaps,
/// clipped.
fn model_query(model: &BTreeSet<Map>, lo: u64, hi: u64) -> Vec<Owner> {
    let mut out: Vec<Owner> = model
        .iter()
        .filter(|&&(pfn, n, _, _)| pfn <= hi && pfn + n > lo)
        .map(|&(pfn, n, owner, pgoff)| {
            let first = pfn.max(lo);
            let last = (pfn + n - 1).min(hi);
            Owner {
                owner,
                pgoff: pgoff + (first - pfn),
                pfn: first,
                count: last - first + 1,
            }
        })
        .collect();
    out.sort();
    out
}

/// Every owner of `[lo, hi]`, sorted.
fn owners(ix: &DaxIndex<Vec<Node>>, lo: u64, hi: u64) -> Vec<Owner> {
    let mut got = Vec::new();
    let walked = ix.query(lo, hi, |o| {
        got.push(o);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(walked, Ok(ControlFlow::Continue(())));
    got.sort();
    got
}

/// Grow both storages as the kernel side does before each add.
fn reserve(ix: &mut DaxIndex<Vec<Node>>) {
    let (a, b) = ix.nodes_wanted();
    ix.grow(
        |s| s.resize(s.len() + a, Node::default()),
        |s| s.resize(s.len() + b, Node::default()),
    )
    .unwrap();
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn index_matches_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut ix = DaxIndex::new(Vec::new(), Vec::new());
        let mut model: BTreeSet<Map> = BTreeSet::new();
        for op in ops {
            match op {
                Op::Add(m @ (pfn, n, owner, pgoff)) => {
                    reserve(&mut ix);
                    let fresh = ix.add(pfn, n, owner, pgoff).unwrap();
                    // The key is (pfn, owner, pgoff); the model's count for
                    // an existing key stays the first one.
                    let known = model
                        .iter()
                        .any(|&(p, _, o, g)| (p, o, g) == (pfn, owner, pgoff));
                    prop_assert_eq!(fresh, !known);
                    if !known {
                        model.insert(m);
                    }
                }
                Op::Forget(owner) => {
                    let n = ix.forget(owner).unwrap();
                    let before = model.len();
                    model.retain(|&(_, _, o, _)| o != owner);
                    prop_assert_eq!(n, before - model.len());
                }
                Op::Query(lo, hi) => {
                    prop_assert_eq!(owners(&ix, lo, hi), model_query(&model, lo, hi));
                }
            }
            prop_assert_eq!(ix.len(), model.len());
        }
    }

    #[test]
    fn query_stops_early(maps in proptest::collection::vec(mapping(), 1..50)) {
        let mut ix = DaxIndex::new(Vec::new(), Vec::new());
        for (pfn, n, owner, pgoff) in maps {
            reserve(&mut ix);
            ix.add(pfn, n, owner, pgoff).unwrap();
        }
        let mut seen = 0;
        let r = ix.query(0, u64::MAX, |_| {
            seen += 1;
            ControlFlow::Break(())
        });
        prop_assert_eq!(r, Ok(ControlFlow::Break(())));
        prop_assert_eq!(seen, 1);
    }
}

#[test]
fn shared_page_has_every_owner() {
    let mut ix = DaxIndex::new(Vec::new(), Vec::new());
    reserve(&mut ix);
    assert_eq!(ix.add(100, 1, 0xa000, 7), Ok(true));
    reserve(&mut ix);
    assert_eq!(ix.add(100, 1, 0xb000, 0), Ok(true));
    reserve(&mut ix);
    assert_eq!(ix.add(100, 1, 0xa000, 7), Ok(false));
    let got: Vec<_> = owners(&ix, 100, 100)
        .iter()
        .map(|o| (o.owner, o.pgoff))
        .collect();
    assert_eq!(got, vec![(0xa000, 7), (0xb000, 0)]);
}

#[test]
fn pmd_mapping_is_clipped_to_the_query() {
    let mut ix = DaxIndex::new(Vec::new(), Vec::new());
    reserve(&mut ix);
    ix.add(0x200, 512, 0xa000, 512).unwrap();
    assert_eq!(
        owners(&ix, 0x205, 0x205),
        vec![Owner {
            owner: 0xa000,
            pgoff: 517,
            pfn: 0x205,
            count: 1
        }]
    );
}

#[test]
fn no_room_changes_nothing() {
    let mut ix = DaxIndex::new(Vec::new(), Vec::new());
    assert_eq!(ix.add(1, 1, 0xa000, 0), Err(RmapError::NoRoom));
    assert!(ix.is_empty());
    // Room for the pfn map only: the add is undone.
    ix.grow(|s| s.push(Node::default()), |_| {}).unwrap();
    assert_eq!(ix.add(1, 1, 0xa000, 0), Err(RmapError::NoRoom));
    assert!(ix.is_empty());
    assert!(owners(&ix, 0, u64::MAX).is_empty());
}
