// SPDX-License-Identifier: GPL-2.0

//! `daxhold`: what the daxhold kernel module holds, what failed and what
//! known poison damages, from its read-only interface /proc/fs/daxhold/
//! (Documentation/tool.rst). The library behind the `daxhold` binary and
//! `daxhold-gen` (man pages and shell completions).

pub mod cli;
pub mod error;
mod events;
mod group;
mod json;
mod kfiles;
mod kinds;
pub mod manual;
mod parse;
mod paths;
mod report;
mod stack;
mod units;

use cli::{Cli, Cmd};
use error::Result;
use kfiles::Root;

/// Run the command `cli` names: its whole output, or the error.
pub fn run(cli: Cli) -> Result<String> {
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
