// SPDX-License-Identifier: GPL-2.0

//! The control surface: `devices=` at load, and `/sys/kernel/daxhold/`
//! `attach`, `detach` (write a device) and `holders` (read).

pub(crate) mod ffi;

use core::fmt::Write;
use core::sync::atomic::Ordering;

use kernel::error::{code, Error, Result};
use kernel::prelude::*;

use crate::holder::{self, Holder, Registry};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::name::{self, DevPath, NameError, Shown};
use crate::pure::policy::{MetadataPolicy, Policy};
use crate::pure::request;

/// Parse a device name written to `op` (`attach`, `detach`, `devices=`),
/// with its one line on error: the value as written (quoted, see
/// [`Shown`]) and what is wrong with it.
fn parse(op: &str, input: &[u8]) -> core::result::Result<DevPath, NameError> {
    name::parse(input).inspect_err(|e| match e {
        NameError::Empty => pr_err!("{op}: {}\n", e.what()),
        _ => pr_err!("{op}: {}: {}\n", Shown(input), e.what()),
    })
}

/// A control call's result; `ENODEV` if the module is going away.
fn held<T>(r: Option<Result<T>>) -> Result<T> {
    r.unwrap_or(Err(code::ENODEV))
}

/// Write to `attach`.
pub(crate) fn attach(input: &[u8]) -> Result {
    let path = parse("attach", input).map_err(|e| Error::from_errno(e.errno()))?;
    held(holder::with_registry(|r| r.attach("attach", &path)))
}

/// Write to `detach`.
pub(crate) fn detach(input: &[u8]) -> Result {
    let path = parse("detach", input).map_err(|e| Error::from_errno(e.errno()))?;
    held(holder::with_registry(|r| r.detach(&path)))
}

/// Attach every device of the `devices=` parameter, or fail the load with
/// one line and nothing attached: every item is parsed and checked
/// (`Registry::check`, which also finds one disk named twice) before the
/// first is attached.
pub(crate) fn attach_param(registry: &Registry, list: &[u8]) -> Result {
    let mut seen = [None::<u32>; holder::MAX_HOLDERS];
    for item in name::split_list(list) {
        let path = parse("devices=", item).map_err(|e| Error::from_errno(e.errno()))?;
        let dev = registry.check("devices=", &path)?;
        if seen.contains(&Some(dev)) {
            pr_err!("devices=: {}: named twice\n", path.as_str());
            return Err(code::EEXIST);
        }
        let Some(slot) = seen.iter_mut().find(|s| s.is_none()) else {
            pr_err!("devices=: more than {} devices\n", holder::MAX_HOLDERS);
            return Err(code::ENOSPC);
        };
        *slot = Some(dev);
    }
    for item in name::split_list(list) {
        let path = parse("devices=", item).map_err(|e| Error::from_errno(e.errno()))?;
        registry.attach("devices=", &path)?;
    }
    Ok(())
}

fn holder_line(out: &mut FixedBuf<'_>, h: &Holder) -> core::fmt::Result {
    let s = &h.stats;
    let (major, minor) = h.dev();
    let get = |a: &core::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    writeln!(
        out,
        "{} {major}:{minor} calls={} action_required={} action_optional={} pre_remove={} \
         bytes={} last_offset={:#x} last_len={:#x} last_flags={:#x} rejected={} \
         forwarded={} declined={} failed={} unmapped={} mode={}",
        h.name(),
        get(&s.calls),
        get(&s.action_required),
        get(&s.action_optional),
        get(&s.pre_remove),
        get(&s.bytes),
        get(&s.last_offset),
        get(&s.last_len),
        get(&s.last_flags),
        get(&s.rejected),
        get(&s.forwarded),
        get(&s.declined),
        get(&s.failed),
        get(&s.unmapped),
        h.mode_name(),
    )
}

/// One value of held disk `h` by its file name in `devices/<disk>/`.
fn dev_value(out: &mut FixedBuf<'_>, h: &Holder, attr: &[u8]) -> Option<core::fmt::Result> {
    let s = &h.stats;
    let hex = |a: &core::sync::atomic::AtomicU64| (a.load(Ordering::Relaxed), true);
    let dec = |a: &core::sync::atomic::AtomicU64| (a.load(Ordering::Relaxed), false);
    let (v, in_hex) = match attr {
        b"dev" => {
            let (major, minor) = h.dev();
            return Some(writeln!(out, "{major}:{minor}"));
        }
        b"mode" => return Some(writeln!(out, "{}", h.mode_name())),
        b"calls" => dec(&s.calls),
        b"action_required" => dec(&s.action_required),
        b"action_optional" => dec(&s.action_optional),
        b"pre_remove" => dec(&s.pre_remove),
        b"rejected" => dec(&s.rejected),
        b"bytes" => dec(&s.bytes),
        b"last_offset" => hex(&s.last_offset),
        b"last_len" => hex(&s.last_len),
        b"last_flags" => hex(&s.last_flags),
        b"forwarded" => dec(&s.forwarded),
        b"declined" => dec(&s.declined),
        b"failed" => dec(&s.failed),
        b"unmapped" => dec(&s.unmapped),
        _ => return None,
    };
    Some(if in_hex {
        writeln!(out, "{v:#x}")
    } else {
        writeln!(out, "{v}")
    })
}

