// SPDX-License-Identifier: GPL-2.0

//! Property tests: the reverse map against a naive model, a `Vec` of
//! records scanned in full, under random insertions, removals and queries
//! (shared ranges, nested records, both ends of the block space, tight
//! storage, early stops), and the record rules against a model written with
//! u128 arithmetic. The model is in `model/rmap.rs`, which the fuzz
//! targets share.

use daxhold_pure::rmap::{
    Record, ATTR_FORK, BMBT_BLOCK, INNER_MAX, LEAF_MAX, MAX_OFFSET, OWN_FS, OWN_NULL, OWN_UNKNOWN,
    UNWRITTEN,
};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

#[path = "model/rmap.rs"]
mod model;
use model::{check_load, rules, run, Op};

/// `cases` cases from the fast generator: these tests draw many values,
/// and ChaCha, proptest's default, dominates their time in a debug build.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
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

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => record().prop_map(Op::Insert),
        3 => (any::<usize>(), prop::bool::weighted(0.1)).prop_map(|(i, t)| Op::RemoveKnown(i, t)),
        1 => record().prop_map(Op::Remove),
        3 => (block(), block(), 1usize..6).prop_map(|(a, b, stop)| Op::Query(a, b, stop)),
    ]
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
        check_load(&recs, leaf, inner, &queries, &extra)?;
    }
}
