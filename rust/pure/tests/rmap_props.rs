// SPDX-License-Identifier: GPL-2.0

//! Property tests: the reverse map against a naive model, a `Vec` of
//! records scanned in full, under random insertions, removals and queries
//! (shared ranges, nested records, both ends of the block space, tight
//! storage, early stops), and the record rules against a model written with
//! u128 arithmetic.

use std::ops::ControlFlow;

use daxhold_pure::rmap::{
    Node, Record, Rmap, RmapError, ATTR_FORK, BMBT_BLOCK, INNER_MAX, LEAF_MAX, MAX_OFFSET, OWN_FS,
    OWN_MIN, OWN_NULL, OWN_UNKNOWN, UNWRITTEN,
};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

/// `cases` cases from the fast generator: these tests draw many values,
/// and ChaCha, proptest's default, dominates their time in a debug build.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

/// The map's key: start, owner, then the offset under the attribute-fork
/// and extent-map bits (as XFS packs them).
fn key(r: &Record) -> (u64, u64, bool, bool, u64) {
    (
        r.start,
        r.owner,
        r.flags & ATTR_FORK != 0,
        r.flags & BMBT_BLOCK != 0,
        r.offset,
    )
}

/// The rules of `Record::check`, stated with wide integers.
fn rules(r: &Record) -> Result<(), RmapError> {
    if r.count == 0 {
        return Err(RmapError::ZeroLength);
    }
    if u128::from(r.start) + u128::from(r.count) - 1 > u128::from(u64::MAX) {
        return Err(RmapError::Overflow);
    }
    if r.flags & !(ATTR_FORK | BMBT_BLOCK | UNWRITTEN) != 0 {
        return Err(RmapError::BadFlags);
    }
    if r.owner == OWN_NULL || r.owner == OWN_UNKNOWN {
        return Err(RmapError::BadOwner);
    }
    let (attr, bmbt, unwritten) = (
        r.flags & ATTR_FORK != 0,
        r.flags & BMBT_BLOCK != 0,
        r.flags & UNWRITTEN != 0,
    );
    if r.owner >= OWN_MIN && r.owner <= OWN_FS {
        return match (r.flags, r.offset) {
            (0, 0) => Ok(()),
            (0, _) => Err(RmapError::BadOffset),
            _ => Err(RmapError::BadFlags),
        };
    }
    if unwritten && (attr || bmbt) {
        return Err(RmapError::BadFlags);
    }
    if bmbt && r.offset != 0 {
        return Err(RmapError::BadOffset);
    }
    if u128::from(r.offset) + u128::from(r.count) - 1 > u128::from(MAX_OFFSET) {
        return Err(RmapError::BadOffset);
    }
    Ok(())
}

/// Everything the model has on `[lo, hi]`, in key order.
fn scan(model: &[Record], lo: u64, hi: u64) -> Vec<Record> {
    let mut out: Vec<Record> = model
        .iter()
        .filter(|r| {
            u128::from(r.start) <= u128::from(hi)
                && u128::from(r.start) + u128::from(r.count) > u128::from(lo)
        })
        .copied()
        .collect();
    out.sort_by_key(key);
    out
}

/// Everything the map gives on `[lo, hi]`, stopping after `stop` records.
fn query<S: std::ops::Deref<Target = [Node]>>(
    map: &Rmap<S>,
    lo: u64,
    hi: u64,
    stop: usize,
) -> (Vec<Record>, Result<ControlFlow<usize>, RmapError>) {
    let mut out = Vec::new();
    let r = map.query_range(lo, hi, |r| {
        out.push(*r);
        if out.len() >= stop {
            ControlFlow::Break(out.len())
        } else {
            ControlFlow::Continue(())
        }
    });
    (out, r)
}

/// Blocks near 0, near the top of the space, or anywhere.
fn block() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..96,
        2 => (0u64..96).prop_map(|v| u64::MAX - v),
        1 => any::<u64>(),
    ]
}

/// Mostly short counts, some long ones (nesting), some that overflow.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 1u64..12,
        2 => 12u64..200,
        1 => Just(0u64),
        1 => any::<u64>(),
        1 => (0u64..4).prop_map(|v| u64::MAX - v),
    ]
}

/// A few file owners (so records share blocks), metadata owners, and the
/// two that are never valid.
fn owner() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 1u64..5,
        2 => (0u64..7).prop_map(|v| OWN_FS - v),
        1 => Just(OWN_NULL),
        1 => Just(OWN_UNKNOWN),
        1 => any::<u64>(),
    ]
}

fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => Just(0u64),
        4 => 0u64..8,
        1 => (0u64..4).prop_map(|v| MAX_OFFSET - v),
        1 => any::<u64>(),
    ]
}

fn flags() -> impl Strategy<Value = u32> {
    prop_oneof![
        8 => Just(0u32),
        4 => 0u32..8,
        1 => any::<u32>(),
    ]
}

/// Any record, valid or not.
fn record() -> impl Strategy<Value = Record> {
    (block(), count(), owner(), offset(), flags()).prop_map(
        |(start, count, owner, offset, flags)| Record {
            start,
            count,
            owner,
            offset,
            flags,
        },
    )
}

/// A valid record: file data (either fork, unwritten or not), an extent-map
/// block, or metadata, never past the last block.
fn valid_record() -> impl Strategy<Value = Record> {
    (block(), 1u64..200, 1u64..5, 0u64..8, 0u32..6).prop_map(
        |(start, count, owner, offset, what)| {
            let count = count.min((u64::MAX - start).saturating_add(1));
            let file = Record::data(start, count, owner, offset);
            match what {
                0 => file.with_flags(UNWRITTEN),
                1 => file.with_flags(ATTR_FORK),
                2 => Record { offset: 0, ..file }.with_flags(BMBT_BLOCK),
                3 => Record::metadata(start, count, OWN_FS - owner),
                _ => file,
            }
        },
    )
}

#[derive(Clone, Debug)]
enum Op {
    Insert(Record),
    /// Remove the record at this index of the model (modulo its length),
    /// with its unwritten flag toggled if `true` (then it is not there).
    RemoveKnown(usize, bool),
    Remove(Record),
    Query(u64, u64, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => record().prop_map(Op::Insert),
        3 => (any::<usize>(), prop::bool::weighted(0.1)).prop_map(|(i, t)| Op::RemoveKnown(i, t)),
        1 => record().prop_map(Op::Remove),
        3 => (block(), block(), 1usize..6).prop_map(|(a, b, stop)| Op::Query(a, b, stop)),
    ]
}

/// Runs `ops` on a map of `nodes` nodes and the given fanout, and on the
/// model; every result must agree.
fn run(ops: &[Op], nodes: usize, leaf: usize, inner: usize) -> Result<(), TestCaseError> {
    let mut map = Rmap::with_fanout(vec![Node::EMPTY; nodes], leaf, inner)
        .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    apply(&mut map, &mut Vec::new(), ops)
}

/// Runs `ops` on `map` and on `model`, which hold the same records; every
/// result must agree.
fn apply(
    map: &mut Rmap<Vec<Node>>,
    model: &mut Vec<Record>,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Insert(r) => {
                let free = map.nodes_free();
                let room = free > map.height();
                let got = map.insert(r);
                let want = rules(r).and_then(|()| {
                    if model.iter().any(|m| key(m) == key(r)) {
                        Err(RmapError::Exists)
                    } else {
                        Ok(())
                    }
                });
                match (got, want) {
                    // Full storage: only when the splits could need more
                    // nodes than are free, and nothing changed.
                    (Err(RmapError::NoRoom), Ok(())) => {
                        prop_assert!(!room, "NoRoom with {} free, height {}", free, map.height());
                        prop_assert_eq!(map.nodes_free(), free);
                    }
                    (got, want) => {
                        prop_assert_eq!(got, want, "step {}: insert {:?}", step, r);
                        if got.is_ok() {
                            model.push(*r);
                        }
                    }
                }
            }
            Op::RemoveKnown(i, toggle) => {
                if model.is_empty() {
                    continue;
                }
                let i = i % model.len();
                if *toggle {
                    let r = Record {
                        flags: model[i].flags ^ UNWRITTEN,
                        ..model[i]
                    };
                    let want = rules(&r).and(Err(RmapError::NotFound));
                    prop_assert_eq!(map.remove(&r), want, "step {}", step);
                } else {
                    let r = model.swap_remove(i);
                    prop_assert_eq!(map.remove(&r), Ok(()), "step {}: remove {:?}", step, r);
                }
            }
            Op::Remove(r) => {
                let want = rules(r).and_then(|()| match model.iter().position(|m| m == r) {
                    Some(i) => {
                        model.swap_remove(i);
                        Ok(())
                    }
                    None => Err(RmapError::NotFound),
                });
                prop_assert_eq!(map.remove(r), want, "step {}: remove {:?}", step, r);
            }
            Op::Query(a, b, stop) => {
                let (lo, hi) = (*a.min(b), *a.max(b));
                let want = scan(model, lo, hi);
                let (got, flow) = query(map, lo, hi, usize::MAX);
                prop_assert_eq!(&got, &want, "step {}: [{}, {}]", step, lo, hi);
                prop_assert_eq!(flow, Ok(ControlFlow::Continue(())));
                // Stopping early gives the first records and the break.
                let (got, flow) = query(map, lo, hi, *stop);
                let n = want.len().min(*stop);
                prop_assert_eq!(&got[..], &want[..n]);
                if want.len() >= *stop {
                    prop_assert_eq!(flow, Ok(ControlFlow::Break(*stop)));
                } else {
                    prop_assert_eq!(flow, Ok(ControlFlow::Continue(())));
                }
                if lo < hi {
                    prop_assert_eq!(query(map, hi, lo, 1).1, Err(RmapError::BadRange));
                }
            }
        }
        prop_assert_eq!(map.len(), model.len());
        prop_assert_eq!(map.check(), Ok(()), "step {}: {:?}", step, op);
    }
    // Everything, and every record by itself.
    let (all, _) = query(map, 0, u64::MAX, usize::MAX);
    prop_assert_eq!(all, scan(model, 0, u64::MAX));
    for r in model.iter() {
        prop_assert!(map.contains(r));
    }
    prop_assert!(map.nodes_used() <= map.nodes_to_hold(map.len()).max(1));
    Ok(())
}

