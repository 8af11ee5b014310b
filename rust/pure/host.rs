// SPDX-License-Identifier: GPL-2.0

//! Host build of daxhold's core-only logic.
//!
//! The module includes `lib.rs` as an ordinary module; this wrapper gives it
//! the crate-level `no_std` it needs as a host crate, so the same files build
//! in both places without `cfg` tricks.

#![no_std]

#[path = "lib.rs"]
mod pure;
pub use pure::*;
