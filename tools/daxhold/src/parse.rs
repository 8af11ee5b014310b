// SPDX-License-Identifier: GPL-2.0

//! The common syntax of /proc/fs/daxhold/* (Documentation/tool.rst):
//! a header line `# daxhold <file> v1`, then one record per line:
//! positional words, then `key=value` fields. This module only splits
//! lines; what a record means is for stack.rs, events.rs and report.rs.
//! Later lines starting with `#` and blank lines are skipped.

use serde::Serialize;

use crate::error::{Error, Result};

/// The format version this tool reads.
pub const VERSION: &str = "v1";

/// One line of an interface file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The file it came from (for error messages).
    pub file: String,
    /// Its line number, from 1.
    pub line: usize,
    /// The words before the first `key=value`.
    pub pos: Vec<String>,
    /// The `key=value` fields, in order (keys unique).
    pub kv: Vec<(String, String)>,
}

/// A word made of `[a-z0-9_]`, starting with a letter or `_`: record
/// kinds and keys.
pub fn is_word(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A number as the interface writes it: decimal, or hex with `0x`.
pub fn number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) if !hex.is_empty() => u64::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        None => None,
    }
}

/// A signed decimal (errno fields: `0`, `-95`).
pub fn signed(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Linux errno names the module may print (`errno=EOPNOTSUPP`), and
/// their numbers (x86).
const ERRNOS: [(&str, i64); 30] = [
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("EAGAIN", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EINVAL", 22),
    ("ENOSPC", 28),
    ("EROFS", 30),
    ("ERANGE", 34),
    ("ENAMETOOLONG", 36),
    ("ENOSYS", 38),
    ("ELOOP", 40),
    ("ENODATA", 61),
    ("EOVERFLOW", 75),
    ("EOPNOTSUPP", 95),
    ("ESHUTDOWN", 108),
    ("ETIMEDOUT", 110),
    ("EUCLEAN", 117),
    ("EHWPOISON", 133),
    ("ENOTSUPP", 524),
];

/// An `errno=` field: `0`, a negative number, or a name (`EOPNOTSUPP`).
/// In JSON: `errno` the (negative) number when known, `error` the name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Errno {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Errno {
    /// `v` as an errno, or None if it is neither a number nor a name.
    pub fn parse(v: &str) -> Option<Errno> {
        if let Some(n) = signed(v) {
            // The name too, for a known negative errno (-95: EOPNOTSUPP).
            let name = ERRNOS
                .iter()
                .find(|(_, e)| n < 0 && n.checked_neg() == Some(*e));
            return Some(Errno {
                errno: Some(n),
                error: name.map(|(nm, _)| nm.to_string()),
            });
        }
        let name = v.strip_prefix('E')?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return None;
        }
        Some(Errno {
            errno: ERRNOS.iter().find(|(n, _)| *n == v).map(|(_, e)| -e),
            error: Some(v.to_string()),
        })
    }

    /// Whether it says success (`0`).
    pub fn is_ok(&self) -> bool {
        self.errno == Some(0)
    }

    /// Whether the field was there at all.
    pub fn is_none(&self) -> bool {
        self.errno.is_none() && self.error.is_none()
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.error, self.errno) {
            (Some(name), _) => f.write_str(name),
            (None, Some(n)) => write!(f, "errno {n}"),
            (None, None) => f.write_str("?"),
        }
    }
}

