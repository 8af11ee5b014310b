#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: every benchmark daxhold has, from a fresh machine.
#
#   tools/bench/run.sh [FLAVOUR]
#
# Sets up what it needs as `make check` does (packages, test kernel,
# daxhold.ko), then runs the host benchmarks (cargo bench: `stack`, and
# `rmap` if the crate has it) and the guest benchmarks
# (tools/bench/guest/*.sh, one QEMU boot each, through
# tools/testing/guest/run.py --bench).  Outputs go to build/bench/:
#
#   host-stack.txt, host-rmap.txt    what each cargo bench printed
#   guest-NAME.txt                   the result lines of guest benchmark NAME
#   guest/                           its logs (NAME.log, NAME.out, ...)
#   guest-dax-icount.txt             the poison latency again, in a guest
#                                    whose clock counts instructions
#   guest-fastpath-icount.txt        the fast path (fastpath.sh) likewise
#   guest-rmap-icount.txt            the reverse map's failure path
#                                    (rmap.sh) likewise
#   guest-icount/                    their logs
#   summary.txt                      all of the above, as printed at the end
#   *.log                            set-up, build and compiler output
#
# The poison latency (dax.sh a.), the fast path (fastpath.sh) and the
# reverse map's failure path (rmap.sh) run twice: in the guest boots of all the guest benchmarks (time as the host
# gives it to QEMU's vCPU threads: other load on the host shows in it),
# and in boots of their own with QEMU's -icount shift=0, where the guest's
# clock advances one nanosecond per guest instruction executed: a figure
# that host load cannot move, of the instructions each path executes
# (Documentation/testing.rst, "Benchmarks", says what each one measures).
#
# DAXBENCH_APPEND adds kernel command-line words to the guest boots, e.g.
# DAXBENCH_APPEND="daxbench.rounds=20 daxbench.pages=400" (see
# tools/bench/guest/dax.sh; the daxbench.rmap_* words of
# tools/bench/guest/rmap.sh, the daxbench.fp_* words of
# tools/bench/guest/fastpath.sh).  Benchmarks report, they do not judge
# timings; the exit status is non-zero if a step failed: the set-up, a
# guest benchmark (its set-up, a missing SIGBUS, a check of daxhold's
# counters, or a kernel warning), or a host benchmark
# (those exit non-zero when they miss a target of their issue).
set -uo pipefail
flavour=${1:-default}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tools/setup/lib.sh
out=$top/build/bench
mkdir -p "$out"
failed=0
t0=$(date +%s)

# step NAME OUT CMD...: run CMD, stdout to OUT, stderr to build/bench/NAME.log.
step() {
	local name=$1 o=$2 s rc
	shift 2
	s=$(date +%s)
	"$@" >"$o" 2>"$out/$name.log"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok - $name ($(( $(date +%s) - s )) s)"
	else
		failed=$((failed + 1))
		echo "not ok - $name ($(( $(date +%s) - s )) s), exit status $rc," \
			"log: build/bench/$name.log"
		tail -n 15 "$out/$name.log" | sed 's/^/#   /'
	fi
	return $rc
}

finish() {
	echo "# total $(( $(date +%s) - t0 )) s"
	[ "$failed" -eq 0 ]
	exit $?
}

step setup-deps "$out/setup-deps.log" tools/setup/deps.sh || finish
step setup-kernel "$out/setup-kernel.log" tools/setup/kernel.sh "$flavour" || finish
kdir=$(tools/setup/kernel.sh "$flavour")
step module-build "$out/module-build.log" make -s FLAVOUR="$flavour" module || finish

rm -f "$out"/host-*.txt "$out"/guest-*.txt
for b in stack rmap; do
	[ -f "rust/pure/benches/$b.rs" ] || continue
	step "host-$b" "$out/host-$b.txt" \
		bash -c "cd rust/pure && exec cargo bench --bench $b"
done

rm -rf "$out/guest"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
step guest "$out/guest-run.txt" python3 tools/testing/guest/run.py \
	--kdir "$kdir" --module daxhold.ko --bench --results "$out/guest" \
	--append "${DAXBENCH_APPEND:-}"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$out/guest-run.txt" >>"$out/guest.log"
for f in "$out"/guest/*.out; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .out)
	sed -n 's/^# bench: //p' "$f" >"$out/guest-$n.txt"
done

rm -rf "$out/guest-icount"
DAXTEST_QEMU_ARGS="-icount shift=0" step guest-icount "$out/guest-icount-run.txt" \
	python3 tools/testing/guest/run.py --kdir "$kdir" --module daxhold.ko \
	--bench --scenario dax --scenario fastpath --scenario rmap \
	--results "$out/guest-icount" \
	--append "${DAXBENCH_APPEND:-} daxbench.io=0"
cat "$out/guest-icount-run.txt" >>"$out/guest-icount.log"
for f in "$out"/guest-icount/*.out; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .out)
	{
		echo "(QEMU -icount shift=0: 1 us = 1,000 guest instructions executed)"
		sed -n 's/^# bench: //p' "$f"
	} >"$out/guest-$n-icount.txt"
done

{
	# Other load on the host slows guest runs down unevenly: say how much.
	echo "== host =="
	echo "$(nproc) CPUs; load average (1, 5, 15 min) before the guest" \
		"benchmarks: $load0, after: $load1"
	echo
	for f in "$out"/host-stack.txt "$out"/host-rmap.txt "$out"/guest-*.txt; do
		[ -e "$f" ] || continue
		case $f in */guest-run.txt | */guest-icount-run.txt) continue ;; esac
		echo "== ${f#"$top"/} =="
		cat "$f"
		echo
	done
} >"$out/summary.txt"
echo
cat "$out/summary.txt"
finish
