// SPDX-License-Identifier: GPL-2.0

//! Runs the shared ext4/ext2 metadata cases (also run by KUnit as
//! `daxhold_ext4meta`).

use daxhold_pure::selftest::EXT4META_CASES;

#[test]
fn ext4meta_cases() {
    for (name, case) in EXT4META_CASES {
        if let Err(fail) = case() {
            panic!("{name}: line {}: {}", fail.line, fail.what);
        }
    }
}
