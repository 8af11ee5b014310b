// SPDX-License-Identifier: GPL-2.0

//! What the fuzz targets (`fuzz_targets/`) share: the userspace tool's
//! readers of the kernel files, the models of `rust/pure/tests/model/`
//! (the same files the property tests use), and helpers that turn the
//! fuzzer's bytes into values.
//!
//! The tool's modules are its own source files, compiled here at the crate
//! root under their own names, so that their `crate::` paths resolve as in
//! the tool; the tool itself needs no library target.

#[path = "../../daxhold/src/error.rs"]
pub mod error;
#[path = "../../daxhold/src/events.rs"]
pub mod events;
#[path = "../../daxhold/src/group.rs"]
pub mod group;
#[path = "../../daxhold/src/json.rs"]
pub mod json;
#[path = "../../daxhold/src/kfiles.rs"]
pub mod kfiles;
#[path = "../../daxhold/src/kinds.rs"]
pub mod kinds;
#[path = "../../daxhold/src/parse.rs"]
pub mod parse;
#[path = "../../daxhold/src/paths.rs"]
pub mod paths;
#[path = "../../daxhold/src/report.rs"]
pub mod report;
#[path = "../../daxhold/src/stack.rs"]
pub mod stack;
#[path = "../../daxhold/src/units.rs"]
pub mod units;

#[path = "../../../rust/pure/tests/model/daxowner.rs"]
pub mod daxowner_model;
#[path = "../../../rust/pure/tests/model/dmtable.rs"]
pub mod dmtable_model;
#[path = "../../../rust/pure/tests/model/ext4meta.rs"]
pub mod ext4meta_model;
#[path = "../../../rust/pure/tests/model/killset.rs"]
pub mod killset_model;
#[path = "../../../rust/pure/tests/model/notify.rs"]
pub mod notify_model;
#[path = "../../../rust/pure/tests/model/rmap.rs"]
pub mod rmap_model;
#[path = "../../../rust/pure/tests/model/stack.rs"]
pub mod stack_model;

pub mod ext4;
pub mod gen;

/// Panics with the model's message if a check failed: a crash the fuzzer
/// records.
pub fn ok(r: Result<(), proptest::test_runner::TestCaseError>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}
