// SPDX-License-Identifier: GPL-2.0

//! The records of a scan: one [`Finding`] per line of the poison file,
//! ordered by [`Key`] so that two scans diff in one pass, and [`Findings`],
//! the list one scan builds (at most [`MAX_FINDINGS`]).

use core::fmt::{self, Write};

use kernel::alloc::KVec;
use kernel::error::code::ENOMEM;
use kernel::prelude::*;

use super::resolve::Pending;
use crate::pure::fixedbuf::FixedBuf;

/// Most findings kept; past it the rest of a scan is left out (one line).
pub(super) const MAX_FINDINGS: usize = 8192;

/// Bytes of a disk's name, of the way up the stack, of a metadata
/// description and of a filesystem type.
pub(super) const NAME: usize = 32;
pub(super) const CHAIN: usize = 96;
pub(super) const WHAT: usize = 48;
pub(super) const FS: usize = 8;

/// Short text in a fixed array, ordered bytewise.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Text<const N: usize>(pub(super) [u8; N]);

impl<const N: usize> Text<N> {
    pub(super) const EMPTY: Self = Text([0; N]);

    pub(super) fn new(s: &str) -> Self {
        let mut t = Self::EMPTY;
        let _ = FixedBuf::new(&mut t.0).write_str(s);
        t
    }

    /// `v` formatted, spaces made underscores (a `key=value` value).
    pub(super) fn word(v: impl fmt::Display) -> Self {
        let mut t = Self::EMPTY;
        let _ = write!(FixedBuf::new(&mut t.0), "{v}");
        for b in t.0.iter_mut().filter(|b| **b == b' ') {
            *b = b'_';
        }
        t
    }

    pub(super) fn as_str(&self) -> &str {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        self.0
            .get(..end)
            .and_then(|s| core::str::from_utf8(s).ok())
            .unwrap_or("?")
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is, in the order the poison file lists them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Bad,
    Top,
    File,
    Metadata,
    Unowned,
    Unmapped,
}

/// What identifies a finding across scans (see [`Finding`] for the
/// fields each kind uses).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) pmem: Text<NAME>,
    /// First sector of the bad range on the pmem.
    pub(super) sector: u64,
    pub(super) kind: Kind,
    /// Top: its dev_t; file, metadata, unowned: the filesystem's; unmapped:
    /// the device with the unused bytes.
    pub(super) dev: u32,
    /// Top, unowned, unmapped: first sector on `dev`.
    pub(super) top_sector: u64,
    /// Bad: the range's sectors; top, unowned, unmapped: sectors on `dev`.
    pub(super) sectors: u64,
    pub(super) ino: u64,
    /// File: bytes of the file.
    pub(super) offset: u64,
    pub(super) len: u64,
    pub(super) what: Text<WHAT>,
}

impl Key {
    pub(super) fn new(pmem: Text<NAME>, sector: u64, kind: Kind) -> Self {
        Key {
            pmem,
            sector,
            kind,
            dev: 0,
            top_sector: 0,
            sectors: 0,
            ino: 0,
            offset: 0,
            len: 0,
            what: Text::EMPTY,
        }
    }
}

/// One line of the poison file.
#[derive(Clone, Copy)]
pub(super) struct Finding {
    pub(super) key: Key,
    /// The device `key.dev` names (top, unmapped) or the top the
    /// filesystem sits on.
    pub(super) devname: Text<NAME>,
    /// `pmem0>pmem0p1>dm-0`: the way up to the top.
    pub(super) chain: Text<CHAIN>,
    pub(super) fs: Text<FS>,
    pub(super) depth: u32,
    /// File: some process maps a damaged page.
    pub(super) mapped: bool,
    /// Bad: the generation that first saw it.
    pub(super) since: u64,
}

impl Finding {
    pub(super) fn new(key: Key) -> Self {
        Finding {
            key,
            devname: Text::EMPTY,
            chain: Text::EMPTY,
            fs: Text::EMPTY,
            depth: 0,
            mapped: false,
            since: 0,
        }
    }
}

/// The findings of one scan.
pub(super) struct Findings {
    pub(super) list: KVec<Finding>,
    /// Tops still to resolve, all at once per filesystem ([`resolve_tops`]).
    pub(super) pending: KVec<Pending>,
    pub(super) full: bool,
    /// What memory was missing for, first: the scan is incomplete, and
    /// the known poison stays as the last complete scan left it.
    pub(super) nomem: Option<&'static str>,
}

impl Findings {
    /// None yet.
    pub(super) fn new() -> Self {
        Findings {
            list: KVec::new(),
            pending: KVec::new(),
            full: false,
            nomem: None,
        }
    }

    pub(super) fn push(&mut self, f: Finding) {
        if self.list.len() >= MAX_FINDINGS {
            self.full = true;
        } else if self.list.push(f, GFP_KERNEL).is_err() {
            self.no_memory("the findings");
        }
    }

    /// Memory was missing for `what`: the scan is incomplete.
    pub(super) fn no_memory(&mut self, what: &'static str) {
        self.nomem.get_or_insert(what);
    }

    /// `r`, noting an `ENOMEM` as memory missing for `what`; other errors
    /// are the caller's.
    pub(super) fn note<T>(&mut self, what: &'static str, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            if *e == ENOMEM {
                self.no_memory(what);
            }
        }
        r
    }

    /// Add a damaged piece of file `ino`, merged into the last finding if
    /// it continues it.
    pub(super) fn push_file(&mut self, f: Finding) {
        if let Some(last) = self.list.as_mut_slice().last_mut() {
            let k = &mut last.key;
            if k.kind == Kind::File
                && k.pmem == f.key.pmem
                && k.sector == f.key.sector
                && k.dev == f.key.dev
                && k.ino == f.key.ino
                && k.offset.checked_add(k.len) == Some(f.key.offset)
            {
                k.len = k.len.saturating_add(f.key.len);
                last.mapped |= f.mapped;
                return;
            }
        }
        self.push(f);
    }
}
