// SPDX-License-Identifier: GPL-2.0

//! The reverse map on the host: the shared cases (also run by KUnit in the
//! module), then larger maps in `Vec`s checked against a linear scan.

use std::ops::ControlFlow;

use daxhold_pure::rmap::{
    Node, Record, Rmap, RmapError, INNER_MAX, LEAF_MAX, NODE_BYTES, OWN_FS, UNWRITTEN,
};
use daxhold_pure::selftest::RMAP_CASES;

#[test]
fn rmap_cases() {
    for (name, case) in RMAP_CASES {
        if let Err(fail) = case() {
            panic!("{name}: line {}: {}", fail.line, fail.what);
        }
    }
}

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the map gives for `[lo, hi]`.
fn hits(map: &Rmap<Vec<Node>>, lo: u64, hi: u64) -> Vec<Record> {
    let mut out = Vec::new();
    let r = map.query_range(lo, hi, |r| {
        out.push(*r);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(r, Ok(ControlFlow::Continue(())));
    out
}

/// The same by a scan of `model`, in key order.
fn scan(model: &[Record], lo: u64, hi: u64) -> Vec<Record> {
    let mut out: Vec<Record> = model
        .iter()
        .filter(|r| r.overlaps(lo, hi))
        .copied()
        .collect();
    // The map's key order: start, owner, then the offset with the attribute
    // fork bit and the extent-map bit on top.
    out.sort_by_key(|r| (r.start, r.owner, r.flags & 1, r.flags & 2, r.offset));
    out
}

/// A random record in `[0, space)`, a fifth of them on blocks another
/// record already has.
fn record(rng: &mut Rng, space: u64, model: &[Record]) -> Record {
    let owner = 1 + rng.below(50);
    if !model.is_empty() && rng.below(5) == 0 {
        let other = model[rng.below(model.len() as u64) as usize];
        return Record::data(other.start, other.count, owner, rng.below(1 << 20));
    }
    let start = rng.below(space);
    let count = 1 + rng.below(64).min(space - start - 1);
    let r = Record::data(start, count, owner, rng.below(1 << 20));
    match rng.below(10) {
        0 => Record::metadata(start, count, OWN_FS - rng.below(6)),
        1 => r.with_flags(UNWRITTEN),
        _ => r,
    }
}

#[test]
fn node_is_528_bytes() {
    assert_eq!(NODE_BYTES, 528);
    assert_eq!((LEAF_MAX, INNER_MAX), (16, 12));
}

/// Random insertions and removals at both fanouts, checked against a scan.
#[test]
fn random_changes_match_a_scan() {
    for (leaf, inner) in [(4, 4), (5, 7), (LEAF_MAX, INNER_MAX)] {
        let mut rng = Rng(0x5eed ^ leaf as u64);
        let mut map = Rmap::with_fanout(vec![Node::EMPTY; 4000], leaf, inner).unwrap();
        let mut model: Vec<Record> = Vec::new();
        let space = 20_000;
        for step in 0..6000 {
            if rng.below(3) == 0 && !model.is_empty() {
                let i = rng.below(model.len() as u64) as usize;
                let r = model.swap_remove(i);
                assert_eq!(map.remove(&r), Ok(()));
            } else {
                let r = record(&mut rng, space, &model);
                let dup = model.iter().any(|m| {
                    (m.start, m.owner, m.offset, m.flags & 3)
                        == (r.start, r.owner, r.offset, r.flags & 3)
                });
                let got = map.insert(&r);
                if dup {
                    assert_eq!(got, Err(RmapError::Exists));
                } else {
                    assert_eq!(got, Ok(()));
                    model.push(r);
                }
            }
            assert_eq!(map.len(), model.len());
            if step % 97 == 0 {
                assert_eq!(map.check(), Ok(()), "step {step}");
                let lo = rng.below(space);
                let hi = lo + rng.below(200);
                assert_eq!(hits(&map, lo, hi), scan(&model, lo, hi), "[{lo}, {hi}]");
            }
        }
        assert_eq!(map.check(), Ok(()));
        assert_eq!(hits(&map, 0, u64::MAX), scan(&model, 0, u64::MAX));
        assert!(map.nodes_used() <= map.nodes_to_hold(map.len()));
    }
}

/// Ascending and descending runs, then everything removed.
#[test]
fn sequential_runs() {
    let n = 10_000u64;
    let mut map = Rmap::new(vec![Node::EMPTY; 2000]);
    for i in 0..n {
        map.insert(&Record::data(i * 2, 2, 7, i * 2)).unwrap();
        map.insert(&Record::data((2 * n - i) * 2, 1, 8, i)).unwrap();
    }
    assert_eq!(map.check(), Ok(()));
    assert_eq!(map.len(), 2 * n as usize);
    // Sequential runs leave leaves about three quarters full.
    let per = map.bytes_used() as f64 / map.len() as f64;
    assert!(per < 48.0, "{per} bytes per record");
    assert_eq!(hits(&map, 100, 101).len(), 1);
    for i in 0..n {
        map.remove(&Record::data(i * 2, 2, 7, i * 2)).unwrap();
        if i % 1000 == 0 {
            assert_eq!(map.check(), Ok(()));
        }
    }
    for i in (0..n).rev() {
        map.remove(&Record::data((2 * n - i) * 2, 1, 8, i)).unwrap();
    }
    assert_eq!(map.check(), Ok(()));
    assert!(map.is_empty() && map.nodes_used() == 0);
}

/// A bulk load of 100,000 records: about 36 bytes each, queries right,
/// then changes.
#[test]
fn load_and_change() {
    let mut rng = Rng(42);
    let space = 4_000_000;
    let mut model = Vec::new();
    while model.len() < 100_000 {
        let r = record(&mut rng, space, &model);
        model.push(r);
    }
    model.sort_by_key(|r| (r.start, r.owner, r.offset, r.flags & 3));
    model.dedup_by_key(|r| (r.start, r.owner, r.offset, r.flags & 3));
    let mut recs = model.clone();
    let mut map = Rmap::new(Vec::new());
    let need = map.nodes_to_load(recs.len());
    map.grow(|s| s.resize(need, Node::EMPTY)).unwrap();
    map.load(&mut recs).unwrap();
    assert_eq!(map.check(), Ok(()));
    assert_eq!(map.nodes_used(), need);
    let per = map.bytes_used() as f64 / map.len() as f64;
    assert!(per < 37.0, "{per} bytes per record");
    for _ in 0..300 {
        let lo = rng.below(space);
        let hi = lo + rng.below(100);
        assert_eq!(hits(&map, lo, hi), scan(&model, lo, hi));
    }
    // Full storage: grow it, as the module would with its KVec.
    let extra = record(&mut rng, space, &[]);
    let extra = Record {
        owner: 999,
        ..extra
    };
    let got = map.insert(&extra);
    if got == Err(RmapError::NoRoom) {
        map.grow(|s| s.resize(s.len() + 64, Node::EMPTY)).unwrap();
        map.insert(&extra).unwrap();
    }
    model.push(extra);
    for r in model.iter().step_by(3) {
        map.remove(r).unwrap();
    }
    let kept: Vec<Record> = model
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 0)
        .map(|(_, r)| *r)
        .collect();
    assert_eq!(map.check(), Ok(()));
    assert_eq!(hits(&map, 0, u64::MAX), scan(&kept, 0, u64::MAX));
    // Shrinking below what is in use empties the map.
    assert_eq!(map.grow(|s| s.truncate(1)), Err(RmapError::Corrupt));
    assert!(map.is_empty() && map.check().is_ok());
}

/// Random insertions into a loaded map: how full the leaves stay.
#[test]
fn memory_after_random_insertions() {
    let mut rng = Rng(7);
    let mut map = Rmap::new(vec![Node::EMPTY; 20_000]);
    let mut n = 0;
    while n < 100_000 {
        let r = Record::data(
            rng.next() >> 4,
            1 + rng.below(16),
            rng.below(100),
            rng.below(1 << 30),
        );
        if map.insert(&r).is_ok() {
            n += 1;
        }
    }
    let per = map.bytes_used() as f64 / map.len() as f64;
    println!("{per:.1} bytes per record after random insertions");
    assert!(per <= 48.0, "{per} bytes per record");
}
