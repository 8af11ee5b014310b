// SPDX-License-Identifier: GPL-2.0

//! Test cases shared by `cargo test` on the host and KUnit in the module.
//!
//! Each case is a plain function returning the first failed expectation, so
//! the same table checks the same logic under both compilers and targets.

use core::fmt::Write;

use crate::pure::errname::errname;
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::mf::{self, MfFlags};
use crate::pure::name::{self, NameError};
use crate::pure::notify::{self, ArgError, Extent, Kind};

/// A failed expectation: where and what.
#[derive(Debug)]
pub struct Fail {
    /// Source line of the expectation.
    pub line: u32,
    /// The expectation, as written.
    pub what: &'static str,
}

/// A named test case.
pub type Case = (&'static str, fn() -> Result<(), Fail>);

macro_rules! ensure {
    ($cond:expr) => {
        if !$cond {
            return Err(Fail {
                line: line!(),
                what: stringify!($cond),
            });
        }
    };
}

mod badblocks;
mod daxowner;
mod dispatch;
mod dmtable;
mod events;
mod killset;
mod procfs;
mod rmap;
mod stack;

/// Cases of the `daxhold_mf` suite: notify_failure arguments and flags.
pub const MF_CASES: &[Case] = &[
    ("check_plain_range", check_plain_range),
    ("check_whole_device", check_whole_device),
    ("check_rejects", check_rejects),
    ("check_kinds", check_kinds),
    ("flag_names", flag_names),
];

/// Cases of the `daxhold_name` suite: control strings.
pub const NAME_CASES: &[Case] = &[
    ("name_forms", name_forms),
    ("name_rejects", name_rejects),
    ("name_list", name_list),
    ("name_shown", name_shown),
    ("fixedbuf_truncates", fixedbuf_truncates),
    ("errnames", errnames),
];

/// Cases of the `daxhold_rmap` suite: the reverse map.
pub const RMAP_CASES: &[Case] = &[
    ("rmap_record_rules", rmap::record_rules),
    ("rmap_kinds", rmap::kinds),
    ("rmap_inclusive_range", rmap::inclusive_range),
    ("rmap_shared_blocks", rmap::shared_blocks),
    ("rmap_nested", rmap::nested),
    ("rmap_boundaries", rmap::boundaries),
    ("rmap_early_stop", rmap::early_stop),
    ("rmap_insert_remove", rmap::insert_remove),
    ("rmap_no_room", rmap::no_room),
    ("rmap_load", rmap::load),
    ("rmap_errnos", rmap::errnos),
];

/// Cases of the `daxhold_badblocks` suite: known-poison range sets.
pub const BADBLOCKS_CASES: &[Case] = &[
    ("badblocks_normalize_merges", badblocks::normalize_merges),
    ("badblocks_normalize_edges", badblocks::normalize_edges),
    ("badblocks_diff_changes", badblocks::diff_changes),
    ("badblocks_diff_by_key", badblocks::diff_by_key),
    ("badblocks_track_generations", badblocks::track_generations),
    ("badblocks_file_arithmetic", badblocks::file_arithmetic),
    ("badblocks_policy_words", badblocks::policy_words),
];

/// Cases of the `daxhold_daxowner` suite: the pages of a DAX entry a
/// failure hits.
pub const DAXOWNER_CASES: &[Case] = &[
    ("daxowner_pte_entry", daxowner::pte_entry),
    ("daxowner_pmd_clipped", daxowner::pmd_clipped),
    ("daxowner_overflow", daxowner::overflow),
];

/// Cases of the `daxhold_stack` suite: the stack model and its translation.
pub const STACK_CASES: &[Case] = &[
    ("stack_partitions", stack::partitions),
    ("stack_bare_disk_is_top", stack::bare_disk_is_top),
    ("stack_linear_concat", stack::linear_concat),
    ("stack_dm_on_dm_on_partition", stack::dm_on_dm_on_partition),
    ("stack_routes", stack::routes),
    ("stack_striped", stack::striped),
    ("stack_shared_partition", stack::shared_partition),
    ("stack_whole_device", stack::whole_device),
    ("stack_table_errors", stack::table_errors),
    ("stack_table_overlaps", stack::table_overlaps),
    ("stack_table_stripe_errors", stack::table_stripe_errors),
    ("stack_table_no_room", stack::table_no_room),
    ("stack_too_deep", stack::too_deep),
    ("stack_top_of_address_space", stack::top_of_address_space),
    ("stack_sink_stops", stack::sink_stops),
    ("stack_errnos", stack::errnos),
];

/// Cases of the `daxhold_dispatch` suite: attach policy, return values,
/// `translate` requests.
pub const DISPATCH_CASES: &[Case] = &[
    ("policy_words", dispatch::policy_words),
    ("policy_decisions", dispatch::policy_decisions),
    ("verdicts", dispatch::verdicts),
    ("requests", dispatch::requests),
];

/// Cases of the `daxhold_events` suite: the failure log's ring and lines.
pub const EVENTS_CASES: &[Case] = &[
    ("events_ring_fifo", events::ring_fifo),
    (
        "events_ring_full_counts_lost",
        events::ring_full_counts_lost,
    ),
    ("events_ring_wraps", events::ring_wraps),
    ("events_ring_push_records", events::ring_push_records),
    ("events_ring_without_room", events::ring_without_room),
    ("events_names", events::names),
    ("events_lines_stack", events::lines_stack),
    ("events_lines_pre_remove", events::lines_pre_remove),
    ("events_lines_owners", events::lines_owners),
    ("events_lines_errors", events::lines_errors),
];

/// Cases of the `daxhold_killset` suite: one failure's kill set.
pub const KILLSET_CASES: &[Case] = &[
    ("killset_dedupe", killset::dedupe),
    ("killset_ignores_unmapped", killset::ignores_unmapped),
    ("killset_full_and_regrow", killset::full_and_regrow),
    ("killset_codes", killset::codes),
    ("killset_unmap", killset::unmap),
    ("killset_many_tasks", killset::many_tasks),
    ("killset_mappings", killset::mappings),
    ("killset_mappings_deferred", killset::mappings_deferred),
    ("killset_turned_around", killset::turned_around),
];

/// Cases of the `daxhold_procfs` suite: the lines of `/proc/fs/daxhold`'s
/// `stack` and `events` files, the failure log's history, the devices
/// `stack` lists.
pub const PROCFS_CASES: &[Case] = &[
    ("procfs_kill_line", procfs::kill_line),
    ("procfs_event_lines_stack", procfs::event_lines_stack),
    ("procfs_event_lines_whole", procfs::event_lines_whole),
    ("procfs_event_lines_owners", procfs::event_lines_owners),
    ("procfs_event_lines_results", procfs::event_lines_results),
    ("procfs_event_lines_signals", procfs::event_lines_signals),
    ("procfs_dmesg_lines", procfs::dmesg_lines),
    ("procfs_lines_agree", procfs::lines_agree),
    ("procfs_history", procfs::history),
    ("procfs_levels", procfs::levels),
    ("procfs_stack_lines", procfs::stack_lines),
    ("procfs_map_lines", procfs::map_lines),
];

/// Cases of the `daxhold_dmtable` suite: dm target lines read into a stack.
pub const DMTABLE_CASES: &[Case] = &[
    ("dmtable_dev_ids", dmtable::dev_ids),
    ("dmtable_linear", dmtable::linear),
    ("dmtable_striped", dmtable::striped),
    ("dmtable_spacing", dmtable::spacing),
    ("dmtable_other_types", dmtable::other_types),
    ("dmtable_rejects", dmtable::rejects),
    ("dmtable_errnos", dmtable::errnos),
    ("dmtable_lvm_stack", dmtable::lvm_stack),
];

fn check_plain_range() -> Result<(), Fail> {
    let f = notify::check(0x3000, 0x1000, 0x23);
    ensure!(matches!(f, Ok(f) if f.extent == Extent::Range { offset: 0x3000, end: 0x4000 }));
    // The last byte of the address space is a valid one-byte range.
    let f = notify::check(u64::MAX - 1, 1, 0);
    ensure!(
        matches!(f, Ok(f) if f.extent == Extent::Range { offset: u64::MAX - 1, end: u64::MAX })
    );
    Ok(())
}

fn check_whole_device() -> Result<(), Fail> {
    let f = notify::check(0, u64::MAX, mf::MF_MEM_PRE_REMOVE as i32);
    ensure!(matches!(f, Ok(f) if f.extent == Extent::WholeDevice && f.kind == Kind::PreRemove));
    ensure!(Extent::WholeDevice.offset_len() == (0, u64::MAX));
    let f = notify::check(0x3000, 0x1000, 0);
    ensure!(matches!(f, Ok(f) if f.extent.offset_len() == (0x3000, 0x1000)));
    // A full-length range that does not start at 0 wraps.
    ensure!(notify::check(1, u64::MAX, 0) == Err(ArgError::Overflow));
    Ok(())
}

fn check_rejects() -> Result<(), Fail> {
    ensure!(notify::check(0x1000, 0, 0x23) == Err(ArgError::ZeroLength));
    ensure!(notify::check(u64::MAX, 2, 0) == Err(ArgError::Overflow));
    ensure!(notify::check(0, 0x1000, 0x100) == Err(ArgError::UnknownFlags(0x100)));
    ensure!(notify::check(0, 0x1000, -1) == Err(ArgError::UnknownFlags(!mf::MF_KNOWN)));
    ensure!(ArgError::ZeroLength.errno() == -22 && ArgError::Overflow.errno() == -34);
    Ok(())
}

fn check_kinds() -> Result<(), Fail> {
    let kind = |flags: u32| notify::check(0, 4096, flags as i32).map(|f| f.kind);
    ensure!(kind(mf::MF_ACTION_REQUIRED | mf::MF_COUNT_INCREASED) == Ok(Kind::ActionRequired));
    ensure!(kind(0) == Ok(Kind::ActionOptional));
    ensure!(kind(mf::MF_SW_SIMULATED) == Ok(Kind::ActionOptional));
    ensure!(kind(mf::MF_MEM_PRE_REMOVE | mf::MF_ACTION_REQUIRED) == Ok(Kind::PreRemove));
    Ok(())
}

fn shows(flags: u32, want: &str) -> bool {
    let mut buf = [0u8; 160];
    let mut out = FixedBuf::new(&mut buf);
    write!(out, "{}", MfFlags(flags)).is_ok() && out.as_bytes() == want.as_bytes()
}

fn flag_names() -> Result<(), Fail> {
    ensure!(shows(
        0x23,
        "MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED"
    ));
    ensure!(shows(0x80, "MF_MEM_PRE_REMOVE"));
    ensure!(shows(0, "none"));
    ensure!(shows(0x102, "MF_ACTION_REQUIRED|0x100"));
    ensure!(shows(0x8000_0000, "0x80000000"));
    Ok(())
}

fn name_forms() -> Result<(), Fail> {
    let p = name::parse(b"pmem0\n");
    ensure!(matches!(&p, Ok(p) if p.as_bytes() == b"/dev/pmem0"));
    ensure!(matches!(&p, Ok(p) if p.as_bytes_with_nul() == b"/dev/pmem0\0"));
    ensure!(matches!(&p, Ok(p) if p.basename() == b"pmem0"));
    let p = name::parse(b"/dev/mapper/vg-lv");
    ensure!(matches!(&p, Ok(p) if p.basename() == b"vg-lv"));
    Ok(())
}

fn name_rejects() -> Result<(), Fail> {
    let err = |s: &[u8]| name::parse(s).err();
    ensure!(err(b"") == Some(NameError::Empty));
    ensure!(err(b"\n") == Some(NameError::Empty));
    ensure!(err(b"pm em0") == Some(NameError::Space));
    ensure!(err(b"pmem0\n\n") == Some(NameError::NonPrintable));
    ensure!(err(b"\x01\x02") == Some(NameError::NonPrintable));
    ensure!(err(b"pm\xc3\xa9m0") == Some(NameError::NonPrintable));
    ensure!(err(b"a/b") == Some(NameError::Slash));
    ensure!(err(&[b'a'; 256]) == Some(NameError::TooLong));
    ensure!(err(b"\n\n").is_some());
    // The limit is on what is written: a 255-byte name becomes a 260-byte path.
    let p = name::parse(&[b'a'; 255]);
    ensure!(matches!(&p, Ok(p) if p.as_bytes().len() == 260 && p.basename().len() == 255));
    ensure!(NameError::TooLong.errno() == -36);
    ensure!(NameError::Space.errno() == -22 && NameError::Slash.errno() == -22);
    Ok(())
}

fn name_list() -> Result<(), Fail> {
    let mut it = name::split_list(b"pmem0,/dev/pmem1\n");
    ensure!(it.next() == Some(&b"pmem0"[..]));
    ensure!(it.next() == Some(&b"/dev/pmem1"[..]));
    ensure!(it.next().is_none());
    ensure!(name::split_list(b"").next().is_none());
    ensure!(name::split_list(b"a,,b").nth(1) == Some(&b""[..]));
    Ok(())
}

fn name_shown() -> Result<(), Fail> {
    let shown = |input: &[u8]| {
        let mut buf = [0u8; 256];
        let mut out = FixedBuf::new(&mut buf);
        let ok = write!(out, "{}", name::Shown(input)).is_ok();
        let mut text = [0u8; 256];
        let n = out.len();
        if let (Some(d), Some(s)) = (text.get_mut(..n), out.as_bytes().get(..n)) {
            d.copy_from_slice(s);
        }
        (ok, text, n)
    };
    let is = |input: &[u8], want: &[u8]| {
        let (ok, text, n) = shown(input);
        ok && text.get(..n) == Some(want)
    };
    ensure!(is(b"bogus\n", b"\"bogus\""));
    ensure!(is(b"", b"\"\""));
    ensure!(is(b"\n", b"\"\""));
    ensure!(is(b"a\nb\n", b"\"a\\x0ab\""));
    ensure!(is(b"q\"\\\x01\x7f\xff", b"\"q\\x22\\x5c\\x01\\x7f\\xff\""));
    let mut long = [b'a'; 40];
    if let Some(last) = long.last_mut() {
        *last = b'z';
    }
    let (ok, text, n) = shown(&long);
    ensure!(ok && n == 1 + name::SHOWN_MAX + 1 + 3);
    ensure!(
        text.get(..1) == Some(&b"\""[..])
            && text.get(n.saturating_sub(4)..n) == Some(&b"\"..."[..])
    );
    ensure!(!text.get(..n).unwrap_or(&[]).contains(&b'z'));
    Ok(())
}

fn fixedbuf_truncates() -> Result<(), Fail> {
    let mut buf = [0u8; 4];
    let mut out = FixedBuf::new(&mut buf);
    ensure!(write!(out, "ab").is_ok() && !out.truncated());
    ensure!(write!(out, "cdef").is_err() && out.truncated());
    ensure!(out.as_bytes() == b"abcd" && out.len() == 4);
    Ok(())
}

fn errnames() -> Result<(), Fail> {
    ensure!(errname(-2) == "ENOENT" && errname(2) == "ENOENT");
    ensure!(errname(-95) == "EOPNOTSUPP" && errname(-36) == "ENAMETOOLONG");
    ensure!(errname(0) == "E?" && errname(i32::MIN) == "E?");
    Ok(())
}

mod ext4meta;

/// Cases of the `daxhold_ext4meta` suite: ext4/ext2 static metadata from
/// synthetic superblocks.
pub const EXT4META_CASES: &[Case] = &[
    ("ext4meta_parse_flex_1k", ext4meta::parse_flex_1k),
    ("ext4meta_static_flex_1k", ext4meta::static_flex_1k),
    ("ext4meta_descs_flex_1k", ext4meta::descs_flex_1k),
    ("ext4meta_records_flex_1k", ext4meta::records_flex_1k),
    ("ext4meta_meta_bg_4k", ext4meta::meta_bg_4k),
    ("ext4meta_bigalloc_1k", ext4meta::bigalloc_1k),
    ("ext4meta_backup_groups", ext4meta::backup_groups),
    ("ext4meta_journal_backup", ext4meta::journal_backup),
    ("ext4meta_rejects", ext4meta::rejects),
    ("ext4meta_rejects_sizes", ext4meta::rejects_sizes),
    ("ext4meta_rejects_layout", ext4meta::rejects_layout),
    ("ext4meta_bad_descriptors", ext4meta::bad_descriptors),
    ("ext4meta_errnos_and_names", ext4meta::errnos_and_names),
];
