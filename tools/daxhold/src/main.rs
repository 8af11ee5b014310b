// SPDX-License-Identifier: GPL-2.0

//! `daxhold`: what the daxhold kernel module holds, what failed and what
//! known poison damages, from its read-only interface /proc/fs/daxhold/
//! (Documentation/tool.rst).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use daxhold::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match daxhold::run(cli) {
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
