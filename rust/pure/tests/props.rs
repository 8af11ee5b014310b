// SPDX-License-Identifier: GPL-2.0

//! Property tests: `notify::check` and `name::parse` against simple models
//! written with std and u128 arithmetic (`model/notify.rs`, which the fuzz
//! targets share).

use daxhold_pure::name;
use proptest::prelude::*;

#[path = "model/notify.rs"]
mod model;
use model::{check_flags_text, check_name, check_notify};

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        (0u64..4096),
        any::<u64>(),
        any::<u64>().prop_map(|v| u64::MAX - (v % 8192)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn check_matches_model(offset in edge_u64(), len in edge_u64(), flags in any::<u32>()) {
        check_notify(offset, len, flags)?;
    }

    #[test]
    fn flags_display_roundtrip(flags in any::<u32>()) {
        check_flags_text(flags)?;
    }

    #[test]
    fn parse_matches_model(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_name(&input)?;
    }

    #[test]
    fn parse_names_are_graphic(name in "[a-z][a-z0-9]{0,20}") {
        let p = name::parse(name.as_bytes()).unwrap();
        prop_assert_eq!(p.basename(), name.as_bytes());
        prop_assert_eq!(p.as_bytes_with_nul().last(), Some(&0u8));
    }
}
