// SPDX-License-Identifier: GPL-2.0

//! Control writes: the bytes of one write to `attach`, `detach`, `policy`,
//! `metadata`, `badblocks` or the `devices=` parameter. `name::parse`
//! agrees with the model of `model/notify.rs` (for the write and for each
//! item of the list); `split_list` gives the comma-separated items; each
//! policy word parses exactly when the write is its name (one newline
//! allowed); the error line's quoting (`Shown`) is one line of printable
//! ASCII that reads back as the first 32 bytes.

#![no_main]

use daxhold_fuzz::notify_model::check_name;
use daxhold_fuzz::ok;
use daxhold_pure::badblocks::BadblocksPolicy;
use daxhold_pure::name::{self, Shown, SHOWN_MAX};
use daxhold_pure::policy::{MetadataPolicy, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ok(check_name(data));
    check_list(data);
    check_words(data);
    check_shown(data);
});

/// The write without one trailing newline.
fn strip(data: &[u8]) -> &[u8] {
    data.strip_suffix(b"\n").unwrap_or(data)
}

fn check_list(data: &[u8]) {
    let items: Vec<&[u8]> = name::split_list(data).collect();
    let line = strip(data);
    let want: Vec<&[u8]> = if line.is_empty() {
        Vec::new()
    } else {
        line.split(|&b| b == b',').collect()
    };
    assert_eq!(items, want);
    for item in items {
        ok(check_name(item));
    }
}

fn check_words(data: &[u8]) {
    let word = strip(data);
    let policies = [Policy::Stacked, Policy::All, Policy::List];
    let want = policies.into_iter().find(|p| p.name().as_bytes() == word);
    assert_eq!(Policy::parse(data), want);
    let metadata = [MetadataPolicy::Shutdown, MetadataPolicy::Report];
    let want = metadata.into_iter().find(|p| p.name().as_bytes() == word);
    assert_eq!(MetadataPolicy::parse(data), want);
    let badblocks = [BadblocksPolicy::Report, BadblocksPolicy::Kill];
    let want = badblocks.into_iter().find(|p| p.name().as_bytes() == word);
    assert_eq!(BadblocksPolicy::parse(data), want);
}

/// `Shown` read back: `"..."` with `\xNN` escapes, then `...` if cut.
fn check_shown(data: &[u8]) {
    let text = Shown(data).to_string();
    assert!(text.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{text:?}");
    let bytes = strip(data);
    let (body, cut) = match text.strip_suffix("...") {
        Some(t) if bytes.len() > SHOWN_MAX => (t, true),
        _ => (text.as_str(), false),
    };
    assert_eq!(cut, bytes.len() > SHOWN_MAX, "{text:?}");
    let inner = body
        .strip_prefix('"')
        .and_then(|b| b.strip_suffix('"'))
        .expect("quoted");
    let mut back = Vec::new();
    let mut rest = inner.as_bytes();
    while let Some((&c, tail)) = rest.split_first() {
        assert!(c != b'"', "unescaped quote in {text:?}");
        if c == b'\\' {
            let hex = tail.get(1..3).expect("\\xNN");
            assert_eq!(tail.first(), Some(&b'x'));
            let hex = std::str::from_utf8(hex).unwrap();
            back.push(u8::from_str_radix(hex, 16).unwrap());
            rest = &tail[3..];
        } else {
            back.push(c);
            rest = tail;
        }
    }
    assert_eq!(back, bytes[..bytes.len().min(SHOWN_MAX)]);
}
