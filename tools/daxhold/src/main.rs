// SPDX-License-Identifier: GPL-2.0

//! `daxhold`: what the daxhold kernel module holds, what failed and what
//! known poison damages, from its read-only interface /proc/fs/daxhold/
//! (Documentation/tool.rst).

use std::process::ExitCode;

use clap::Parser;

use daxhold::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match daxhold::run(cli, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("daxhold: {e}");
            ExitCode::FAILURE
        }
    }
}
