// SPDX-License-Identifier: GPL-2.0

//! Property tests: `notify::check` and `name::parse` against simple models
//! written with std and u128 arithmetic.

use daxhold_pure::mf::{MfFlags, MF_ACTION_REQUIRED, MF_KNOWN, MF_MEM_PRE_REMOVE};
use daxhold_pure::name::{self, NameError, NAME_MAX_LEN};
use daxhold_pure::notify::{self, ArgError, Extent, Kind};
use proptest::prelude::*;

/// The model: the rules of notify::check, stated with wide integers.
fn model(offset: u64, len: u64, flags: u32) -> Result<(Extent, Kind), ArgError> {
    if flags & !MF_KNOWN != 0 {
        return Err(ArgError::UnknownFlags(flags & !MF_KNOWN));
    }
    if len == 0 {
        return Err(ArgError::ZeroLength);
    }
    let extent = if (offset, len) == (0, u64::MAX) {
        Extent::WholeDevice
    } else if u128::from(offset) + u128::from(len) > u128::from(u64::MAX) {
        return Err(ArgError::Overflow);
    } else {
        Extent::Range {
            offset,
            end: offset + len,
        }
    };
    let kind = match (
        flags & MF_MEM_PRE_REMOVE != 0,
        flags & MF_ACTION_REQUIRED != 0,
    ) {
        (true, _) => Kind::PreRemove,
        (false, true) => Kind::ActionRequired,
        (false, false) => Kind::ActionOptional,
    };
    Ok((extent, kind))
}

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
        let got = notify::check(offset, len, flags as i32).map(|f| (f.extent, f.kind));
        prop_assert_eq!(got, model(offset, len, flags));
    }

    #[test]
    fn flags_display_roundtrip(flags in any::<u32>()) {
        // Every named bit appears once; unknown bits appear as one hex word.
        let s = MfFlags(flags).to_string();
        let mut back = 0u32;
        for part in s.split('|') {
            back |= match part {
                "none" => 0,
                p if p.starts_with("0x") => u32::from_str_radix(&p[2..], 16).unwrap(),
                p => 1 << ["MF_COUNT_INCREASED", "MF_ACTION_REQUIRED", "MF_MUST_KILL",
                           "MF_SOFT_OFFLINE", "MF_UNPOISON", "MF_SW_SIMULATED",
                           "MF_NO_RETRY", "MF_MEM_PRE_REMOVE"]
                    .iter().position(|n| *n == p).unwrap(),
            };
        }
        prop_assert_eq!(back, flags);
    }

    #[test]
    fn parse_matches_model(input in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = input.strip_suffix(b"\n").unwrap_or(&input);
        let want: Result<Vec<u8>, NameError> = if s.is_empty() {
            Err(NameError::Empty)
        } else if s.len() > NAME_MAX_LEN {
            Err(NameError::TooLong)
        } else if let Some(b) = s.iter().find(|b| !(0x21..=0x7e).contains(*b)) {
            Err(if *b == b' ' { NameError::Space } else { NameError::NonPrintable })
        } else if s[0] == b'/' {
            Ok(s.to_vec())
        } else if s.contains(&b'/') {
            Err(NameError::Slash)
        } else {
            Ok([b"/dev/".as_slice(), s].concat())
        };
        let got = name::parse(&input).map(|p| p.as_bytes().to_vec());
        prop_assert_eq!(got, want);
    }

    #[test]
    fn parse_names_are_graphic(name in "[a-z][a-z0-9]{0,20}") {
        let p = name::parse(name.as_bytes()).unwrap();
        prop_assert_eq!(p.basename(), name.as_bytes());
        prop_assert_eq!(p.as_bytes_with_nul().last(), Some(&0u8));
    }
}
