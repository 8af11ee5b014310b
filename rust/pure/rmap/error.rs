// SPDX-License-Identifier: GPL-2.0

//! Why a reverse-map operation failed.

use crate::pure::errname::{EEXIST, EINVAL, EIO, ENOENT, ENOSPC, ERANGE};

/// A bad record or range, a missing or duplicate record, or full storage.
///
/// A failed operation leaves the map as it was (except
/// [`super::Rmap::load`], which leaves it empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RmapError {
    /// A record of zero blocks.
    ZeroLength,
    /// A record whose last block would be past `u64::MAX`.
    Overflow,
    /// Unknown flags, or flags that do not go together or with the owner.
    BadFlags,
    /// `OWN_NULL` or `OWN_UNKNOWN` as a record's owner.
    BadOwner,
    /// A non-zero offset where it must be 0 (metadata, extent-map blocks),
    /// or file blocks past [`super::MAX_OFFSET`].
    BadOffset,
    /// A query whose low block is above its high block.
    BadRange,
    /// A record with the same key (start, owner, offset, fork) is already in
    /// the map.
    Exists,
    /// No record equal to the one to remove.
    NotFound,
    /// The caller's storage has no free node for the insertion (or the tree
    /// would be deeper than [`super::MAX_HEIGHT`]).
    NoRoom,
    /// The fanout asked of [`super::Rmap::with_fanout`] is out of range.
    BadFanout,
    /// The storage does not hold what the map wrote there (it was changed
    /// through [`super::Rmap::grow`]); the map is unusable until cleared.
    Corrupt,
}

impl RmapError {
    /// The negative errno for this error.
    pub fn errno(self) -> i32 {
        match self {
            // -ENOSPC: the caller sized its storage too small.
            RmapError::NoRoom => -ENOSPC,
            // -ERANGE: the numbers do not fit.
            RmapError::Overflow => -ERANGE,
            RmapError::Exists => -EEXIST,
            RmapError::NotFound => -ENOENT,
            RmapError::Corrupt => -EIO,
            RmapError::ZeroLength
            | RmapError::BadFlags
            | RmapError::BadOwner
            | RmapError::BadOffset
            | RmapError::BadRange
            | RmapError::BadFanout => -EINVAL,
        }
    }
}
