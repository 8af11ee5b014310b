// SPDX-License-Identifier: GPL-2.0

//! The fields of a target's status text, and the numbers and devices in
//! them, exactly as dm writes them.

use super::{dev_id, Field, TableError};
use crate::pure::stack::DevId;

/// The fields of a status line: separated by spaces, one trailing newline
/// ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    pub(super) fn new(text: &'a [u8]) -> Self {
        let rest = text.strip_suffix(b"\n").unwrap_or(text);
        Fields { rest }
    }

    /// The next field, or [`TableError::Missing`] if none.
    pub(super) fn need(&mut self, field: Field) -> Result<&'a [u8], TableError> {
        self.next().ok_or(TableError::Missing(field))
    }

    /// [`TableError::Trailing`] if any field is left after `last`.
    pub(super) fn end(mut self, last: Field) -> Result<(), TableError> {
        match self.next() {
            Some(_) => Err(TableError::Trailing(last)),
            None => Ok(()),
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let from = self.rest.iter().position(|&c| c != b' ')?;
        let text = self.rest.get(from..)?;
        let len = text.iter().position(|&c| c == b' ').unwrap_or(text.len());
        let field = text.get(..len)?;
        self.rest = text.get(len..).unwrap_or(&[]);
        Some(field)
    }
}

/// A decimal number as `%llu` writes it: digits only, no leading zero.
pub(super) fn decimal(text: &[u8], field: Field) -> Result<u64, TableError> {
    let canonical = match text {
        [] => false,
        [b'0', _, ..] => false,
        _ => text.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return Err(TableError::Malformed(field));
    }
    text.iter().try_fold(0u64, |n, &c| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c.wrapping_sub(b'0'))))
            .ok_or(TableError::TooLarge(field))
    })
}

/// A decimal `u32`.
pub(super) fn decimal32(text: &[u8], field: Field) -> Result<u32, TableError> {
    u32::try_from(decimal(text, field)?).map_err(|_| TableError::TooLarge(field))
}

/// A device as `format_dev_t()` writes it: `<major>:<minor>`.
pub(super) fn device(text: &[u8], field: Field) -> Result<DevId, TableError> {
    let colon = text
        .iter()
        .position(|&c| c == b':')
        .ok_or(TableError::Malformed(field))?;
    let major = text.get(..colon).ok_or(TableError::Malformed(field))?;
    let minor = text
        .get(colon.saturating_add(1)..)
        .ok_or(TableError::Malformed(field))?;
    // A second colon makes the minor malformed.
    let (major, minor) = (decimal32(major, field)?, decimal32(minor, field)?);
    dev_id(major, minor).ok_or(TableError::BadDevice {
        field,
        major,
        minor,
    })
}
