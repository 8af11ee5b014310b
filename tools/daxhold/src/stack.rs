// SPDX-License-Identifier: GPL-2.0

//! `daxhold status`: the held pmem disks and the devices above each, read
//! from /proc/fs/daxhold/stack, drawn as a tree the way lsblk draws one
//! (a device with several lower devices appears under each of them).

use serde::Serialize;

use crate::error::Result;
use crate::kinds::{DevKind, Mode, StackKind, Target};
use crate::parse::Record;

/// How deep the tree is drawn at most (a stack deeper than this is cut,
/// which also stops a loop in a corrupt snapshot).
const MAX_DEPTH: usize = 32;

/// How many rows the trees have at most, in all. A device above several
/// lower ones is drawn under each, so levels of devices that each use
/// several of the level below multiply: ten levels of three would be
/// 59,049 rows, twenty of them 3.5 billion.
pub const MAX_NODES: usize = 10_000;

/// A held pmem disk (`held` record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub name: String,
    pub devt: String,
    pub mode: Option<Mode>,
    pub sectors: u64,
}

/// A device above a held disk (`dev` record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dev {
    pub name: String,
    pub devt: String,
    pub kind: DevKind,
    pub sectors: u64,
    pub holder: bool,
}

/// One partition/target edge (`map` record).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Map {
    #[serde(skip)]
    pub upper: String,
    pub lower: String,
    /// First sector of the range on the upper device, and how many.
    #[serde(rename = "sector")]
    pub start: u64,
    pub sectors: u64,
    /// Where the range starts on `lower` (sector).
    #[serde(rename = "lower_sector")]
    pub lower_start: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stripes: Option<u64>,
    /// Chunk size of a striped target, in sectors.
    #[serde(rename = "chunk_sectors", skip_serializing_if = "Option::is_none")]
    pub chunk: Option<u64>,
    /// Which stripe of a striped target this edge is (from 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stripe: Option<u64>,
}

/// The snapshot of /proc/fs/daxhold/stack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stack {
    pub held: Vec<Held>,
    pub devs: Vec<Dev>,
    pub maps: Vec<Map>,
    /// (device, filesystem type) of `fs` records.
    pub fs: Vec<(String, String)>,
}

impl Stack {
    /// The stack described by `recs`; unknown kinds and keys are skipped.
    pub fn from_records(recs: &[Record]) -> Result<Stack> {
        let mut s = Stack::default();
        for r in recs {
            let word = r.pos.first().map(String::as_str).unwrap_or("");
            if !crate::parse::is_word(word) {
                return Err(r.malformed(format!("{word:?} is not a record kind")));
            }
            if let Some(kind) = StackKind::from_word(word) {
                r.expect_pos(2)?;
                s.add(kind, r)?;
            }
        }
        Ok(s)
    }

    /// Add record `r`, of kind `kind`.
    fn add(&mut self, kind: StackKind, r: &Record) -> Result<()> {
        let name = r.pos.get(1).cloned().unwrap_or_default();
        match kind {
            StackKind::Held => self.held.push(Held {
                name,
                devt: r.req_devt("dev")?,
                mode: r.get("mode").map(Mode::from_word),
                sectors: r.req_num("sectors")?,
            }),
            StackKind::Dev => self.devs.push(Dev {
                name,
                devt: r.req_devt("dev")?,
                kind: DevKind::from_word(r.req("kind")?),
                sectors: r.req_num("sectors")?,
                holder: r.get("holder") == Some("yes"),
            }),
            StackKind::Map => self.maps.push(Map {
                upper: name,
                lower: r.req("lower")?.to_string(),
                start: r.req_num("start")?,
                sectors: r.req_num("sectors")?,
                lower_start: r.req_num("lower_start")?,
                target: r.get("target").map(Target::from_word),
                stripes: r.num("stripes")?,
                chunk: r.num("chunk")?,
                stripe: r.num("stripe")?,
            }),
            StackKind::Fs => self.fs.push((name, r.req("type")?.to_string())),
        }
        Ok(())
    }

    fn dev(&self, name: &str) -> Option<&Dev> {
        self.devs.iter().find(|d| d.name == name)
    }

