// SPDX-License-Identifier: GPL-2.0

//! `daxhold`: what the daxhold kernel module holds, what failed and what
//! known poison damages, from its read-only interface /proc/fs/daxhold/
//! (Documentation/tool.rst).

mod error;
mod events;
mod group;
mod json;
mod kfiles;
mod kinds;
mod parse;
mod paths;
mod report;
mod stack;
mod units;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use error::Result;
use kfiles::Root;

/// Inspect the daxhold kernel module: held pmem disks and the storage
/// stack above them, recent memory failures and where they went, and
/// known poison (badblocks) with the files it damages.
#[derive(Parser, Debug)]
#[command(
    name = "daxhold",
    version,
    after_help = "Reads /proc/fs/daxhold/{stack,events,poison} (root only). \
Exit status: 0 success, 1 error (module not loaded or too old, not root, \
unreadable kernel file), 2 bad arguments.\nSee Documentation/tool.rst."
)]
struct Cli {
    /// Read /proc and /sys below DIR instead of / (tests).
    #[arg(
        long,
        global = true,
        hide = true,
        env = "DAXHOLD_ROOT",
        value_name = "DIR"
    )]
    root: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
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
    /// module's failure log): the raw byte offset, length and mf_flags on
    /// the pmem, each translated piece at the top of the stack and what
    /// its holder did, the files whose mapping processes were signalled,
    /// the pids daxhold's handling signalled, and the result.
    Events {
        /// Print JSON (ndctl style): an array of failures.
        #[arg(long)]
        json: bool,
        /// Only the last N failures.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
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

fn run(cli: Cli) -> Result<String> {
    let root = Root::new(cli.root);
    match cli.cmd {
        Cmd::Status { json } => {
            let s = stack::Stack::from_records(&root.interface("stack")?)?;
            let (trees, cut) = s.trees();
            if cut {
                eprintln!(
                    "daxhold: the stack is too wide to draw in full: stopped after {} devices",
                    stack::MAX_NODES
                );
            }
            if json {
                Ok(json::to_string(&trees))
            } else if trees.is_empty() {
                Ok("daxhold holds no pmem disk\n".into())
            } else {
                Ok(stack::render(&trees))
            }
        }
        Cmd::Events { json, last } => {
            let v = events::tail(events::from_records(&root.interface("events")?)?, last);
            if json {
                Ok(json::to_string(&v))
            } else {
                Ok(events::render(&v))
            }
        }
        Cmd::Report {
            json,
            no_paths,
            walk_limit,
        } => {
            let mut disks = report::from_records(&root.interface("poison")?)?;
            let cut = report::resolve(&mut disks, &root, no_paths, walk_limit);
            for m in cut {
                eprintln!("daxhold: {m}: stopped looking for paths after {walk_limit} entries");
            }
            if json {
                Ok(json::to_string(&disks))
            } else {
                Ok(report::render(&disks, no_paths))
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("daxhold: standard output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("daxhold: {e}");
            ExitCode::FAILURE
        }
    }
}
