// SPDX-License-Identifier: GPL-2.0

//! What the integration tests share: the fixture inputs and a fixture
//! root to run the built binary on.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const STACK: &str = "# daxhold stack v1
held pmem0 dev=259:0 mode=auto sectors=4194304
dev pmem0p1 dev=259:1 kind=part sectors=2093056
dev dm-0 dev=254:0 kind=dm sectors=2093056 holder=yes
map dm-0 lower=pmem0p1 start=0 sectors=2093056 lower_start=0 target=linear
map pmem0p1 lower=pmem0 start=0 sectors=2093056 lower_start=2048 target=part
fs dm-0 type=ext4
";

/// The first records of a poison file: one bad range under dm-0 with
/// the file of inode `ino` (Fixture::mounted) damaged at 0x3000.
pub fn poison_head(ino: u64) -> String {
    format!(
        "# daxhold poison v1
bad pmem0 sector=4160 sectors=8 since=3
top pmem0 sector=4160 dev=dm-0 devt=254:0 top_sector=2112 sectors=8 depth=2 chain=pmem0>pmem0p1>dm-0
file pmem0 sector=4160 fsdev=254:0 fs=ext4 ino={ino} offset=0x3000 len=0x1000 mapped=0
"
    )
}

pub const EVENTS: &str = "# daxhold events v1
6 pmem0 failure offset=0x100000 len=0x1000 mf_flags=0x22
6 pmem0 top dev=dm-0 devt=254:0 sector=0 sectors=8 depth=2 result=handled errno=0
6 pmem0 result errno=0
7 pmem0 failure offset=0x8203000 len=0x1000 mf_flags=0x23 flags=MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED
7 pmem0 top dev=dm-0 devt=254:0 sector=2191576 sectors=8 depth=2 result=declined errno=EOPNOTSUPP
7 pmem0 unowned pfn_lo=0x101219 pfn_hi=0x101219
7 pmem0 owner fsdev=254:0 ino=131 pgoff=3 pfn=0x101218 pages=1 errno=0
7 pmem0 signal pid=345 comm=dax_poison code=AR addr=0x7f12345000 lsb=12
7 pmem0 brand_new_kind x=1
7 pmem0 result errno=0 new_key=5
";

/// A fixture root: a fresh directory per test.
pub struct Fixture(PathBuf);

impl Fixture {
    pub fn new(name: &str) -> Fixture {
        let d = std::env::temp_dir().join(format!("daxhold-cli-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        Fixture(d)
    }

    /// The module's directories and, if given, its three files.
    pub fn module(name: &str, stack: &str, events: &str, poison: &str) -> Fixture {
        let f = Fixture::new(name);
        f.write("sys/kernel/daxhold/holders", "");
        f.write("proc/fs/daxhold/stack", stack);
        f.write("proc/fs/daxhold/events", events);
        f.write("proc/fs/daxhold/poison", poison);
        f
    }

    /// The module's directories with `stack` and `events`, and ext4 on
    /// dm-0 mounted at /mnt/lv holding the file dir/damaged; the poison
    /// file is the caller's. Returns the file's inode number.
    pub fn mounted(name: &str, stack: &str, events: &str) -> (Fixture, u64) {
        let f = Fixture::new(name);
        f.write("sys/kernel/daxhold/holders", "");
        f.write("proc/fs/daxhold/stack", stack);
        f.write("proc/fs/daxhold/events", events);
        f.write("mnt/lv/dir/damaged", "data");
        let ino = std::os::unix::fs::MetadataExt::ino(
            &fs::metadata(f.path().join("mnt/lv/dir/damaged")).unwrap(),
        );
        f.write(
            "proc/self/mountinfo",
            "30 1 254:0 / /mnt/lv rw,relatime - ext4 /dev/mapper/lv rw,dax=always\n",
        );
        (f, ino)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_daxhold"))
            .arg("--root")
            .arg(&self.0)
            .args(args)
            .env_remove("DAXHOLD_ROOT")
            .output()
            .unwrap()
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}
