// SPDX-License-Identifier: GPL-2.0

//! The attach policy: which pmem disks daxhold holds on its own.
//!
//! A pmem's dax_device has one holder slot. XFS directly on a whole pmem
//! takes it and handles failures itself; ext4 on a whole pmem is served by
//! the kernel's per-page path. Once a pmem is partitioned or used under
//! device-mapper, nothing upstream can hold it for every user above, so
//! `stacked` (the default) holds exactly those.

/// How daxhold picks the pmem disks it holds by itself. Devices named by
/// `devices=` or written to `attach` are held under every policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Hold a pmem when it has partitions or a dm device uses it (or one of
    /// its partitions); let it go when that stops.
    Stacked,
    /// Hold every pmem whose slot is free.
    All,
    /// Hold only the devices named explicitly.
    List,
}

impl Policy {
    /// Parse `stacked`, `all` or `list` (one trailing newline allowed, as
    /// sysfs writes bring).
    pub fn parse(input: &[u8]) -> Option<Policy> {
        let word = input.strip_suffix(b"\n").unwrap_or(input);
        match word {
            b"stacked" => Some(Policy::Stacked),
            b"all" => Some(Policy::All),
            b"list" => Some(Policy::List),
            _ => None,
        }
    }

    /// The policy's name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Stacked => "stacked",
            Policy::All => "all",
            Policy::List => "list",
        }
    }

    /// Whether daxhold should hold, by itself, a pmem disk that `has_users`
    /// (partitions, dm devices) or not.
    pub fn wants(self, has_users: bool) -> bool {
        match self {
            Policy::Stacked => has_users,
            Policy::All => true,
            Policy::List => false,
        }
    }
}

/// What daxhold does when a failure hits filesystem metadata that the
/// filesystem cannot handle itself (ext4, ext2: no notify_failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataPolicy {
    /// Report it and shut the filesystem down (`->shutdown`), as XFS does
    /// for its own metadata: the default.
    Shutdown,
    /// Report it only.
    Report,
}

impl MetadataPolicy {
    /// Parse `shutdown` or `report` (one trailing newline allowed).
    pub fn parse(input: &[u8]) -> Option<MetadataPolicy> {
        let word = input.strip_suffix(b"\n").unwrap_or(input);
        match word {
            b"shutdown" => Some(MetadataPolicy::Shutdown),
            b"report" => Some(MetadataPolicy::Report),
            _ => None,
        }
    }

    /// The policy's name.
    pub fn name(self) -> &'static str {
        match self {
            MetadataPolicy::Shutdown => "shutdown",
            MetadataPolicy::Report => "report",
        }
    }
}
