// SPDX-License-Identifier: GPL-2.0

//! `daxhold events`: the recent failures of /proc/fs/daxhold/events,
//! grouped by sequence number, oldest first.

use serde::Serialize;
use serde_json::{Map as JsonMap, Value};

use crate::error::Result;
use crate::group::{self, Place};
use crate::kinds::{EventKind, MfFlag, SigCode, TopResult};
use crate::parse::{self, Errno, Record};
use crate::units;

/// One failure: every record with its sequence number.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Failure {
    pub seq: u64,
    /// The held pmem disk.
    pub dev: String,
    /// Byte offset and length on it, the sectors that cover them, and the
    /// raw `mf_flags` (absent when the `failure` record has left the log's
    /// history).
    #[serde(rename = "offset_bytes", skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(rename = "length_bytes", skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sectors: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mf_flags: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<MfFlag>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tops: Vec<Top>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<Owner>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
    /// Every other record (unmapped, metadata, unowned, ...), its kind
    /// and fields as the kernel gave them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<JsonMap<String, Value>>,
    /// The `result` record's errno, if the module gives one.
    #[serde(flatten)]
    pub result: Errno,
    /// The text lines, in the file's order.
    #[serde(skip)]
    pub lines: Vec<String>,
}

/// A `top` record: a translated piece at the top of the stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Top {
    #[serde(flatten)]
    pub at: Place,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<TopResult>,
    #[serde(flatten)]
    pub errno: Errno,
}

/// An `owner` record: a file the reverse map had signalled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub fsdev: String,
    pub ino: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pgoff: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pfn: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
    #[serde(flatten)]
    pub errno: Errno,
}

/// A `signal` record: a task daxhold's handling sent SIGBUS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub pid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comm: Option<String>,
    /// `AR` or `AO` (BUS_MCEERR_AR/AO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<SigCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsb: Option<u64>,
}

/// ` (errno 0)`, ` (EOPNOTSUPP)`, or nothing without an errno.
fn paren(e: &Errno) -> String {
    if e.is_none() {
        String::new()
    } else {
        format!(" ({e})")
    }
}

fn opt_hex(v: Option<u64>) -> String {
    v.map(|v| format!("{v:#x}")).unwrap_or_else(|| "?".into())
}

/// The failures of `recs`, oldest first.
pub fn from_records(recs: &[Record]) -> Result<Vec<Failure>> {
    let mut out: Vec<Failure> = Vec::new();
    for r in recs {
        let seq_word = r.pos.first().map(String::as_str).unwrap_or("");
        let seq = parse::number(seq_word)
            .filter(|_| !seq_word.starts_with("0x"))
            .ok_or_else(|| r.malformed(format!("{seq_word:?} is not a sequence number")))?;
        let pmem = r.pos.get(1).ok_or_else(|| r.malformed("no device name"))?;
        let word = r.pos.get(2).ok_or_else(|| r.malformed("no record kind"))?;
        if !parse::is_word(word) {
            return Err(r.malformed(format!("{word:?} is not a record kind")));
        }
        // A kind this tool does not know is a newer module's: skipped.
        let Some(kind) = EventKind::from_word(word) else {
            continue;
        };
        r.expect_pos(3)?;
        let f = group::entry(
            &mut out,
            |f| f.seq == seq,
            || Failure {
                seq,
                dev: pmem.clone(),
                ..Failure::default()
            },
        );
        add(f, kind, r)?;
    }
    Ok(out)
}

/// Add record `r` of kind `kind` to failure `f`.
fn add(f: &mut Failure, kind: EventKind, r: &Record) -> Result<()> {
    match kind {
        EventKind::Failure => {
            let offset = r.req_num("offset")?;
            let len = r.req_num("len")?;
            let mf = r.req_num("mf_flags")?;
            let (sector, sectors) = units::covering(offset, len);
            f.offset = Some(offset);
            f.length = Some(len);
            f.sector = Some(sector);
            f.sectors = Some(sectors);
            f.mf_flags = Some(mf);
            f.flags = match r.get("flags") {
                // The module writes `none` for no flag: no flag name.
                Some("none") => Vec::new(),
                Some(s) if !s.is_empty() => s.split('|').map(MfFlag::from_word).collect(),
                _ => MfFlag::from_bits(mf),
            };
        }
        EventKind::Top => add_top(f, r)?,
        EventKind::Owner => add_owner(f, r)?,
        EventKind::Signal => add_signal(f, r)?,
        EventKind::Result => {
            f.result = r.errno("errno")?;
            if f.result.is_none() {
                return Err(r.malformed("no errno= field"));
            }
        }
        EventKind::Unmapped
        | EventKind::Whole
        | EventKind::Metadata
        | EventKind::Unowned
        | EventKind::PreRemoveOwners
        | EventKind::Notours
        | EventKind::Nostack
        | EventKind::Stopped => {
            f.records.push(crate::json::generic(kind, &r.kv));
            let fields: Vec<String> = r.kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
            f.lines
                .push(format!("{:<8} {}", kind.as_str(), fields.join(" ")));
        }
    }
    Ok(())
}

