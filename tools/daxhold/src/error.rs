// SPDX-License-Identifier: GPL-2.0

//! The tool's errors: each one a single line for the user (printed after
//! `daxhold: `), and exit status 1 (clap's own errors exit 2).

use std::fmt;
use std::io;

/// Why a command could not give its answer.
#[derive(Debug)]
pub enum Error {
    /// Neither /proc/fs/daxhold nor /sys/kernel/daxhold: no module.
    NotLoaded,
    /// A module is loaded, but it lacks what this tool reads.
    Older(String),
    /// A file's header names a format version this tool does not read.
    Version {
        /// The file, as the kernel names it (`/proc/fs/daxhold/stack`).
        file: String,
        /// The version word found (`v2`).
        found: String,
    },
    /// The file exists but only root may read it.
    Permission(String),
    /// The file went away while following it: the module was unloaded.
    Gone(String),
    /// Any other I/O error on an interface file.
    Io(String, io::Error),
    /// A line the tool cannot read: file, line number (1-based), why.
    Malformed {
        /// The file.
        file: String,
        /// Its line number, from 1.
        line: usize,
        /// What is wrong with it.
        msg: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotLoaded => {
                f.write_str("module not loaded (no /proc/fs/daxhold): insmod daxhold.ko")
            }
            Error::Older(what) => f.write_str(what),
            Error::Version { file, found } => write!(
                f,
                "{file}: format {found}, this tool reads v1: the module is newer than the tool (update the tool)"
            ),
            Error::Permission(file) => {
                write!(f, "{file}: permission denied: daxhold's files are root-only (run as root)")
            }
            Error::Gone(file) => write!(
                f,
                "{file} is gone: the daxhold module was unloaded while following it"
            ),
            Error::Io(file, e) => write!(f, "{file}: {e}"),
            Error::Malformed { file, line, msg } => write!(f, "{file}:{line}: malformed line: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for the tool's results.
pub type Result<T> = std::result::Result<T, Error>;
