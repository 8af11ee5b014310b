// SPDX-License-Identifier: GPL-2.0

//! Values from the fuzzer's bytes, biased the way the property tests'
//! strategies are: mostly small, some at the ends of the range.

pub use libfuzzer_sys::arbitrary::{Result, Unstructured};

/// A `u64`: small, near `u64::MAX`, or any.
pub fn edge_u64(u: &mut Unstructured<'_>) -> Result<u64> {
    let v: u64 = u.arbitrary()?;
    Ok(match u.int_in_range(0u8..=7)? {
        0..=3 => v % 4096,
        4 => u64::MAX - v % 4096,
        5 => *u.choose(&[0, 1, u64::MAX, u64::MAX - 1, 1 << 63, 1 << 32])?,
        _ => v,
    })
}

/// A value in `lo..=hi`.
pub fn range(u: &mut Unstructured<'_>, lo: u64, hi: u64) -> Result<u64> {
    u.int_in_range(lo..=hi)
}

/// One of `items`.
pub fn pick<T: Copy>(u: &mut Unstructured<'_>, items: &[T]) -> Result<T> {
    u.choose(items).copied()
}

/// Up to `max` items made by `f`, fewer if the bytes run out.
pub fn list<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        if u.is_empty() {
            break;
        }
        out.push(f(u)?);
    }
    Ok(out)
}

/// `bytes` as little-endian `u64`s (the last one zero-padded), at most
/// `max` of them.
pub fn words(bytes: &[u8], max: usize) -> Vec<u64> {
    bytes
        .chunks(8)
        .take(max)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(w)
        })
        .collect()
}

/// A name for a kernel file's field: mostly what the kernel writes
/// (`pmem0`, `dm-1`, `pmem0p1`), sometimes characters that would split a
/// line or a field, or that mean something to the reader (`=`, `#`, `|`,
/// `>`, `\`), or no character at all.
pub fn name(u: &mut Unstructured<'_>) -> Result<String> {
    const PLAIN: &[char] = &['p', 'm', 'e', '0', '1', '-', 'd', '.', '_', 'x', '9'];
    const ODD: &[char] = &[
        ' ', '\t', '\n', '\r', '=', '#', '|', '>', '\\', ':', '?', '\u{0}', '\u{85}', '\u{a0}',
        '\u{2028}', 'é', '\u{7f}', '"',
    ];
    let n = u.int_in_range(0..=12)?;
    let odd = u.ratio(1u8, 4)?;
    let mut s = String::new();
    for _ in 0..n {
        let c = if odd && u.ratio(1u8, 3)? {
            pick(u, ODD)?
        } else {
            pick(u, PLAIN)?
        };
        s.push(c);
    }
    Ok(s)
}

/// The fuzzer's bytes as a kernel file's text, as the tool reads one
/// (bytes that are not UTF-8 replaced).
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}
