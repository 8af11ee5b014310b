// SPDX-License-Identifier: GPL-2.0

//! Reverse-map records: what the caller gives and gets ([`Record`]), and
//! the packed form the tree stores.

use super::error::RmapError;

/// The record belongs to the attribute fork of its owner (XFS's
/// `XFS_RMAP_ATTR_FORK`).
pub const ATTR_FORK: u32 = 1 << 0;
/// The blocks hold the owner's extent map, not its data (XFS's
/// `XFS_RMAP_BMBT_BLOCK`; ext4's extent-tree blocks): metadata of a file.
pub const BMBT_BLOCK: u32 = 1 << 1;
/// The blocks are allocated but unwritten (XFS's `XFS_RMAP_UNWRITTEN`, an
/// ext4 uninitialised extent): reads return zeroes, the media is unused.
pub const UNWRITTEN: u32 = 1 << 2;
/// Every flag a record may carry.
pub const KNOWN_FLAGS: u32 = ATTR_FORK | BMBT_BLOCK | UNWRITTEN;

/// Static filesystem metadata: superblocks, group descriptors, bitmaps
/// (XFS's `XFS_RMAP_OWN_FS`, `-3`).
pub const OWN_FS: u64 = -3i64 as u64;
/// The journal (`XFS_RMAP_OWN_LOG`).
pub const OWN_LOG: u64 = -4i64 as u64;
/// Per-group free-space metadata (`XFS_RMAP_OWN_AG`).
pub const OWN_AG: u64 = -5i64 as u64;
/// Inode allocation metadata (`XFS_RMAP_OWN_INOBT`).
pub const OWN_INOBT: u64 = -6i64 as u64;
/// Inode tables (`XFS_RMAP_OWN_INODES`).
pub const OWN_INODES: u64 = -7i64 as u64;
/// Reference-count metadata (`XFS_RMAP_OWN_REFC`).
pub const OWN_REFC: u64 = -8i64 as u64;
/// Copy-on-write staging extents (`XFS_RMAP_OWN_COW`).
pub const OWN_COW: u64 = -9i64 as u64;
/// The lowest metadata owner: owners in `OWN_MIN..=OWN_FS` are metadata.
pub const OWN_MIN: u64 = OWN_COW;
/// XFS's "no owner" (`-1`): not a valid record owner.
pub const OWN_NULL: u64 = u64::MAX;
/// XFS's "unknown owner" (`-2`): not a valid record owner.
pub const OWN_UNKNOWN: u64 = -2i64 as u64;

/// The largest file offset, in blocks, a record may reach: XFS's
/// `XFS_RMAP_OFF_MASK`, `2^54 - 1`. A file of at most `i64::MAX` bytes has
/// no block beyond it for any block size of 512 bytes or more.
pub const MAX_OFFSET: u64 = (1 << 54) - 1;

/// Flags kept in the top bits of the packed offset, as XFS does on disk.
const OFF_ATTR: u64 = 1 << 63;
const OFF_BMBT: u64 = 1 << 62;
const OFF_UNWRITTEN: u64 = 1 << 61;

/// What a record's blocks are, for whoever acts on a failure there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// File data (the data fork), written or not: its owner's mappings of
    /// those blocks are what a failure kills.
    Data,
    /// Extended-attribute data of a file (the attribute fork).
    Attr,
    /// Filesystem metadata: a metadata owner (`OWN_*`) or a file's extent
    /// map ([`BMBT_BLOCK`]).
    Metadata,
}

/// Whether `owner` is one of the metadata owners `OWN_MIN..=OWN_FS`.
pub fn is_metadata_owner(owner: u64) -> bool {
    (OWN_MIN..=OWN_FS).contains(&owner)
}

/// One reverse mapping, shaped like XFS's `struct xfs_rmap_irec`: blocks
/// `[start, start + count)` of the device belong to `owner`, at block
/// `offset` of its data or attribute fork.
///
/// Blocks are the caller's unit (filesystem blocks, or pages of the pmem);
/// the map only compares them. `owner` is an inode number or any other id
/// the caller resolves to a mapping (a kernel address of an
/// `address_space` is fine), or a metadata owner (`OWN_*`, the values XFS
/// uses). Several records may cover the same blocks (reflinked files share
/// them); records are ordered and told apart by their key `(start, owner,
/// offset, ATTR_FORK, BMBT_BLOCK)`, as XFS's rmapbt keys them.
///
/// A valid record (checked by every operation that takes one):
/// * `count >= 1` and `start + count - 1 <= u64::MAX`: a record may end at
///   the last block, never past it;
/// * `flags` only within [`KNOWN_FLAGS`];
/// * `owner` is not [`OWN_NULL`] or [`OWN_UNKNOWN`];
/// * a metadata owner has `offset == 0` and no flags;
/// * a [`BMBT_BLOCK`] record has `offset == 0` and is not [`UNWRITTEN`];
/// * [`UNWRITTEN`] only on file data (not with [`ATTR_FORK`]);
/// * file blocks end within [`MAX_OFFSET`]: `offset + count - 1 <= MAX_OFFSET`.
///
/// These are XFS's own rules (`xfs_rmap_check_irec()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// First block.
    pub start: u64,
    /// Number of blocks, at least 1.
    pub count: u64,
    /// Who owns the blocks: a file (inode or mapping id) or `OWN_*`.
    pub owner: u64,
    /// Block offset of `start` within the owner's fork (0 for metadata).
    pub offset: u64,
    /// [`ATTR_FORK`], [`BMBT_BLOCK`], [`UNWRITTEN`].
    pub flags: u32,
}

