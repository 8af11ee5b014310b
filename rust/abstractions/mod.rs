// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the kernel interfaces daxhold uses, written as
//! they would be proposed for `rust/kernel/`: the kernel's vocabulary only,
//! no daxhold names, and nothing here calls into daxhold. Callbacks from C
//! reach a user through a trait it implements and a vtable this layer
//! builds for it (as `rust/kernel/block/mq/` does for `blk_mq_ops`).
//!
//! - `block`: block devices and disks ([`block::BlockDevice`],
//!   [`block::Gendisk`]) and an open, unclaimed one ([`block::BdevFile`]);
//! - `dax`: the dax_device holder interface of `drivers/dax/super.c`
//!   (`fs_dax_get_by_bdev()`, `fs_put_dax()`, `dax_holder()`,
//!   `dax_holder_notify_failure()`), with [`dax::NotifyFailure`] for the
//!   holder's callback;
//! - `dm`: a device-mapper device by number ([`dm::MappedDevice`]);
//! - `fs`: inodes ([`fs::Inode`], counted by `ARef`) and superblocks;
//! - `mm`: the flags of a memory failure ([`mm::MfFlags`]);
//! - `task`: what a kill needs of the kernel's `Task` beyond 6.12's own.
//!
//! Every type here says its `# Invariants`; every `unsafe` block its
//! `// SAFETY:`.

pub(crate) mod block;
pub(crate) mod dax;
pub(crate) mod dm;
pub(crate) mod fs;
pub(crate) mod mm;
pub(crate) mod task;
