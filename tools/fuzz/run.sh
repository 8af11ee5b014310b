#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build and run the fuzz targets (tools/fuzz/fuzz_targets/*.rs) with
# cargo-fuzz and libFuzzer; Documentation/testing.rst, "Fuzzing".
#
#   tools/fuzz/run.sh [TARGET...]          FUZZ_RUNS executions each (make fuzz)
#   tools/fuzz/run.sh --short [TARGET...]  a short run each (make check)
#   tools/fuzz/run.sh --merge [TARGET...]  add what the runs found that
#                                          covers more to the committed corpus
#
# Environment: FUZZ_RUNS (executions per target, default 10000000),
# FUZZ_RUNS_SHORT (the same for --short, default 30000), FUZZ_JOBS
# (targets run at once, default 1), FUZZ_SANITIZER (none, the default, or
# address), FUZZ_TIMEOUT (seconds one input may take, default 10).
#
# Each target reads its committed corpus (tools/fuzz/corpus/TARGET, never
# written here) and keeps what it finds in build/fuzz/corpus/TARGET (a
# --short run in a fresh build/fuzz/short/TARGET); logs go to
# build/fuzz/logs/, crashing inputs to build/fuzz/artifacts/TARGET/.  One
# line per target: executions, seconds, executions per second, and crashes.
# The exit status is non-zero if any target crashed or did not finish.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tools/setup/lib.sh

mode=full
case "${1:-}" in
--short) mode=short; shift ;;
--merge) mode=merge; shift ;;
-*) echo "usage: $0 [--short|--merge] [TARGET...]" >&2; exit 2 ;;
esac
if [ "$mode" = short ]; then
	runs=${FUZZ_RUNS_SHORT:-30000}
else
	runs=${FUZZ_RUNS:-10000000}
fi
jobs=${FUZZ_JOBS:-1}
san=${FUZZ_SANITIZER:-none}
timeout=${FUZZ_TIMEOUT:-10}
fuzz=$top/build/fuzz
bin=$fuzz/$san/x86_64-unknown-linux-gnu/release

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in tools/fuzz/fuzz_targets/*.rs; do
		targets+=("$(basename "$f" .rs)")
	done
fi

# The longest input each target is given (structured targets read a few
# values per byte; the text readers get whole files).
max_len() {
	case $1 in
	notify | daxowner | ext4meta_layout) echo 64 ;;
	request) echo 128 ;;
	dmtable_text | control | badblocks | dmtable_stack | stack_any) echo 512 ;;
	stack_translate | stack_routes) echo 1408 ;;
	rmap | tool_stack | tool_events | tool_report) echo 2048 ;;
	*) echo 4096 ;;
	esac
}

mkdir -p "$fuzz/logs"
tools/setup/fuzz.sh || exit 1
# cargo-fuzz has no --locked: check that Cargo.lock needs no change first.
cargo metadata --locked --format-version 1 --manifest-path tools/fuzz/Cargo.toml \
	>/dev/null || exit 1
echo "# building ${#targets[@]} targets (sanitizer $san)"
if ! RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer "$san" --fuzz-dir tools/fuzz \
	--target-dir "$fuzz/$san" >"$fuzz.build.log" 2>&1; then
	tail -n 30 "$fuzz.build.log"
	echo "not ok - fuzz build, log: ${fuzz#"$top"/}.build.log"
	exit 1
fi

# merge TARGET: what the runs found that covers more than the committed
# corpus is added to it (libFuzzer -merge=1; the committed inputs stay).
merge() {
	local t=$1 seeds=tools/fuzz/corpus/$1
	mkdir -p "$seeds" "$fuzz/corpus/$t"
	"$bin/$t" -merge=1 -max_len="$(max_len "$t")" "$seeds" "$fuzz/corpus/$t" \
		>"$fuzz/logs/$t.merge.log" 2>&1 || return 1
	echo "$t: $(ls "$seeds" | wc -l) inputs, $(du -sk "$seeds" | cut -f1) KiB"
}

# run TARGET: one libFuzzer run; prints the target's result line.
run() {
	local t=$1 work=$fuzz/corpus/$1 log=$fuzz/logs/$1.log art=$fuzz/artifacts/$1
	if [ "$mode" = short ]; then
		work=$fuzz/short/$t
		rm -rf "$work"
	fi
	mkdir -p "$work" "$art" "tools/fuzz/corpus/$t"
	local s e rc ms
	s=$(date +%s%N)
	"$bin/$t" -runs="$runs" -max_len="$(max_len "$t")" -timeout="$timeout" \
		-rss_limit_mb=2048 -artifact_prefix="$art/" -print_final_stats=1 \
		"$work" "tools/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	e=$(date +%s%N)
	ms=$(((e - s) / 1000000))
	local execs crashes
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	execs=${execs:-0}
	crashes=$(find "$art" -type f -newer "$fuzz.build.log" | wc -l)
	printf '%-6s %-17s %9s execs %8s s %7s exec/s %s crashes\n' \
		"$([ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ] && echo ok || echo 'not ok')" \
		"$t" "$execs" "$((ms / 1000)).$((ms / 100 % 10))" \
		"$((execs * 1000 / (ms > 0 ? ms : 1)))" "$crashes"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		grep -m 3 -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | sed 's/^/#   /'
		echo "#   log: ${log#"$top"/}"
		return 1
	fi
}

if [ "$mode" = merge ]; then
	for t in "${targets[@]}"; do
		merge "$t" || { echo "merge $t failed: $fuzz/logs/$t.merge.log"; exit 1; }
	done
	echo "tools/fuzz/corpus: $(du -sk tools/fuzz/corpus | cut -f1) KiB"
	exit 0
fi

echo "# $runs executions per target, $jobs at a time"
failed=0
t0=$(date +%s)
results=$fuzz/results.$$
rm -f "$results"
running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
	{ run "$t" >"$results.$t" 2>&1; rc=$?; cat "$results.$t"; rm -f "$results.$t"; exit $rc; } &
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=1
	running=$((running - 1))
done
echo "# total $(( $(date +%s) - t0 )) s"
if [ "$failed" -ne 0 ]; then
	echo "fuzz: a target crashed or did not finish"
	exit 1
fi
echo "fuzz: ${#targets[@]} targets, $runs executions each, no crash"
