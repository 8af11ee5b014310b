# SPDX-License-Identifier: GPL-2.0
# Shared settings for the set-up scripts.  Sourced, not run.
#
# Everything built or downloaded lives under $DAXHOLD_CACHE, outside the
# repository, so a clean clone reuses it and `git clean` never loses it.

DAXHOLD_CACHE=${DAXHOLD_CACHE:-$HOME/.cache/daxhold}
DAXHOLD_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINDGEN_VERSION=0.71.1
CARGO_FUZZ_VERSION=0.13.2
KSRC_PKG=linux-source-6.12
export PATH="$DAXHOLD_CACHE/tools/bin:$HOME/.cargo/bin:$PATH"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# Run a command as root (CI and these machines run as root; sudo elsewhere).
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
