// SPDX-License-Identifier: GPL-2.0

//! The tool's readers for `daxhold report`: `/proc/fs/daxhold/poison`
//! (any text: accepted or a malformed line named; what it accepts it
//! groups into disks with distinct names and bad ranges with distinct
//! offsets, counts, shows as text and as JSON that parses) and
//! `/proc/self/mountinfo` (any text never panics; lines written as the
//! kernel writes them, paths and sources with its octal escapes of space,
//! tab, newline and backslash, read back to the same fields).

#![no_main]

use daxhold_fuzz::gen::{list, name, pick, range, text, Result, Unstructured};
use daxhold_fuzz::paths::{self, Mount};
use daxhold_fuzz::{json, parse, report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => poison(&text(rest)),
        1 => poison(&format!("# daxhold poison v1\n{}", text(rest))),
        2 => drop(paths::mountinfo(&text(rest))),
        _ => {
            let _ = mountinfo_round_trip(&mut Unstructured::new(rest));
        }
    }
});

fn poison(t: &str) {
    let Ok(recs) = parse::parse("/proc/fs/daxhold/poison", "poison", t) else {
        return;
    };
    let Ok(disks) = report::from_records(&recs) else {
        return;
    };
    for (i, d) in disks.iter().enumerate() {
        assert!(disks[..i].iter().all(|e| e.dev != d.dev));
        assert_eq!(d.badblock_count, d.badblocks.len());
        for (j, b) in d.badblocks.iter().enumerate() {
            assert!(d.badblocks[..j].iter().all(|c| c.offset != b.offset));
        }
    }
    for no_paths in [false, true] {
        assert!(report::render(&disks, no_paths).ends_with('\n'));
    }
    let out = json::to_string(&disks);
    serde_json::from_str::<serde_json::Value>(&out).expect("valid JSON");
}

/// `s` as the kernel's `mangle()`/`seq_escape()` writes a mountinfo field.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn mount(u: &mut Unstructured<'_>) -> Result<Mount> {
    Ok(Mount {
        devt: format!("{}:{}", range(u, 0, 4095)?, range(u, 0, 1 << 20)?),
        root: format!("/{}", name(u)?),
        mountpoint: format!("/{}", name(u)?),
        fstype: pick(u, &["ext4", "xfs", "tmpfs", "fuse.sshfs"])?.to_string(),
        source: name(u)?,
    })
}

/// Mounts written as mountinfo lines (with optional fields) and read back.
fn mountinfo_round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let mounts = list(u, 6, mount)?;
    let mut t = String::new();
    for (i, m) in mounts.iter().enumerate() {
        let optional = list(u, 3, |u| {
            pick(u, &["shared:1", "master:7", "propagate_from:2"])
        })?;
        let mut fields = vec![
            (20 + i).to_string(),
            "1".into(),
            m.devt.clone(),
            escape(&m.root),
            escape(&m.mountpoint),
            "rw,relatime".into(),
        ];
        fields.extend(optional.iter().map(|o| o.to_string()));
        fields.push("-".into());
        fields.push(m.fstype.clone());
        fields.push(escape(&m.source));
        fields.push("rw".into());
        t.push_str(&fields.join(" "));
        t.push('\n');
    }
    assert_eq!(paths::mountinfo(&t), mounts, "{t}");
    Ok(())
}
