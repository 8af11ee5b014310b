// SPDX-License-Identifier: GPL-2.0

//! Why a stack could not be built or a range could not be translated.

use crate::pure::errname::{EINVAL, ELOOP, ENOSPC, ERANGE};

use super::segment::DevId;

/// A bad table, too little storage, or a stack deeper than allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackError {
    /// The caller's storage has no room for another segment or link.
    NoRoom,
    /// A partition or target of length zero.
    ZeroLength,
    /// A start or length that is not a whole number of sectors.
    Unaligned,
    /// `start + len` past `u64::MAX`, or a sector count too large in bytes.
    Overflow,
    /// The device maps onto itself.
    SelfMap(DevId),
    /// Two partitions or targets of this upper device cover the same bytes.
    Overlap(DevId),
    /// Two partitions of this disk cover the same bytes.
    PartitionOverlap(DevId),
    /// A striped target with no stripes.
    ZeroStripes,
    /// A striped target with a chunk size of zero.
    ZeroChunk,
    /// A striped target whose length is not a multiple of the stripe count,
    /// or whose stripe width is not a multiple of the chunk size (dm-stripe
    /// refuses both).
    StripeLayout,
    /// The range reaches further than the maximum depth above the failed
    /// device (or the devices form a cycle).
    TooDeep,
    /// A maximum depth above [`super::MAX_DEPTH_LIMIT`].
    BadDepth,
}

impl StackError {
    /// The negative errno for this error.
    pub fn errno(self) -> i32 {
        match self {
            // -ENOSPC: the caller sized its storage too small.
            StackError::NoRoom => -ENOSPC,
            // -ERANGE: the numbers do not fit.
            StackError::Overflow => -ERANGE,
            // -ELOOP: too many levels, as for symbolic links.
            StackError::TooDeep => -ELOOP,
            // -EINVAL: a table the kernel would not have accepted.
            StackError::ZeroLength
            | StackError::Unaligned
            | StackError::SelfMap(_)
            | StackError::Overlap(_)
            | StackError::PartitionOverlap(_)
            | StackError::ZeroStripes
            | StackError::ZeroChunk
            | StackError::StripeLayout
            | StackError::BadDepth => -EINVAL,
        }
    }
}
