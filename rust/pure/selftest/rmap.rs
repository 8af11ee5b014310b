// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_rmap` suite ([`super::RMAP_CASES`]): the reverse
//! map, on storage in arrays (no allocation, as in the kernel).
//!
//! Nodes are 528 bytes and KUnit runs these on a kernel stack, so each case
//! uses at most [`NODES`] of them; the smallest fanout (4 records per leaf,
//! 4 children per inner node) still makes trees three levels deep.

use core::ops::ControlFlow;

use super::Fail;
use crate::pure::rmap::{
    is_metadata_owner, Kind, Node, Record, Rmap, RmapError, ATTR_FORK, BMBT_BLOCK, INNER_MAX,
    KNOWN_FLAGS, LEAF_MAX, MAX_OFFSET, NODE_BYTES, OWN_AG, OWN_COW, OWN_FS, OWN_INOBT, OWN_INODES,
    OWN_LOG, OWN_MIN, OWN_NULL, OWN_REFC, OWN_UNKNOWN, UNWRITTEN,
};

const NODES: usize = 10;
const HITS: usize = 24;

type Small<'a> = Rmap<&'a mut [Node]>;

/// Records a query gave, in a fixed array.
struct Hits {
    buf: [Option<Record>; HITS],
    n: usize,
    /// More came than fit.
    lost: bool,
}

impl Hits {
    fn new() -> Self {
        Hits {
            buf: [None; HITS],
            n: 0,
            lost: false,
        }
    }

    fn push(&mut self, r: &Record) {
        match self.buf.get_mut(self.n) {
            Some(slot) => {
                *slot = Some(*r);
                self.n += 1;
            }
            None => self.lost = true,
        }
    }

    fn is(&self, want: &[Record]) -> bool {
        !self.lost
            && self.n == want.len()
            && self.buf.iter().zip(want).all(|(got, w)| *got == Some(*w))
    }
}

/// Everything `[lo, hi]` gives, or the query's error.
fn query(map: &Small<'_>, lo: u64, hi: u64) -> Result<Hits, RmapError> {
    let mut h = Hits::new();
    let _ = map.query_range(lo, hi, |r| {
        h.push(r);
        ControlFlow::<()>::Continue(())
    })?;
    Ok(h)
}

/// Whether `[lo, hi]` gives exactly `want`, in that order.
fn gives(map: &Small<'_>, lo: u64, hi: u64, want: &[Record]) -> bool {
    matches!(query(map, lo, hi), Ok(h) if h.is(want))
}

/// A map of the smallest fanout over `nodes`, with `records` inserted.
fn small<'a>(nodes: &'a mut [Node], records: &[Record]) -> Result<Small<'a>, Fail> {
    let fail = |line| Fail {
        line,
        what: "the records go in",
    };
    let mut map = Rmap::with_fanout(nodes, 4, 4).map_err(|_| fail(line!()))?;
    for r in records {
        map.insert(r).map_err(|_| fail(line!()))?;
    }
    if map.check().is_err() {
        return Err(fail(line!()));
    }
    Ok(map)
}

fn data(start: u64, count: u64, owner: u64, offset: u64) -> Record {
    Record::data(start, count, owner, offset)
}

