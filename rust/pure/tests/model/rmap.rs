// SPDX-License-Identifier: GPL-2.0

//! The reverse-map model: a `Vec` of records scanned in full, the record
//! rules written with u128 arithmetic, and the runner that applies the
//! same insertions, removals and queries to a map and to the model;
//! shared by `tests/rmap_props.rs` and the fuzz target `rmap`
//! (`tools/fuzz`).

use std::ops::ControlFlow;

use daxhold_pure::rmap::{
    Node, Record, Rmap, RmapError, ATTR_FORK, BMBT_BLOCK, MAX_OFFSET, OWN_FS, OWN_MIN, OWN_NULL,
    OWN_UNKNOWN, UNWRITTEN,
};
use proptest::prelude::*;

/// The map's key: start, owner, then the offset under the attribute-fork
/// and extent-map bits (as XFS packs them).
pub fn key(r: &Record) -> (u64, u64, bool, bool, u64) {
    (
        r.start,
        r.owner,
        r.flags & ATTR_FORK != 0,
        r.flags & BMBT_BLOCK != 0,
        r.offset,
    )
}

/// The rules of `Record::check`, stated with wide integers.
pub fn rules(r: &Record) -> Result<(), RmapError> {
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
pub fn scan(model: &[Record], lo: u64, hi: u64) -> Vec<Record> {
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
pub fn query<S: std::ops::Deref<Target = [Node]>>(
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

#[derive(Clone, Debug)]
pub enum Op {
    Insert(Record),
    /// Remove the record at this index of the model (modulo its length),
    /// with its unwritten flag toggled if `true` (then it is not there).
    RemoveKnown(usize, bool),
    Remove(Record),
    Query(u64, u64, usize),
}

/// Runs `ops` on a map of `nodes` nodes and the given fanout, and on the
/// model; every result must agree.
pub fn run(ops: &[Op], nodes: usize, leaf: usize, inner: usize) -> Result<(), TestCaseError> {
    let mut map = Rmap::with_fanout(vec![Node::EMPTY; nodes], leaf, inner)
        .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    apply(&mut map, &mut Vec::new(), ops)
}

/// Runs `ops` on `map` and on `model`, which hold the same records; every
/// result must agree.
pub fn apply(
    map: &mut Rmap<Vec<Node>>,
    model: &mut Vec<Record>,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Insert(r) => insert(map, model, step, r)?,
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
            Op::Query(a, b, stop) => query_both(map, model, step, *a, *b, *stop)?,
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

/// Step `step` of [`apply`]: insert `r`.
fn insert(
    map: &mut Rmap<Vec<Node>>,
    model: &mut Vec<Record>,
    step: usize,
    r: &Record,
) -> Result<(), TestCaseError> {
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
        // Full storage: only when the splits could need more nodes than
        // are free, and nothing changed.
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
    Ok(())
}

/// Step `step` of [`apply`]: query `[a, b]` (or `[b, a]`), in full and
/// stopping after `stop` records.
fn query_both(
    map: &Rmap<Vec<Node>>,
    model: &[Record],
    step: usize,
    a: u64,
    b: u64,
    stop: usize,
) -> Result<(), TestCaseError> {
    let (lo, hi) = (a.min(b), a.max(b));
    let want = scan(model, lo, hi);
    let (got, flow) = query(map, lo, hi, usize::MAX);
    prop_assert_eq!(&got, &want, "step {}: [{}, {}]", step, lo, hi);
    prop_assert_eq!(flow, Ok(ControlFlow::Continue(())));
    // Stopping early gives the first records and the break.
    let (got, flow) = query(map, lo, hi, stop);
    let n = want.len().min(stop);
    prop_assert_eq!(&got[..], &want[..n]);
    if want.len() >= stop {
        prop_assert_eq!(flow, Ok(ControlFlow::Break(stop)));
    } else {
        prop_assert_eq!(flow, Ok(ControlFlow::Continue(())));
    }
    if lo < hi {
        prop_assert_eq!(query(map, hi, lo, 1).1, Err(RmapError::BadRange));
    }
    Ok(())
}

/// A bulk load of `recs` (valid records) into a map of the given fanout
/// gives what the records say, whatever their order (refused with one
/// node too few, or with duplicate keys); then `queries` and the changes
/// `extra` work on it.
pub fn check_load(
    recs: &[Record],
    leaf: usize,
    inner: usize,
    queries: &[(u64, u64)],
    extra: &[Op],
) -> Result<(), TestCaseError> {
    let mut model = recs.to_vec();
    model.sort_by_key(key);
    let dup = model.windows(2).any(|w| key(&w[0]) == key(&w[1]));
    let mut map = Rmap::with_fanout(vec![Node::EMPTY; 0], leaf, inner).unwrap();
    let need = map.nodes_to_load(recs.len());
    let mut loaded = recs.to_vec();
    // Too small by one node: refused.
    if need > 0 {
        map.grow(|s| s.resize(need - 1, Node::EMPTY)).unwrap();
        prop_assert_eq!(
            map.load(&mut loaded),
            Err(if dup {
                RmapError::Exists
            } else {
                RmapError::NoRoom
            })
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
    for &(a, b) in queries {
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert_eq!(query(&map, lo, hi, usize::MAX).0, scan(&model, lo, hi));
    }
    // Changes after the load, with room to grow.
    map.grow(|s| s.resize(need + 64, Node::EMPTY)).unwrap();
    apply(&mut map, &mut model, extra)
}
