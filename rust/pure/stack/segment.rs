// SPDX-License-Identifier: GPL-2.0

//! Devices, segments (what an upper device uses of a lower one) and links
//! (the same segments indexed by lower device).

/// A block device of the stack: the pmem disk, a partition, a dm device.
///
/// The number is the caller's (the module uses its own small ids); the model
/// only compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DevId(pub u32);

/// Through what an upper range is reached from the lower device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// A partition of the lower disk.
    Partition,
    /// A dm `linear` target.
    Linear,
    /// Stripe number `stripe` (from 0) of a dm `striped` target.
    Striped {
        /// Which stripe of the target, in table order.
        stripe: u32,
    },
}

/// How a segment maps lower bytes to upper bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Map {
    /// Lower byte `lower_start + r` is upper byte `upper_start + r`.
    Partition,
    /// As `Partition`, for a dm `linear` target.
    Linear,
    /// Stripe `stripe` of `stripes`, chunks of `chunk` bytes (dm-stripe).
    Striped {
        /// Stripes of the target.
        stripes: u32,
        /// This segment's stripe.
        stripe: u32,
        /// Chunk size in bytes (non-zero).
        chunk: u64,
    },
}

/// One partition, one linear target, or one stripe of a striped target:
/// `lower_len` bytes of `lower` from `lower_start`, used by `upper` in its
/// bytes `[upper_start, upper_start + len)`.
///
/// For a stripe, the upper range is the whole striped target and the lower
/// range the stripe's share of it (`len / stripes` bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub(super) upper: DevId,
    pub(super) upper_start: u64,
    pub(super) len: u64,
    pub(super) lower: DevId,
    pub(super) lower_start: u64,
    pub(super) lower_len: u64,
    pub(super) map: Map,
}

impl Segment {
    /// An unused slot, to fill storage with before building.
    pub const EMPTY: Segment = Segment {
        upper: DevId(0),
        upper_start: 0,
        len: 0,
        lower: DevId(0),
        lower_start: 0,
        lower_len: 0,
        map: Map::Linear,
    };

    /// The device that uses the range (partition, dm device).
    pub fn upper(&self) -> DevId {
        self.upper
    }

    /// First byte of the upper range.
    pub fn upper_start(&self) -> u64 {
        self.upper_start
    }

    /// Bytes of the upper range (a whole striped target for a stripe).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the segment is an unused slot (no real segment has length 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The device the range lies on.
    pub fn lower(&self) -> DevId {
        self.lower
    }

    /// First byte of the lower range.
    pub fn lower_start(&self) -> u64 {
        self.lower_start
    }

    /// Bytes of the lower range.
    pub fn lower_len(&self) -> u64 {
        self.lower_len
    }

    /// What kind of mapping this is.
    pub fn via(&self) -> Via {
        match self.map {
            Map::Partition => Via::Partition,
            Map::Linear => Via::Linear,
            Map::Striped { stripe, .. } => Via::Striped { stripe },
        }
    }

    /// The stripe number, 0 for anything else: orders a target's stripes.
    pub(super) fn stripe(&self) -> u32 {
        match self.map {
            Map::Striped { stripe, .. } => stripe,
            Map::Partition | Map::Linear => 0,
        }
    }

    /// One past the last upper byte (checked when the segment was added).
    pub(super) fn upper_end(&self) -> u64 {
        self.upper_start.saturating_add(self.len)
    }
}

/// A segment as seen from its lower device: the index translation searches.
///
/// Built by [`super::StackBuilder::build`] into storage the caller provides,
/// one per segment; the fields are private to the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The lower device.
    pub(super) lower: DevId,
    /// Which of the lower device's lists this link is in.
    pub(super) layer: u8,
    /// How many lists the lower device has (the same on all its links).
    pub(super) layers: u8,
    /// First lower byte.
    pub(super) start: u64,
    /// One past the last lower byte.
    pub(super) end: u64,
    /// Largest `end` of this list up to and including this link.
    pub(super) reach: u64,
    /// Index of the segment in the sorted segments.
    pub(super) seg: u32,
}

impl Link {
    /// An unused slot, to fill storage with before building.
    pub const EMPTY: Link = Link {
        lower: DevId(0),
        layer: 0,
        layers: 0,
        start: 0,
        end: 0,
        reach: 0,
        seg: 0,
    };

    /// The search key: lists in order, each by running maximum of ends.
    pub(super) fn key(&self) -> (DevId, u8, u64) {
        (self.lower, self.layer, self.reach)
    }
}
