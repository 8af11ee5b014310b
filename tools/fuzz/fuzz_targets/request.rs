// SPDX-License-Identifier: GPL-2.0

//! Writes to `translate`: `request::parse` and `request::number` against a
//! model written with std's own number parsing and u128 sums, and a parsed
//! request written back (decimal offset, hex length) parses the same.

#![no_main]

use daxhold_pure::notify::Extent;
use daxhold_pure::request::{self, RequestError, Translate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assert_eq!(request::number(data), number(data));
    let got = request::parse(data);
    assert_eq!(got, model(data), "{:?}", String::from_utf8_lossy(data));
    if let Ok(t) = got {
        let (offset, len) = t.extent.offset_len();
        let disk = String::from_utf8_lossy(t.disk);
        if t.disk.is_ascii() {
            let text = format!("{disk} {offset} {len:#x}\n");
            assert_eq!(request::parse(text.as_bytes()), Ok(t));
        }
    }
});

/// Decimal, or hex after a lowercase `0x`: digits only (std's parsers
/// also take a sign), and it must fit.
fn number(s: &[u8]) -> Option<u64> {
    let (digits, radix) = match s.strip_prefix(b"0x") {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    let all = |f: fn(&u8) -> bool| !digits.is_empty() && digits.iter().all(f);
    let ok = if radix == 16 {
        all(u8::is_ascii_hexdigit)
    } else {
        all(u8::is_ascii_digit)
    };
    if !ok {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()
}

fn model(data: &[u8]) -> Result<Translate<'_>, RequestError> {
    let line = data.strip_suffix(b"\n").unwrap_or(data);
    let fields: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
    let [disk, off, len] = fields[..] else {
        return Err(RequestError::Fields);
    };
    if disk.is_empty() {
        return Err(RequestError::Fields);
    }
    let offset = number(off).ok_or(RequestError::Number)?;
    let len = number(len).ok_or(RequestError::Number)?;
    if len == 0 {
        return Err(RequestError::ZeroLength);
    }
    let end = u128::from(offset) + u128::from(len);
    if end > u128::from(u64::MAX) {
        return Err(RequestError::Overflow);
    }
    Ok(Translate {
        disk,
        extent: Extent::Range {
            offset,
            end: end as u64,
        },
    })
}
