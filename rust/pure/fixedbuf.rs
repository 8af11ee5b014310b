// SPDX-License-Identifier: GPL-2.0

//! A `core::fmt::Write` sink over a borrowed byte buffer that never
//! overflows: output past the end is dropped and remembered.

use core::fmt;

/// Formats into `buf`, truncating (and recording it) instead of failing.
pub struct FixedBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
    truncated: bool,
}

impl<'a> FixedBuf<'a> {
    /// An empty sink writing into `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        FixedBuf {
            buf,
            len: 0,
            truncated: false,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some output did not fit.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// What was written.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl fmt::Write for FixedBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // No indexing, no `copy_from_slice` (its length check panics) and
        // no unchecked `+`: the kernel build has overflow checks.
        let tail = self.buf.get_mut(self.len..).unwrap_or_default();
        let n = s.len().min(tail.len());
        for (d, c) in tail.iter_mut().zip(s.as_bytes()) {
            *d = *c;
        }
        // self.len + n <= self.buf.len(): it cannot saturate.
        self.len = self.len.saturating_add(n);
        if n < s.len() {
            self.truncated = true;
            return Err(fmt::Error);
        }
        Ok(())
    }
}
