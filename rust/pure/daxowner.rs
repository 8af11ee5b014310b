// SPDX-License-Identifier: GPL-2.0

//! Which pages of a file a failure hits: the arithmetic of the reverse map
//! of DAX mappings, which is read at failure time from the filesystems'
//! own DAX state (Documentation/design.rst, "Where the owners come from").
//!
//! Each DAX entry of a file's mapping says "pages `[pgoff, pgoff + 2^order)`
//! of this file are the pfns `[pfn, pfn + 2^order)`" ([`DaxEntry`]). A
//! failure of pfns `[lo, hi]` hits the part of each entry inside that range
//! ([`DaxEntry::clip`]), however many files share the pages (reflink): each
//! file's entries are its own.

/// One DAX entry of a file: pages `[pgoff, pgoff + 2^order)` are at pfns
/// `[pfn, pfn + 2^order)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaxEntry {
    pub pgoff: u64,
    pub pfn: u64,
    pub order: u32,
}

/// The part of a file a failure hits: pages `[pgoff, pgoff + count)` are
/// pfns `[pfn, pfn + count)`, all inside the failed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner {
    pub pgoff: u64,
    pub pfn: u64,
    pub count: u64,
}

impl DaxEntry {
    /// Pages it maps (`None` for an order past 63).
    pub fn pages(&self) -> Option<u64> {
        1u64.checked_shl(self.order)
    }

    /// The part of the entry inside pfns `[lo, hi]` (inclusive), `None` if
    /// there is none or the entry does not fit in 64 bits.
    pub fn clip(&self, lo: u64, hi: u64) -> Option<Owner> {
        let span = self.pages()?.checked_sub(1)?;
        let last = self.pfn.checked_add(span)?;
        self.pgoff.checked_add(span)?;
        let first = self.pfn.max(lo);
        let end = last.min(hi);
        let count = end.checked_sub(first)?.checked_add(1)?;
        Some(Owner {
            pgoff: self.pgoff.checked_add(first.checked_sub(self.pfn)?)?,
            pfn: first,
            count,
        })
    }
}
