// SPDX-License-Identifier: GPL-2.0

//! One unit system for every command (Documentation/tool.rst, "Units"):
//! block-device positions in 512-byte sectors (decimal) with the same
//! range in bytes (hex) beside them, each labelled. In text:
//! `sector 392 sectors 8 (bytes 0x31000 len 0x1000)`; in JSON: `sector`,
//! `sectors`, `offset_bytes`, `length_bytes`. Byte ranges within a file
//! have no sectors: `bytes 0x3000 len 0x1000`.

/// Bytes per sector: the block layer's fixed 512, whatever the device's
/// logical block size.
pub const SECTOR_BYTES: u64 = 512;

/// `n` sectors in bytes (saturating).
pub fn bytes(n: u64) -> u64 {
    n.saturating_mul(SECTOR_BYTES)
}

/// The sectors that cover bytes `[offset, offset + len)`: the first one
/// and how many (saturating at the end of the u64 range).
pub fn covering(offset: u64, len: u64) -> (u64, u64) {
    let first = offset / SECTOR_BYTES;
    let end = offset.saturating_add(len).div_ceil(SECTOR_BYTES);
    (first, end.saturating_sub(first))
}

/// A byte range's text: `bytes 0xO len 0xL`, `bytes 0xO`, `0xL bytes`.
pub fn bytes_text(offset: Option<u64>, len: Option<u64>) -> String {
    match (offset, len) {
        (Some(o), Some(l)) => format!("bytes {o:#x} len {l:#x}"),
        (Some(o), None) => format!("bytes {o:#x}"),
        (None, Some(l)) => format!("{l:#x} bytes"),
        (None, None) => String::new(),
    }
}

/// A sector range's text with its bytes:
/// `sector 392 sectors 8 (bytes 0x31000 len 0x1000)`; either part may
/// be missing (`sectors 8 (0x1000 bytes)`), and with neither it is empty.
pub fn sectors_text(sector: Option<u64>, sectors: Option<u64>) -> String {
    range_text(
        (sector, sectors),
        bytes_text(sector.map(bytes), sectors.map(bytes)),
    )
}

/// `sector S sectors N (BYTES)`: a sector range and, in parentheses, the
/// byte range it stands for (a failure's exact bytes, which its sectors
/// cover); empty without sectors.
pub fn range_text((sector, sectors): (Option<u64>, Option<u64>), bytes: String) -> String {
    let mut words = Vec::new();
    if let Some(s) = sector {
        words.push(format!("sector {s}"));
    }
    if let Some(n) = sectors {
        words.push(format!("sectors {n}"));
    }
    if words.is_empty() {
        return String::new();
    }
    format!("{} ({bytes})", words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(
            sectors_text(Some(392), Some(8)),
            "sector 392 sectors 8 (bytes 0x31000 len 0x1000)"
        );
        assert_eq!(sectors_text(Some(1), None), "sector 1 (bytes 0x200)");
        assert_eq!(sectors_text(None, Some(8)), "sectors 8 (0x1000 bytes)");
        assert_eq!(sectors_text(None, None), "");
        assert_eq!(
            bytes_text(Some(0x3000), Some(0x1000)),
            "bytes 0x3000 len 0x1000"
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(bytes(8), 4096);
        assert_eq!(bytes(u64::MAX), u64::MAX);
        assert_eq!(covering(0x8203000, 0x1000), (266264, 8));
        assert_eq!(covering(100, 1), (0, 1));
        assert_eq!(covering(511, 2), (0, 2));
        assert_eq!(covering(0, 0), (0, 0));
        assert_eq!(covering(0, u64::MAX), (0, u64::MAX / 512 + 1));
        assert_eq!(covering(u64::MAX, u64::MAX).0, u64::MAX / 512);
    }
}