/// XFS's record rules: what may not go in.
pub(super) fn record_rules() -> Result<(), Fail> {
    let check = |r: Record| r.check();
    ensure!(check(data(0, 1, 7, 0)).is_ok());
    ensure!(check(data(5, 0, 7, 0)) == Err(RmapError::ZeroLength));
    // The last block of the device is fine, one past it is not.
    ensure!(check(data(u64::MAX, 1, 7, 0)).is_ok());
    ensure!(check(data(u64::MAX, 2, 7, 0)) == Err(RmapError::Overflow));
    ensure!(check(Record::metadata(1, u64::MAX, OWN_FS)).is_ok());
    ensure!(check(Record::metadata(2, u64::MAX, OWN_FS)) == Err(RmapError::Overflow));
    ensure!(check(data(0, 1, OWN_NULL, 0)) == Err(RmapError::BadOwner));
    ensure!(check(data(0, 1, OWN_UNKNOWN, 0)) == Err(RmapError::BadOwner));
    ensure!(check(data(0, 1, 7, 0).with_flags(1 << 3)) == Err(RmapError::BadFlags));
    // Metadata: no offset, no flags.
    ensure!(check(data(0, 1, OWN_LOG, 3)) == Err(RmapError::BadOffset));
    ensure!(
        check(Record::metadata(0, 1, OWN_AG).with_flags(ATTR_FORK)) == Err(RmapError::BadFlags)
    );
    // Extent-map blocks: offset 0, never unwritten; in either fork.
    ensure!(check(data(0, 1, 7, 0).with_flags(BMBT_BLOCK)).is_ok());
    ensure!(check(data(0, 1, 7, 0).with_flags(BMBT_BLOCK | ATTR_FORK)).is_ok());
    ensure!(check(data(0, 1, 7, 4).with_flags(BMBT_BLOCK)) == Err(RmapError::BadOffset));
    ensure!(check(data(0, 1, 7, 0).with_flags(BMBT_BLOCK | UNWRITTEN)) == Err(RmapError::BadFlags));
    // Unwritten: file data only.
    ensure!(check(data(0, 1, 7, 9).with_flags(UNWRITTEN)).is_ok());
    ensure!(check(data(0, 1, 7, 9).with_flags(UNWRITTEN | ATTR_FORK)) == Err(RmapError::BadFlags));
    // File blocks end within XFS's offset limit.
    ensure!(check(data(0, 1, 7, MAX_OFFSET)).is_ok());
    ensure!(check(data(0, 2, 7, MAX_OFFSET)) == Err(RmapError::BadOffset));
    ensure!(check(data(0, 1, 7, MAX_OFFSET + 1)) == Err(RmapError::BadOffset));
    ensure!(check(data(0, u64::MAX, 7, 1)) == Err(RmapError::BadOffset));
    // A bad record goes nowhere.
    let mut nodes = [Node::EMPTY; 1];
    let mut map = Rmap::new(&mut nodes[..]);
    ensure!(map.insert(&data(5, 0, 7, 0)) == Err(RmapError::ZeroLength));
    ensure!(map.remove(&data(u64::MAX, 2, 7, 0)) == Err(RmapError::Overflow));
    ensure!(map.is_empty() && map.nodes_used() == 0);
    Ok(())
}

/// What the blocks are; XFS's owner and flag values.
pub(super) fn kinds() -> Result<(), Fail> {
    let xfs = |v: i64| v as u64;
    ensure!(OWN_NULL == xfs(-1) && OWN_UNKNOWN == xfs(-2) && OWN_FS == xfs(-3));
    ensure!(OWN_LOG == xfs(-4) && OWN_AG == xfs(-5) && OWN_INOBT == xfs(-6));
    ensure!(OWN_INODES == xfs(-7) && OWN_REFC == xfs(-8) && OWN_COW == xfs(-9));
    ensure!(OWN_MIN == OWN_COW && MAX_OFFSET == (1 << 54) - 1);
    ensure!((ATTR_FORK, BMBT_BLOCK, UNWRITTEN, KNOWN_FLAGS) == (1, 2, 4, 7));
    ensure!(is_metadata_owner(OWN_FS) && is_metadata_owner(OWN_MIN));
    ensure!(!is_metadata_owner(OWN_MIN - 1) && !is_metadata_owner(OWN_UNKNOWN));
    ensure!(!is_metadata_owner(0) && !is_metadata_owner(OWN_NULL));
    ensure!(data(0, 1, 7, 0).kind() == Kind::Data);
    ensure!(data(0, 1, 7, 0).with_flags(UNWRITTEN).kind() == Kind::Data);
    ensure!(data(0, 1, 7, 0).with_flags(ATTR_FORK).kind() == Kind::Attr);
    ensure!(data(0, 1, 7, 0).with_flags(BMBT_BLOCK).kind() == Kind::Metadata);
    ensure!(Record::metadata(0, 1, OWN_INODES).kind() == Kind::Metadata);
    // A kernel address as owner is a file, not metadata.
    ensure!(data(0, 1, 0xffff_8880_1234_5000, 0).kind() == Kind::Data);
    Ok(())
}

