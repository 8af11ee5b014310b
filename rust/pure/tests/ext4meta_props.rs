// SPDX-License-Identifier: GPL-2.0

//! Property tests: the ext4/ext2 metadata decoder against a model.
//!
//! Random filesystems (block size, bigalloc, group size and count, short
//! last group, sparse_super, sparse_super2, meta_bg from any descriptor
//! block, 64bit and descriptor sizes, flex_bg or not, reserved GDT blocks,
//! inode sizes, a journal of one to four extents or a deeper one, MMP)
//! are laid out by a small allocator and written as a superblock and
//! descriptors. The model states the layout rules directly (backup groups
//! as a set of powers, meta groups by division) and paints every piece;
//! `classify`, `for_each_meta`, `for_each_record` and `desc_block` must
//! agree with it. Mutated superblocks and arbitrary descriptors must give
//! answers or errors, never panics or answers that do not hold the block.
//! The model is in `model/ext4meta.rs`, which the fuzz targets share.

use daxhold_pure::ext4meta::{classify, Geometry, GroupDesc};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

#[path = "model/ext4meta.rs"]
mod model;
use model::{build, check, check_garbage, sparse_groups, Params, SPARSE_1K};

/// `cases` cases from the fast generator.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

fn params() -> impl Strategy<Value = Params> {
    (
        (0u32..3, 0u32..5, 1u32..32, 1u32..40, any::<u32>()),
        (0u8..3, [0u32..45, 0u32..45], any::<Option<u32>>()),
        (
            any::<Option<u32>>(),
            any::<bool>(),
            0u32..40,
            0u32..3,
            1u32..64,
        ),
        (0u8..6, any::<bool>(), any::<u64>()),
    )
        .prop_map(|(a, b, c, d)| Params {
            log_block: a.0,
            log_ratio: a.1,
            clusters_per_group: a.2 * 8,
            groups: a.3,
            last: a.4,
            sparse: b.0,
            backups: b.1,
            meta_bg: b.2,
            desc_log: c.0,
            flex: c.1,
            reserved: c.2,
            inode_log: c.3,
            inodes_per_group: c.4 * 8,
            journal: d.0,
            mmp: d.1,
            seed: d.2,
        })
}

proptest! {
    #![proptest_config(config(512))]

    /// Random filesystems (about four in five build; the rest do not fit
    /// and are skipped): the decoder agrees with the model everywhere.
    #[test]
    fn layouts_match_model(p in params()) {
        let fs = build(&p);
        prop_assume!(fs.is_some());
        check(&fs.unwrap(), p.seed)?;
    }

    /// Mutated superblocks and arbitrary descriptors: an answer that holds
    /// the block, or an error; never a panic.
    #[test]
    fn garbage_never_panics(
        p in params(),
        flips in prop::collection::vec((0usize..1024, any::<u8>()), 0..6),
        wild in prop::collection::vec(any::<u64>(), 0..8),
        blocks in prop::collection::vec(any::<u64>(), 8),
    ) {
        check_garbage(&p, &flips, &wild, &blocks)?;
    }

    /// Any bytes at all.
    #[test]
    fn random_bytes_never_panic(
        raw in prop::collection::vec(any::<u8>(), 0..1100),
        magic in any::<bool>(),
    ) {
        let mut raw = raw;
        if magic && raw.len() > 0x3A {
            raw[0x38] = 0x53;
            raw[0x39] = 0xEF;
        }
        if let Ok(geo) = Geometry::parse(&raw) {
            prop_assert!(raw.len() >= 1024);
            let none: &[GroupDesc] = &[];
            let _ = classify(&geo, geo.blocks_count() / 2, none);
            let _ = geo.desc_block(0);
        }
    }

    /// Backup groups with sparse_super, over all of u32: the powers of 3,
    /// 5 and 7 (and 0 and 1), nothing else.
    #[test]
    fn sparse_super_groups(
        g in prop_oneof![0u32..2000, any::<u32>()],
        k in 0u32..21,
        base in 0usize..3,
    ) {
        let geo = Geometry::parse(&build(&SPARSE_1K).unwrap().sb).unwrap();
        let powers = sparse_groups(1 << 32);
        prop_assert_eq!(geo.has_super(g), powers.contains(&u64::from(g)));
        let p = [3u64, 5, 7][base].checked_pow(k).filter(|&p| p <= u64::from(u32::MAX));
        if let Some(p) = p {
            prop_assert!(geo.has_super(p as u32));
            prop_assert_eq!(geo.has_super(p as u32 + 2), powers.contains(&(p + 2)));
        }
    }
}
