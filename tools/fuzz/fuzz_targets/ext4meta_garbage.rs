// SPDX-License-Identifier: GPL-2.0

//! ext4/ext2 metadata from untrusted bytes: a superblock of any bytes (or
//! a model filesystem's with bytes replaced) and descriptors of any
//! values, decoded raw or through `DescTable`. `Geometry::parse` accepts
//! it or names an error; blocks classify as a piece that holds them, as
//! nothing, or with an error about that block or one of its groups
//! (`check_garbage` of `model/ext4meta.rs`); walking every piece and
//! record never panics, and each piece lies inside the filesystem.

#![no_main]

use std::ops::ControlFlow;

use daxhold_fuzz::ext4::params;
use daxhold_fuzz::ext4meta_model::check_garbage;
use daxhold_fuzz::gen::{edge_u64, list, range, Result, Unstructured};
use daxhold_fuzz::ok;
use daxhold_pure::ext4meta::{
    classify, for_each_meta, for_each_record, DescTable, Ext4Error, Geometry, GroupDesc,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
});

fn one(u: &mut Unstructured<'_>) -> Result<()> {
    if u.arbitrary()? {
        let p = params(u)?;
        let flips = list(u, 8, |u| Ok((range(u, 0, 1023)? as usize, u.arbitrary()?)))?;
        let wild = list(u, 8, edge_u64)?;
        let blocks = list(u, 8, |u| u.arbitrary())?;
        ok(check_garbage(&p, &flips, &wild, &blocks));
        return Ok(());
    }
    if u.ratio(1u8, 16)? {
        let n = range(u, 0, 1023)? as usize;
        assert!(Geometry::parse(u.bytes(n)?).is_err(), "a short superblock");
    }
    let sb: Vec<u8> = u.bytes(1024)?.to_vec();
    let Ok(geo) = Geometry::parse(&sb) else {
        return Ok(());
    };
    assert!(sb.len() >= 1024);
    let blocks = list(u, 8, edge_u64)?;
    let n = u.len();
    let raw = u.bytes(n)?;
    let descs: Vec<GroupDesc> = raw
        .chunks(geo.desc_size().max(1) as usize)
        .filter_map(|c| GroupDesc::decode(&geo, c).ok())
        .collect();
    check_blocks(&geo, &descs[..], &blocks);
    if let Ok(table) = DescTable::new(&geo, raw) {
        check_blocks(&geo, &table, &blocks);
    }
    let _ = geo.desc_block(0);
    Ok(())
}

/// Each block classifies sensibly; the first pieces and records (at most
/// a few thousand: a superblock may say there are billions of groups)
/// lie inside the filesystem.
fn check_blocks<D>(geo: &Geometry, descs: &D, blocks: &[u64])
where
    D: daxhold_pure::ext4meta::Descriptors + ?Sized,
{
    let size = geo.blocks_count();
    for &b in blocks {
        match classify(geo, b, descs) {
            Ok(Some(m)) => assert!(m.contains(b) && b < size),
            Ok(None) => assert!(b < size),
            Err(Ext4Error::OutOfRange(x)) => assert!(x == b && b >= size),
            Err(Ext4Error::BadDesc { group, .. } | Ext4Error::NoDesc(group)) => {
                assert!(group < geo.groups())
            }
            Err(e) => panic!("block {b}: unexpected {e:?}"),
        }
    }
    let mut n = 0u32;
    let _ = for_each_meta(geo, descs, |m| {
        let end = m.extent.start.checked_add(m.extent.count);
        assert!(
            m.extent.count > 0 && end.is_some_and(|e| e <= size),
            "{m:?}"
        );
        n += 1;
        if n < 4096 {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
    let mut n = 0u32;
    let _ = for_each_record(geo, descs, |r| {
        assert!(r.check().is_ok(), "{r:?}");
        n += 1;
        if n < 4096 {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
}
