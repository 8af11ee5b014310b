// SPDX-License-Identifier: GPL-2.0
//! `translate` requests.

use daxhold_pure::notify::Extent;
use daxhold_pure::request::{number, parse, RequestError};
use proptest::prelude::*;

#[test]
fn good_requests() {
    let t = parse(b"pmem0 0x1000 4096\n").expect("valid");
    assert_eq!(t.disk, b"pmem0");
    assert_eq!(
        t.extent,
        Extent::Range {
            offset: 0x1000,
            end: 0x2000
        }
    );
    let t = parse(b"pmem1 0 1").expect("valid");
    assert_eq!(t.extent, Extent::Range { offset: 0, end: 1 });
    let t = parse(b"p 18446744073709551614 1").expect("valid");
    assert_eq!(
        t.extent,
        Extent::Range {
            offset: u64::MAX - 1,
            end: u64::MAX
        }
    );
}

#[test]
fn bad_requests() {
    let cases: &[(&[u8], RequestError)] = &[
        (b"", RequestError::Fields),
        (b"pmem0", RequestError::Fields),
        (b"pmem0 1", RequestError::Fields),
        (b"pmem0 1 2 3", RequestError::Fields),
        (b"pmem0  1 2", RequestError::Fields),
        (b" 1 2", RequestError::Fields),
        (b"pmem0 -1 2", RequestError::Number),
        (b"pmem0 0x 2", RequestError::Number),
        (b"pmem0 0X10 2", RequestError::Number),
        (b"pmem0 12a 2", RequestError::Number),
        (b"pmem0 1 18446744073709551616", RequestError::Number),
        (b"pmem0 1 0", RequestError::ZeroLength),
        (b"pmem0 18446744073709551615 1", RequestError::Overflow),
        (b"pmem0 1 2\n\n", RequestError::Number),
    ];
    for (input, want) in cases {
        assert_eq!(
            parse(input),
            Err(*want),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert_eq!(RequestError::Overflow.errno(), -34);
    assert_eq!(RequestError::Fields.errno(), -22);
}

proptest! {
    #[test]
    fn numbers_round_trip(v: u64) {
        prop_assert_eq!(number(v.to_string().as_bytes()), Some(v));
        prop_assert_eq!(number(format!("{v:#x}").as_bytes()), Some(v));
    }

    #[test]
    fn garbage_never_panics(input: Vec<u8>) {
        let _ = parse(&input);
    }

    #[test]
    fn ranges_match_model(off: u64, len: u64) {
        let text = format!("pmem0 {off} {len:#x}");
        match parse(text.as_bytes()) {
            Ok(t) => prop_assert_eq!(t.extent, Extent::Range { offset: off, end: off + len }),
            Err(RequestError::ZeroLength) => prop_assert_eq!(len, 0),
            Err(RequestError::Overflow) => prop_assert!(off.checked_add(len).is_none()),
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }
}
