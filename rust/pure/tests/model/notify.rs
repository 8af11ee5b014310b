// SPDX-License-Identifier: GPL-2.0

//! Models of the checks of what reaches daxhold from outside: the
//! arguments of `notify_failure()` (`notify::check`, with wide integers),
//! the text of `mf_flags` read back, and the device names written to its
//! controls (`name::parse`); shared by `tests/props.rs` and the fuzz
//! targets `notify` and `control` (`tools/fuzz`).

use daxhold_pure::mf::{MfFlags, MF_ACTION_REQUIRED, MF_KNOWN, MF_MEM_PRE_REMOVE};
use daxhold_pure::name::{self, NameError, NAME_MAX_LEN};
use daxhold_pure::notify::{self, ArgError, Extent, Kind};
use proptest::prelude::*;

/// The model: the rules of notify::check, stated with wide integers.
pub fn model(offset: u64, len: u64, flags: u32) -> Result<(Extent, Kind), ArgError> {
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

/// `notify::check` agrees with the model.
pub fn check_notify(offset: u64, len: u64, flags: u32) -> Result<(), TestCaseError> {
    let got = notify::check(offset, len, flags as i32).map(|f| (f.extent, f.kind));
    prop_assert_eq!(got, model(offset, len, flags));
    Ok(())
}

/// `flags` displayed and read back: every named bit appears once, unknown
/// bits appear as one hex word.
pub fn check_flags_text(flags: u32) -> Result<(), TestCaseError> {
    let s = MfFlags(flags).to_string();
    let mut back = 0u32;
    for part in s.split('|') {
        back |= match part {
            "none" => 0,
            p if p.starts_with("0x") => u32::from_str_radix(&p[2..], 16).unwrap(),
            p => {
                1 << [
                    "MF_COUNT_INCREASED",
                    "MF_ACTION_REQUIRED",
                    "MF_MUST_KILL",
                    "MF_SOFT_OFFLINE",
                    "MF_UNPOISON",
                    "MF_SW_SIMULATED",
                    "MF_NO_RETRY",
                    "MF_MEM_PRE_REMOVE",
                ]
                .iter()
                .position(|n| *n == p)
                .unwrap()
            }
        };
    }
    prop_assert_eq!(back, flags);
    Ok(())
}

/// The model of `name::parse`: the path it gives, or why not.
pub fn name_model(input: &[u8]) -> Result<Vec<u8>, NameError> {
    let s = input.strip_suffix(b"\n").unwrap_or(input);
    if s.is_empty() {
        Err(NameError::Empty)
    } else if s.len() > NAME_MAX_LEN {
        Err(NameError::TooLong)
    } else if let Some(b) = s.iter().find(|b| !(0x21..=0x7e).contains(*b)) {
        Err(if *b == b' ' {
            NameError::Space
        } else {
            NameError::NonPrintable
        })
    } else if s[0] == b'/' {
        Ok(s.to_vec())
    } else if s.contains(&b'/') {
        Err(NameError::Slash)
    } else {
        Ok([b"/dev/".as_slice(), s].concat())
    }
}

/// `name::parse` agrees with the model.
pub fn check_name(input: &[u8]) -> Result<(), TestCaseError> {
    let got = name::parse(input).map(|p| p.as_bytes().to_vec());
    prop_assert_eq!(got, name_model(input));
    Ok(())
}