    fn fs_of(&self, name: &str) -> Option<&str> {
        self.fs
            .iter()
            .find(|(d, _)| d == name)
            .map(|(_, t)| t.as_str())
    }

    /// The devices directly above `name`, in the order the file gives
    /// their edges, each once.
    fn uppers(&self, name: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for m in self.maps.iter().filter(|m| m.lower == name) {
            if !out.contains(&m.upper.as_str()) {
                out.push(&m.upper);
            }
        }
        out
    }

    /// The tree under every held disk, at most [`MAX_NODES`] nodes in all,
    /// and whether devices were left out to keep to that.
    pub fn trees(&self) -> (Vec<Node>, bool) {
        let mut left = Budget {
            nodes: MAX_NODES,
            cut: false,
        };
        let mut out = Vec::new();
        for h in &self.held {
            if !left.take() {
                break;
            }
            let mut path = vec![h.name.as_str()];
            out.push(Node {
                dev: h.name.clone(),
                devt: h.devt.clone(),
                kind: DevKind::Pmem,
                size: h.sectors.saturating_mul(512),
                sectors: h.sectors,
                mode: h.mode.clone(),
                holder: None,
                filesystem: self.fs_of(&h.name).map(str::to_string),
                maps: Vec::new(),
                children: self.children(&h.name, &mut path, &mut left),
            });
        }
        (out, left.cut)
    }

    /// The devices above `lower`, each with its own tree, while `left`
    /// allows.
    fn children<'a>(
        &'a self,
        lower: &str,
        path: &mut Vec<&'a str>,
        left: &mut Budget,
    ) -> Vec<Node> {
        if path.len() > MAX_DEPTH {
            return Vec::new();
        }
        let mut out = Vec::new();
        for up in self.uppers(lower) {
            if path.contains(&up) {
                continue; // a loop: never drawn twice on one branch
            }
            if !left.take() {
                break;
            }
            let d = self.dev(up);
            path.push(up);
            let children = self.children(up, path, left);
            path.pop();
            let sectors = d.map(|d| d.sectors).unwrap_or(0);
            out.push(Node {
                dev: up.to_string(),
                devt: d.map(|d| d.devt.clone()).unwrap_or_default(),
                kind: d
                    .map(|d| d.kind.clone())
                    .unwrap_or_else(|| DevKind::Other(String::new())),
                size: sectors.saturating_mul(512),
                sectors,
                mode: None,
                holder: d.map(|d| d.holder),
                filesystem: self.fs_of(up).map(str::to_string),
                maps: self
                    .maps
                    .iter()
                    .filter(|m| m.upper == up && m.lower == lower)
                    .cloned()
                    .collect(),
                children,
            });
        }
        out
    }
}

/// The nodes the trees may still have.
struct Budget {
    nodes: usize,
    /// A node was left out.
    cut: bool,
}

impl Budget {
    /// Whether one more node may be drawn (and it is counted).
    fn take(&mut self) -> bool {
        match self.nodes.checked_sub(1) {
            Some(n) => {
                self.nodes = n;
                true
            }
            None => {
                self.cut = true;
                false
            }
        }
    }
}

/// One device in the tree (also its JSON form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub dev: String,
    pub devt: String,
    pub kind: DevKind,
    /// Its size in bytes (and in sectors below).
    #[serde(rename = "size_bytes")]
    pub size: u64,
    pub sectors: u64,
    /// `auto` or `manual` (held disks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Whether its dax_device has a holder of its own (devices above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<String>,
    /// The edges from the parent in the tree to this device.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maps: Vec<Map>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

/// A size as lsblk prints it: binary units, one decimal when needed.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "K", "M", "G", "T", "P", "E"];
    let mut unit = 0;
    let mut v = bytes as f64;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let u = UNITS.get(unit).copied().unwrap_or("?");
    let r = (v * 10.0).round() / 10.0;
    if unit == 0 || r.fract() == 0.0 {
        format!("{}{u}", r as u64)
    } else {
        format!("{r:.1}{u}")
    }
}

