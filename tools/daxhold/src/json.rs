// SPDX-License-Identifier: GPL-2.0

//! JSON output in ndctl's style: pretty-printed, two-space indents,
//! `"key":value` with no space after the colon (as json-c prints for
//! `ndctl list`), one document per command.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// serde_json's pretty printer, except for the colon.
struct Ndctl<'a>(PrettyFormatter<'a>);

impl Formatter for Ndctl<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b":")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `value` as ndctl-style JSON text, with a final newline.
pub fn to_string<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        Ndctl(PrettyFormatter::with_indent(b"  ")),
    );
    // Serializing our own plain structs into a Vec cannot fail; if it ever
    // did, the partial text is still printed (and fails a JSON check).
    let _ = value.serialize(&mut ser);
    out.push(b'\n');
    String::from_utf8_lossy(&out).into_owned()
}

/// A field value of a record this tool shows as it is: numbers
/// (decimal or `0x` hex) as JSON numbers, anything else as a string.
pub fn value(v: &str) -> serde_json::Value {
    match crate::parse::number(v) {
        Some(n) => serde_json::Value::from(n),
        None => match crate::parse::signed(v) {
            Some(n) => serde_json::Value::from(n),
            None => serde_json::Value::from(v),
        },
    }
}

/// A record's fields as a JSON object, with `kind` first.
pub fn generic(
    kind: crate::kinds::EventKind,
    kv: &[(String, String)],
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("kind".into(), kind.as_str().into());
    for (k, v) in kv {
        m.insert(k.clone(), value(v));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndctl_style() {
        #[derive(Serialize)]
        struct B {
            offset: u64,
            length: u64,
        }
        #[derive(Serialize)]
        struct D {
            dev: &'static str,
            badblock_count: usize,
            badblocks: Vec<B>,
        }
        let d = vec![D {
            dev: "pmem0",
            badblock_count: 1,
            badblocks: vec![B {
                offset: 64,
                length: 8,
            }],
        }];
        assert_eq!(
            to_string(&d),
            "[\n  {\n    \"dev\":\"pmem0\",\n    \"badblock_count\":1,\n    \"badblocks\":[\n      {\n        \"offset\":64,\n        \"length\":8\n      }\n    ]\n  }\n]\n"
        );
    }

    #[test]
    fn values() {
        assert_eq!(value("0x10"), serde_json::json!(16));
        assert_eq!(value("12"), serde_json::json!(12));
        assert_eq!(value("-95"), serde_json::json!(-95));
        assert_eq!(value("254:0"), serde_json::json!("254:0"));
        assert_eq!(value("inode_table"), serde_json::json!("inode_table"));
    }
}
