// SPDX-License-Identifier: GPL-2.0

//! Why a dm target could not be read or added ([`TableError`]), naming
//! the [`Field`] at fault, in words for the kernel log.

use core::fmt;

use super::{dev_major_minor, MAJOR_LIMIT, MINOR_LIMIT};
use crate::pure::errname::{EINVAL, ERANGE};
use crate::pure::stack::{DevId, StackError};

/// A field of a target line, to say which one is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The target's first sector on the dm device.
    Begin,
    /// The target's length in sectors.
    Len,
    /// A linear target's device.
    LinearDevice,
    /// A linear target's first sector on its device.
    LinearStart,
    /// A striped target's number of stripes.
    StripeCount,
    /// A striped target's chunk size in sectors.
    ChunkSize,
    /// The device of stripe `n` (from 0).
    StripeDevice(u32),
    /// The first sector of stripe `n` (from 0) on its device.
    StripeStart(u32),
}

impl Field {
    fn is_device(self) -> bool {
        matches!(self, Field::LinearDevice | Field::StripeDevice(_))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Begin => f.write_str("target begin"),
            Field::Len => f.write_str("target length"),
            Field::LinearDevice => f.write_str("linear device"),
            Field::LinearStart => f.write_str("linear start sector"),
            Field::StripeCount => f.write_str("stripe count"),
            Field::ChunkSize => f.write_str("chunk size"),
            Field::StripeDevice(n) => write!(f, "stripe {n} device"),
            Field::StripeStart(n) => write!(f, "stripe {n} start sector"),
        }
    }
}

/// Why a target could not be read or added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The text ends before this field.
    Missing(Field),
    /// This field is not a decimal number (or `<major>:<minor>`) as dm
    /// writes it.
    Malformed(Field),
    /// The number in this field does not fit its type (`u64` sectors,
    /// `u32` stripe count, chunk size, major and minor).
    TooLarge(Field),
    /// A device whose major or minor is too large for a `dev_t`.
    BadDevice {
        /// Which device.
        field: Field,
        /// Its major number.
        major: u32,
        /// Its minor number.
        minor: u32,
    },
    /// The sectors of this field are past `u64::MAX` in bytes.
    BytesOverflow(Field),
    /// More text after this field, the last one expected.
    Trailing(Field),
    /// A striped target whose stripe count does not match the fields
    /// after the chunk size (two per stripe).
    StripeCount {
        /// The stripe count the text gives.
        stripes: u32,
        /// The fields after the chunk size.
        fields: u32,
    },
    /// The builder refused the target.
    Stack(StackError),
}

impl TableError {
    /// The negative errno for this error: `-EINVAL` for malformed text,
    /// `-ERANGE` for a number too large, the builder's errno otherwise.
    pub fn errno(self) -> i32 {
        match self {
            TableError::Missing(_)
            | TableError::Malformed(_)
            | TableError::Trailing(_)
            | TableError::StripeCount { .. } => -EINVAL,
            TableError::TooLarge(_)
            | TableError::BadDevice { .. }
            | TableError::BytesOverflow(_) => -ERANGE,
            TableError::Stack(e) => e.errno(),
        }
    }
}

impl From<StackError> for TableError {
    fn from(e: StackError) -> Self {
        TableError::Stack(e)
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TableError::Missing(field) => write!(f, "{field} missing"),
            TableError::Malformed(field) if field.is_device() => {
                write!(f, "{field} is not <major>:<minor> in decimal")
            }
            TableError::Malformed(field) => write!(f, "{field} is not a decimal number"),
            TableError::TooLarge(field) => match field {
                Field::StripeCount | Field::ChunkSize => write!(f, "{field} above {}", u32::MAX),
                Field::LinearDevice | Field::StripeDevice(_) => {
                    write!(f, "{field}: major or minor above {}", u32::MAX)
                }
                _ => write!(f, "{field} above {}", u64::MAX),
            },
            TableError::BadDevice {
                field,
                major,
                minor,
            } => write!(
                f,
                "{field} {major}:{minor} is no dev_t (major below {MAJOR_LIMIT}, minor below {MINOR_LIMIT})"
            ),
            TableError::BytesOverflow(field) => {
                write!(f, "{field} in bytes is past {}", u64::MAX)
            }
            TableError::Trailing(field) => write!(f, "unexpected text after {field}"),
            TableError::StripeCount { stripes, fields } => write!(
                f,
                "{stripes} stripes need {} fields after the chunk size, not {fields}",
                u64::from(stripes).saturating_mul(2)
            ),
            TableError::Stack(e) => stack_error(f, e),
        }
    }
}

/// Words for a builder error, with the device as `major:minor`.
fn stack_error(f: &mut fmt::Formatter<'_>, e: StackError) -> fmt::Result {
    let dev = |d: DevId| dev_major_minor(d);
    match e {
        StackError::NoRoom => f.write_str("no room for more segments"),
        StackError::ZeroLength => f.write_str("target of length zero"),
        StackError::Unaligned => f.write_str("range not in whole sectors"),
        StackError::Overflow => f.write_str("target end past the last byte"),
        StackError::SelfMap(d) => {
            let (ma, mi) = dev(d);
            write!(f, "device {ma}:{mi} maps onto itself")
        }
        StackError::Overlap(d) => {
            let (ma, mi) = dev(d);
            write!(f, "targets of {ma}:{mi} overlap")
        }
        StackError::PartitionOverlap(d) => {
            let (ma, mi) = dev(d);
            write!(f, "partitions of {ma}:{mi} overlap")
        }
        StackError::ZeroStripes => f.write_str("striped target with no stripes"),
        StackError::ZeroChunk => f.write_str("striped target with a chunk size of zero"),
        StackError::StripeLayout => {
            f.write_str("target length does not split into equal stripes of whole chunks")
        }
        StackError::TooDeep => f.write_str("stack too deep"),
        StackError::BadDepth => f.write_str("maximum depth out of range"),
    }
}
