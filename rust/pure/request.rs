// SPDX-License-Identifier: GPL-2.0

//! Parsing a `translate` request: `<disk> <offset> <len>`.
//!
//! `/sys/kernel/daxhold/translate` runs the failure path's translation for
//! a range of a held disk without acting on it (no holder is called): a
//! diagnostic, and what the consistency test drives. The numbers are
//! decimal or `0x` hexadecimal bytes; `len` is at least 1 and the range
//! must not wrap. One trailing newline is ignored.

use crate::pure::errname::{EINVAL, ERANGE};
use crate::pure::notify::Extent;

/// A checked request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translate<'a> {
    /// The held disk's name, e.g. `pmem0`.
    pub disk: &'a [u8],
    /// The byte range.
    pub extent: Extent,
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// Not three fields separated by single spaces.
    Fields,
    /// A number that is not decimal or `0x` hexadecimal, or does not fit.
    Number,
    /// A zero length.
    ZeroLength,
    /// `offset + len` past the end of the byte space.
    Overflow,
}

impl RequestError {
    /// The negative errno for this error.
    pub fn errno(self) -> i32 {
        match self {
            RequestError::Overflow => -ERANGE,
            _ => -EINVAL,
        }
    }

    /// What was wrong, for the one dmesg line.
    pub fn what(self) -> &'static str {
        match self {
            RequestError::Fields => "want '<disk> <offset> <len>'",
            RequestError::Number => "offset and len must be decimal or 0x-hex u64",
            RequestError::ZeroLength => "len is 0",
            RequestError::Overflow => "offset + len wraps past 2^64",
        }
    }
}

/// A u64 in decimal or `0x` hexadecimal, nothing else.
pub fn number(s: &[u8]) -> Option<u64> {
    let (digits, radix) = match s.strip_prefix(b"0x") {
        Some(hex) => (hex, 16u64),
        None => (s, 10u64),
    };
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &c| {
        let d = (c as char).to_digit(radix as u32)?;
        acc.checked_mul(radix)?.checked_add(u64::from(d))
    })
}

/// Parse `<disk> <offset> <len>`.
pub fn parse(input: &[u8]) -> Result<Translate<'_>, RequestError> {
    let line = input.strip_suffix(b"\n").unwrap_or(input);
    let mut fields = line.split(|&c| c == b' ');
    let (Some(disk), Some(off), Some(len), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(RequestError::Fields);
    };
    if disk.is_empty() {
        return Err(RequestError::Fields);
    }
    let offset = number(off).ok_or(RequestError::Number)?;
    let len = number(len).ok_or(RequestError::Number)?;
    if len == 0 {
        return Err(RequestError::ZeroLength);
    }
    let end = offset.checked_add(len).ok_or(RequestError::Overflow)?;
    Ok(Translate {
        disk,
        extent: Extent::Range { offset, end },
    })
}
