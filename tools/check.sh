#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every test daxhold has, from a fresh machine.
#
#   tools/check.sh [FLAVOUR]      (default: default; make check CHECK_FLAVOUR=debug)
#
# Steps: set-up, host tests (cargo test), the bad-input table against
# its scenario, module build (warnings are errors), panic check (no
# panic paths in daxhold.o), lint (rustfmt, clippy), KUnit in the guest,
# guest scenarios (one result each), all on FLAVOUR's kernel, and the
# module built by DKMS against the nfit kernel's tree, loaded there: default, or
# debug (tools/kconfig/debug.config: KASAN, lockdep, kmemleak, ...), whose
# tree also has nfit_test for the scenarios whose header says flavour=nfit
# (for the default flavour the nfit kernel is set up as well).  Logs go to
# build/check/.
# The last line is "N passed, N failed"; the exit status is non-zero if
# anything failed.
set -uo pipefail
flavour=${1:-default}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tools/setup/lib.sh
logs=$top/build/check
mkdir -p "$logs"
pass=0 fail=0 n=0
t0=$(date +%s)

# step NAME CMD...: run CMD, log to build/check/NAME.log, print TAP.
step() {
	local name=$1 s e
	shift
	n=$((n + 1))
	s=$(date +%s)
	if "$@" >"$logs/$name.log" 2>&1; then
		e=$(date +%s)
		pass=$((pass + 1))
		echo "ok $n - $name ($((e - s)) s)"
		return 0
	fi
	e=$(date +%s)
	fail=$((fail + 1))
	echo "not ok $n - $name ($((e - s)) s), log: build/check/$name.log"
	tail -n 25 "$logs/$name.log" | sed 's/^/#   /'
	return 1
}

summary() {
	echo "# total $(( $(date +%s) - t0 )) s"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

step setup-deps tools/setup/deps.sh || summary
step setup-kernel tools/setup/kernel.sh "$flavour" || summary
kdir=$(tools/setup/kernel.sh "$flavour")
# The scenarios whose header says flavour=nfit want the kernel's nfit_test
# (ndctl inject-error).  The debug kernel builds it into its own tree; for
# another flavour the nfit kernel is set up too, and if that fails its
# scenarios are skipped and the rest runs.
nfit_kdir=
case $flavour in
debug) nfit_kdir=$kdir ;;
*) step setup-kernel-nfit tools/setup/kernel.sh nfit &&
	nfit_kdir=$(tools/setup/kernel.sh nfit) ;;
esac

step host-test bash -c 'cd rust/pure && cargo test --quiet'
step tool-test bash -c 'cd tools/daxhold && cargo test --quiet --locked'
# The bad-input table of admin.rst lists the cases bad_input.sh asserts.
step bad-input-table python3 tools/testing/bad-input-table.py
step fuzz-short tools/fuzz/run.sh --short
step lint tools/lint.sh "$kdir"
# build/$flavour-kunit/daxhold.ko with the suites, then the production
# module (no KUnit), build/$flavour/daxhold.ko, which the scenarios load.
step module-build-kunit make -s FLAVOUR="$flavour" module-flavour-kunit
step module-build make -s FLAVOUR="$flavour" module-flavour || summary
ko=build/$flavour/daxhold.ko
# No panic paths (core::panicking calls) in daxhold.o beyond the allowlist,
# no objtool fall-through: Documentation/design.rst, "No panics".
step panic-check tools/panic-check.sh "build/$flavour/src/daxhold.o" "$kdir"
nfit=()
if [ "$nfit_kdir" = "$kdir" ]; then
	# The debug kernel also serves the scenarios whose header says
	# flavour=debug (failslab_*).
	nfit=(--flavour "nfit=$kdir,$ko" --flavour "debug=$kdir,$ko")
elif [ -n "$nfit_kdir" ]; then
	nfit=(--flavour "nfit=$nfit_kdir")
	step module-build-nfit make -s FLAVOUR=nfit module-flavour &&
		nfit=(--flavour "nfit=$nfit_kdir,build/nfit/daxhold.ko")
	# DKMS builds the same sources from dkms.conf against the nfit tree,
	# as a user's machine builds them for its kernel; nfit_smoke loads
	# that build after the scenarios.
	step dkms-build tools/build/dkms.sh check "$nfit_kdir" build/dkms
fi
# The userspace tool, build/tool/daxhold, which the guest initramfs carries.
step tool-build make -s tool
# The harness must catch what it claims to: one selftest per failure rule.
step harness-selftest python3 tools/testing/guest/run.py --kdir "$kdir" --selftest
step kunit python3 tools/testing/guest/run.py --kdir "$kdir" --timeout 900 \
	--module "build/$flavour-kunit/daxhold.ko" --kunit \
	--kunit-suites daxhold_mf,daxhold_name,daxhold_holder,daxhold_stack,daxhold_dispatch,daxhold_dmtable,daxhold_rmap,daxhold_daxowner,daxhold_ext4meta,daxhold_events,daxhold_procfs,daxhold_badblocks,daxhold_killset

# Guest scenarios: one result per scenario, as run.py reports them.
# Two guests at a time (one per core); the debug kernel is about four
# times slower than the default one, so are the scenarios' timeouts.
# There, one race iteration costs 1 to 17 s (0.2 to 0.6 s on the default
# kernel): the races family runs DAXTEST_RACE_ITER (10) per block instead
# of 100 (Documentation/testing.rst, "Races").
scale=1 append=
if [ "$flavour" = debug ]; then
	scale=4 append="daxtest.race_iter=${DAXTEST_RACE_ITER:-10}"
fi
python3 tools/testing/guest/run.py --kdir "$kdir" --module "$ko" \
	"${nfit[@]}" --jobs "${DAXTEST_JOBS:-2}" --timeout-scale "$scale" \
	${append:+--append "$append"} >"$logs/guest.log" 2>&1

# results LOG LABEL: run.py's results in LOG as TAP lines "LABEL: ...";
# a failure if none.
results() {
	local before=$n line
	while IFS= read -r line; do
		case "$line" in
		"ok "*)
			n=$((n + 1)); pass=$((pass + 1))
			echo "ok $n - $2: ${line#ok * - }" ;;
		"not ok "*)
			n=$((n + 1)); fail=$((fail + 1))
			echo "not ok $n - $2: ${line#not ok * - }" ;;
		"#   "*)
			echo "$line" ;;
		esac
	done <"$1"
	if [ "$n" -eq "$before" ]; then
		n=$((n + 1)); fail=$((fail + 1))
		echo "not ok $n - $2: no scenario ran, log: ${1#"$top"/}"
		tail -n 25 "$1" | sed 's/^/#   /'
	fi
}
results "$logs/guest.log" guest
if [ -f build/dkms/daxhold.ko ]; then
	python3 tools/testing/guest/run.py --kdir "$kdir" --module "$ko" \
		--flavour "nfit=$nfit_kdir,build/dkms/daxhold.ko" \
		--scenario nfit_smoke >"$logs/guest-dkms.log" 2>&1
	results "$logs/guest-dkms.log" "guest, the DKMS build"
fi
summary
