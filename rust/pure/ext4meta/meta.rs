// SPDX-License-Identifier: GPL-2.0

//! What a metadata block is: [`What`], and the extent that holds it as a
//! reverse-map record ([`Meta`]).

use core::fmt;

use crate::pure::rmap::{Record, OWN_AG, OWN_FS, OWN_INODES, OWN_LOG};

/// Which piece of static metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum What {
    /// The superblock held in `group`: the primary in group 0, a backup
    /// elsewhere.
    Superblock {
        /// The group that holds it.
        group: u32,
    },
    /// A copy of group descriptor blocks held in `group`. Without meta_bg,
    /// the whole table behind every superblock (primary in group 0); with
    /// meta_bg, the first `s_first_meta_bg` blocks so, and each later
    /// block in the first (primary), second and last group of its meta
    /// group.
    GroupDescs {
        /// The group that holds the copy.
        group: u32,
        /// The copy the kernel reads (the others are backups).
        primary: bool,
    },
    /// Reserved GDT blocks after the descriptor table in `group` (for
    /// online resize).
    ReservedGdt {
        /// The group that holds them.
        group: u32,
    },
    /// The block bitmap of `group` (wherever it lies: flex_bg packs them).
    BlockBitmap {
        /// The group it describes.
        group: u32,
    },
    /// The inode bitmap of `group`.
    InodeBitmap {
        /// The group it describes.
        group: u32,
    },
    /// The inode table of `group`.
    InodeTable {
        /// The group whose inodes it holds.
        group: u32,
    },
    /// An extent of the internal journal, from the superblock's backup of
    /// the journal inode (see [`super::Geometry::journal_extents`]).
    Journal {
        /// The journal block the extent starts with.
        logical: u32,
    },
    /// The multiple-mount protection block.
    Mmp,
}

impl What {
    /// The reverse-map owner: `OWN_FS` for superblocks, descriptors,
    /// reserved GDT blocks and the MMP block; `OWN_AG` for the bitmaps
    /// (per-group free-space metadata, as XFS's AG headers); `OWN_INODES`
    /// for inode tables; `OWN_LOG` for the journal.
    pub fn owner(&self) -> u64 {
        match self {
            What::Superblock { .. }
            | What::GroupDescs { .. }
            | What::ReservedGdt { .. }
            | What::Mmp => OWN_FS,
            What::BlockBitmap { .. } | What::InodeBitmap { .. } => OWN_AG,
            What::InodeTable { .. } => OWN_INODES,
            What::Journal { .. } => OWN_LOG,
        }
    }

    /// Whether this is a backup copy (superblock, descriptors, reserved
    /// GDT blocks outside their primary place): losing it loses no live
    /// state.
    pub fn is_backup(&self) -> bool {
        match *self {
            What::Superblock { group } | What::ReservedGdt { group } => group != 0,
            What::GroupDescs { primary, .. } => !primary,
            _ => false,
        }
    }
}

impl fmt::Display for What {
    /// A phrase for a dmesg line, e.g. `inode table of group 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            What::Superblock { group: 0 } => f.write_str("primary superblock"),
            What::Superblock { group } => write!(f, "backup superblock in group {group}"),
            What::GroupDescs {
                group,
                primary: true,
            } => write!(f, "group descriptors in group {group}"),
            What::GroupDescs { group, .. } => {
                write!(f, "backup group descriptors in group {group}")
            }
            What::ReservedGdt { group } => write!(f, "reserved GDT blocks in group {group}"),
            What::BlockBitmap { group } => write!(f, "block bitmap of group {group}"),
            What::InodeBitmap { group } => write!(f, "inode bitmap of group {group}"),
            What::InodeTable { group } => write!(f, "inode table of group {group}"),
            What::Journal { logical } => write!(f, "journal from its block {logical}"),
            What::Mmp => f.write_str("MMP block"),
        }
    }
}

/// A piece of static metadata and where it lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Meta {
    /// Which piece.
    pub what: What,
    /// Its blocks, as a reverse-map record: `Record::metadata(start,
    /// count, what.owner())`.
    pub extent: Record,
}

impl Meta {
    /// `count` blocks from `start`, which are `what`.
    pub fn new(what: What, start: u64, count: u64) -> Meta {
        Meta {
            what,
            extent: Record::metadata(start, count, what.owner()),
        }
    }

    /// Whether `block` is one of its blocks.
    pub fn contains(&self, block: u64) -> bool {
        self.extent.overlaps(block, block)
    }
}