/// `[lo, hi]` is inclusive at both ends, as XFS's high key.
pub(super) fn inclusive_range() -> Result<(), Fail> {
    let r = data(10, 10, 7, 100); // blocks 10..=19
    let mut nodes = [Node::EMPTY; 1];
    let map = small(&mut nodes, &[r])?;
    ensure!(gives(&map, 0, 9, &[]));
    ensure!(gives(&map, 0, 10, &[r]));
    ensure!(gives(&map, 19, 19, &[r]));
    ensure!(gives(&map, 12, 14, &[r]));
    ensure!(gives(&map, 20, u64::MAX, &[]));
    ensure!(gives(&map, 0, u64::MAX, &[r]));
    ensure!(r.overlaps(19, 30) && !r.overlaps(20, 30) && !r.overlaps(0, 9));
    ensure!(matches!(query(&map, 5, 4), Err(RmapError::BadRange)));
    Ok(())
}

/// Reflinked blocks: every owner is found, in key order.
pub(super) fn shared_blocks() -> Result<(), Fail> {
    let a = data(100, 8, 20, 0); // 100..=107, file 20
    let b = data(100, 8, 21, 16); // the same blocks, file 21 (a reflink)
    let c = data(104, 8, 22, 0); // 104..=111, shares half with both
    let d = data(100, 8, 20, 64); // file 20 shares them with itself
    let e = data(108, 4, 23, 0).with_flags(UNWRITTEN);
    let mut nodes = [Node::EMPTY; NODES];
    let map = small(&mut nodes, &[e, c, b, a, d])?;
    ensure!(gives(&map, 100, 100, &[a, d, b]));
    ensure!(gives(&map, 107, 108, &[a, d, b, c, e]));
    ensure!(gives(&map, 110, 200, &[c, e]));
    ensure!(gives(&map, 0, 99, &[]));
    Ok(())
}

/// Long records to the left of the range, around short ones: the summaries
/// find them however deep the tree.
pub(super) fn nested() -> Result<(), Fail> {
    let fs = Record::metadata(0, 1000, OWN_FS);
    let long = data(1, 500, 30, 0);
    let mut nodes = [Node::EMPTY; NODES];
    let mut map = small(&mut nodes, &[fs, long])?;
    for i in 0..14u64 {
        if map.insert(&data(10 + 40 * i, 4, 40 + i, 0)).is_err() {
            return Err(Fail {
                line: line!(),
                what: "the records go in",
            });
        }
    }
    ensure!(map.check().is_ok() && map.height() == 3 && map.len() == 16);
    // Blocks 490..=491 are under the two long ones and the 13th short one.
    ensure!(gives(&map, 490, 491, &[fs, long, data(490, 4, 52, 0)]));
    // Block 700: only the filesystem's metadata.
    ensure!(gives(&map, 700, 700, &[fs]));
    ensure!(gives(&map, 1000, u64::MAX, &[]));
    ensure!(matches!(query(&map, 0, u64::MAX), Ok(h) if h.n == 16 && !h.lost));
    Ok(())
}

/// The first and the last block of the address space.
pub(super) fn boundaries() -> Result<(), Fail> {
    let first = data(0, 1, 5, 0);
    let last = data(u64::MAX, 1, 6, 0);
    let top = data(u64::MAX - 9, 10, 7, 0); // up to and including u64::MAX
    let all = Record::metadata(1, u64::MAX, OWN_FS); // 1..=u64::MAX
    let mut nodes = [Node::EMPTY; NODES];
    let map = small(&mut nodes, &[last, first, top, all])?;
    ensure!(gives(&map, 0, 0, &[first]));
    ensure!(gives(&map, u64::MAX, u64::MAX, &[all, top, last]));
    ensure!(gives(&map, u64::MAX - 9, u64::MAX - 9, &[all, top]));
    ensure!(gives(&map, 0, u64::MAX, &[first, all, top, last]));
    ensure!(gives(&map, 1, 1, &[all]));
    Ok(())
}

