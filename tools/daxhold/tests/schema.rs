// SPDX-License-Identifier: GPL-2.0

//! Every command's `--json` output against tools/daxhold/schema.json,
//! with a small validator for the part of JSON Schema that file uses:
//! an output with a field the schema lacks, a field of another type, or a
//! required field missing fails; so does a schema property that no
//! output on these fixtures shows (a field removed from the tool), and
//! one that Documentation/tool.rst does not name.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

use common::{json, poison_head, stderr, Fixture, EVENTS, STACK};

/// The validator: the schema document and the (definition, property)
/// pairs the outputs have shown so far.
struct Checker {
    schema: Value,
    seen: BTreeSet<(String, String)>,
}

impl Checker {
    fn new() -> Checker {
        let text = include_str!("../schema.json");
        Checker {
            schema: serde_json::from_str(text).expect("schema.json is JSON"),
            seen: BTreeSet::new(),
        }
    }

    /// The definition `name` of `$defs`.
    fn def(&self, name: &str) -> Value {
        self.schema["$defs"]
            .get(name)
            .unwrap_or_else(|| panic!("schema.json has no $defs/{name}"))
            .clone()
    }

    /// Check `v` (at JSON path `at`) against definition `name`.
    fn check_def(&mut self, name: &str, v: &Value, at: &str) -> Result<(), String> {
        let s = self.def(name);
        self.check(&s, Some(name), v, at)
    }

