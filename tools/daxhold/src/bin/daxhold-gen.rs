// SPDX-License-Identifier: GPL-2.0

//! `daxhold-gen DIR`: write daxhold's man pages to DIR/man/ and its bash,
//! zsh and fish completions to DIR/completions/ (`make tool` runs it with
//! build/tool). Not installed; a build step.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: daxhold-gen DIR");
        return ExitCode::from(2);
    };
    match daxhold::manual::write_all(&PathBuf::from(dir)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("daxhold-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
