// SPDX-License-Identifier: GPL-2.0

//! Property tests of reading dm tables (`dmtable`).
//!
//! Random stacks of dm devices with linear and striped targets (over pmem
//! disks and earlier dm devices, some at the top of the sector space, some
//! the builder refuses) are written out as `dmsetup table` would and read
//! back with `add_target`; the same tables are also given to `StackBuilder`
//! directly. Target by target both must agree (added or the same error),
//! give the same segments, and the built stacks must translate every range
//! the same way. Random text, from bytes or from a soup of the fields dm
//! writes, never panics, adds nothing when refused, and reads the same when
//! written back canonically.
//! The model is in `model/dmtable.rs`, which the fuzz targets share.

use daxhold_pure::dmtable::{dev_id, dev_major_minor};
use daxhold_pure::stack::DevId;
use proptest::prelude::*;

#[path = "model/dmtable.rs"]
mod model;
use model::{check_garbage, check_text, line, Spec, Tables, MAX_SECTOR, SOUP};

/// Sectors: mostly small (so that ranges meet), some huge.
fn sectors() -> impl Strategy<Value = u64> {
    prop_oneof![
        16 => 0..256u64,
        1 => MAX_SECTOR - 4096..=MAX_SECTOR,
        2 => Just(0),
    ]
}

/// Any device number, biased to the ends of the ranges.
fn any_dev() -> impl Strategy<Value = DevId> {
    let mm = prop_oneof![
        (0..4096u32, 0..(1u32 << 20)),
        Just((4095, (1 << 20) - 1)),
        Just((0, 0)),
        (250..260u32, 0..4u32),
    ];
    mm.prop_filter_map("in range", |(major, minor)| dev_id(major, minor))
}

fn spec() -> impl Strategy<Value = Spec> {
    let linear = (1..512u64, any::<usize>(), sectors())
        .prop_map(|(len, dev, start)| Spec::Linear { len, dev, start });
    let striped = (
        prop_oneof![
            20 => prop::collection::vec((any::<usize>(), sectors()), 1..6),
            1 => Just(Vec::new()),
        ],
        prop_oneof![20 => 1..64u32, 1 => Just(0u32), 1 => Just(u32::MAX)],
        1..8u64,
        prop::bool::weighted(0.95),
        1..4096u64,
    )
        .prop_map(|(stripes, chunk, chunks, exact, odd)| {
            // Mostly a layout dm-stripe accepts.
            let n = stripes.len() as u64;
            let len = if exact {
                (n * u64::from(chunk) * chunks).clamp(1, MAX_SECTOR)
            } else {
                odd
            };
            Spec::Striped {
                len,
                chunk,
                stripes,
            }
        });
    prop_oneof![linear, striped]
}

fn tables() -> impl Strategy<Value = Tables> {
    let gap = prop_oneof![8 => Just(0u64), 4 => 0..16u64, 1 => Just(MAX_SECTOR - 300)];
    (
        prop::collection::vec(any_dev(), 1..4),
        prop::collection::vec(prop::collection::vec((gap, spec()), 1..4), 1..4),
        prop_oneof![Just(" "), Just("  ")],
        any::<bool>(),
    )
        .prop_map(|(disks, dms, sep, newline)| Tables {
            disks,
            dms,
            sep,
            newline,
        })
}

fn type_name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"linear".to_vec()),
        Just(b"striped".to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn text_reads_as_direct(t in tables(), queries in prop::collection::vec(
        (any::<usize>(), 0..1024u64, 1..64u64), 1..8)) {
        check_text(&t, &queries)?;
    }

    #[test]
    fn random_bytes_never_panic(
        ty in type_name(),
        params in prop::collection::vec(any::<u8>(), 0..48),
        begin in any::<u64>(),
        len in any::<u64>(),
    ) {
        check_garbage(&ty, &params, begin, len)?;
    }

    #[test]
    fn field_soup_never_panics(
        ty in type_name(),
        fields in prop::collection::vec(prop::sample::select(SOUP), 0..10),
        sep in prop_oneof![Just(" "), Just("  "), Just(""), Just("\n")],
        begin in prop_oneof![0..64u64, Just(u64::MAX), Just(MAX_SECTOR)],
        len in prop_oneof![0..64u64, Just(u64::MAX), Just(MAX_SECTOR)],
    ) {
        let params = fields.join(sep);
        check_garbage(&ty, params.as_bytes(), begin, len)?;
    }

    #[test]
    fn mutated_lines_never_panic(
        t in tables(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 0..3),
    ) {
        let Some((ty, text)) = t.dms.first().and_then(|d| d.first()).map(|(_, s)| line(&t, 0, s))
        else {
            return Ok(());
        };
        // Replace, insert or delete a few bytes, biased to the bytes dm writes.
        let mut text = text.into_bytes();
        for (at, byte, op) in edits {
            let byte = match byte % 4 {
                0 => byte,
                1 => b' ',
                2 => b':',
                _ => b'0' + byte % 10,
            };
            let at = at % (text.len() + 1);
            match op {
                0 if at < text.len() => text[at] = byte,
                1 => text.insert(at, byte),
                _ if at < text.len() => {
                    text.remove(at);
                }
                _ => {}
            }
        }
        check_garbage(ty.as_bytes(), &text, 0, 64)?;
    }

    #[test]
    fn dev_id_round_trips(major in any::<u32>(), minor in any::<u32>()) {
        match dev_id(major, minor) {
            Some(d) => {
                prop_assert!(major < 4096 && minor < (1 << 20));
                prop_assert_eq!(dev_major_minor(d), (major, minor));
                prop_assert_eq!(d.0, (major << 20) | minor);
            }
            None => prop_assert!(major >= 4096 || minor >= (1 << 20)),
        }
    }
}
