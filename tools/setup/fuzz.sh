#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the fuzz targets need (tools/fuzz, `make fuzz`): cargo-fuzz,
# pinned, under $DAXHOLD_CACHE/tools.  It drives libFuzzer with flags that
# only a nightly compiler takes; tools/fuzz/run.sh gets them past the
# stable one with RUSTC_BOOTSTRAP=1 (Documentation/testing.rst, "Fuzzing").
# Idempotent: a second run only checks the version.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if ! rustc --print sysroot >/dev/null 2>&1; then
	die "no rustc found; install a Rust toolchain with rustup"
fi
# libfuzzer-sys builds libFuzzer (C++) with `c++`: clang's (deps.sh) will do.
command -v c++ >/dev/null || command -v clang++ >/dev/null ||
	die "no C++ compiler (c++ or clang++) for libFuzzer; run tools/setup/deps.sh"
if ! "$DAXHOLD_CACHE/tools/bin/cargo-fuzz" --version 2>/dev/null |
	grep -q "$CARGO_FUZZ_VERSION"; then
	log "building cargo-fuzz $CARGO_FUZZ_VERSION (about a minute)"
	cargo install --locked --quiet --root "$DAXHOLD_CACHE/tools" \
		cargo-fuzz --version "=$CARGO_FUZZ_VERSION"
fi
log "cargo-fuzz $CARGO_FUZZ_VERSION ready"
