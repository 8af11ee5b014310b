// SPDX-License-Identifier: GPL-2.0

//! Where the tool reads from: /proc/fs/daxhold/{stack,events,poison},
//! /sys/kernel/daxhold/* and /proc/self/mountinfo, all below a root
//! directory that is `/` unless `--root DIR` or `DAXHOLD_ROOT=DIR` names
//! another (the host tests' fixture trees).

use std::fs;
use std::io;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::parse::{self, Record};

/// The directory of the read-only interface.
pub const PROC_DIR: &str = "/proc/fs/daxhold";
/// The control directory (older modules have only this).
pub const SYS_DIR: &str = "/sys/kernel/daxhold";

/// The root that every absolute path is looked up under.
#[derive(Clone, Debug)]
pub struct Root(PathBuf);

impl Root {
    /// `dir`, or `/` when none is given.
    pub fn new(dir: Option<PathBuf>) -> Root {
        Root(dir.unwrap_or_else(|| PathBuf::from("/")))
    }

    /// `abs` (an absolute path such as `/proc/fs/daxhold/stack`) below
    /// the root.
    pub fn path(&self, abs: &str) -> PathBuf {
        self.0.join(abs.trim_start_matches('/'))
    }

    /// A file's text, lossy for bytes that are not UTF-8 (task names).
    fn read(&self, abs: &str) -> io::Result<String> {
        fs::read(self.path(abs)).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// A file that may be missing or unreadable: `None` then.
    pub fn read_optional(&self, abs: &str) -> Option<String> {
        self.read(abs).ok()
    }

    /// The records of `/proc/fs/daxhold/<name>`, or the error that says
    /// why not: module not loaded, module too old, not root, bad format.
    pub fn interface(&self, name: &str) -> Result<Vec<Record>> {
        let abs = format!("{PROC_DIR}/{name}");
        match self.read(&abs) {
            Ok(text) => parse::parse(&abs, name, &text),
            Err(e) => Err(self.read_error(&abs, name, e)),
        }
    }

    /// What a failed read of `abs` means.
    fn read_error(&self, abs: &str, name: &str, e: io::Error) -> Error {
        match e.kind() {
            io::ErrorKind::PermissionDenied => Error::Permission(abs.to_string()),
            io::ErrorKind::NotFound => {
                if self.path(PROC_DIR).is_dir() {
                    Error::Older(format!(
                        "{abs} does not exist: the loaded daxhold module is older than this tool (it has {PROC_DIR} but no {name} file)"
                    ))
                } else if self.path(SYS_DIR).is_dir() {
                    Error::Older(format!(
                        "the loaded daxhold module is older than this tool: it has {SYS_DIR} but no {PROC_DIR} (this tool reads {abs} {})",
                        parse::VERSION
                    ))
                } else {
                    Error::NotLoaded
                }
            }
            _ => Error::Io(abs.to_string(), e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_is_wrong() {
        let r = Root::new(Some(PathBuf::from("/nonexistent-daxhold-root")));
        assert_eq!(
            r.path("/proc/fs/daxhold/stack"),
            PathBuf::from("/nonexistent-daxhold-root/proc/fs/daxhold/stack")
        );
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(
            r.read_error("/proc/fs/daxhold/stack", "stack", denied)
                .to_string(),
            "/proc/fs/daxhold/stack: permission denied: daxhold's files are root-only (run as root)"
        );
        let gone = io::Error::from(io::ErrorKind::NotFound);
        assert!(matches!(
            r.read_error("/proc/fs/daxhold/stack", "stack", gone),
            Error::NotLoaded
        ));
        let other = io::Error::from_raw_os_error(5);
        assert!(r
            .read_error("/proc/fs/daxhold/stack", "stack", other)
            .to_string()
            .starts_with("/proc/fs/daxhold/stack: Input/output error"));
    }
}
