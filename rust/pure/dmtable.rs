// SPDX-License-Identifier: GPL-2.0

//! Reading a device-mapper table, target by target, into a [`StackBuilder`].
//!
//! For each target of a dm device's live table the module has its `begin`
//! and `len` (sectors), its type name and the text of its
//! `status(STATUSTYPE_TABLE)`: what `dmsetup table` prints after the type.
//! Two types are stacks of other block devices:
//!
//! * `linear` (`drivers/md/dm-linear.c`): `<dev> <start>`, e.g. `259:0 2048`;
//! * `striped` (`drivers/md/dm-stripe.c`): `<stripes> <chunk_sectors>`
//!   then `<dev> <start>` per stripe, e.g. `2 8 259:1 0 259:2 0`.
//!
//! Devices are always `format_dev_t()`'s `<major>:<minor>`, numbers are
//! `%llu` (sectors): this module accepts exactly that and nothing looser
//! (decimal digits only, no sign, no leading zeros, no empty field, exactly
//! the fields expected), except that runs of spaces separate fields like
//! one and a single trailing newline is ignored. A device's [`DevId`] is
//! its `dev_t` ([`dev_id`]). Any other target type is no stack (`crypt`,
//! `error`, `zero`, `thin`...): [`add_target`] adds nothing for it and says
//! so. Nothing here allocates or panics; the stripes of a striped target
//! are read from the text as the builder goes ([`StackBuilder::striped_iter`]),
//! so their number has no bound but the builder's storage.
//!
//! The errors are in `error.rs`, the reading of fields, numbers and
//! devices in `text.rs`.

mod error;
mod text;

use core::ops::DerefMut;

use crate::pure::nopanic;
use crate::pure::stack::{DevId, Segment, StackBuilder, SECTOR_SIZE};
pub use error::{Field, TableError};
use text::{decimal, decimal32, device, Fields};

/// Bits of a `dev_t` for the minor number (the kernel's `MINORBITS`).
pub const MINORBITS: u32 = 20;

/// One past the largest major number (`dev_t` is 32 bits).
pub const MAJOR_LIMIT: u32 = 1 << (32 - MINORBITS);

/// One past the largest minor number.
pub const MINOR_LIMIT: u32 = 1 << MINORBITS;

/// The [`DevId`] of device `major:minor`: its `dev_t`, `MKDEV(major,
/// minor)`; `None` if either is out of range.
pub fn dev_id(major: u32, minor: u32) -> Option<DevId> {
    if major < MAJOR_LIMIT && minor < MINOR_LIMIT {
        Some(DevId((major << MINORBITS) | minor))
    } else {
        None
    }
}

/// `(MAJOR(dev), MINOR(dev))` of a [`DevId`] made by [`dev_id`].
pub fn dev_major_minor(dev: DevId) -> (u32, u32) {
    (dev.0 >> MINORBITS, dev.0 & (MINOR_LIMIT - 1))
}

/// Which kind of target [`add_target`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A `linear` target: one segment added.
    Linear,
    /// A `striped` target: one segment per stripe added.
    Striped {
        /// Its number of stripes.
        stripes: u32,
    },
    /// Any other target type: nothing added (the caller logs it).
    Other,
}
/// A target read from its status text, in sectors as the kernel has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// `linear <dev> <start>`.
    Linear {
        /// The lower device.
        dev: DevId,
        /// Its first sector the target uses.
        start: u64,
    },
    /// `striped <stripes> <chunk> <dev> <start>...`.
    Striped(Striped<'a>),
    /// Any other type: not read.
    Other,
}

/// A striped target whose text was checked: its stripes are read again,
/// from the same text, by [`Striped::stripes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Striped<'a> {
    count: u32,
    chunk_sectors: u32,
    /// The `<dev> <start>` fields, all checked.
    pairs: Fields<'a>,
}

impl<'a> Striped<'a> {
    /// Number of stripes, as the text gives it (zero is left to the builder
    /// to refuse, as dm-stripe does).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Chunk size in sectors.
    pub fn chunk_sectors(&self) -> u32 {
        self.chunk_sectors
    }

    /// Each stripe's device and first sector on it, in table order.
    pub fn stripes(&self) -> Stripes<'a> {
        Stripes { pairs: self.pairs }
    }
}