/// A `top` record: its text line and its JSON.
fn add_top(f: &mut Failure, r: &Record) -> Result<()> {
    let t = Top {
        at: Place::parse(r, "sector")?,
        result: r.get("result").map(TopResult::from_word),
        errno: r.errno("errno")?,
    };
    f.lines.push(format!(
        "{}: {}{}",
        t.at.text(),
        t.result.as_ref().map(TopResult::as_str).unwrap_or("?"),
        paren(&t.errno),
    ));
    f.tops.push(t);
    Ok(())
}

/// An `owner` record.
fn add_owner(f: &mut Failure, r: &Record) -> Result<()> {
    let o = Owner {
        fsdev: r.req_devt("fsdev")?,
        ino: r.req_num("ino")?,
        pgoff: r.num("pgoff")?,
        pfn: r.num("pfn")?,
        pages: r.num("pages")?,
        errno: r.errno("errno")?,
    };
    f.lines.push(format!(
        "owner    fs {} ino {}{} pfn {} pages {}{}",
        o.fsdev,
        o.ino,
        o.pgoff.map(|p| format!(" pgoff {p}")).unwrap_or_default(),
        opt_hex(o.pfn),
        o.pages.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
        paren(&o.errno),
    ));
    f.owners.push(o);
    Ok(())
}

/// A `signal` record.
fn add_signal(f: &mut Failure, r: &Record) -> Result<()> {
    let s = Signal {
        pid: r.req_num("pid")?,
        comm: r.get("comm").map(str::to_string),
        code: r.get("code").map(SigCode::from_word),
        addr: r.num("addr")?,
        lsb: r.num("lsb")?,
    };
    f.lines.push(format!(
        "signal   pid {}{} SIGBUS{}{}{}",
        s.pid,
        s.comm
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default(),
        s.code
            .as_ref()
            .map(|c| format!(" BUS_MCEERR_{c}"))
            .unwrap_or_default(),
        s.addr.map(|a| format!(" addr {a:#x}")).unwrap_or_default(),
        s.lsb.map(|l| format!(" lsb {l}")).unwrap_or_default(),
    ));
    f.signals.push(s);
    Ok(())
}

/// The last `last` failures (all if None).
pub fn tail(mut v: Vec<Failure>, last: Option<usize>) -> Vec<Failure> {
    if let Some(n) = last {
        let skip = v.len().saturating_sub(n);
        v.drain(..skip);
    }
    v
}