/// The text table, one row per tree node, lsblk's tree in NAME.
pub fn render(trees: &[Node]) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "NAME".into(),
        "MAJ:MIN".into(),
        "KIND".into(),
        "SIZE".into(),
        "HOLDER".into(),
        "FS".into(),
    ]];
    for t in trees {
        rows_of(t, "", None, &mut rows);
    }
    let mut width = [0usize; 6];
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(width.iter()).enumerate() {
            let pad = w.saturating_sub(c.chars().count());
            if i > 0 {
                line.push(' ');
            }
            // MAJ:MIN and SIZE are right-aligned, as in lsblk.
            if i == 1 || i == 3 {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `n`'s row and its children's: `indent` is what the ancestors draw,
/// `last` whether `n` is the last of its siblings (None: a root).
fn rows_of(n: &Node, indent: &str, last: Option<bool>, rows: &mut Vec<[String; 6]>) {
    let (branch, below) = match last {
        None => ("", String::new()),
        Some(false) => ("├─", format!("{indent}│ ")),
        Some(true) => ("└─", format!("{indent}  ")),
    };
    let holder = match (&n.mode, n.holder) {
        (Some(mode), _) => format!("daxhold({mode})"),
        (None, Some(true)) => "yes".into(),
        (None, _) if last.is_none() => "daxhold".into(),
        _ => String::new(),
    };
    rows.push([
        format!("{indent}{branch}{}", n.dev),
        n.devt.clone(),
        n.kind.to_string(),
        human(n.size),
        holder,
        n.filesystem.clone().unwrap_or_default(),
    ]);
    let k = n.children.len();
    for (i, c) in n.children.iter().enumerate() {
        rows_of(c, &below, Some(i + 1 == k), rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    pub const SPEC: &str = "# daxhold stack v1
held pmem0 dev=259:0 mode=auto sectors=4194304
dev pmem0p1 dev=259:1 kind=part sectors=2093056
dev dm-0 dev=254:0 kind=dm sectors=4186112 holder=yes
map dm-0 lower=pmem0p1 start=0 sectors=2093056 lower_start=0 target=linear
map pmem0p1 lower=pmem0 start=0 sectors=2093056 lower_start=2048 target=part
map dm-1 lower=pmem1 start=0 sectors=8192 lower_start=0 target=striped stripes=2 chunk=8
fs dm-0 type=xfs
";

    fn stack(t: &str) -> Result<Stack> {
        Stack::from_records(&parse("/proc/fs/daxhold/stack", "stack", t)?)
    }

    #[test]
    fn spec_example() {
        let s = stack(SPEC).unwrap();
        assert_eq!(s.held.len(), 1);
        assert_eq!(s.devs.len(), 2);
        assert_eq!(s.maps.len(), 3);
        assert_eq!(s.maps[2].stripes, Some(2));
        let t = s.trees().0;
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].children[0].dev, "pmem0p1");
        assert_eq!(t[0].children[0].maps[0].lower_start, 2048);
        assert_eq!(t[0].children[0].children[0].dev, "dm-0");
        assert_eq!(t[0].children[0].children[0].holder, Some(true));
        assert_eq!(
            render(&t),
            "NAME      MAJ:MIN KIND  SIZE HOLDER        FS
pmem0       259:0 pmem    2G daxhold(auto)
└─pmem0p1   259:1 part 1022M
  └─dm-0    254:0 dm      2G yes           xfs
"
        );
    }

    /// Fourteen levels of three devices, each over all three below: the
    /// tree would have 3^14 rows per path down; it stops at MAX_NODES
    /// (and says so) instead of running out of time and memory.
    #[test]
    fn wide_stack_is_cut() {
        let mut t = String::from("# daxhold stack v1\nheld pmem0 dev=259:0 sectors=8\n");
        let mut below = vec!["pmem0".to_string()];
        for level in 0..14 {
            let here: Vec<String> = (0..3).map(|i| format!("dm-{level}-{i}")).collect();
            for d in &here {
                for b in &below {
                    t.push_str(&format!(
                        "map {d} lower={b} start=0 sectors=8 lower_start=0 target=linear\n"
                    ));
                }
            }
            below = here;
        }
        let s = stack(&t).unwrap();
        let (trees, cut) = s.trees();
        assert!(cut);
        assert_eq!(render(&trees).lines().count(), 1 + MAX_NODES);
        let (small, cut) = stack(SPEC).unwrap().trees();
        assert!(!cut);
        assert_eq!(small.len(), 1);
    }

    #[test]
    fn lsblk_branches() {
        let t = "# daxhold stack v1
held pmem0 dev=259:0 mode=manual sectors=2048
held pmem1 dev=259:1 sectors=2048
dev pmem0p1 dev=259:2 kind=part sectors=1024
dev pmem0p2 dev=259:3 kind=part sectors=1000
dev dm-0 dev=254:0 kind=dm sectors=2024
dev dm-1 dev=254:1 kind=dm sectors=4096
map pmem0p1 lower=pmem0 start=0 sectors=1024 lower_start=0 target=part
map pmem0p2 lower=pmem0 start=0 sectors=1000 lower_start=1024 target=part
map dm-0 lower=pmem0p1 start=0 sectors=1024 lower_start=0 target=linear
map dm-0 lower=pmem0p2 start=1024 sectors=1000 lower_start=0 target=linear
map dm-1 lower=pmem1 start=0 sectors=4096 lower_start=0 target=striped stripes=2 chunk=8 stripe=1
map dm-1 lower=pmem0p1 start=0 sectors=4096 lower_start=0 target=striped stripes=2 chunk=8 stripe=0
fs dm-0 type=ext4
";
        let trees = stack(t).unwrap().trees().0;
        assert_eq!(trees[1].children[0].maps[0].stripe, Some(1));
        assert_eq!(trees[0].children[0].children[1].maps[0].stripe, Some(0));
        let out = render(&trees);
        assert_eq!(
            out,
            "NAME      MAJ:MIN KIND  SIZE HOLDER          FS
pmem0       259:0 pmem    1M daxhold(manual)
├─pmem0p1   259:2 part  512K
│ ├─dm-0    254:0 dm   1012K                 ext4
│ └─dm-1    254:1 dm      2M
└─pmem0p2   259:3 part  500K
  └─dm-0    254:0 dm   1012K                 ext4
pmem1       259:1 pmem    1M daxhold
└─dm-1      254:1 dm      2M
"
        );
    }

    #[test]
    fn loops_and_unknowns() {
        let t = "# daxhold stack v1
held pmem0 dev=259:0 sectors=8 future=1
dev a dev=1:1 kind=dm sectors=8
future_kind x y z
map a lower=pmem0 start=0 sectors=8 lower_start=0
map pmem0 lower=a start=0 sectors=8 lower_start=0
map a lower=a start=0 sectors=8 lower_start=0
";
        let s = stack(t).unwrap();
        let tr = s.trees().0;
        assert_eq!(tr[0].children.len(), 1);
        assert!(tr[0].children[0].children.is_empty());
    }

    #[test]
    fn malformed() {
        let e = stack("# daxhold stack v1\nheld pmem0 dev=259 sectors=8\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/proc/fs/daxhold/stack:2: malformed line: dev=259 is not MAJ:MIN"
        );
        let e = stack("# daxhold stack v1\n\ndev x dev=1:2 kind=dm\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/proc/fs/daxhold/stack:3: malformed line: no sectors= field"
        );
        let e = stack("# daxhold stack v1\nheld pmem0 extra dev=1:2 sectors=8\n").unwrap_err();
        assert!(e.to_string().contains(":2: "));
        let e = stack("# daxhold stack v1\n%%garbage%%\n").unwrap_err();
        assert!(e.to_string().contains(":2: "), "{e}");
        let e = stack("# daxhold stack v1\nmap x lower=y start=0x sectors=1 lower_start=0\n")
            .unwrap_err();
        assert!(e.to_string().contains("start=0x is not a number"), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(human(0), "0B");
        assert_eq!(human(512), "512B");
        assert_eq!(human(1024), "1K");
        assert_eq!(human(2093056 * 512), "1022M");
        assert_eq!(human(4186112 * 512), "2G");
        assert_eq!(human(1536 * 1024 * 1024), "1.5G");
        assert_eq!(human(u64::MAX), "16E");
    }
}
