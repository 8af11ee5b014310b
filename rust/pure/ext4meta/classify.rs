// SPDX-License-Identifier: GPL-2.0

//! Is a block static metadata, and which ([`classify`]); every piece of
//! static metadata ([`for_each_meta`]) and the reverse-map records that
//! cover them ([`for_each_record`]).

use core::ops::ControlFlow;

use super::desc::{Descriptors, GroupDesc};
use super::error::Ext4Error;
use super::meta::{Meta, What};
use super::superblock::Geometry;
use crate::pure::rmap::Record;

/// Which of a group's descriptor locations.
#[derive(Clone, Copy)]
enum Located {
    BlockBitmap,
    InodeBitmap,
    InodeTable,
}

impl Located {
    /// The piece of `group` that `d` places, and its extent.
    fn meta(self, geo: &Geometry, group: u32, d: &GroupDesc) -> Meta {
        match self {
            Located::BlockBitmap => Meta::new(What::BlockBitmap { group }, d.block_bitmap, 1),
            Located::InodeBitmap => Meta::new(What::InodeBitmap { group }, d.inode_bitmap, 1),
            Located::InodeTable => Meta::new(
                What::InodeTable { group },
                d.inode_table,
                geo.inode_table_blocks().into(),
            ),
        }
    }
}

/// The descriptor of `group`, checked.
fn checked_desc<D: Descriptors + ?Sized>(
    geo: &Geometry,
    descs: &D,
    group: u32,
) -> Result<GroupDesc, Ext4Error> {
    let d = descs.desc(group)?;
    d.check(geo, group)?;
    Ok(d)
}

/// Whether `block` is in the static metadata at the start of its group:
/// a superblock, descriptor blocks, reserved GDT blocks. `O(1)`.
fn static_hit(geo: &Geometry, block: u64) -> Result<Option<Meta>, Ext4Error> {
    let group = geo.group_of(block)?;
    let pieces = geo.static_meta(group)?;
    Ok(pieces.into_iter().flatten().find(|m| m.contains(block)))
}

/// Whether `block` is in the journal (as far as the superblock tells it)
/// or is the MMP block. `O(1)`.
fn fixed_hit(geo: &Geometry, block: u64) -> Option<Meta> {
    let journal = geo.journal_extents().iter().map(|e| {
        let what = What::Journal { logical: e.logical };
        Meta::new(what, e.start, e.len.into())
    });
    let mmp = geo.mmp_block().map(|b| Meta::new(What::Mmp, b, 1));
    journal.chain(mmp).find(|m| m.contains(block))
}

/// Whether `block` is a group's bitmap or inode table: every descriptor is
/// read (with flex_bg they may lie anywhere), `O(groups)`, stopping at the
/// first hit.
fn desc_hit<D: Descriptors + ?Sized>(
    geo: &Geometry,
    block: u64,
    descs: &D,
) -> Result<Option<Meta>, Ext4Error> {
    for group in 0..geo.groups() {
        let d = checked_desc(geo, descs, group)?;
        for which in [
            Located::BlockBitmap,
            Located::InodeBitmap,
            Located::InodeTable,
        ] {
            let m = which.meta(geo, group, &d);
            if m.contains(block) {
                return Ok(Some(m));
            }
        }
    }
    Ok(None)
}

/// Whether filesystem block `block` is static metadata, and which.
///
/// `Ok(None)`: not static metadata — file data, directory or extent
/// blocks, free space, the resize inode's blocks, a journal this decoder
/// does not place, or the boot block before the first data block. Such a
/// block is reported as unowned unless the reverse map has an owner.
///
/// Superblocks, descriptor copies, reserved GDT blocks, the journal (when
/// [`Geometry::journal_extents`] places it) and the MMP block are found in
/// `O(1)` from the superblock alone, without reading a descriptor; bitmaps
/// and inode tables by reading the descriptors in group order, `O(groups)`
/// at worst, nothing allocated. For `O(log n)` lookups, load
/// [`for_each_record`]'s records into a reverse map once.
///
/// Errors: [`Ext4Error::OutOfRange`] for a block at or past
/// `s_blocks_count`; a descriptor the accessor cannot give, or one that
/// places its metadata outside the filesystem (or its group, without
/// flex_bg), as the kernel's mount-time check would refuse.
pub fn classify<D: Descriptors + ?Sized>(
    geo: &Geometry,
    block: u64,
    descs: &D,
) -> Result<Option<Meta>, Ext4Error> {
    if block >= geo.blocks_count() {
        return Err(Ext4Error::OutOfRange(block));
    }
    if block < u64::from(geo.first_data_block()) {
        // The boot block of a 1 KiB-block filesystem: in no group, and no
        // checked descriptor points there.
        return Ok(None);
    }
    if let Some(m) = static_hit(geo, block)? {
        return Ok(Some(m));
    }
    if let Some(m) = fixed_hit(geo, block) {
        return Ok(Some(m));
    }
    desc_hit(geo, block, descs)
}

