// SPDX-License-Identifier: GPL-2.0

//! Devices, segments (what an upper device uses of a lower one) and links
//! (the same segments indexed by lower device).

/// A block device of the stack: the pmem disk, a partition, a dm device.
///
/// The number is the caller's (the module uses the device's `dev_t`); the model
/// only compares them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
/// the bytes `[lower_start, lower_start + lower_len)` of `lower`, used by
/// `upper` in its bytes `[upper_start, upper_start + len)`.
///
/// For a stripe, the upper range is the whole striped target and the lower
/// range the stripe's share of it (`len / stripes` bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub(super) upper: DevId,
    pub(super) lower: DevId,
    /// Where the links of the devices using `upper` are: `[first, end)`,
    /// so translation goes up a level without searching for the device.
    pub(super) users: (u32, u32),
    pub(super) upper_start: u64,
    pub(super) len: u64,
    /// First lower byte.
    pub(super) start: u64,
    /// One past the last lower byte.
    pub(super) end: u64,
    pub(super) map: Map,
}

impl Segment {
    /// An unused slot, to fill storage with before building.
    pub const EMPTY: Segment = Segment {
        upper: DevId(0),
        lower: DevId(0),
        users: (0, 0),
        upper_start: 0,
        len: 0,
        start: 0,
        end: 0,
        map: Map::Linear,
    };

    /// A new segment, not yet indexed.
    pub(super) fn new(
        upper: DevId,
        upper_start: u64,
        len: u64,
        lower: DevId,
        start: u64,
        end: u64,
        map: Map,
    ) -> Self {
        Segment {
            upper,
            lower,
            upper_start,
            len,
            start,
            end,
            map,
            ..Segment::EMPTY
        }
    }

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
        self.start
    }

    /// Bytes of the lower range.
    pub fn lower_len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// What kind of mapping this is.
    pub fn via(&self) -> Via {
        match self.map {
            Map::Partition => Via::Partition,
            Map::Linear => Via::Linear,
            Map::Striped { stripe, .. } => Via::Striped { stripe },
        }
    }

    /// For a stripe of a striped target: the target's stripe count and
    /// chunk size in bytes; `None` for a partition or a linear target.
    pub fn striping(&self) -> Option<(u32, u64)> {
        match self.map {
            Map::Striped { stripes, chunk, .. } => Some((stripes, chunk)),
            Map::Partition | Map::Linear => None,
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

/// Bits of [`Link`]'s tag that hold the list number and the list count.
const LIST_BITS: u32 = 2;
const LIST_MASK: u32 = (1 << LIST_BITS) - 1;
const _: () = assert!(super::MAX_LAYERS <= 1 << LIST_BITS);

/// The most segments a stack holds: the rest of a [`Link`]'s tag.
pub(super) const MAX_SEGMENTS: usize = 1 << (32 - 2 * LIST_BITS);

/// A segment as seen from its lower device: the index translation searches,
/// 16 bytes so that a search stays in cache.
///
/// Built by [`super::StackBuilder::build`] into storage the caller provides,
/// one per segment; the fields are private to the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// Largest end of the lower ranges of this list up to and including
    /// this link's segment.
    pub(super) reach: u64,
    /// The lower device.
    pub(super) lower: DevId,
    /// Segment index, list count less one and list number, packed.
    tag: u32,
}

impl Link {
    /// An unused slot, to fill storage with before building.
    pub const EMPTY: Link = Link {
        reach: 0,
        lower: DevId(0),
        tag: 0,
    };

    /// A link to segment `seg` (below [`MAX_SEGMENTS`]) on `lower`.
    pub(super) fn new(lower: DevId, seg: u32) -> Self {
        Link {
            reach: 0,
            lower,
            tag: seg << (2 * LIST_BITS),
        }
    }

    /// Index of the segment.
    pub(super) fn seg(&self) -> usize {
        (self.tag >> (2 * LIST_BITS)) as usize
    }

    /// Which of the lower device's lists this link is in.
    pub(super) fn layer(&self) -> u8 {
        // Masked to LIST_BITS bits: fits.
        (self.tag & LIST_MASK) as u8
    }

    /// How many lists the lower device has (the same on all its links).
    pub(super) fn layers(&self) -> usize {
        ((self.tag >> LIST_BITS) & LIST_MASK) as usize + 1
    }

    /// Puts the link in list `layer` of `layers` (both within MAX_LAYERS).
    pub(super) fn set_list(&mut self, layer: usize, layers: usize) {
        let layer = (layer as u32) & LIST_MASK;
        let count = (layers.saturating_sub(1) as u32) & LIST_MASK;
        self.tag =
            (self.tag & !((LIST_MASK << LIST_BITS) | LIST_MASK)) | (count << LIST_BITS) | layer;
    }

    /// The search key: lists in order, each by running maximum of ends.
    pub(super) fn key(&self) -> (DevId, u8, u64) {
        (self.lower, self.layer(), self.reach)
    }
}
