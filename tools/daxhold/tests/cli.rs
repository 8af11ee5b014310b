// SPDX-License-Identifier: GPL-2.0

//! The built `daxhold` binary against fixture trees (`--root` and
//! `DAXHOLD_ROOT`): output, JSON shape, exit status and error messages.

mod common;

use std::process::Command;

use common::{json, poison_head, stderr, stdout, Fixture, EVENTS, STACK};

#[test]
fn not_loaded() {
    let f = Fixture::new("none");
    for cmd in ["status", "events", "report"] {
        let o = f.run(&[cmd]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(stdout(&o), "");
        assert_eq!(
            stderr(&o),
            "daxhold: module not loaded (no /proc/fs/daxhold): insmod daxhold.ko\n"
        );
    }
}

#[test]
fn older_module() {
    let f = Fixture::new("older");
    f.write("sys/kernel/daxhold/holders", "");
    let o = f.run(&["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "daxhold: the loaded daxhold module is older than this tool: it has /sys/kernel/daxhold but no /proc/fs/daxhold (this tool reads /proc/fs/daxhold/stack v1)\n"
    );
    // A module with the directory but not this file.
    f.write("proc/fs/daxhold/stack", STACK);
    let o = f.run(&["report"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "daxhold: /proc/fs/daxhold/poison does not exist: the loaded daxhold module is older than this tool (it has /proc/fs/daxhold but no poison file)\n"
    );
}

#[test]
fn newer_format() {
    let f = Fixture::module(
        "v2",
        "# daxhold stack v2\nheld pmem0 whatever\n",
        EVENTS,
        "",
    );
    let o = f.run(&["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "daxhold: /proc/fs/daxhold/stack: format v2, this tool reads v1: the module is newer than the tool (update the tool)\n"
    );
}

#[test]
fn malformed_lines_name_file_and_line() {
    let bad = format!("{STACK}map dm-0 lower=pmem0p1 start=zero sectors=1 lower_start=0\n");
    let f = Fixture::module(
        "malformed",
        &bad,
        "# daxhold events v1\n\n\u{1}\u{2}garbage\n",
        "garbage",
    );
    let o = f.run(&["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "daxhold: /proc/fs/daxhold/stack:8: malformed line: start=zero is not a number\n"
    );
    let o = f.run(&["events"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("daxhold: /proc/fs/daxhold/events:3: malformed line: "),
        "{}",
        stderr(&o)
    );
    let o = f.run(&["report"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "daxhold: /proc/fs/daxhold/poison:1: malformed line: expected the header \"# daxhold poison v1\", found \"garbage\"\n"
    );
}

#[test]
fn status_tree_and_json() {
    let f = Fixture::module("status", STACK, EVENTS, "# daxhold poison v1\n");
    let o = f.run(&["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "NAME      MAJ:MIN KIND  SIZE HOLDER        FS
pmem0       259:0 pmem    2G daxhold(auto)
└─pmem0p1   259:1 part 1022M
  └─dm-0    254:0 dm   1022M yes           ext4
"
    );
    let o = f.run(&["status", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("\"dev\":\"pmem0\""),
        "ndctl style: no space after the colon"
    );
    let j = json(&o);
    assert_eq!(j[0]["dev"], "pmem0");
    assert_eq!(j[0]["devt"], "259:0");
    assert_eq!(j[0]["kind"], "pmem");
    assert_eq!(j[0]["mode"], "auto");
    assert_eq!(j[0]["size_bytes"], 4194304u64 * 512);
    assert_eq!(j[0]["sectors"], 4194304u64);
    let p1 = &j[0]["children"][0];
    assert_eq!(p1["dev"], "pmem0p1");
    assert_eq!(p1["holder"], false);
    assert_eq!(p1["maps"][0]["lower_sector"], 2048);
    assert_eq!(p1["maps"][0]["target"], "part");
    let dm = &p1["children"][0];
    assert_eq!(dm["dev"], "dm-0");
    assert_eq!(dm["holder"], true);
    assert_eq!(dm["filesystem"], "ext4");
    assert!(dm.get("children").is_none(), "absent fields are omitted");
}

#[test]
fn status_empty() {
    let f = Fixture::module("empty", "# daxhold stack v1\n", EVENTS, "");
    assert_eq!(stdout(&f.run(&["status"])), "daxhold holds no pmem disk\n");
    assert_eq!(json(&f.run(&["status", "--json"])), serde_json::json!([]));
}

#[test]
fn events_text_json_last() {
    let f = Fixture::module("events", STACK, EVENTS, "");
    let o = f.run(&["events", "--last", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "failure 7 on pmem0: sector 266264 sectors 8 (bytes 0x8203000 len 0x1000) mf_flags 0x23 (MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED)
  top      dm-0 (254:0) sector 2191576 sectors 8 (bytes 0x42e1b000 len 0x1000) depth 2: declined (EOPNOTSUPP)
  unowned  pfn_lo=0x101219 pfn_hi=0x101219
  owner    fs 254:0 ino 131 pgoff 3 pfn 0x101218 pages 1 (errno 0)
  signal   pid 345 (dax_poison) SIGBUS BUS_MCEERR_AR addr 0x7f12345000 lsb 12
  result   ok (errno 0)
"
    );
    let j = json(&f.run(&["events", "--json"]));
    let a = j.as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["seq"], 6);
    assert_eq!(
        a[0]["flags"],
        serde_json::json!(["MF_ACTION_REQUIRED", "MF_SW_SIMULATED"])
    );
    assert!(a[0].get("owners").is_none());
    assert_eq!(a[1]["offset_bytes"], 0x8203000);
    assert_eq!(a[1]["length_bytes"], 0x1000);
    assert_eq!(a[1]["sector"], 0x8203000 / 512);
    assert_eq!(a[1]["sectors"], 8);
    assert_eq!(a[1]["tops"][0]["sector"], 2191576);
    assert_eq!(a[1]["tops"][0]["offset_bytes"], 2191576u64 * 512);
    assert_eq!(a[1]["tops"][0]["length_bytes"], 4096);
    assert_eq!(a[1]["mf_flags"], 0x23);
    assert_eq!(a[1]["tops"][0]["errno"], -95);
    assert_eq!(a[1]["tops"][0]["error"], "EOPNOTSUPP");
    assert_eq!(
        a[1]["records"],
        serde_json::json!([{"kind": "unowned", "pfn_lo": 0x101219, "pfn_hi": 0x101219}])
    );
    assert_eq!(a[1]["owners"][0]["ino"], 131);
    assert_eq!(a[1]["signals"][0]["pid"], 345);
    assert_eq!(a[1]["signals"][0]["code"], "AR");
    assert_eq!(a[1]["errno"], 0);
    assert!(
        !stdout(&f.run(&["events"])).contains("brand_new_kind"),
        "unknown kinds are ignored"
    );
    let j = json(&f.run(&["events", "--json", "--last", "0"]));
    assert_eq!(j, serde_json::json!([]));
}

#[test]
fn report_paths_and_json() {
    let (f, ino) = Fixture::mounted("report", STACK, EVENTS);
    f.write("mnt/lv/other", "data");
    f.write(
        "proc/fs/daxhold/poison",
        &format!(
            "{}file pmem0 sector=4160 fsdev=254:0 fs=ext4 ino=999999999 offset=0x0 len=0x1000 mapped=1
bad pmem0 sector=8 sectors=8 since=4
metadata pmem0 sector=8 fsdev=254:0 fs=ext4 what=superblock
",
            poison_head(ino)
        ),
    );
    let o = f.run(&["report"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "pmem0: 2 bad ranges
  sector 4160 sectors 8 (bytes 0x208000 len 0x1000), since generation 3
    top      dm-0 (254:0) sector 2112 sectors 8 (bytes 0x108000 len 0x1000) depth 2: pmem0 > pmem0p1 > dm-0
    file     /mnt/lv/dir/damaged: ino {ino} bytes 0x3000 len 0x1000, not mapped; ext4 on dm-0 (254:0) at /mnt/lv
    file     inode 999999999 (path not found): ino 999999999 bytes 0x0 len 0x1000, mapped; ext4 on dm-0 (254:0) at /mnt/lv
  sector 8 sectors 8 (bytes 0x1000 len 0x1000), since generation 4
    metadata superblock: ext4 on 254:0 at /mnt/lv
"
        )
    );
    let o = f.run(&["report", "--no-paths"]);
    assert!(stdout(&o).contains(&format!("    file     inode {ino}: ino {ino} bytes 0x3000")));
    let j = json(&f.run(&["report", "--json"]));
    let d = &j[0];
    assert_eq!(d["dev"], "pmem0");
    assert_eq!(d["badblock_count"], 2);
    let b = &d["badblocks"][0];
    assert_eq!(b["sector"], 4160);
    assert_eq!(b["sectors"], 8);
    assert_eq!(b["offset_bytes"], 4160 * 512);
    assert_eq!(b["length_bytes"], 4096);
    assert_eq!(b["since"], 3);
    assert_eq!(
        b["tops"][0]["chain"],
        serde_json::json!(["pmem0", "pmem0p1", "dm-0"])
    );
    let file = &b["files"][0];
    assert_eq!(file["fsdev"], "254:0");
    assert_eq!(file["blockdev"], "dm-0");
    assert_eq!(file["filesystem"], "ext4");
    assert_eq!(file["mountpoint"], "/mnt/lv");
    assert_eq!(file["ino"], ino);
    assert_eq!(file["offset_bytes"], 0x3000);
    assert_eq!(file["length_bytes"], 0x1000);
    assert_eq!(file["mapped"], false);
    assert_eq!(file["path"], "/mnt/lv/dir/damaged");
    assert!(b["files"][1].get("path").is_none());
    assert_eq!(d["badblocks"][1]["metadata"][0]["what"], "superblock");
    // A walk limit too small to reach the file says so.
    let o = f.run(&["report", "--walk-limit", "1"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("/mnt/lv: stopped looking for paths after 1 entries"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn report_empty() {
    let f = Fixture::module("noreport", STACK, EVENTS, "# daxhold poison v1\n");
    assert_eq!(
        stdout(&f.run(&["report"])),
        "no known poison on the held pmem disks\n"
    );
    assert_eq!(json(&f.run(&["report", "--json"])), serde_json::json!([]));
}

#[test]
fn root_from_environment() {
    let f = Fixture::module("env", STACK, EVENTS, "");
    let o = Command::new(env!("CARGO_BIN_EXE_daxhold"))
        .arg("status")
        .env("DAXHOLD_ROOT", f.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("└─pmem0p1"));
}

#[test]
fn arguments() {
    let f = Fixture::module("args", STACK, EVENTS, "");
    let o = f.run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    for w in ["status", "events", "report", "Documentation/tool.rst"] {
        assert!(stdout(&o).contains(w), "--help lacks {w}");
    }
    assert!(!stdout(&o).contains("--root"), "--root is hidden");
    for bad in [
        &["frobnicate"][..],
        &[],
        &["events", "--last", "x"],
        &["events", "--last", "-1"],
        &["status", "--bogus"],
        &["report", "extra"],
    ] {
        let o = f.run(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("error:") || stderr(&o).contains("Usage:"),
            "{bad:?}: {}",
            stderr(&o)
        );
        assert_eq!(stdout(&o), "");
    }
}
