// SPDX-License-Identifier: GPL-2.0

//! ext4/ext2 static metadata against the layout model
//! (`model/ext4meta.rs`): filesystems of any block size, bigalloc, group
//! size and count, short last group, sparse_super, sparse_super2, meta_bg
//! from any descriptor block, 64bit and descriptor sizes, flex_bg or not,
//! reserved GDT blocks, inode sizes, journals and MMP, laid out from the
//! fuzzer's bytes and written as a superblock and descriptors: the decoder
//! finds every piece the model paints, classifies each probed block as
//! the model does, and merges records that cover exactly the pieces
//! (`check`).

#![no_main]

use daxhold_fuzz::ext4::params;
use daxhold_fuzz::ext4meta_model::{build, check};
use daxhold_fuzz::gen::Unstructured;
use daxhold_fuzz::ok;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(p) = params(&mut u) else {
        return;
    };
    if let Some(fs) = build(&p) {
        ok(check(&fs, p.seed));
    }
});
