// SPDX-License-Identifier: GPL-2.0

//! The command line (clap derive): also the source of the man pages and
//! shell completions (src/manual.rs, `daxhold-gen`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Inspect the daxhold kernel module: held pmem disks and the storage
/// stack above them, recent memory failures and where they went, and
/// known poison (badblocks) with the files it damages.
#[derive(Parser, Debug)]
#[command(
    name = "daxhold",
    version,
    after_help = "Reads /proc/fs/daxhold/{stack,events,poison} (root only). \
Positions and sizes are given in 512-byte sectors and in bytes, each labelled \
(text: \"sector S sectors N (bytes 0xO len 0xL)\"; JSON: sector, sectors, \
*_bytes). Exit status: 0 success, 1 error (module not loaded or too old, not root, \
unreadable kernel file), 2 bad arguments.\nSee Documentation/tool.rst."
)]
pub struct Cli {
    /// Read /proc and /sys below DIR instead of / (tests).
    #[arg(
        long,
        global = true,
        hide = true,
        env = "DAXHOLD_ROOT",
        value_name = "DIR"
    )]
    pub root: Option<PathBuf>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Held pmem disks and the devices above each, as a tree like lsblk's
    ///
    /// Columns: NAME (the tree: a device above several lower ones appears
    /// under each), MAJ:MIN, KIND (pmem, part, dm), SIZE, HOLDER
    /// ("daxhold(auto|manual)" on a held pmem, "yes" where a filesystem
    /// such as XFS with DAX holds a device above), FS (the filesystem
    /// mounted on it).
    Status {
        /// Print JSON (ndctl style): an array of held disks, each with its
        /// "children".
        #[arg(long)]
        json: bool,
    },
    /// Recent memory failures daxhold handled and where they went
    ///
    /// Oldest first, one block per failure (the last 512 records of the
    /// module's failure log): where it hit the pmem, in sectors and in
    /// bytes, and its mf_flags, each translated piece at the top of the
    /// stack (sectors and bytes on that device) and what
    /// its holder did, the files whose mapping processes were signalled,
    /// the pids daxhold's handling signalled, and the result.
    Events {
        /// Print JSON (ndctl style): an array of failures.
        #[arg(long)]
        json: bool,
        /// Only the last N failures (with --follow: of those already
        /// recorded when it starts).
        #[arg(long, value_name = "N")]
        last: Option<usize>,
        /// Keep reading and print new failures as they complete, until
        /// interrupted (SIGINT or SIGTERM: exit 0); with --json, one JSON
        /// object per line.
        #[arg(long, short = 'f')]
        follow: bool,
        /// With --follow: the longest time, in milliseconds, between two
        /// reads of the events file. A new failure wakes it at once
        /// through /sys/kernel/daxhold/last_failure; the interval is for
        /// a module without that file.
        #[arg(
            long,
            value_name = "MS",
            default_value_t = 1000,
            requires = "follow",
            value_parser = clap::value_parser!(u64).range(1..=3_600_000)
        )]
        interval: u64,
    },
    /// Known poison (badblocks of held pmem disks) and the files it damages
    ///
    /// Per bad range: its sectors on the pmem, the device chain up to the
    /// top of the stack and the sector there, each damaged file
    /// (filesystem, device, mountpoint, inode, file offset and length,
    /// path found by walking that mount), filesystem metadata and ranges
    /// nobody owns.
    Report {
        /// Print JSON (ndctl style): an array of disks with
        /// "badblock_count" and "badblocks".
        #[arg(long)]
        json: bool,
        /// Do not look up the paths of damaged files (skips walking the
        /// mounted filesystems).
        #[arg(long)]
        no_paths: bool,
        /// Give up a path search after this many directory entries per
        /// filesystem.
        #[arg(long, hide = true, default_value_t = 1_000_000, value_name = "N")]
        walk_limit: u64,
    },
}
