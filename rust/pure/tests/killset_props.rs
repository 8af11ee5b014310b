// SPDX-License-Identifier: GPL-2.0

//! Property tests: the kill set against a naive model (a list of every
//! `add`, folded per task afterwards), under random sequences of tasks,
//! addresses and shifts, with storage too small, regrown midway or ample.
//! The model is in `model/killset.rs`, which the fuzz targets share.

use daxhold_pure::killset::{KillSet, Target};
use proptest::prelude::*;

#[path = "model/killset.rs"]
mod model;
use model::{check_regrow, check_set, check_turned_around, check_unmap, model};

fn adds() -> impl Strategy<Value = Vec<(u64, u64, u8)>> {
    prop::collection::vec(
        (
            0u64..12,
            any::<u64>(),
            prop::sample::select(vec![0u8, 12, 21, 30]),
        ),
        0..60,
    )
}

proptest! {
    #[test]
    fn set_matches_model(adds in adds(), cap in 0usize..14) {
        check_set(&adds, cap)?;
    }

    #[test]
    fn regrow_loses_nothing(adds in adds(), split in 0usize..60) {
        check_regrow(&adds, split)?;
    }

    /// Many tasks (the benchmark's thousand mappers and more), ids spread
    /// over the whole range, each found several times in random order.
    #[test]
    fn many_tasks_match_model(
        ids in prop::collection::vec(1u64.., 1..1500),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<u64>(),
                                        prop::sample::select(vec![12u8, 21, 30])), 0..4000),
        cap in 1000usize..1600,
    ) {
        let adds: Vec<(u64, u64, u8)> = ids
            .iter()
            .map(|&t| (t, t ^ 0x5555, 12))
            .chain(picks.iter().map(|(i, a, s)| (*i.get(&ids), *a, *s)))
            .collect();
        let mut store = vec![Target::default(); cap];
        let mut index = vec![0u32; cap];
        let mut set = KillSet::new((&mut store[..], &mut index[..]));
        for &(t, a, s) in &adds {
            set.add(t, a, s);
        }
        prop_assert_eq!(set.targets(), &model(&adds, cap)[..]);
    }

    #[test]
    fn unmap_covers_pages(pgoff in 0u64..(1 << 40), count in 1u64..4096,
                          shift in prop::sample::select(vec![0u8, 12, 21, 30])) {
        check_unmap(pgoff, count, shift)?;
    }

    /// The turned-around collect against the old one
    /// ([`model::check_turned_around`]).
    #[test]
    fn turned_around_matches_old(
        vmas in prop::collection::vec(
            (0u64..40, any::<u64>(), prop::sample::select(vec![0u8, 12, 12, 21, 30]), any::<bool>()),
            0..300),
        procs in prop::collection::vec(0u64..50, 0..200),
        first_room in 0usize..8,
    ) {
        check_turned_around(&vmas, &procs, first_room)?;
    }
}
