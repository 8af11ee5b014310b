// SPDX-License-Identifier: GPL-2.0

//! The dm-table model: stacks of dm devices written out as `dmsetup table`
//! would and given to `StackBuilder` directly, and the checks of reading
//! them back; shared by `tests/dmtable_props.rs` and the fuzz targets
//! `dmtable_text` and `dmtable_stack` (`tools/fuzz`).

use std::ops::ControlFlow;

use daxhold_pure::dmtable::{
    add_target, dev_major_minor, parse_target, TableError, Target, TargetKind,
};
use daxhold_pure::notify::Extent;
use daxhold_pure::stack::{DevId, Hit, Link, Segment, StackBuilder, StackError, SECTOR_SIZE};
use proptest::prelude::*;

/// The last sector whose bytes fit in a u64.
pub const MAX_SECTOR: u64 = u64::MAX / SECTOR_SIZE;

/// One target of a dm device, in sectors.
#[derive(Clone, Debug)]
pub enum Spec {
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
pub struct Tables {
    pub disks: Vec<DevId>,
    pub dms: Vec<Vec<(u64, Spec)>>,
    /// Spaces between fields, and whether the line ends in a newline.
    pub sep: &'static str,
    pub newline: bool,
}

/// The id of dm device `i`: major 253, or a random disk's (which makes a
/// self-map or a cycle now and then).
pub fn dm_id(t: &Tables, i: usize) -> DevId {
    match i {
        0 if t.disks.len() > 2 => t.disks[2],
        _ => DevId((253 << 20) | i as u32),
    }
}

/// Device `k` of those dm device `i` may use.
pub fn lower(t: &Tables, i: usize, k: usize) -> DevId {
    let n = t.disks.len() + i;
    let k = k % n;
    if k < t.disks.len() {
        t.disks[k]
    } else {
        dm_id(t, k - t.disks.len())
    }
}

pub fn dev_text(d: DevId) -> String {
    let (major, minor) = dev_major_minor(d);
    format!("{major}:{minor}")
}

/// The type and status text of a target, as dm writes them.
pub fn line(t: &Tables, i: usize, s: &Spec) -> (&'static str, String) {
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
pub fn direct(
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

pub fn spec_len(s: &Spec) -> u64 {
    match s {
        Spec::Linear { len, .. } | Spec::Striped { len, .. } => *len,
    }
}

pub fn slots(t: &Tables) -> usize {
    let per = |s: &Spec| match s {
        Spec::Linear { .. } => 1,
        Spec::Striped { stripes, .. } => stripes.len(),
    };
    t.dms.iter().flatten().map(|(_, s)| per(s)).sum::<usize>() + 1
}

/// Every hit of translating `extent` of `dev`, or the error.
pub fn hits(
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
pub fn devices(t: &Tables) -> Vec<DevId> {
    let mut v = t.disks.clone();
    v.extend((0..t.dms.len()).map(|i| dm_id(t, i)));
    v
}

/// A target read back from text, written out canonically.
pub fn canonical(target: &Target<'_>) -> Option<(&'static str, String)> {
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

pub type Builder<'a> = StackBuilder<&'a mut [Segment]>;

/// Adds every target of `t`, as text to `a` and directly to `b`: both must
/// agree at each target. Whether all were added.
pub fn load(t: &Tables, a: &mut Builder<'_>, b: &mut Builder<'_>) -> Result<bool, TestCaseError> {
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
pub const SOUP: &[&str] = &[
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
pub fn check_garbage(ty: &[u8], params: &[u8], begin: u64, len: u64) -> Result<(), TestCaseError> {
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
/// The tables `t` read from their text and given directly agree target
/// by target and give the same segments; if all were added, the two
/// stacks built from them agree on every query `(device, sector, sectors)`
/// (the device modulo the stack's) and on every whole device.
pub fn check_text(t: &Tables, queries: &[(usize, u64, u64)]) -> Result<(), TestCaseError> {
    let n = slots(t);
    let mut segs_a = vec![Segment::EMPTY; n];
    let mut segs_b = vec![Segment::EMPTY; n];
    let mut a = StackBuilder::new(segs_a.as_mut_slice());
    let mut b = StackBuilder::new(segs_b.as_mut_slice());
    let ok = load(t, &mut a, &mut b)?;
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
    prop_assert!(load(t, &mut a, &mut b)?);
    match (
        a.build(links_a.as_mut_slice()),
        b.build(links_b.as_mut_slice()),
    ) {
        (Ok(sa), Ok(sb)) => {
            let devs = devices(t);
            for (d, off, len) in queries {
                let dev = devs[d % devs.len()];
                let range = Extent::Range {
                    offset: off * 512,
                    end: (off + len) * 512,
                };
                prop_assert_eq!(hits(&sa, dev, range), hits(&sb, dev, range));
                let whole = Extent::WholeDevice;
                prop_assert_eq!(hits(&sa, dev, whole), hits(&sb, dev, whole));
            }
        }
        (Err(ea), Err(eb)) => prop_assert_eq!(ea, eb),
        (sa, sb) => prop_assert!(false, "{:?} vs {:?}", sa.err(), sb.err()),
    }
    Ok(())
}
