// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_dispatch` suite ([`super::DISPATCH_CASES`]): the
//! attach policy, the value returned to memory_failure(), and `translate`
//! requests.

use super::Fail;
use crate::pure::errname::{EIO, ENXIO, EOPNOTSUPP};
use crate::pure::notify::Extent;
use crate::pure::policy::Policy;
use crate::pure::request::{self, RequestError};
use crate::pure::verdict::Verdict;

pub(super) fn policy_words() -> Result<(), Fail> {
    ensure!(Policy::parse(b"stacked\n") == Some(Policy::Stacked));
    ensure!(Policy::parse(b"all") == Some(Policy::All));
    ensure!(Policy::parse(b"list") == Some(Policy::List));
    ensure!(Policy::parse(b"").is_none());
    ensure!(Policy::parse(b"Stacked").is_none());
    ensure!(Policy::parse(b"all\n\n").is_none());
    ensure!(Policy::parse(b" all").is_none());
    Ok(())
}

pub(super) fn policy_decisions() -> Result<(), Fail> {
    ensure!(Policy::Stacked.wants(true));
    ensure!(!Policy::Stacked.wants(false));
    ensure!(Policy::All.wants(false));
    ensure!(!Policy::List.wants(true));
    Ok(())
}

fn verdict(rcs: &[i32]) -> i32 {
    let mut v = Verdict::default();
    rcs.iter().for_each(|&rc| v.add(rc));
    v.result()
}

pub(super) fn verdicts() -> Result<(), Fail> {
    ensure!(verdict(&[]) == -EOPNOTSUPP);
    ensure!(verdict(&[0]) == 0);
    ensure!(verdict(&[0, 0]) == 0);
    ensure!(verdict(&[0, -EOPNOTSUPP]) == -EOPNOTSUPP);
    ensure!(verdict(&[-EOPNOTSUPP]) == -EOPNOTSUPP);
    ensure!(verdict(&[0, -ENXIO, -EIO]) == -ENXIO);
    ensure!(verdict(&[-EOPNOTSUPP, -EIO]) == -EIO);
    Ok(())
}

pub(super) fn requests() -> Result<(), Fail> {
    let t = request::parse(b"pmem0 0x1000 4096\n");
    ensure!(matches!(t, Ok(t) if t.disk == b"pmem0"
        && t.extent == Extent::Range { offset: 0x1000, end: 0x2000 }));
    ensure!(request::parse(b"pmem0 1") == Err(RequestError::Fields));
    ensure!(request::parse(b"pmem0  1 2") == Err(RequestError::Fields));
    ensure!(request::parse(b"pmem0 -1 2") == Err(RequestError::Number));
    ensure!(request::parse(b"pmem0 1 0") == Err(RequestError::ZeroLength));
    ensure!(request::parse(b"pmem0 18446744073709551615 1") == Err(RequestError::Overflow));
    ensure!(request::number(b"0xffffffffffffffff") == Some(u64::MAX));
    ensure!(request::number(b"18446744073709551616").is_none());
    Ok(())
}