/// Read of `devices/<disk>/<attr>` of the held disk `devt`, into `out`:
/// the length, or `ENODEV` if it is no longer held (detached while the
/// read started), `ENOENT` for a name this module has no value for.
pub(crate) fn dev_show(devt: u32, attr: &[u8], out: &mut [u8]) -> Result<usize> {
    let mut buf = FixedBuf::new(out);
    let shown = holder::with_registry(|r| r.with_dev(devt, |h| dev_value(&mut buf, h, attr)));
    // A value cut at the end of the page is shown as it is.
    let _cut = shown.flatten().ok_or(code::ENODEV)?.ok_or(code::ENOENT)?;
    Ok(buf.len())
}

/// Read of `holders`: one line per held disk, into `out`; the length.
pub(crate) fn holders(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    holder::with_registry(|r| {
        // Past the page, lines are cut: sysfs shows one page.
        r.for_each(|h| {
            let _ = holder_line(&mut buf, h);
        })
    });
    buf.len()
}

/// Write to `rescan` (any content): read the stack again and apply the
/// attach policy now.
pub(crate) fn rescan(_input: &[u8]) -> Result {
    held(holder::with_registry(crate::holder::rescan))
}

/// Parse a `policy=` value, with one line on error.
pub(crate) fn parse_policy(what: &str, input: &[u8]) -> Result<Policy> {
    Policy::parse(input).ok_or_else(|| {
        pr_err!(
            "{what}: unknown policy {} (stacked, all or list)\n",
            Shown(input)
        );
        code::EINVAL
    })
}

/// Write to `policy`: switch the attach policy and apply it at once.
pub(crate) fn policy_store(input: &[u8]) -> Result {
    let policy = parse_policy("policy", input)?;
    held(holder::with_registry(|r| {
        r.set_policy(policy);
        pr_info!("policy: {}\n", policy.name());
        crate::holder::rescan(r)
    }))
}

/// Read of `policy`.
pub(crate) fn policy_show(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    holder::with_registry(|r| {
        let _ = writeln!(buf, "{}", r.policy().name());
    });
    buf.len()
}

/// Read of `index`: the reverse-map path's counters.
pub(crate) fn index_show(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    holder::with_registry(|r| {
        let _ = crate::owners::status(&r.owners, &mut buf)
            .and_then(|()| crate::poison::counters(&r.poison, &mut buf))
            .and_then(|()| writeln!(buf));
    });
    buf.len()
}

/// Read of `last_failure`: the number of the newest failure printed,
/// which `daxhold events --follow` polls for.
pub(crate) fn last_failure_show(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    let _ = writeln!(buf, "{}", crate::observe::events::last_failure());
    buf.len()
}

/// Write to `metadata`: `shutdown` or `report`.
pub(crate) fn metadata_store(input: &[u8]) -> Result {
    let Some(p) = MetadataPolicy::parse(input) else {
        pr_err!(
            "metadata: unknown policy {} (shutdown or report)\n",
            Shown(input)
        );
        return Err(code::EINVAL);
    };
    held(holder::with_registry(|r| {
        r.owners.set_metadata(p);
        pr_info!("metadata: {}\n", p.name());
        Ok(())
    }))
}

/// Read of `metadata`.
pub(crate) fn metadata_show(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    holder::with_registry(|r| {
        let _ = writeln!(buf, "{}", r.owners.metadata().name());
    });
    buf.len()
}

/// Write to `translate`: `<disk> <offset> <len>` of a held disk, translated
/// and logged without acting on it.
pub(crate) fn translate(input: &[u8]) -> Result {
    let req = request::parse(input).map_err(|e| {
        pr_err!("translate: {}: {}\n", Shown(input), e.what());
        Error::from_errno(e.errno())
    })?;
    held(holder::with_registry(|r| {
        let Some(h) = r.find_by_name(req.disk) else {
            pr_err!("translate: {}: not attached\n", Shown(req.disk));
            return Err(code::ENOENT);
        };
        crate::dispatch::dry_run(r, &h, req.extent, |n, hit| {
            pr_info!(
                "translate #{n}: {} -> {} {} sector {} sectors {} depth {}\n",
                h.name(),
                hit.kind,
                hit.device,
                hit.sector,
                hit.sectors,
                hit.depth
            );
        })
    }))
}

/// Write to `/proc/fs/daxhold/translate`: `<disk> <offset> <len>` as for
/// [`translate`], answered into `out` (one line per piece, read back on
/// the same open file) instead of dmesg: its length, or an error (with
/// one dmesg line).
pub(crate) fn translate_answer(input: &[u8], out: &mut [u8]) -> Result<usize> {
    let req = request::parse(input).map_err(|e| {
        pr_err!("translate: {}: {}\n", Shown(input), e.what());
        Error::from_errno(e.errno())
    })?;
    let mut buf = FixedBuf::new(out);
    let mut full = false;
    held(holder::with_registry(|r| {
        let Some(h) = r.find_by_name(req.disk) else {
            pr_err!("translate: {}: not attached\n", Shown(req.disk));
            return Err(code::ENOENT);
        };
        crate::dispatch::dry_run(r, &h, req.extent, |_, hit| {
            let (major, minor) = (hit.dev.0 >> 20, hit.dev.0 & 0xfffff);
            full |= writeln!(
                buf,
                "{} {} dev={major}:{minor} sector={} sectors={} depth={}",
                hit.kind, hit.device, hit.sector, hit.sectors, hit.depth
            )
            .is_err();
        })
    }))?;
    if full {
        pr_err!(
            "translate: {}: the answer is longer than a page; ask for a smaller range\n",
            Shown(input)
        );
        return Err(code::EFBIG);
    }
    Ok(buf.len())
}
