// SPDX-License-Identifier: GPL-2.0

//! The lines of `/proc/fs/daxhold/stack` (Documentation/admin.rst, "Kernel
//! interface for tools"), and which devices of the stack model it lists:
//! every device above a held pmem disk, level by level.
//!
//! Each file starts with a [`Header`]; then one record per line, a kind
//! word, positional fields, `key=value` fields. Sectors are decimal (512
//! bytes), `dev_t`s `MAJ:MIN`. The failure log's lines are
//! [`crate::pure::events::Line`].

use core::fmt;

use crate::pure::stack::{DevId, Segment, Via, SECTOR_SIZE};

/// A device no held disk reaches, in [`depths`].
pub const UNREACHED: u32 = u32::MAX;

/// The first line of file `name`: `# daxhold NAME v1`.
pub struct Header<'a>(pub &'a str);

impl fmt::Display for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "# daxhold {} v1", self.0)
    }
}

/// `MAJ:MIN` of a kernel `dev_t` (12-bit major, 20-bit minor).
pub struct Devt(pub u32);

impl fmt::Display for Devt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0 >> 20, self.0 & 0xfffff)
    }
}

/// A device name as a field: text, with anything that would split the
/// line or the field shown as `?` (kernel device names have none).
pub struct Word<'a>(pub &'a str);

impl fmt::Display for Word<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("?");
        }
        for c in self.0.chars() {
            if c.is_whitespace() || c.is_control() {
                f.write_str("?")?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// `held NAME dev=MAJ:MIN mode=auto|manual sectors=N`: a held pmem disk.
pub struct Held<'a> {
    /// `pmem0`.
    pub name: &'a str,
    /// Its `dev_t`.
    pub dev: u32,
    /// `auto` or `manual`.
    pub mode: &'a str,
    /// Its size in sectors.
    pub sectors: u64,
}

impl fmt::Display for Held<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held {} dev={} mode={} sectors={}",
            Word(self.name),
            Devt(self.dev),
            Word(self.mode),
            self.sectors
        )
    }
}

/// What a device above a held disk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A partition.
    Part,
    /// A device-mapper device.
    Dm,
}

/// `dev NAME dev=MAJ:MIN kind=part|dm sectors=N holder=yes|no depth=D`: a
/// device above a held disk.
pub struct Dev<'a> {
    /// `pmem0p1`, `dm-0`.
    pub name: &'a str,
    /// Its `dev_t`.
    pub dev: u32,
    /// Partition or dm device.
    pub kind: Kind,
    /// Its size in sectors.
    pub sectors: u64,
    /// Its dax_device has a holder (a filesystem mounted with DAX).
    pub holder: bool,
    /// Its level above the nearest held disk (1 for a partition of it).
    pub depth: u32,
}

impl fmt::Display for Dev<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dev {} dev={} kind={} sectors={} holder={} depth={}",
            Word(self.name),
            Devt(self.dev),
            match self.kind {
                Kind::Part => "part",
                Kind::Dm => "dm",
            },
            self.sectors,
            if self.holder { "yes" } else { "no" },
            self.depth
        )
    }
}

/// `map UPPER lower=LOWER start=S sectors=N lower_start=L target=T`: the
/// sectors `[S, S + N)` of the upper device come from the lower one at
/// sector `L` (partition, linear target); for a stripe of a striped target
/// (`target=striped stripes=K chunk=C`), `[S, S + N)` is the whole target
/// and `L` the stripe's offset on its device.
pub struct Map<'a> {
    /// The upper device's name.
    pub upper: &'a str,
    /// The lower device's name.
    pub lower: &'a str,
    /// The segment of the stack model.
    pub seg: &'a Segment,
}

impl fmt::Display for Map<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seg;
        write!(
            f,
            "map {} lower={} start={} sectors={} lower_start={} target={}",
            Word(self.upper),
            Word(self.lower),
            s.upper_start() / SECTOR_SIZE,
            s.len() / SECTOR_SIZE,
            s.lower_start() / SECTOR_SIZE,
            match s.via() {
                Via::Partition => "part",
                Via::Linear => "linear",
                Via::Striped { .. } => "striped",
            }
        )?;
        if let (Via::Striped { stripe }, Some((stripes, chunk))) = (s.via(), s.striping()) {
            write!(
                f,
                " stripes={stripes} chunk={} stripe={stripe}",
                chunk / SECTOR_SIZE
            )?;
        }
        Ok(())
    }
}

/// `fs NAME type=T`: a mounted filesystem on that device.
pub struct Fs<'a> {
    /// The device's name.
    pub name: &'a str,
    /// `ext4`, `ext2`, `xfs`.
    pub fs: &'a str,
}

impl fmt::Display for Fs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fs {} type={}", Word(self.name), Word(self.fs))
    }
}

/// The level of each device of `devs` (sorted, no duplicates) above the
/// nearest held disk, into `depth` (its length that of `devs`): 0 for a
/// held disk, 1 for what uses it directly, and so on; [`UNREACHED`] for a
/// device no held disk is below. `segs` are the stack model's segments.
///
/// Relaxes the segments once per level, `O(levels * segs * log devs)`;
/// the levels are bounded by the devices (a cycle stops there too).
pub fn depths(segs: &[Segment], devs: &[DevId], held: impl Fn(DevId) -> bool, depth: &mut [u32]) {
    for (d, dev) in depth.iter_mut().zip(devs) {
        *d = if held(*dev) { 0 } else { UNREACHED };
    }
    let at = |dev: DevId| devs.binary_search(&dev).ok();
    for _ in 0..devs.len() {
        let mut changed = false;
        for s in segs.iter().filter(|s| !s.is_empty()) {
            let (Some(lo), Some(up)) = (at(s.lower()), at(s.upper())) else {
                continue;
            };
            let Some(&below) = depth.get(lo) else {
                continue;
            };
            if below == UNREACHED {
                continue;
            }
            let level = below.saturating_add(1);
            if let Some(d) = depth.get_mut(up) {
                if level < *d {
                    *d = level;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}
