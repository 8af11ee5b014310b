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

use std::ops::ControlFlow;

use daxhold_pure::dmtable::{
    add_target, dev_id, dev_major_minor, parse_target, TableError, Target, TargetKind,
};
use daxhold_pure::notify::Extent;
use daxhold_pure::stack::{DevId, Hit, Link, Segment, StackBuilder, StackError, SECTOR_SIZE};
use proptest::prelude::*;

/// The last sector whose bytes fit in a u64.
const MAX_SECTOR: u64 = u64::MAX / SECTOR_SIZE;

/// One target of a dm device, in sectors.
#[derive(Clone, Debug)]
enum Spec {
    Linear {
        len: u64,
        dev: usize,
        start: u64,
    },
    Striped {
        len: u64,
        chunk: u32,
        stripes: Vec<(usize, u64)>,
    },
}

/// A stack: `disks` pmem disks, then dm devices in order, each a list of
/// targets (`gap` sectors before each) whose devices index
/// `disks + earlier dm devices`, modulo.
#[derive(Clone, Debug)]
struct Tables {
    disks: Vec<DevId>,
    dms: Vec<Vec<(u64, Spec)>>,
    /// Spaces between fields, and whether the line ends in a newline.
    sep: &'static str,
    newline: bool,
}

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

/// The id of dm device `i`: major 253, or a random disk's (which makes a
/// self-map or a cycle now and then).
fn dm_id(t: &Tables, i: usize) -> DevId {
    match i {
        0 if t.disks.len() > 2 => t.disks[2],
        _ => DevId((253 << 20) | i as u32),
    }
}

/// Device `k` of those dm device `i` may use.
fn lower(t: &Tables, i: usize, k: usize) -> DevId {
    let n = t.disks.len() + i;
    let k = k % n;
    if k < t.disks.len() {
        t.disks[k]
    } else {
        dm_id(t, k - t.disks.len())
    }
}

fn dev_text(d: DevId) -> String {
    let (major, minor) = dev_major_minor(d);
    format!("{major}:{minor}")
}

/// The type and status text of a target, as dm writes them.
fn line(t: &Tables, i: usize, s: &Spec) -> (&'static str, String) {
    let mut fields = Vec::new();
    let ty = match s {
        Spec::Linear { dev, start, .. } => {
            fields.push(dev_text(lower(t, i, *dev)));
            fields.push(start.to_string());
            "linear"
        }
        Spec::Striped { chunk, stripes, .. } => {
            fields.push(stripes.len().to_string());
            fields.push(chunk.to_string());
            for (dev, start) in stripes {
                fields.push(dev_text(lower(t, i, *dev)));
                fields.push(start.to_string());
            }
            "striped"
        }
    };
    let mut text = fields.join(t.sep);
    if t.newline {
        text.push('\n');
    }
    (ty, text)
}

/// The same target given to the builder directly, in bytes.
fn direct(
    b: &mut Builder<'_>,
    t: &Tables,
    i: usize,
    begin: u64,
    s: &Spec,
) -> Result<TargetKind, StackError> {
    let dm = dm_id(t, i);
    match s {
        Spec::Linear { len, dev, start } => {
            b.linear(dm, begin * 512, len * 512, lower(t, i, *dev), start * 512)?;
            Ok(TargetKind::Linear)
        }
        Spec::Striped {
            len,
            chunk,
            stripes,
        } => {
            let st: Vec<(DevId, u64)> = stripes
                .iter()
                .map(|&(dev, start)| (lower(t, i, dev), start * 512))
                .collect();
            b.striped(dm, begin * 512, len * 512, *chunk, &st)?;
            Ok(TargetKind::Striped {
                stripes: st.len() as u32,
            })
        }
    }
}

fn spec_len(s: &Spec) -> u64 {
    match s {
        Spec::Linear { len, .. } | Spec::Striped { len, .. } => *len,
    }
}

fn slots(t: &Tables) -> usize {
    let per = |s: &Spec| match s {
        Spec::Linear { .. } => 1,
        Spec::Striped { stripes, .. } => stripes.len(),
    };
    t.dms.iter().flatten().map(|(_, s)| per(s)).sum::<usize>() + 1
}

/// Every hit of translating `extent` of `dev`, or the error.
fn hits(
    stack: &daxhold_pure::stack::Stack<&mut [Segment], &mut [Link]>,
    dev: DevId,
    extent: Extent,
) -> Result<Vec<Hit>, StackError> {
    let mut out = Vec::new();
    let flow = stack.translate(dev, extent, |h| {
        out.push(h);
        ControlFlow::Continue(())
    })?;
    assert_eq!(flow, ControlFlow::Continue(()));
    Ok(out)
}

/// All devices of the stack.
fn devices(t: &Tables) -> Vec<DevId> {
    let mut v = t.disks.clone();
    v.extend((0..t.dms.len()).map(|i| dm_id(t, i)));
    v
}

/// A target read back from text, written out canonically.
fn canonical(target: &Target<'_>) -> Option<(&'static str, String)> {
    match target {
        Target::Linear { dev, start } => Some(("linear", format!("{} {start}", dev_text(*dev)))),
        Target::Striped(s) => {
            let mut text = format!("{} {}", s.count(), s.chunk_sectors());
            for (dev, start) in s.stripes() {
                text.push_str(&format!(" {} {start}", dev_text(dev)));
            }
            Some(("striped", text))
        }
        Target::Other => None,
    }
}

