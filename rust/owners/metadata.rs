// SPDX-License-Identifier: GPL-2.0

//! Failures in filesystem metadata, for filesystems that cannot say so
//! themselves: ext4 and ext2, whose static metadata (superblocks, group
//! descriptors, bitmaps, inode tables, the journal as the superblock
//! records it) `pure::ext4meta` places from the superblock and the group
//! descriptors. A hit is reported in one line and, under the `shutdown`
//! metadata policy (the default, as XFS does for its own metadata), shuts
//! the filesystem down with `->shutdown`.

use core::sync::atomic::Ordering;

use kernel::error::{code, Result};
use kernel::prelude::*;

use crate::errno;
use crate::observe::trace::{self, NoFile};
use crate::owners::index::{sb_on, Sb};
use crate::owners::{Owners, Piece};
use crate::pure::ext4meta::{classify, Ext4Error, Geometry, GroupDesc, Meta};
use crate::pure::ext4meta::{SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE};
use crate::pure::policy::MetadataPolicy;
use crate::pure::stack::SECTOR_SIZE;

/// Bytes of a page, the trace event's unit.
const PAGE: u64 = 4096;

/// The largest group descriptor (`s_desc_size` is at most 1024 in the
/// format, but the kernel and mkfs use 32 or 64; the decoder refuses more
/// than this).
const DESC_MAX: usize = 1024;

/// Whether `piece` (of a filesystem nobody above could ask) is metadata;
/// if so it is reported (also as trace event of failure `seq`) and the
/// metadata policy applied.
pub(crate) fn check(owners: &Owners, seq: u64, name: &str, piece: &Piece) -> bool {
    let mut hit = false;
    let walked = sb_on(piece.dev.0, |sb| {
        if !matches!(sb.fs, "ext4" | "ext2") {
            return Ok(());
        }
        if let Some(meta) = find(sb, piece)? {
            hit = true;
            let rc = apply(owners, name, sb, piece, &meta);
            let (pgoff, pages) = (piece.offset / PAGE, piece.len.div_ceil(PAGE));
            trace::no_file(seq, NoFile::Metadata, piece.dev.0, pgoff, pages, 0, rc);
        }
        Ok(())
    });
    if let Err(e) = walked {
        pr_err!(
            "{name}: cannot read the filesystem's layout ({}); treated as unowned\n",
            errno::Name(e)
        );
    }
    hit
}

/// The metadata extent holding the first metadata block of `piece`.
pub(crate) fn find(sb: &Sb<'_>, piece: &Piece) -> Result<Option<Meta>> {
    let bs = sb.block_size();
    if bs == 0 {
        return Err(code::EINVAL);
    }
    let mut raw = [0u8; SUPERBLOCK_SIZE];
    sb.read(
        SUPERBLOCK_OFFSET / bs,
        (SUPERBLOCK_OFFSET % bs) as u32,
        &mut raw,
    )?;
    let geo = Geometry::parse(&raw).map_err(ext4_err)?;
    let descs = |group: u32| read_desc(sb, &geo, group);
    let first = piece.offset / bs;
    let last = piece.offset.saturating_add(piece.len.saturating_sub(1)) / bs;
    for block in first..=last {
        if let Some(meta) = classify(&geo, block, &descs).map_err(ext4_err)? {
            return Ok(Some(meta));
        }
    }
    Ok(None)
}

/// Group descriptor `group`, read through the buffer cache.
fn read_desc(
    sb: &Sb<'_>,
    geo: &Geometry,
    group: u32,
) -> core::result::Result<GroupDesc, Ext4Error> {
    let (block, off) = geo.desc_location(group).ok_or(Ext4Error::NoDesc(group))?;
    let mut buf = [0u8; DESC_MAX];
    let raw = buf
        .get_mut(..geo.desc_size() as usize)
        .ok_or(Ext4Error::Short)?;
    sb.read(block, off, raw).map_err(|_| Ext4Error::Short)?;
    GroupDesc::decode(geo, raw)
}

/// Report a metadata hit and apply the policy: 0, or the error of a
/// shutdown the filesystem could not do.
fn apply(owners: &Owners, name: &str, sb: &Sb<'_>, piece: &Piece, meta: &Meta) -> i32 {
    owners.stats.metadata.fetch_add(1, Ordering::Relaxed);
    let (major, minor) = (sb.dev >> 20, sb.dev & 0xfffff);
    let sector = piece.offset / SECTOR_SIZE;
    let sectors = piece.len.div_ceil(SECTOR_SIZE);
    let shutdown = owners.metadata() == MetadataPolicy::Shutdown;
    let (outcome, rc) = match shutdown.then(|| sb.shutdown()) {
        None => ("reported (metadata policy: report)", 0),
        Some(Ok(())) => {
            owners.stats.shutdowns.fetch_add(1, Ordering::Relaxed);
            ("filesystem shut down", 0)
        }
        Some(Err(e)) => ("the filesystem has no ->shutdown; reported", e.to_errno()),
    };
    pr_err!(
        "{name}: dev {major}:{minor} sector {sector} sectors {sectors}: {} metadata ({}, blocks {}+{}): {outcome}\n",
        sb.fs,
        meta.what,
        meta.extent.start,
        meta.extent.count,
    );
    rc
}

fn ext4_err(e: Ext4Error) -> kernel::error::Error {
    kernel::error::Error::from_errno(e.errno())
}