/// The query stops when the caller says so, and returns what it said.
pub(super) fn early_stop() -> Result<(), Fail> {
    let recs = [
        data(0, 10, 1, 0),
        data(0, 10, 2, 0),
        data(0, 10, 3, 0),
        data(5, 10, 4, 0),
        data(9, 10, 5, 0),
    ];
    let mut nodes = [Node::EMPTY; NODES];
    let map = small(&mut nodes, &recs)?;
    let mut seen = 0;
    let got = map.query_range(0, 100, |r| {
        seen += 1;
        if r.owner == 2 {
            ControlFlow::Break(r.owner)
        } else {
            ControlFlow::Continue(())
        }
    });
    ensure!(got == Ok(ControlFlow::Break(2)) && seen == 2);
    let mut seen = 0;
    let got = map.query_range(0, 100, |_| {
        seen += 1;
        ControlFlow::<()>::Continue(())
    });
    ensure!(got == Ok(ControlFlow::Continue(())) && seen == 5);
    Ok(())
}

/// Insertions and removals, exact: duplicates and absent records refused,
/// the tree kept valid down to empty, freed nodes reused.
pub(super) fn insert_remove() -> Result<(), Fail> {
    let mut nodes = [Node::EMPTY; NODES];
    let mut map = small(&mut nodes, &[])?;
    let rec = |i: u64| data(1000 - 50 * i, 60, 100 + i % 3, i);
    for i in 0..16 {
        ensure!(map.insert(&rec(i)).is_ok() && map.check().is_ok());
    }
    ensure!(map.len() == 16 && map.height() == 3);
    // The same key again, even with other flags or length: refused.
    ensure!(map.insert(&rec(3)) == Err(RmapError::Exists));
    ensure!(map.insert(&rec(3).with_flags(UNWRITTEN)) == Err(RmapError::Exists));
    ensure!(map.insert(&Record { count: 1, ..rec(3) }) == Err(RmapError::Exists));
    // Removal wants every field.
    ensure!(map.remove(&rec(3).with_flags(UNWRITTEN)) == Err(RmapError::NotFound));
    ensure!(map.remove(&Record { count: 1, ..rec(3) }) == Err(RmapError::NotFound));
    ensure!(map.remove(&data(1, 1, 1, 1)) == Err(RmapError::NotFound));
    ensure!(map.contains(&rec(3)) && !map.contains(&rec(3).with_flags(UNWRITTEN)));
    ensure!(map.len() == 16 && map.check().is_ok());
    // Every other one, then the rest: merges and shares at every level.
    for i in (0..16).step_by(2).chain((1..16).step_by(2)) {
        ensure!(map.remove(&rec(i)).is_ok() && map.check().is_ok());
        ensure!(!map.contains(&rec(i)));
        ensure!(map.remove(&rec(i)) == Err(RmapError::NotFound));
    }
    ensure!(map.is_empty() && map.height() == 0 && map.nodes_used() == 0);
    ensure!(gives(&map, 0, u64::MAX, &[]));
    // Freed nodes serve again.
    for i in 0..16 {
        ensure!(map.insert(&rec(i)).is_ok());
    }
    ensure!(map.check().is_ok() && map.len() == 16);
    Ok(())
}