/// The text form: a heading per failure, then its records.
pub fn render(v: &[Failure]) -> String {
    if v.is_empty() {
        return "no failures recorded\n".into();
    }
    let mut out = String::new();
    for f in v {
        out.push_str(&format!("failure {} on {}: ", f.seq, f.dev));
        match (f.offset, f.length, f.mf_flags) {
            (Some(o), Some(l), Some(m)) => out.push_str(&format!(
                "{} mf_flags {m:#x} ({})\n",
                units::range_text((f.sector, f.sectors), units::bytes_text(Some(o), Some(l))),
                if f.flags.is_empty() {
                    "none".to_string()
                } else {
                    let names: Vec<&str> = f.flags.iter().map(MfFlag::as_str).collect();
                    names.join("|")
                }
            )),
            _ => out.push_str("(its first records have left the log)\n"),
        }
        for l in &f.lines {
            out.push_str("  ");
            out.push_str(l);
            out.push('\n');
        }
        if f.result.is_ok() {
            out.push_str("  result   ok (errno 0)\n");
        } else if !f.result.is_none() {
            out.push_str(&format!("  result   {}\n", f.result));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    pub const SPEC: &str = "# daxhold events v1
7 pmem0 failure offset=0x8203000 len=0x1000 mf_flags=0x23 flags=MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED
7 pmem0 top dev=dm-0 devt=254:0 sector=2191576 sectors=8 depth=1 result=handled errno=0
7 pmem0 unmapped sector=0 sectors=8
7 pmem0 owner fsdev=254:0 ino=131 pgoff=3 pfn=0x101218 pages=1 errno=0
7 pmem0 signal pid=345 comm=dax_poison code=AR addr=0x7f12345000 lsb=12
7 pmem0 metadata fsdev=254:0 sector=392 sectors=8 what=inode_table_group_0 action=shutdown
7 pmem0 unowned fsdev=254:0 sector=392 sectors=8
7 pmem0 result errno=0
";

    fn events(t: &str) -> Result<Vec<Failure>> {
        from_records(&parse("/proc/fs/daxhold/events", "events", t)?)
    }

    #[test]
    fn spec_example() {
        let v = events(SPEC).unwrap();
        assert_eq!(v.len(), 1);
        let f = &v[0];
        assert_eq!((f.seq, f.dev.as_str()), (7, "pmem0"));
        assert_eq!(f.offset, Some(0x8203000));
        assert_eq!(f.flags.len(), 3);
        assert_eq!(f.tops[0].at.sector, 2191576);
        assert_eq!(f.owners[0].ino, 131);
        assert_eq!(f.signals[0].pid, 345);
        assert_eq!(f.records.len(), 3);
        assert!(f.result.is_ok());
        assert_eq!(
            render(&v),
            "failure 7 on pmem0: sector 266264 sectors 8 (bytes 0x8203000 len 0x1000) mf_flags 0x23 (MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED)
  top      dm-0 (254:0) sector 2191576 sectors 8 (bytes 0x42e1b000 len 0x1000) depth 1: handled (errno 0)
  unmapped sector=0 sectors=8
  owner    fs 254:0 ino 131 pgoff 3 pfn 0x101218 pages 1 (errno 0)
  signal   pid 345 (dax_poison) SIGBUS BUS_MCEERR_AR addr 0x7f12345000 lsb 12
  metadata fsdev=254:0 sector=392 sectors=8 what=inode_table_group_0 action=shutdown
  unowned  fsdev=254:0 sector=392 sectors=8
  result   ok (errno 0)
"
        );
    }

    #[test]
    fn grouping_last_and_gaps() {
        let t = "# daxhold events v1
3 pmem1 top dev=dm-1 sector=8 sectors=8 result=declined errno=EOPNOTSUPP
3 pmem1 result errno=-95
4 pmem0 failure offset=0x0 len=0x1000 mf_flags=0x22
4 pmem0 some_future_kind a=b
5 pmem0 failure offset=0x1000 len=0x1000 mf_flags=0x80 new_key=1
";
        let v = events(t).unwrap();
        assert_eq!(v.iter().map(|f| f.seq).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(v[0].offset, None);
        assert_eq!(v[0].result.errno, Some(-95));
        assert_eq!(v[0].tops[0].errno.errno, Some(-95));
        assert_eq!(v[0].tops[0].errno.error.as_deref(), Some("EOPNOTSUPP"));
        assert_eq!(v[1].flags, [MfFlag::ActionRequired, MfFlag::SwSimulated]);
        assert!(v[1].lines.is_empty());
        assert_eq!(v[2].flags, [MfFlag::MemPreRemove]);
        // `flags=none` (mf_flags 0) is no flag, not one named "none".
        let none = events(
            "# daxhold events v1\n6 pmem0 failure offset=0x0 len=0x1 mf_flags=0x0 flags=none\n",
        )
        .unwrap();
        assert!(none[0].flags.is_empty());
        assert!(
            render(&none).contains("sector 0 sectors 1 (bytes 0x0 len 0x1) mf_flags 0x0 (none)\n")
        );
        let r = render(&v);
        assert!(r.contains("failure 3 on pmem1: (its first records have left the log)"));
        assert!(r.contains(
            "  top      dm-1 sector 8 sectors 8 (bytes 0x1000 len 0x1000): declined (EOPNOTSUPP)\n"
        ));
        assert!(r.contains("  result   EOPNOTSUPP\n"));
        assert_eq!(
            r.matches("  result ").count(),
            1,
            "no result line without a result record"
        );
        let last = tail(v.clone(), Some(2));
        assert_eq!(last.iter().map(|f| f.seq).collect::<Vec<_>>(), [4, 5]);
        assert!(tail(v.clone(), Some(0)).is_empty());
        assert_eq!(tail(v, Some(10)).len(), 3);
        assert_eq!(render(&[]), "no failures recorded\n");
    }

    #[test]
    fn malformed() {
        let e =
            events("# daxhold events v1\nx pmem0 failure offset=0 len=0 mf_flags=0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/proc/fs/daxhold/events:2: malformed line: \"x\" is not a sequence number"
        );
        let e = events("# daxhold events v1\n1 pmem0\n").unwrap_err();
        assert!(e.to_string().contains(":2: malformed line: no record kind"));
        let e = events("# daxhold events v1\n1 pmem0 top sector=1 sectors=8\n").unwrap_err();
        assert!(e.to_string().contains(":2: malformed line: no dev= field"));
        let e = events("# daxhold events v1\n1 pmem0 owner fsdev=254 ino=1\n").unwrap_err();
        assert!(e.to_string().contains("fsdev=254 is not MAJ:MIN"));
        let e = events("# daxhold events v1\n1 pmem0 result errno=zero\n").unwrap_err();
        assert!(e
            .to_string()
            .contains("errno=zero is neither a number nor an errno name"));
        let e = events("# daxhold events v1\n1 pmem0 Top dev=x\n").unwrap_err();
        assert!(e.to_string().contains("\"Top\" is not a record kind"));
    }
}