proptest! {
    #![proptest_config(config(10_000))]

    /// Small nodes (deep trees) and ample storage.
    #[test]
    fn changes_match_model_small_nodes(
        ops in prop::collection::vec(op(), 1..120),
        leaf in 4usize..7,
        inner in 4usize..7,
    ) {
        run(&ops, 160, leaf, inner)?;
    }

    /// Tight storage: insertions run out of nodes, and nothing changes.
    #[test]
    fn changes_match_model_tight_storage(
        ops in prop::collection::vec(op(), 1..80),
        nodes in 0usize..12,
        leaf in 4usize..=LEAF_MAX,
        inner in 4usize..=INNER_MAX,
    ) {
        run(&ops, nodes, leaf, inner)?;
    }

    /// The record rules.
    #[test]
    fn check_matches_rules(r in record()) {
        prop_assert_eq!(r.check(), rules(&r));
        if r.check().is_ok() {
            let last = r.last();
            prop_assert_eq!(last.map(u128::from), Some(u128::from(r.start) + u128::from(r.count) - 1));
        }
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    /// The default fanout, more operations: several levels.
    #[test]
    fn changes_match_model_default_fanout(ops in prop::collection::vec(op(), 100..400)) {
        run(&ops, 512, LEAF_MAX, INNER_MAX)?;
    }

    /// A bulk load gives what the records say, whatever their order; then
    /// changes work on it.
    #[test]
    fn load_matches_model(
        recs in prop::collection::vec(valid_record(), 0..300),
        leaf in 4usize..=LEAF_MAX,
        inner in 4usize..=INNER_MAX,
        queries in prop::collection::vec((block(), block()), 1..20),
        extra in prop::collection::vec(op(), 0..40),
    ) {
        let mut model = recs.clone();
        model.sort_by_key(key);
        let dup = model.windows(2).any(|w| key(&w[0]) == key(&w[1]));
        let mut map = Rmap::with_fanout(vec![Node::EMPTY; 0], leaf, inner).unwrap();
        let need = map.nodes_to_load(recs.len());
        let mut loaded = recs.clone();
        // Too small by one node: refused.
        if need > 0 {
            map.grow(|s| s.resize(need - 1, Node::EMPTY)).unwrap();
            prop_assert_eq!(
                map.load(&mut loaded),
                Err(if dup { RmapError::Exists } else { RmapError::NoRoom })
            );
            prop_assert!(map.is_empty());
        }
        map.grow(|s| s.resize(need, Node::EMPTY)).unwrap();
        let got = map.load(&mut loaded);
        if dup {
            prop_assert_eq!(got, Err(RmapError::Exists));
            prop_assert!(map.is_empty());
            return Ok(());
        }
        prop_assert_eq!(got, Ok(()));
        prop_assert_eq!(map.check(), Ok(()));
        prop_assert_eq!(map.nodes_used(), need);
        prop_assert_eq!(&loaded, &model);
        for (a, b) in queries {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert_eq!(query(&map, lo, hi, usize::MAX).0, scan(&model, lo, hi));
        }
        // Changes after the load, with room to grow.
        map.grow(|s| s.resize(need + 64, Node::EMPTY)).unwrap();
        apply(&mut map, &mut model, &extra)?;
    }
}
