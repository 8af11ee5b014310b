// SPDX-License-Identifier: GPL-2.0

//! The thin unsafe layer: safe wrappers around the C interfaces daxhold
//! uses. Everything `unsafe` in daxhold lives under this directory; the
//! policy modules above it are safe Rust.

pub(crate) mod badblocks;
pub(crate) mod bdev;
pub(crate) mod bindings;
pub(crate) mod cstr;
pub(crate) mod dax;
pub(crate) mod dm;
pub(crate) mod glue;
pub(crate) mod index;
pub(crate) mod kill;
#[cfg(daxhold_kunit)]
pub(crate) mod kunit;
pub(crate) mod proc;
pub(crate) mod seq;
pub(crate) mod signal;
pub(crate) mod stack;
pub(crate) mod trace;
