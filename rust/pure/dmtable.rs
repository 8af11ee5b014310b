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

use core::fmt;
use core::ops::DerefMut;

use crate::pure::errname::{EINVAL, ERANGE};
use crate::pure::nopanic;
use crate::pure::stack::{DevId, Segment, StackBuilder, StackError, SECTOR_SIZE};

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

/// The fields of a status line: separated by spaces, one trailing newline
/// ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(text: &'a [u8]) -> Self {
        let rest = text.strip_suffix(b"\n").unwrap_or(text);
        Fields { rest }
    }

    /// The next field, or [`TableError::Missing`] if none.
    fn need(&mut self, field: Field) -> Result<&'a [u8], TableError> {
        self.next().ok_or(TableError::Missing(field))
    }

    /// [`TableError::Trailing`] if any field is left after `last`.
    fn end(mut self, last: Field) -> Result<(), TableError> {
        match self.next() {
            Some(_) => Err(TableError::Trailing(last)),
            None => Ok(()),
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let from = self.rest.iter().position(|&c| c != b' ')?;
        let text = self.rest.get(from..)?;
        let len = text.iter().position(|&c| c == b' ').unwrap_or(text.len());
        let field = text.get(..len)?;
        self.rest = text.get(len..).unwrap_or(&[]);
        Some(field)
    }
}

/// A decimal number as `%llu` writes it: digits only, no leading zero.
fn decimal(text: &[u8], field: Field) -> Result<u64, TableError> {
    let canonical = match text {
        [] => false,
        [b'0', _, ..] => false,
        _ => text.iter().all(u8::is_ascii_digit),
    };
    if !canonical {
        return Err(TableError::Malformed(field));
    }
    text.iter().try_fold(0u64, |n, &c| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c.wrapping_sub(b'0'))))
            .ok_or(TableError::TooLarge(field))
    })
}

/// A decimal `u32`.
fn decimal32(text: &[u8], field: Field) -> Result<u32, TableError> {
    u32::try_from(decimal(text, field)?).map_err(|_| TableError::TooLarge(field))
}

/// A device as `format_dev_t()` writes it: `<major>:<minor>`.
fn device(text: &[u8], field: Field) -> Result<DevId, TableError> {
    let colon = text
        .iter()
        .position(|&c| c == b':')
        .ok_or(TableError::Malformed(field))?;
    let major = text.get(..colon).ok_or(TableError::Malformed(field))?;
    let minor = text
        .get(colon.saturating_add(1)..)
        .ok_or(TableError::Malformed(field))?;
    // A second colon makes the minor malformed.
    let (major, minor) = (decimal32(major, field)?, decimal32(minor, field)?);
    dev_id(major, minor).ok_or(TableError::BadDevice {
        field,
        major,
        minor,
    })
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
