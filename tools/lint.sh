#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rustfmt (the kernel's .rustfmt.toml) and clippy (kbuild's CLIPPY=1) over
# the module, and clippy over the host crate and the userspace tool
# (tools/daxhold) and the fuzz targets (tools/fuzz), and the tree's shape
# (tools/tree-check.py).  Any finding fails.
#
#   tools/lint.sh KDIR
set -euo pipefail
kdir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tools/setup/lib.sh

files=$(git ls-files 'rust/*.rs' 'rust/**/*.rs' 'tools/daxhold/*.rs' 'tools/fuzz/*.rs')
rustfmt --check --edition 2021 --config-path .rustfmt.toml $files

# Rebuild the Rust object under clippy-driver (warnings are errors in Kbuild),
# with and without the KUnit suites; the production build comes last.
for kunit in y n; do
	rm -f rust/daxhold.o
	make -s -C "$kdir" M="$top" LLVM=1 BINDGEN="$DAXHOLD_CACHE/tools/bin/bindgen" \
		CLIPPY=1 DAXHOLD_KUNIT=$kunit modules
done
(cd rust/pure && cargo clippy --quiet --all-targets -- -D warnings)
(cd tools/daxhold && cargo clippy --quiet --locked --all-targets -- -D warnings)
(cd tools/fuzz && cargo clippy --quiet --locked --all-targets \
	--target-dir "$top/build/fuzz/clippy" -- -D warnings)
python3 tools/tree-check.py
echo "lint: rustfmt and clippy clean"