impl Record {
    /// An error about this line.
    pub fn malformed(&self, msg: impl Into<String>) -> Error {
        Error::Malformed {
            file: self.file.clone(),
            line: self.line,
            msg: msg.into(),
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.kv
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key`, which the record must have.
    pub fn req(&self, key: &str) -> Result<&str> {
        self.get(key)
            .ok_or_else(|| self.malformed(format!("no {key}= field")))
    }

    /// The number in `key`, if present; a malformed number is an error.
    pub fn num(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => number(v)
                .map(Some)
                .ok_or_else(|| self.malformed(format!("{key}={v} is not a number"))),
        }
    }

    /// The number in `key`, which the record must have.
    pub fn req_num(&self, key: &str) -> Result<u64> {
        self.num(key)?
            .ok_or_else(|| self.malformed(format!("no {key}= field")))
    }

    /// The errno in `key` (empty if absent).
    pub fn errno(&self, key: &str) -> Result<Errno> {
        match self.get(key) {
            None => Ok(Errno::default()),
            Some(v) => Errno::parse(v).ok_or_else(|| {
                self.malformed(format!("{key}={v} is neither a number nor an errno name"))
            }),
        }
    }

    /// A `MAJ:MIN` device number in `key`, if present (checked, kept as
    /// text).
    pub fn devt(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if is_devt(v) => Ok(Some(v.to_string())),
            Some(v) => Err(self.malformed(format!("{key}={v} is not MAJ:MIN"))),
        }
    }

    /// A `MAJ:MIN` in `key`, which the record must have.
    pub fn req_devt(&self, key: &str) -> Result<String> {
        self.devt(key)?
            .ok_or_else(|| self.malformed(format!("no {key}= field")))
    }

    /// Exactly `n` positional words, or an error.
    pub fn expect_pos(&self, n: usize) -> Result<()> {
        if self.pos.len() == n {
            Ok(())
        } else {
            Err(self.malformed(format!(
                "{} positional field(s) where {n} belong",
                self.pos.len()
            )))
        }
    }
}

/// `MAJ:MIN`, both decimal.
pub fn is_devt(s: &str) -> bool {
    match s.split_once(':') {
        Some((a, b)) => {
            let dec =
                |x: &str| !x.is_empty() && x.len() <= 10 && x.bytes().all(|c| c.is_ascii_digit());
            dec(a) && dec(b)
        }
        None => false,
    }
}

/// Split `text`, the contents of `/proc/fs/daxhold/<name>` (shown as
/// `file` in errors), into records after checking its header.
pub fn parse(file: &str, name: &str, text: &str) -> Result<Vec<Record>> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, l)| l).unwrap_or("");
    check_header(file, name, header)?;
    let mut out = Vec::new();
    for (i, raw) in lines {
        let line = i.saturating_add(1);
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        out.push(split(file, line, l)?);
    }
    Ok(out)
}

/// `# daxhold <name> v1`, or the error saying what is wrong.
fn check_header(file: &str, name: &str, header: &str) -> Result<()> {
    let words: Vec<&str> = header.split_whitespace().collect();
    match words.as_slice() {
        ["#", "daxhold", n, v] if *n == name => {
            if *v == VERSION {
                Ok(())
            } else {
                Err(Error::Version {
                    file: file.to_string(),
                    found: v.to_string(),
                })
            }
        }
        _ => Err(Error::Malformed {
            file: file.to_string(),
            line: 1,
            msg: format!("expected the header \"# daxhold {name} {VERSION}\", found {header:?}"),
        }),
    }
}

/// One record line: positional words, then `key=value` fields.
fn split(file: &str, line: usize, l: &str) -> Result<Record> {
    let mut rec = Record {
        file: file.to_string(),
        line,
        pos: Vec::new(),
        kv: Vec::new(),
    };
    for tok in l.split_whitespace() {
        match tok.split_once('=') {
            Some((k, v)) => {
                if !is_word(k) {
                    return Err(rec.malformed(format!("bad key in {tok:?}")));
                }
                if rec.get(k).is_some() {
                    return Err(rec.malformed(format!("{k}= given twice")));
                }
                rec.kv.push((k.to_string(), v.to_string()));
            }
            None if rec.kv.is_empty() => rec.pos.push(tok.to_string()),
            None => return Err(rec.malformed(format!("{tok:?} after the key=value fields"))),
        }
    }
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number("0"), Some(0));
        assert_eq!(number("4194304"), Some(4194304));
        assert_eq!(number("0x8203000"), Some(0x8203000));
        assert_eq!(number("0x"), None);
        assert_eq!(number(""), None);
        assert_eq!(number("-1"), None);
        assert_eq!(number("12a"), None);
        assert_eq!(number("0xfffffffffffffffff"), None);
        assert_eq!(number("99999999999999999999"), None);
        assert_eq!(signed("-95"), Some(-95));
        assert_eq!(signed("-"), None);
        assert_eq!(signed("+1"), None);
    }

    #[test]
    fn errnos() {
        let e = Errno::parse("EOPNOTSUPP").unwrap();
        assert_eq!(
            (e.errno, e.error.as_deref()),
            (Some(-95), Some("EOPNOTSUPP"))
        );
        assert_eq!(e.to_string(), "EOPNOTSUPP");
        let e = Errno::parse("EFUTURE9").unwrap();
        assert_eq!((e.errno, e.error.as_deref()), (None, Some("EFUTURE9")));
        let e = Errno::parse("0").unwrap();
        assert!(e.is_ok());
        assert_eq!(e.to_string(), "errno 0");
        assert_eq!(Errno::parse("-523").unwrap().errno, Some(-523));
        assert_eq!(Errno::parse("-523").unwrap().error, None);
        assert_eq!(Errno::parse("-523").unwrap().to_string(), "errno -523");
        let e = Errno::parse("-95").unwrap();
        assert_eq!(
            (e.errno, e.error.as_deref()),
            (Some(-95), Some("EOPNOTSUPP"))
        );
        assert_eq!(Errno::parse("95").unwrap().error, None);
        assert_eq!(Errno::parse("E"), None);
        assert_eq!(Errno::parse("Eio"), None);
        assert_eq!(Errno::parse("zero"), None);
        assert!(Errno::default().is_none());
    }

    #[test]
    fn words_and_devt() {
        assert!(is_word("pre_remove_owners"));
        assert!(!is_word("Held"));
        assert!(!is_word("1x"));
        assert!(!is_word(""));
        assert!(is_devt("259:0"));
        assert!(!is_devt("259"));
        assert!(!is_devt("259:"));
        assert!(!is_devt("a:1"));
    }

    #[test]
    fn header_ok_and_records() {
        let t = "# daxhold stack v1\nheld pmem0 dev=259:0 sectors=8\n\n# note\nfs dm-0 type=xfs\n";
        let r = parse("/f", "stack", t).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].line, 2);
        assert_eq!(r[0].pos, ["held", "pmem0"]);
        assert_eq!(r[0].get("dev"), Some("259:0"));
        assert_eq!(r[1].line, 5);
        assert_eq!(r[1].get("type"), Some("xfs"));
    }

    #[test]
    fn header_errors() {
        let e = parse("/f", "stack", "# daxhold stack v2\n").unwrap_err();
        assert!(matches!(e, Error::Version { ref found, .. } if found == "v2"));
        let e = parse("/f", "stack", "held pmem0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/f:1: malformed line: expected the header \"# daxhold stack v1\", found \"held pmem0\""
        );
        let e = parse("/f", "stack", "").unwrap_err();
        assert!(e.to_string().starts_with("/f:1: "));
        let e = parse("/f", "events", "# daxhold stack v1\n").unwrap_err();
        assert!(e.to_string().starts_with("/f:1: "));
    }

    #[test]
    fn line_errors() {
        let e = parse("/f", "stack", "# daxhold stack v1\nheld a=1 b\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/f:2: malformed line: \"b\" after the key=value fields"
        );
        let e = parse("/f", "stack", "# daxhold stack v1\nheld x a=1 a=2\n").unwrap_err();
        assert!(e.to_string().contains("/f:2: ") && e.to_string().contains("twice"));
        let e = parse("/f", "stack", "# daxhold stack v1\n\nheld x =3\n").unwrap_err();
        assert!(e.to_string().contains("/f:3: "));
    }

    #[test]
    fn field_errors() {
        let r = parse(
            "/f",
            "stack",
            "# daxhold stack v1\nheld x n=12q d=1:2 e=-4\n",
        )
        .unwrap();
        let r = &r[0];
        assert!(r.num("n").is_err());
        assert_eq!(r.num("missing").unwrap(), None);
        assert!(r.req_num("missing").is_err());
        assert_eq!(r.devt("d").unwrap().as_deref(), Some("1:2"));
        assert!(r.devt("n").is_err());
        assert_eq!(r.errno("e").unwrap().errno, Some(-4));
        assert!(r.errno("n").is_err());
        assert!(r.expect_pos(2).is_ok());
        assert!(r.expect_pos(3).is_err());
    }
}
