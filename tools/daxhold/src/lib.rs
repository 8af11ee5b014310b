// SPDX-License-Identifier: GPL-2.0

//! `daxhold`: what the daxhold kernel module holds, what failed and what
//! known poison damages, from its read-only interface /proc/fs/daxhold/
//! (Documentation/tool.rst). The library behind the `daxhold` binary and
//! `daxhold-gen` (man pages and shell completions).

pub mod cli;
pub mod error;
mod events;
pub mod follow;
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
mod waker;

use std::io::{self, Write};
use std::time::Duration;

use cli::{Cli, Cmd};
use error::{Error, Result};
use kfiles::Root;

/// Run the command `cli` names, writing its output to `out` (a reader
/// that went away, EPIPE, is no error).
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    let root = Root::new(cli.root.clone());
    if let Cmd::Events {
        json,
        last,
        follow: true,
        interval,
    } = cli.cmd
    {
        let opts = follow::Options {
            json,
            last,
            interval: Duration::from_millis(interval),
        };
        return follow::run(&root, &opts, out);
    }
    let text = output(cli.cmd, &root)?;
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io("standard output".into(), e)),
    }
}

/// The whole output of a command that prints once.
fn output(cmd: Cmd, root: &Root) -> Result<String> {
    match cmd {
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
        Cmd::Events { json, last, .. } => {
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
            let cut = report::resolve(&mut disks, root, no_paths, walk_limit);
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
