// SPDX-License-Identifier: GPL-2.0

//! What translation gives its sink: one [`Hit`] per piece of a device
//! that the failed range reaches.

use super::segment::{DevId, Via};

/// One piece of the translation, given to the sink.
///
/// `depth` counts levels above the failed device: 0 is the failed device
/// itself, 1 a partition of it or a dm device on it, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hit {
    /// `len` bytes of `device` from `offset` lie on the failed range: the
    /// bytes of `from` (one level down) that they are, reached through `via`.
    Mapped {
        /// The upper device.
        device: DevId,
        /// Its level above the failed device (at least 1).
        depth: u32,
        /// First byte on `device`.
        offset: u64,
        /// Bytes.
        len: u64,
        /// The device one level down.
        from: DevId,
        /// The partition or target that maps them.
        via: Via,
    },
    /// `len` bytes of `device` from `offset` lie on the failed range, and
    /// other devices use `device` but none of them uses these bytes: a
    /// partition-table area, a gap between targets, the tail of a device.
    Unmapped {
        /// The device.
        device: DevId,
        /// Its level above the failed device.
        depth: u32,
        /// First byte on `device`.
        offset: u64,
        /// Bytes.
        len: u64,
    },
    /// `len` bytes of `device` from `offset` lie on the failed range, and no
    /// partition or dm device uses `device` at all: the top of the stack,
    /// where whatever uses `device` directly (a filesystem) owns them.
    Top {
        /// The device.
        device: DevId,
        /// Its level above the failed device.
        depth: u32,
        /// First byte on `device`.
        offset: u64,
        /// Bytes.
        len: u64,
    },
    /// All of `device`, which uses the failed device `depth` levels below it
    /// (the nearest way, when there are several): the translation of
    /// [`Extent::WholeDevice`](crate::pure::notify::Extent::WholeDevice).
    Whole {
        /// The upper device.
        device: DevId,
        /// Its level above the failed device (at least 1).
        depth: u32,
    },
}
