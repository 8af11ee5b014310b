// SPDX-License-Identifier: GPL-2.0

//! Runs the shared case tables (also run by KUnit in the module).

use daxhold_pure::selftest::{
    Case, DAXOWNER_CASES, DISPATCH_CASES, EVENTS_CASES, KILLSET_CASES, MF_CASES, NAME_CASES,
    PROCFS_CASES, STACK_CASES,
};

fn run(cases: &[Case]) {
    for (name, case) in cases {
        if let Err(fail) = case() {
            panic!("{name}: line {}: {}", fail.line, fail.what);
        }
    }
}

#[test]
fn mf_cases() {
    run(MF_CASES);
}

#[test]
fn name_cases() {
    run(NAME_CASES);
}

#[test]
fn stack_cases() {
    run(STACK_CASES);
}

#[test]
fn dispatch_cases() {
    run(DISPATCH_CASES);
}

#[test]
fn events_cases() {
    run(EVENTS_CASES);
}

#[test]
fn daxowner_cases() {
    run(DAXOWNER_CASES);
}

#[test]
fn procfs_cases() {
    run(PROCFS_CASES);
}

#[test]
fn killset_cases() {
    run(KILLSET_CASES);
}