    /// Check `v` against schema `s`, which is definition `def` if named.
    fn check(&mut self, s: &Value, def: Option<&str>, v: &Value, at: &str) -> Result<(), String> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r
                .strip_prefix("#/$defs/")
                .ok_or_else(|| format!("unsupported $ref {r}"))?;
            return self.check_def(name, v, at);
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => return Err(format!("bad type in schema at {at}")),
            };
            if !types.iter().any(|t| has_type(v, t)) {
                return Err(format!("{at}: {v} is not of type {t}"));
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                return Err(format!("{at}: {v} is not one of {e:?}"));
            }
        }
        if let Some(m) = s.get("minimum").and_then(Value::as_i64) {
            if v.as_i64().is_some_and(|n| n < m) {
                return Err(format!("{at}: {v} is below {m}"));
            }
        }
        if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
            for (i, x) in a.iter().enumerate() {
                self.check(items, None, x, &format!("{at}[{i}]"))?;
            }
        }
        match v.as_object() {
            Some(o) => self.check_object(s, def, o, at),
            None => Ok(()),
        }
    }

    /// An object's properties, required fields and extra fields.
    fn check_object(
        &mut self,
        s: &Value,
        def: Option<&str>,
        o: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<(), String> {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap_or_default();
            if !o.contains_key(r) {
                return Err(format!("{at}: required field {r:?} missing"));
            }
        }
        for (k, x) in o {
            let here = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => {
                    if let Some(d) = def {
                        self.seen.insert((d.to_string(), k.clone()));
                    }
                    self.check(ps, None, x, &here)?;
                }
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{here}: field not in the schema"))
                    }
                    Some(extra) if extra.is_object() => self.check(extra, None, x, &here)?,
                    _ => {}
                },
            }
        }
        Ok(())
    }

    /// Every (definition, property) of the schema.
    fn properties(&self) -> BTreeSet<(String, String)> {
        let mut all = BTreeSet::new();
        for (d, s) in self.schema["$defs"].as_object().into_iter().flatten() {
            for p in s
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                all.insert((d.clone(), p.0.clone()));
            }
        }
        all
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "integer" => v.is_i64() || v.is_u64(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// A second held disk with a striped target over it and pmem0p1.
const STRIPED: &str = "held pmem1 dev=259:5 mode=manual sectors=8192
dev dm-1 dev=254:1 kind=dm sectors=8192
map dm-1 lower=pmem1 start=0 sectors=8192 lower_start=0 target=striped stripes=2 chunk=8 stripe=1
map dm-1 lower=pmem0p1 start=0 sectors=8192 lower_start=0 target=striped stripes=2 chunk=8 stripe=0
";

/// A failure the module declined, whose top gave no result and a name
/// only, and a failure whose first records have left the log.
const MORE_EVENTS: &str = "8 pmem0 failure offset=0x0 len=0x1000 mf_flags=0x2
8 pmem0 top dev=pmem0 sector=0 sectors=8 errno=EFUTURE
8 pmem0 result errno=-95
9 pmem1 owner fsdev=254:1 ino=5 errno=-3
";

/// The fixture root of every command, showing every field; `name` tells
/// the roots of tests running at once apart.
fn fixture(name: &str) -> Fixture {
    let (f, ino) = Fixture::mounted(
        name,
        &format!("{STACK}{STRIPED}"),
        &format!("{EVENTS}{MORE_EVENTS}"),
    );
    f.write(
        "proc/fs/daxhold/poison",
        &format!(
            "{}metadata pmem0 sector=4160 fsdev=254:0 fs=ext4 what=superblock
unowned pmem0 sector=4160 fsdev=254:0 fs=ext4 sector_top=2112 sectors=8
unmapped pmem0 sector=0 sectors=8
",
            poison_head(ino)
        ),
    );
    f
}

/// Each command's JSON, and the definition it must match.
fn outputs(f: &Fixture) -> Vec<(&'static str, Value)> {
    [
        ("status", &["status", "--json"][..]),
        ("events", &["events", "--json"]),
        ("report", &["report", "--json"]),
        ("report", &["report", "--json", "--no-paths"]),
    ]
    .into_iter()
    .map(|(def, args)| {
        let o = f.run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        (def, json(&o))
    })
    .collect()
}

#[test]
fn outputs_match_the_schema() {
    let f = fixture("schema-outputs");
    let mut c = Checker::new();
    for (def, v) in outputs(&f) {
        if let Err(e) = c.check_def(def, &v, def) {
            panic!("{def} --json does not match schema.json: {e}\n{v:#}");
        }
    }
    let unseen: Vec<String> = c
        .properties()
        .difference(&c.seen)
        .map(|(d, p)| format!("{d}.{p}"))
        .collect();
    assert!(
        unseen.is_empty(),
        "schema.json fields no output shows (removed from the tool, or the fixtures lack them): {unseen:?}"
    );
}

#[test]
fn empty_outputs_match_the_schema() {
    let f = Fixture::module(
        "schema-empty",
        "# daxhold stack v1\n",
        "# daxhold events v1\n",
        "# daxhold poison v1\n",
    );
    let mut c = Checker::new();
    for (def, v) in outputs(&f) {
        assert_eq!(v, serde_json::json!([]));
        c.check_def(def, &v, def).unwrap();
    }
}

#[test]
fn the_validator_catches_changes() {
    let f = fixture("schema-validator");
    let status = &outputs(&f)[0].1;
    let mut c = Checker::new();
    assert!(c.check_def("status", status, "status").is_ok());
    let mut added = status.clone();
    added[0]["new_field"] = Value::from(1);
    let e = c.check_def("status", &added, "status").unwrap_err();
    assert!(
        e.contains("status[0].new_field: field not in the schema"),
        "{e}"
    );
    let mut retyped = status.clone();
    retyped[0]["children"][0]["sectors"] = Value::from("8");
    let e = c.check_def("status", &retyped, "status").unwrap_err();
    assert!(e.contains("children[0].sectors"), "{e}");
    let mut removed = status.clone();
    removed[0].as_object_mut().unwrap().remove("size_bytes");
    let e = c.check_def("status", &removed, "status").unwrap_err();
    assert!(e.contains("required field \"size_bytes\" missing"), "{e}");
    let negative = serde_json::json!([{"dev": "pmem0", "badblock_count": -1, "badblocks": []}]);
    assert!(c.check_def("report", &negative, "report").is_err());
}

#[test]
fn the_documentation_names_every_field() {
    let doc = include_str!("../../../Documentation/tool.rst");
    let json = &doc[doc
        .find("\nJSON\n====")
        .expect("tool.rst has a JSON section")..];
    let missing: BTreeSet<String> = Checker::new()
        .properties()
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| !json.contains(&format!("``{p}``")))
        .collect();
    assert!(
        missing.is_empty(),
        "Documentation/tool.rst, JSON, does not name: {missing:?}"
    );
}
