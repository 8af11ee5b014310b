// SPDX-License-Identifier: GPL-2.0

//! Core-only logic of daxhold: no `kernel`, no `alloc`, no `std`.
//!
//! Everything here is pure computation on plain values, so it is tested on
//! the host (`cargo test`, with property tests) and, from the same source,
//! by KUnit inside the module.

pub mod badblocks;
pub mod daxowner;
pub mod dmtable;
pub mod errname;
pub mod events;
pub mod ext4meta;
pub mod fixedbuf;
pub mod killset;
pub mod mf;
pub mod name;
pub mod nopanic;
pub mod notify;
pub mod policy;
pub mod procfs;
pub mod request;
pub mod rmap;
// The case tables shared with KUnit: in the host crate (its default
// feature `selftest`) and in test builds of the module only, never in a
// production daxhold.ko.
#[cfg(any(feature = "selftest", daxhold_kunit))]
pub mod selftest;
pub mod stack;
pub mod verdict;
