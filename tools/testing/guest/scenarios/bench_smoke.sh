# SPDX-License-Identifier: GPL-2.0
# The guest benchmarks (tools/bench/guest/dax.sh, `make bench`) at their
# smallest, so that `make check` keeps their set-up working: XFS on pmem0
# and on dm-linear over pmem1 and pmem2 with daxhold (policy stacked), 8
# poisoned pages per side (each must raise its SIGBUS), one round of
# throughput with daxhold loaded and not.  The timings it prints mean
# nothing at this size.
#
# daxhold-test: nvdimms=3
# daxhold-test: modules=daxhold
# daxhold-test: timeout=180
# daxhold-test: loglevel=3
BENCH_PAGES=8 BENCH_BATCHES=2 BENCH_ROUNDS=1 BENCH_REPS=1 BENCH_MIB=8
. /daxtest/bench/dax.sh