/// Calls `f` for every piece of static metadata: the pieces at the start
/// of each group (group order), then every group's block bitmap, every
/// inode bitmap, every inode table (so flex_bg's packed runs come one
/// after the other), then the journal's extents and the MMP block.
///
/// A `Break` from `f` ends the walk and is returned. Reads each descriptor
/// three times; allocates nothing.
pub fn for_each_meta<D, B, F>(
    geo: &Geometry,
    descs: &D,
    mut f: F,
) -> Result<ControlFlow<B>, Ext4Error>
where
    D: Descriptors + ?Sized,
    F: FnMut(&Meta) -> ControlFlow<B>,
{
    for group in 0..geo.groups() {
        for m in geo.static_meta(group)?.iter().flatten() {
            if let ControlFlow::Break(b) = f(m) {
                return Ok(ControlFlow::Break(b));
            }
        }
    }
    for which in [
        Located::BlockBitmap,
        Located::InodeBitmap,
        Located::InodeTable,
    ] {
        for group in 0..geo.groups() {
            let d = checked_desc(geo, descs, group)?;
            if let ControlFlow::Break(b) = f(&which.meta(geo, group, &d)) {
                return Ok(ControlFlow::Break(b));
            }
        }
    }
    let mut rest = geo.journal_extents().iter().map(|e| {
        let what = What::Journal { logical: e.logical };
        Meta::new(what, e.start, e.len.into())
    });
    let mmp = geo.mmp_block().map(|b| Meta::new(What::Mmp, b, 1));
    Ok(rest.by_ref().chain(mmp).try_for_each(|m| f(&m)))
}

/// Calls `f` with reverse-map records (`Record::metadata`, owners `OWN_FS`,
/// `OWN_AG`, `OWN_INODES`, `OWN_LOG`) that cover all static metadata:
/// [`for_each_meta`]'s extents, with each run of adjacent extents of one
/// owner merged into one record (a backup group's superblock, descriptors
/// and reserved GDT blocks; flex_bg's packed bitmaps and inode tables).
///
/// Loaded into a [`crate::pure::rmap::Rmap`], they answer which metadata
/// owner has a block in `O(log n)`. On a sound filesystem no two records
/// overlap; a corrupt one may give two with one start and owner, which
/// the map refuses (`-EEXIST`).
pub fn for_each_record<D, B, F>(
    geo: &Geometry,
    descs: &D,
    mut f: F,
) -> Result<ControlFlow<B>, Ext4Error>
where
    D: Descriptors + ?Sized,
    F: FnMut(&Record) -> ControlFlow<B>,
{
    let mut pending: Option<Record> = None;
    let flow = for_each_meta(geo, descs, |m| {
        let r = m.extent;
        if let Some(p) = pending.as_mut() {
            let merged = (p.owner == r.owner && p.start.checked_add(p.count) == Some(r.start))
                .then(|| p.count.checked_add(r.count))
                .flatten();
            if let Some(count) = merged {
                p.count = count;
                return ControlFlow::Continue(());
            }
        }
        match pending.replace(r) {
            Some(p) => f(&p),
            None => ControlFlow::Continue(()),
        }
    })?;
    match (flow, pending) {
        (ControlFlow::Continue(()), Some(p)) => Ok(f(&p)),
        (flow, _) => Ok(flow),
    }
}
