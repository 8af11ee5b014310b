// SPDX-License-Identifier: GPL-2.0

//! Property tests of the stack model against a brute-force one.
//!
//! Random stacks (disks, partitions, dm devices of linear and striped
//! targets over any earlier device, some crowded onto one disk so that many
//! targets share bytes, some placed at the top of the 64-bit space) are
//! walked *forward*, sector by sector, from every upper device down through
//! its partition or target (dm-stripe's `stripe_map_sector()`, transcribed
//! from the C), which gives for every lower sector the upper sectors that
//! land on it. Translating a byte range up must give, byte for byte, what
//! that inverse map gives. The model is in `model/stack.rs`, which the
//! fuzz targets share.

use std::collections::BTreeSet;

use daxhold_pure::notify::Extent;
use daxhold_pure::stack::{DevId, Hit, Link, Segment, StackBuilder, StackError, MAX_LAYERS};
use proptest::prelude::*;

#[path = "model/stack.rs"]
mod model;
use model::{any_overlap, build, inverse, naive, normal, storage, translate, Model, Table, SS};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The shortcut for a range inside one segment gives exactly what the
    /// general walk gives ([`model::check_shortcut`]).
    #[test]
    fn shortcut_matches_general_walk(
        entropy in proptest::collection::vec(any::<u64>(), 0..160),
        q in proptest::collection::vec(any::<u64>(), 8..16),
        max_depth in 0u32..10,
        stop in 1usize..6,
    ) {
        model::check_shortcut(&entropy, &q, max_depth, stop)?;
    }

    /// Each route is what the general walk gives ([`model::check_routes`]).
    #[test]
    fn routes_match_general_walk(
        entropy in proptest::collection::vec(any::<u64>(), 0..160),
        q in proptest::collection::vec(any::<u64>(), 8..16),
        max_depth in 0u32..10,
    ) {
        model::check_routes(&entropy, &q, max_depth)?;
    }

    #[test]
    fn translation_matches_forward_walk(
        entropy in proptest::collection::vec(any::<u64>(), 0..160),
        q in proptest::collection::vec(any::<u64>(), 8..16),
    ) {
        model::check_forward(&entropy, &q)?;
    }

    #[test]
    fn crowded_matches_forward_walk(
        users in proptest::collection::vec(
            proptest::collection::vec((0u64..48, 1u64..24), 1..4), 1..12),
        q in proptest::collection::vec((0u64..80, 1u64..40), 1..8),
    ) {
        // Up to 11 dm devices, each of up to 3 linear targets anywhere on
        // the first 72 sectors of pmem0: more users of one byte than there
        // are overlap-free lists, nested and touching ranges.
        let mut tables = Vec::new();
        for (u, targets) in users.iter().enumerate() {
            let mut at = 0;
            for &(lower_start, len) in targets {
                tables.push(Table::Linear { dm: 1 + u as u32, start: at, len, lower: 0, lower_start });
                at += len;
            }
        }
        let m = Model { devices: 1 + users.len() as u32, area: vec![], tables };
        let (mut segs, mut links) = storage(&m);
        let stack = build(&m, &mut segs, &mut links);
        let inv = inverse(&m);
        for &(start, len) in &q {
            let (a, end) = (start * SS, (start + len) * SS);
            let got = translate(&stack, 0, Extent::Range { offset: a, end }).unwrap();
            let mut want = Vec::new();
            naive(&m, &inv, 0, a, end, 0, &mut want);
            prop_assert_eq!(normal(&got), normal(&want));
            let empty = got.iter().any(|h| matches!(h, Hit::Mapped { len: 0, .. }));
            prop_assert!(!empty);
        }
    }

    #[test]
    fn upper_overlaps_refused(
        targets in proptest::collection::vec((0u64..64, 1u64..16, 0u64..64), 1..8),
    ) {
        // Random linear targets of one dm device over pmem0, in sectors.
        let mut segs = vec![Segment::EMPTY; targets.len()];
        let mut links = vec![Link::EMPTY; targets.len()];
        let mut b = StackBuilder::new(&mut segs[..]);
        for &(start, len, lower) in &targets {
            b.linear(DevId(1), start * SS, len * SS, DevId(0), lower * SS).unwrap();
        }
        let overlap = any_overlap(targets.iter().map(|&(start, len, _)| (start, len)));
        let got = b.build(&mut links[..]).err();
        prop_assert_eq!(got, overlap.then_some(StackError::Overlap(DevId(1))));
    }

    #[test]
    fn partition_overlaps_refused(
        parts in proptest::collection::vec((0u64..64, 1u64..16), 1..6),
    ) {
        let mut segs = vec![Segment::EMPTY; parts.len()];
        let mut links = vec![Link::EMPTY; parts.len()];
        let mut b = StackBuilder::new(&mut segs[..]);
        for (i, &(start, len)) in parts.iter().enumerate() {
            b.partition(DevId(0), DevId(1 + i as u32), start * SS, len * SS).unwrap();
        }
        let overlap = any_overlap(parts.iter().copied());
        let got = b.build(&mut links[..]).err();
        prop_assert_eq!(got, overlap.then_some(StackError::PartitionOverlap(DevId(0))));
    }

    #[test]
    fn depth_limit(levels in 1u32..12, max in 0u32..10) {
        // A chain: dm 1 on pmem0, dm 2 on dm 1, ...
        let n = levels as usize;
        let mut segs = vec![Segment::EMPTY; n];
        let mut links = vec![Link::EMPTY; n];
        let mut b = StackBuilder::new(&mut segs[..]);
        for d in 1..=levels {
            b.linear(DevId(d), 0, 8 * SS, DevId(d - 1), 0).unwrap();
        }
        let stack = b.build(&mut links[..]).unwrap().with_max_depth(max).unwrap();
        let r = translate(&stack, 0, Extent::Range { offset: 0, end: 4096 });
        if levels > max {
            prop_assert_eq!(r, Err(StackError::TooDeep));
        } else {
            prop_assert_eq!(r.unwrap().len(), levels as usize + 1);
        }
        let r = translate(&stack, 0, Extent::WholeDevice);
        prop_assert_eq!(r.is_err(), levels > max);
    }
}

#[test]
fn crowded_lists_overflow() {
    // More dm devices over the same bytes than there are overlap-free
    // lists: the last list overlaps and must still give every user.
    let users = MAX_LAYERS as u32 + 5;
    let mut segs = vec![Segment::EMPTY; users as usize * 2];
    let mut links = vec![Link::EMPTY; users as usize * 2];
    let mut b = StackBuilder::new(&mut segs[..]);
    for u in 1..=users {
        // A long target and a short one nested in the next user's range.
        b.linear(DevId(u), 0, 64 * SS, DevId(0), u as u64 * SS)
            .unwrap();
        b.linear(DevId(u), 64 * SS, SS, DevId(0), 200 * SS).unwrap();
    }
    let stack = b.build(&mut links[..]).unwrap();
    let hits = translate(
        &stack,
        0,
        Extent::Range {
            offset: 40 * SS,
            end: 41 * SS,
        },
    )
    .unwrap();
    let mapped: BTreeSet<u32> = hits
        .iter()
        .filter_map(|h| match h {
            Hit::Mapped { device, .. } => Some(device.0),
            _ => None,
        })
        .collect();
    assert_eq!(mapped, (1..=users).collect());
}
