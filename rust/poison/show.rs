// SPDX-License-Identifier: GPL-2.0

//! The `/proc/fs/daxhold/poison` text (Documentation/admin.rst), read by
//! the `daxhold report` tool.

use core::fmt::{self, Write};

use super::finding::Kind;
use kernel::sync::Mutex;

use super::PoisonState;

/// The `/proc/fs/daxhold/poison` text: a header line, then one record per
/// line (Documentation/admin.rst).
pub(crate) fn show(state: &Mutex<PoisonState>, out: &mut impl Write) -> fmt::Result {
    writeln!(out, "# daxhold poison v1")?;
    let st = state.lock();
    for f in st.findings.iter() {
        let k = &f.key;
        let (major, minor) = (k.dev >> 20, k.dev & 0xfffff);
        match k.kind {
            Kind::Bad => writeln!(
                out,
                "bad {} sector={} sectors={} since={}",
                k.pmem, k.sector, k.sectors, f.since
            ),
            Kind::Top => writeln!(
                out,
                "top {} sector={} dev={} devt={major}:{minor} top_sector={} sectors={} depth={} chain={}",
                k.pmem, k.sector, f.devname, k.top_sector, k.sectors, f.depth, f.chain
            ),
            Kind::File => writeln!(
                out,
                "file {} sector={} fsdev={major}:{minor} fs={} ino={} offset={:#x} len={:#x} mapped={}",
                k.pmem,
                k.sector,
                f.fs,
                k.ino,
                k.offset,
                k.len,
                u8::from(f.mapped)
            ),
            Kind::Metadata => writeln!(
                out,
                "metadata {} sector={} fsdev={major}:{minor} fs={} what={}",
                k.pmem, k.sector, f.fs, k.what
            ),
            Kind::Unowned => writeln!(
                out,
                "unowned {} sector={} fsdev={major}:{minor} fs={} sector_top={} sectors={}",
                k.pmem, k.sector, f.fs, k.top_sector, k.sectors
            ),
            Kind::Unmapped => writeln!(
                out,
                "unmapped {} sector={} sectors={} dev={} dev_sector={}",
                k.pmem, k.sector, k.sectors, f.devname, k.top_sector
            ),
        }?;
    }
    Ok(())
}
