// SPDX-License-Identifier: GPL-2.0

//! dm tables as text against the same tables given to the builder: stacks
//! of dm devices (linear and striped targets over pmem disks and earlier
//! dm devices, some at the top of the sector space, some the builder
//! refuses, some cycles) written out as `dmsetup table` would, read back
//! with `add_target` and built directly (`model/dmtable.rs`, `check_text`):
//! the same answers target by target, the same segments, and the same
//! translation of every query range and whole device.

#![no_main]

use daxhold_fuzz::dmtable_model::{check_text, Spec, Tables, MAX_SECTOR};
use daxhold_fuzz::gen::{list, pick, range, Result, Unstructured};
use daxhold_fuzz::ok;
use daxhold_pure::dmtable::dev_id;
use daxhold_pure::stack::DevId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(t) = tables(&mut u) else {
        return;
    };
    let Ok(queries) = list(&mut u, 8, |u| {
        Ok((u.arbitrary()?, range(u, 0, 1023)?, range(u, 1, 63)?))
    }) else {
        return;
    };
    ok(check_text(&t, &queries));
});

/// Sectors: mostly small (so that ranges meet), some huge.
fn sectors(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=18)? {
        0..=15 => range(u, 0, 255)?,
        16 => range(u, MAX_SECTOR - 4096, MAX_SECTOR)?,
        _ => 0,
    })
}

/// Any device number, biased to the ends of the ranges.
fn any_dev(u: &mut Unstructured<'_>) -> Result<DevId> {
    let (major, minor) = match u.int_in_range(0u8..=3)? {
        0 => (
            range(u, 0, 4095)? as u32,
            range(u, 0, (1 << 20) - 1)? as u32,
        ),
        1 => (4095, (1 << 20) - 1),
        2 => (0, 0),
        _ => (range(u, 250, 259)? as u32, range(u, 0, 3)? as u32),
    };
    Ok(dev_id(major, minor).unwrap_or(DevId(0)))
}

fn spec(u: &mut Unstructured<'_>) -> Result<Spec> {
    if u.arbitrary()? {
        return Ok(Spec::Linear {
            len: range(u, 1, 511)?,
            dev: u.arbitrary()?,
            start: sectors(u)?,
        });
    }
    let stripes = if u.ratio(1u8, 21)? {
        Vec::new()
    } else {
        let n = u.int_in_range(1..=5)?;
        let mut v = Vec::new();
        for _ in 0..n {
            v.push((u.arbitrary()?, sectors(u)?));
        }
        v
    };
    let chunk = match u.int_in_range(0u8..=21)? {
        0 => 0,
        1 => u32::MAX,
        _ => range(u, 1, 63)? as u32,
    };
    // Mostly a layout dm-stripe accepts.
    let len = if u.ratio(19u8, 20)? {
        let chunks = range(u, 1, 7)?;
        (stripes.len() as u64 * u64::from(chunk) * chunks).clamp(1, MAX_SECTOR)
    } else {
        range(u, 1, 4095)?
    };
    Ok(Spec::Striped {
        len,
        chunk,
        stripes,
    })
}

fn tables(u: &mut Unstructured<'_>) -> Result<Tables> {
    let mut disks = vec![any_dev(u)?];
    disks.extend(list(u, 2, any_dev)?);
    let mut dms = Vec::new();
    for _ in 0..u.int_in_range(1..=3)? {
        let mut targets = Vec::new();
        for _ in 0..u.int_in_range(1..=3)? {
            let gap = match u.int_in_range(0u8..=12)? {
                0..=7 => 0,
                8..=11 => range(u, 0, 15)?,
                _ => MAX_SECTOR - 300,
            };
            targets.push((gap, spec(u)?));
        }
        dms.push(targets);
    }
    Ok(Tables {
        disks,
        dms,
        sep: pick(u, &[" ", "  "])?,
        newline: u.arbitrary()?,
    })
}
