// SPDX-License-Identifier: GPL-2.0

//! The failure log: what each failure did, as fixed-size records in a ring
//! of fixed capacity.
//!
//! The failure path fills the ring ([`Ring::push`]: no allocation, never
//! waits, a full ring counts the record as lost) and a work item empties
//! it into the kernel log ([`Ring::pop`], each record printed as its
//! [`Display`](core::fmt::Display) line), so `printk` is off the path that a
//! poisoned process waits on. One failure is one [`What::Failure`] record
//! and then one record per piece it reached, all with the failure's
//! sequence number, so a reader can put them back together and see a gap.
//!
//! Printed records are kept in a second ring, the history ([`EventLog`]:
//! the last so many, the oldest overwritten), which `/proc/fs/daxhold/events`
//! shows, each record as its [`Line`] (Documentation/admin.rst, "Kernel
//! interface for tools").

mod dmesg;
mod line;
mod record;
mod ring;

pub use dmesg::outcome;
pub use line::Line;
pub use record::{Event, Name, Piece, What, BUS_MCEERR_AO, BUS_MCEERR_AR, NAME_LEN};
pub use ring::{EventLog, History, Ring};