/// The stripes of a [`Striped`]: `(device, start sector)`.
#[derive(Clone, Copy, Debug)]
pub struct Stripes<'a> {
    pairs: Fields<'a>,
}

impl Iterator for Stripes<'_> {
    type Item = (DevId, u64);

    fn next(&mut self) -> Option<(DevId, u64)> {
        // Every pair was checked by `parse_target`; the fields give the
        // same values again (the field names do not matter here).
        let dev = device(self.pairs.next()?, Field::StripeDevice(0)).ok()?;
        let start = decimal(self.pairs.next()?, Field::StripeStart(0)).ok()?;
        Some((dev, start))
    }
}
/// Reads the status text `params` of a target of type `target_type`.
///
/// Types other than `linear` and `striped` are [`Target::Other`], whatever
/// their text. A striped target's stripe count must match its pairs; a
/// count or chunk size of zero is left to the builder (as dm-stripe, it
/// refuses them).
pub fn parse_target<'a>(target_type: &[u8], params: &'a [u8]) -> Result<Target<'a>, TableError> {
    let mut fields = Fields::new(params);
    match target_type {
        b"linear" => {
            let dev = device(fields.need(Field::LinearDevice)?, Field::LinearDevice)?;
            let start = decimal(fields.need(Field::LinearStart)?, Field::LinearStart)?;
            fields.end(Field::LinearStart)?;
            Ok(Target::Linear { dev, start })
        }
        b"striped" => {
            let count = decimal32(fields.need(Field::StripeCount)?, Field::StripeCount)?;
            let chunk_sectors = decimal32(fields.need(Field::ChunkSize)?, Field::ChunkSize)?;
            let pairs = fields;
            let n = nopanic::count(pairs);
            if Some(n) != usize::try_from(count).ok().and_then(|c| c.checked_mul(2)) {
                return Err(TableError::StripeCount {
                    stripes: count,
                    fields: u32::try_from(n).unwrap_or(u32::MAX),
                });
            }
            let mut check = pairs;
            for stripe in 0..count {
                device(
                    check.need(Field::StripeDevice(stripe))?,
                    Field::StripeDevice(stripe),
                )?;
                decimal(
                    check.need(Field::StripeStart(stripe))?,
                    Field::StripeStart(stripe),
                )?;
            }
            Ok(Target::Striped(Striped {
                count,
                chunk_sectors,
                pairs,
            }))
        }
        _ => Ok(Target::Other),
    }
}

/// `sectors` in bytes.
fn bytes(sectors: u64, field: Field) -> Result<u64, TableError> {
    sectors
        .checked_mul(SECTOR_SIZE)
        .ok_or(TableError::BytesOverflow(field))
}

/// Adds a target of dm device `dm` to `b`: `len` sectors of `dm` from
/// sector `begin`, of type `target_type`, whose
/// `status(STATUSTYPE_TABLE)` text is `params`.
///
/// Linear and striped targets are added (in bytes); any other type adds
/// nothing and is [`TargetKind::Other`]. On error nothing is added.
pub fn add_target<S: DerefMut<Target = [Segment]>>(
    b: &mut StackBuilder<S>,
    dm: DevId,
    begin: u64,
    len: u64,
    target_type: &[u8],
    params: &[u8],
) -> Result<TargetKind, TableError> {
    let target = parse_target(target_type, params)?;
    if target == Target::Other {
        return Ok(TargetKind::Other);
    }
    let start = bytes(begin, Field::Begin)?;
    let size = bytes(len, Field::Len)?;
    match target {
        Target::Linear { dev, start: lower } => {
            let lower = bytes(lower, Field::LinearStart)?;
            b.linear(dm, start, size, dev, lower)?;
            Ok(TargetKind::Linear)
        }
        Target::Striped(s) => {
            // A bounded range: an open one (0u32..) steps with a checked
            // add, a panic path.
            for (stripe, (_, lower)) in (0u32..u32::MAX).zip(s.stripes()) {
                bytes(lower, Field::StripeStart(stripe))?;
            }
            // Checked just above: no stripe start saturates.
            let stripes = s
                .stripes()
                .map(|(dev, lower)| (dev, lower.saturating_mul(SECTOR_SIZE)));
            b.striped_iter(dm, start, size, s.chunk_sectors(), stripes)?;
            Ok(TargetKind::Striped { stripes: s.count() })
        }
        Target::Other => Ok(TargetKind::Other),
    }
}