impl Record {
    /// File data: `count` blocks from `start`, at block `offset` of `owner`.
    pub fn data(start: u64, count: u64, owner: u64, offset: u64) -> Self {
        Record {
            start,
            count,
            owner,
            offset,
            flags: 0,
        }
    }

    /// Metadata owned by `owner` (one of the `OWN_*` values).
    pub fn metadata(start: u64, count: u64, owner: u64) -> Self {
        Record::data(start, count, owner, 0)
    }

    /// The same record with `flags` added.
    pub fn with_flags(self, flags: u32) -> Self {
        Record {
            flags: self.flags | flags,
            ..self
        }
    }

    /// The last block, if the record does not run past `u64::MAX`.
    pub fn last(&self) -> Option<u64> {
        self.start.checked_add(self.count.checked_sub(1)?)
    }

    /// What the blocks are: see [`Kind`].
    pub fn kind(&self) -> Kind {
        if is_metadata_owner(self.owner) || self.flags & BMBT_BLOCK != 0 {
            Kind::Metadata
        } else if self.flags & ATTR_FORK != 0 {
            Kind::Attr
        } else {
            Kind::Data
        }
    }

    /// Whether the record covers any block of `[lo, hi]` (both inclusive).
    pub fn overlaps(&self, lo: u64, hi: u64) -> bool {
        self.start <= hi && self.last().is_some_and(|last| last >= lo)
    }

    /// Checks the rules above.
    pub fn check(&self) -> Result<(), RmapError> {
        if self.count == 0 {
            return Err(RmapError::ZeroLength);
        }
        let blocks_after = self.count.saturating_sub(1);
        if self.start.checked_add(blocks_after).is_none() {
            return Err(RmapError::Overflow);
        }
        if self.flags & !KNOWN_FLAGS != 0 {
            return Err(RmapError::BadFlags);
        }
        if self.owner == OWN_NULL || self.owner == OWN_UNKNOWN {
            return Err(RmapError::BadOwner);
        }
        let attr = self.flags & ATTR_FORK != 0;
        let bmbt = self.flags & BMBT_BLOCK != 0;
        let unwritten = self.flags & UNWRITTEN != 0;
        if is_metadata_owner(self.owner) {
            if self.flags != 0 {
                return Err(RmapError::BadFlags);
            }
            if self.offset != 0 {
                return Err(RmapError::BadOffset);
            }
            return Ok(());
        }
        if unwritten && (bmbt || attr) {
            return Err(RmapError::BadFlags);
        }
        if bmbt && self.offset != 0 {
            return Err(RmapError::BadOffset);
        }
        // The file's last block, within XFS's offset limit.
        match self.offset.checked_add(blocks_after) {
            Some(end) if self.offset <= MAX_OFFSET && end <= MAX_OFFSET => Ok(()),
            _ => Err(RmapError::BadOffset),
        }
    }
}

/// A record's key: what orders records and tells them apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) start: u64,
    pub(super) owner: u64,
    /// The offset with the [`ATTR_FORK`] and [`BMBT_BLOCK`] bits on top.
    pub(super) off: u64,
}

impl Key {
    /// The smallest key.
    pub(super) const MIN: Key = Key {
        start: 0,
        owner: 0,
        off: 0,
    };
}

/// A checked record as the tree keeps it: 32 bytes, the flags on top of
/// the offset and the last block instead of the count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Packed {
    pub(super) start: u64,
    pub(super) last: u64,
    pub(super) owner: u64,
    off: u64,
}

impl Packed {
    /// An unused slot.
    pub(super) const ZERO: Packed = Packed {
        start: 0,
        last: 0,
        owner: 0,
        off: 0,
    };

    /// Packs a valid record ([`Record::check`]).
    pub(super) fn new(r: &Record) -> Result<Packed, RmapError> {
        r.check()?;
        let last = r.last().ok_or(RmapError::Overflow)?;
        let mut off = r.offset;
        for (flag, bit) in [
            (ATTR_FORK, OFF_ATTR),
            (BMBT_BLOCK, OFF_BMBT),
            (UNWRITTEN, OFF_UNWRITTEN),
        ] {
            if r.flags & flag != 0 {
                off |= bit;
            }
        }
        Ok(Packed {
            start: r.start,
            last,
            owner: r.owner,
            off,
        })
    }

    /// The record back.
    pub(super) fn unpack(&self) -> Record {
        let mut flags = 0;
        for (flag, bit) in [
            (ATTR_FORK, OFF_ATTR),
            (BMBT_BLOCK, OFF_BMBT),
            (UNWRITTEN, OFF_UNWRITTEN),
        ] {
            if self.off & bit != 0 {
                flags |= flag;
            }
        }
        Record {
            start: self.start,
            // `start <= last < start + u64::MAX` for every packed record.
            count: self.last.wrapping_sub(self.start).wrapping_add(1),
            owner: self.owner,
            offset: self.off & MAX_OFFSET,
            flags,
        }
    }

    /// The key of `r` (checked or not), as [`Packed::key`] would give it.
    pub(super) fn key_of(r: &Record) -> Key {
        Key {
            start: r.start,
            owner: r.owner,
            off: (r.offset & MAX_OFFSET)
                | if r.flags & ATTR_FORK != 0 {
                    OFF_ATTR
                } else {
                    0
                }
                | if r.flags & BMBT_BLOCK != 0 {
                    OFF_BMBT
                } else {
                    0
                },
        }
    }

    /// The key: [`UNWRITTEN`] is not part of it, as in XFS.
    pub(super) fn key(&self) -> Key {
        Key {
            start: self.start,
            owner: self.owner,
            off: self.off & !OFF_UNWRITTEN,
        }
    }
}
