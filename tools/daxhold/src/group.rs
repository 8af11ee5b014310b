// SPDX-License-Identifier: GPL-2.0

//! What `daxhold events` and `daxhold report` share on top of parse.rs:
//! gathering records into groups in the file's order (a failure's records
//! by sequence number; a disk's bad ranges, each range's records), and a
//! piece at the top of the stack, its fields and its text.

use serde::Serialize;

use crate::error::Result;
use crate::parse::Record;
use crate::units;

/// The group in `v` that `is` picks, or a `new` one added at the end (so
/// groups keep the order in which the file first names them).
pub fn entry<T>(v: &mut Vec<T>, is: impl Fn(&T) -> bool, new: impl FnOnce() -> T) -> &mut T {
    let i = match v.iter().position(is) {
        Some(i) => i,
        None => {
            v.push(new());
            v.len().saturating_sub(1)
        }
    };
    // `i` indexes `v`: found there, or the element just pushed.
    &mut v[i]
}

/// Where a piece lies at the top of the stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub dev: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devt: Option<String>,
    /// First sector there, and how many.
    pub sector: u64,
    pub sectors: u64,
    /// The same range in bytes.
    pub offset_bytes: u64,
    pub length_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<u64>,
}

impl Place {
    /// From `r`'s `dev=`, `devt=`, the sector in `sector_key` (the events
    /// file says `sector=`, the poison file `top_sector=`), `sectors=` and
    /// `depth=`, checked in that order.
    pub fn parse(r: &Record, sector_key: &str) -> Result<Place> {
        let dev = r.req("dev")?.to_string();
        let devt = r.devt("devt")?;
        let sector = r.req_num(sector_key)?;
        let sectors = r.req_num("sectors")?;
        Ok(Place {
            dev,
            devt,
            sector,
            sectors,
            offset_bytes: units::bytes(sector),
            length_bytes: units::bytes(sectors),
            depth: r.num("depth")?,
        })
    }

    /// `top      dm-0 (254:0) sector 2112 sectors 8 (bytes 0x108000 len
    /// 0x1000) depth 2`.
    pub fn text(&self) -> String {
        format!(
            "top      {}{} {}{}",
            self.dev,
            self.devt
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            units::sectors_text(Some(self.sector), Some(self.sectors)),
            self.depth
                .map(|d| format!(" depth {d}"))
                .unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn entry_keeps_first_seen_order() {
        let mut v: Vec<(u32, u32)> = Vec::new();
        for k in [3, 1, 3, 2, 1] {
            entry(&mut v, |e| e.0 == k, || (k, 0)).1 += 1;
        }
        assert_eq!(v, [(3, 2), (1, 2), (2, 1)]);
    }

    #[test]
    fn place_fields_and_text() {
        let t = "# daxhold x v1\na dev=dm-0 devt=254:0 top_sector=2112 sectors=8 depth=2\n\
                 b dev=pmem1 sector=8 sectors=16\n";
        let recs = parse("f", "x", t).unwrap();
        let a = Place::parse(&recs[0], "top_sector").unwrap();
        assert_eq!(
            a.text(),
            "top      dm-0 (254:0) sector 2112 sectors 8 (bytes 0x108000 len 0x1000) depth 2"
        );
        let b = Place::parse(&recs[1], "sector").unwrap();
        assert_eq!(
            b.text(),
            "top      pmem1 sector 8 sectors 16 (bytes 0x1000 len 0x2000)"
        );
        let e = Place::parse(&recs[1], "top_sector").unwrap_err();
        assert!(e.to_string().contains("no top_sector= field"));
    }
}
