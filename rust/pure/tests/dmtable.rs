// SPDX-License-Identifier: GPL-2.0

//! Runs the shared dm table cases (also run by KUnit as `daxhold_dmtable`).

use daxhold_pure::selftest::DMTABLE_CASES;

#[test]
fn dmtable_cases() {
    for (name, case) in DMTABLE_CASES {
        if let Err(fail) = case() {
            panic!("{name}: line {}: {}", fail.line, fail.what);
        }
    }
}
