// SPDX-License-Identifier: GPL-2.0

//! The storage stack above a pmem disk, and translation of a failed byte
//! range up through it.
//!
//! A failure arrives as `(dax_dev, offset, len)` on the pmem disk. What sits
//! above the disk is a directed acyclic graph of block devices, each named by
//! a [`DevId`]:
//!
//! * partitions of a disk: one linear piece of the disk each;
//! * device-mapper devices whose table holds `linear` targets (over a disk, a
//!   partition or another dm device) and `striped` targets (chunks spread
//!   round-robin over several lower devices, as `drivers/md/dm-stripe.c`).
//!
//! Every partition, linear target and stripe of a striped target is one
//! [`Segment`]: a range of a *lower* device that an *upper* device uses.
//! [`StackBuilder`] collects them in storage the caller owns (no allocation:
//! anything that derefs to a slice; the module will back it with `KVec`,
//! the host uses `Vec`, the shared test cases arrays), checks them and
//! indexes them; the resulting [`Stack`] translates a range of any device
//! into every range it reaches above, level by level ([`Hit`]), through a
//! caller-provided sink, and never allocates, sleeps or panics.
//!
//! # Storage and complexity
//!
//! The caller gives two slices of the same length: one [`Segment`] per
//! partition, linear target or stripe (kept sorted by upper device: each
//! table is checked there, and the whole-device form walks down from it),
//! and one [`Link`] per segment (16 bytes: the index by lower device that
//! translation searches, small so that a search stays in cache). Building
//! sorts both: `O(n log n)` time, no other memory.
//!
//! Translating a range visits, at each device it reaches, only the segments
//! that overlap the range: one binary search per *list* of the device, then
//! one step per overlapping segment, so `O(log n + k)` per device for `k`
//! segments hit; going up a level needs no search for the upper device
//! (each segment records where its upper device's users are). Lists: the
//! links of one lower device are split at build time into at most
//! [`MAX_LAYERS`] lists, the first `MAX_LAYERS - 1` of which have no
//! overlaps (a greedy interval colouring, which needs exactly as many lists
//! as segments share one byte: one for a disk with partitions, an LVM volume
//! group, a striped set; two when two dm devices map the same partition). If
//! more than `MAX_LAYERS - 1` upper ranges share a byte, the rest go to the
//! last list, which may overlap and is searched by the running maximum of
//! segment ends: still correct, but a search of that list can step over
//! segments nested below a long one.
//!
//! [`Stack::routes`] cuts a device into [`Route`]s, stretches that go up one
//! chain of linear maps to one top, so that a failure inside one is answered
//! by one binary search ([`find_route`]) instead of the walk; see
//! `route.rs`.
//!
//! The whole-device form ([`Extent::WholeDevice`]) reports every device that
//! uses the failed one at any level, each once, in `O(D * P * log n)` for `D`
//! devices in the stack and `P` downward paths from a device (a handful in
//! real stacks).
//!
//! [`Extent::WholeDevice`]: crate::pure::notify::Extent::WholeDevice

mod build;
mod error;
mod hit;
mod route;
mod segment;
mod translate;
mod whole;

pub use build::StackBuilder;
pub use error::StackError;
pub use hit::Hit;
pub use route::{find as find_route, Route};
pub use segment::{DevId, Link, Segment, Via};
pub use translate::Stack;

/// Bytes in a sector: the unit of every partition and dm table in the kernel.
pub const SECTOR_SIZE: u64 = 512;

/// How many levels above the failed device translation goes by default.
pub const DEFAULT_MAX_DEPTH: u32 = 8;

/// The largest maximum depth a [`Stack`] accepts: translation recurses once
/// per level, and the failure path runs on a kernel stack.
pub const MAX_DEPTH_LIMIT: u32 = 16;

/// The most segments a stack holds (the rest of a [`Link`]'s 32-bit tag
/// after the list bits).
pub const MAX_SEGMENTS: usize = segment::MAX_SEGMENTS;

/// Lists (layers) the segments of one lower device are split into; see the
/// module documentation.
pub const MAX_LAYERS: usize = 4;