type Builder<'a> = StackBuilder<&'a mut [Segment]>;

/// Adds every target of `t`, as text to `a` and directly to `b`: both must
/// agree at each target. Whether all were added.
fn load(t: &Tables, a: &mut Builder<'_>, b: &mut Builder<'_>) -> Result<bool, TestCaseError> {
    let mut ok = true;
    for (i, targets) in t.dms.iter().enumerate() {
        let mut begin = 0u64;
        for (gap, s) in targets {
            begin = begin.saturating_add(*gap).min(MAX_SECTOR);
            let (ty, text) = line(t, i, s);
            let len = spec_len(s);
            let dm = dm_id(t, i);
            let from_text = add_target(a, dm, begin, len, ty.as_bytes(), text.as_bytes());
            let want = direct(b, t, i, begin, s).map_err(TableError::Stack);
            prop_assert_eq!(from_text, want, "{} {} {} {:?}", begin, len, ty, text);
            prop_assert_eq!(a.len(), b.len());
            ok &= want.is_ok();
            begin = begin.saturating_add(len).min(MAX_SECTOR);
        }
    }
    Ok(ok)
}

/// Fields dm writes, and near misses, to build garbage from.
const SOUP: &[&str] = &[
    "0",
    "1",
    "2",
    "8",
    "259:0",
    "253:1",
    "4095:1048575",
    "4096:0",
    "0:1048576",
    "18446744073709551615",
    "18446744073709551616",
    "36028797018963967",
    "36028797018963968",
    "4294967295",
    "4294967296",
    "-1",
    "+1",
    "0x10",
    "00",
    ":",
    "1:",
    ":1",
    "1:2:3",
    "",
    " ",
    "\n",
    "\t",
    "x",
    "\u{e9}",
];

/// Checks one target line: no panic, nothing added when refused, as many
/// segments as stripes when added, a one-line message, a canonical form
/// that reads the same.
fn check_garbage(ty: &[u8], params: &[u8], begin: u64, len: u64) -> Result<(), TestCaseError> {
    let mut segs = vec![Segment::EMPTY; 4];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    let before = b.len();
    let got = add_target(&mut b, DevId(1 << 30), begin, len, ty, params);
    let added = b.len() - before;
    match got {
        Ok(TargetKind::Linear) => prop_assert_eq!(added, 1),
        Ok(TargetKind::Striped { stripes }) => prop_assert_eq!(added, stripes as usize),
        Ok(TargetKind::Other) => prop_assert_eq!(added, 0),
        Err(e) => {
            prop_assert_eq!(added, 0);
            let msg = e.to_string();
            prop_assert!(!msg.is_empty() && !msg.contains('\n'), "{:?}", msg);
            prop_assert!(e.errno() < 0);
        }
    }
    if let Ok(target) = parse_target(ty, params) {
        if let Target::Striped(s) = target {
            prop_assert_eq!(s.stripes().count(), s.count() as usize);
        }
        if let Some((ty2, text)) = canonical(&target) {
            prop_assert_eq!(ty2.as_bytes(), ty);
            let again = parse_target(ty, text.as_bytes());
            prop_assert_eq!(again.map(|t| canonical(&t)), Ok(Some((ty2, text.clone()))));
        }
    }
    Ok(())
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
        let n = slots(&t);
        let mut segs_a = vec![Segment::EMPTY; n];
        let mut segs_b = vec![Segment::EMPTY; n];
        let mut a = StackBuilder::new(segs_a.as_mut_slice());
        let mut b = StackBuilder::new(segs_b.as_mut_slice());
        let ok = load(&t, &mut a, &mut b)?;
        let used = a.len();
        prop_assert_eq!(&segs_a[..used], &segs_b[..used]);
        if !ok {
            return Ok(());
        }
        // Again, to build both and translate.
        let mut links_a = vec![Link::EMPTY; n];
        let mut links_b = vec![Link::EMPTY; n];
        let mut a = StackBuilder::new(segs_a.as_mut_slice());
        let mut b = StackBuilder::new(segs_b.as_mut_slice());
        prop_assert!(load(&t, &mut a, &mut b)?);
        match (a.build(links_a.as_mut_slice()), b.build(links_b.as_mut_slice())) {
            (Ok(sa), Ok(sb)) => {
                let devs = devices(&t);
                for (d, off, len) in &queries {
                    let dev = devs[d % devs.len()];
                    let range = Extent::Range { offset: off * 512, end: (off + len) * 512 };
                    prop_assert_eq!(hits(&sa, dev, range), hits(&sb, dev, range));
                    let whole = Extent::WholeDevice;
                    prop_assert_eq!(hits(&sa, dev, whole), hits(&sb, dev, whole));
                }
            }
            (Err(ea), Err(eb)) => prop_assert_eq!(ea, eb),
            (sa, sb) => prop_assert!(false, "{:?} vs {:?}", sa.err(), sb.err()),
        }
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