/// Full storage: the insertion fails, nothing changes, removal still works.
pub(super) fn no_room() -> Result<(), Fail> {
    let recs = [
        data(40, 1, 1, 0),
        data(10, 1, 1, 1),
        data(30, 1, 1, 2),
        data(20, 1, 1, 3),
    ];
    let mut nodes = [Node::EMPTY; 1];
    let mut map = small(&mut nodes, &recs)?;
    ensure!(map.nodes_free() == 0);
    ensure!(map.insert(&data(25, 1, 1, 4)) == Err(RmapError::NoRoom));
    ensure!(map.len() == 4 && map.check().is_ok());
    ensure!(gives(&map, 0, 100, &[recs[1], recs[3], recs[2], recs[0]]));
    ensure!(map.remove(&recs[2]).is_ok() && map.check().is_ok());
    ensure!(map.insert(&data(25, 1, 1, 4)).is_ok() && map.check().is_ok());
    // No storage at all.
    let mut none: [Node; 0] = [];
    let mut empty = Rmap::new(&mut none[..]);
    ensure!(empty.insert(&recs[0]) == Err(RmapError::NoRoom) && empty.is_empty());
    ensure!(Rmap::with_fanout(&mut none[..], 3, 4).err() == Some(RmapError::BadFanout));
    ensure!(Rmap::with_fanout(&mut none[..], 4, INNER_MAX + 1).is_err());
    ensure!(Rmap::with_fanout(&mut none[..], LEAF_MAX + 1, 4).is_err());
    ensure!(Rmap::with_fanout(&mut none[..], LEAF_MAX, INNER_MAX).is_ok());
    // Sizes, on 64-bit machines.
    ensure!(core::mem::size_of::<usize>() != 8 || NODE_BYTES == 528);
    ensure!(NODE_BYTES == core::mem::size_of::<Node>());
    Ok(())
}

/// A bulk load: sorted once, packed full, then changed one by one.
pub(super) fn load() -> Result<(), Fail> {
    let mut recs = [Record::metadata(0, 1, OWN_FS); 18];
    for (i, r) in (0u64..).zip(recs.iter_mut()) {
        // Out of order, two owners per range.
        *r = data(((i * 7) % 9) * 10, 12, 50 + i / 9, i);
    }
    let mut nodes = [Node::EMPTY; NODES];
    let mut map = small(&mut nodes, &[])?;
    ensure!(map.nodes_to_load(18) == 5 + 2 + 1);
    ensure!(map.load(&mut recs).is_ok() && map.check().is_ok());
    ensure!(map.len() == 18 && map.height() == 3 && map.nodes_used() == 8);
    ensure!(map.capacity() == NODES && map.nodes_free() == NODES - 8);
    // Sorted in place.
    ensure!(recs.windows(2).all(|w| match w {
        [a, b] => (a.start, a.owner) < (b.start, b.owner),
        _ => false,
    }));
    // Blocks 30..=31: ranges from 20 and 30 (12 blocks each), both owners.
    let want = [recs[4], recs[5], recs[6], recs[7]];
    ensure!(gives(&map, 30, 31, &want));
    // Changes after a load.
    ensure!(map.remove(&recs[4]).is_ok() && map.check().is_ok());
    ensure!(gives(&map, 30, 31, &want[1..]));
    ensure!(map.insert(&recs[4]).is_ok() && map.check().is_ok());
    // Duplicates, a bad record, too little room: refused, map left empty.
    let mut dup = [recs[0], recs[1], recs[0]];
    ensure!(map.load(&mut dup) == Err(RmapError::Exists) && map.is_empty());
    let mut bad = [recs[0], data(0, 0, 1, 0)];
    ensure!(map.load(&mut bad) == Err(RmapError::ZeroLength) && map.is_empty());
    let mut many = [data(0, 1, 1, 0); 40];
    for (i, r) in (0u64..).zip(many.iter_mut()) {
        r.start = i;
    }
    ensure!(map.load(&mut many) == Err(RmapError::NoRoom) && map.is_empty());
    ensure!(map.check().is_ok() && map.load(&mut []).is_ok() && map.is_empty());
    Ok(())
}

/// Errors as errnos.
pub(super) fn errnos() -> Result<(), Fail> {
    ensure!(RmapError::NoRoom.errno() == -28);
    ensure!(RmapError::Exists.errno() == -17);
    ensure!(RmapError::NotFound.errno() == -2);
    ensure!(RmapError::Overflow.errno() == -34);
    ensure!(RmapError::BadRange.errno() == -22 && RmapError::ZeroLength.errno() == -22);
    ensure!(RmapError::Corrupt.errno() == -5);
    Ok(())
}
