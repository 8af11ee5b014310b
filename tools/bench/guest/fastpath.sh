# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# The fast path with daxhold loaded against not loaded, in one boot
# (issue 13; Documentation/testing.rst, "Benchmarks"): what daxhold costs
# the accesses that are not failures.
#
# Three stacks, each a filesystem -o dax on dm-linear over a pmem of its
# own, all three pmems held by daxhold (policy stacked) while it is loaded:
#   (i)   XFS -m reflink=1,rmapbt=1 on pmem0: failures go to XFS (daxhold
#         forwards them)
#   (ii)  ext4 on pmem1, after a failure: daxhold's reverse map has served
#         it (a page of a small file of its own poisoned with madvise by a
#         process that takes the SIGBUS), once per load of daxhold
#   (iii) XFS -m reflink=1,rmapbt=0 on pmem2, after a failure likewise
#         (XFS declines, the reverse map answers)
# Each made with a 2 MiB stripe (ext4 -E stride=512,stripe_width=512, XFS
# -d su=2m,sw=1 and a 2 MiB extent size hint on the file), so that a file
# gets 2 MiB-aligned extents and DAX maps it with PMDs.  On each stack,
# over one file of daxbench.fp_mib MiB (bench_io):
#   4 KiB read faults   a fresh MAP_SHARED mapping, MADV_NOHUGEPAGE, one
#                       byte read per 4 KiB page (faults/s)
#   2 MiB read faults   fresh MAP_SHARED mappings at a 2 MiB-aligned
#                       address, one byte read per 2 MiB (faults/s);
#                       bench_io checks that each is one fault
#   pread, pwrite       sequential, 1 MiB blocks (pwrite + fdatasync)
# and inode eviction: bench_io evict creates daxbench.fp_files small files
# and times unlinking them (each unlink evicts its inode), on tmpfs and on
# the ext4 of (ii) (files/s).
#
# Rounds alternate which state goes first; per round and state, the best
# of daxbench.fp_reps runs of each workload.  The failures of (ii) and
# (iii) come first in each load, so (i) and tmpfs run with whatever they
# turned on in daxhold too (the kprobes registered are in the log).  Medians loaded and not
# loaded, their ratio, and the median, min and max of the rounds' own
# ratios.  daxhold is loaded and unloaded with the filesystems mounted on
# their dm devices; loaded means it holds the three pmems again.
#
# Result lines are "# bench: ..." (make bench collects them); TAP tests
# cover the set-up, the state changes and the poisonings (each must raise
# its SIGBUS), never the timings.  Kernel command line (run.py --append),
# all optional:
#   daxbench.fp_rounds=N   rounds (default 8)
#   daxbench.fp_reps=N     runs per round, state and workload (default 3)
#   daxbench.fp_mib=N      the file on each stack, MiB, even (default 64)
#   daxbench.fp_loops=N    fresh mappings per 2 MiB fault run (default 64)
#   daxbench.fp_files=N    files per eviction run (default 5000)
# or BENCH_FP_ROUNDS, BENCH_FP_REPS, BENCH_FP_MIB, BENCH_FP_LOOPS,
# BENCH_FP_FILES in the environment.
#
# daxhold-test: nvdimms=3
# daxhold-test: modules=daxhold
# daxhold-test: timeout=2400
# daxhold-test: loglevel=3
# The guest's copies of tools/testing/guest/lib.sh and lib/stats.sh.
# shellcheck source=/dev/null
. /daxtest/lib.sh
# shellcheck source=/dev/null
. /daxtest/bench/lib/stats.sh
require_module daxhold

read -r _cmdline < /proc/cmdline
for _a in $_cmdline; do
	case $_a in
	daxbench.fp_rounds=*) BENCH_FP_ROUNDS=${_a#*=} ;;
	daxbench.fp_reps=*) BENCH_FP_REPS=${_a#*=} ;;
	daxbench.fp_mib=*) BENCH_FP_MIB=${_a#*=} ;;
	daxbench.fp_loops=*) BENCH_FP_LOOPS=${_a#*=} ;;
	daxbench.fp_files=*) BENCH_FP_FILES=${_a#*=} ;;
	esac
done
rounds=${BENCH_FP_ROUNDS:-8}
reps=${BENCH_FP_REPS:-3}
mib=$(( (${BENCH_FP_MIB:-64} + 1) / 2 * 2 ))
loops=${BENCH_FP_LOOPS:-64}
nfiles=${BENCH_FP_FILES:-5000}

# The stacks by key: the dm-linear device /dev/mapper/KEY over a pmem of
# its own, the filesystem on it at /mnt/KEY.  The served ones get a
# failure per load of daxhold.  Eviction runs on tmpfs (t) and on e.
STACKS="x e r"
SERVED="e r"
WORKLOADS="fault huge read write"
EVICTS="t e"

stack_pmem() { case $1 in x) echo pmem0 ;; e) echo pmem1 ;; r) echo pmem2 ;; esac; }
stack_fs() { case $1 in e) echo ext4 ;; *) echo xfs ;; esac; }
stack_label() {
	case $1 in
	x) echo "(i)   XFS reflink=1,rmapbt=1 on dm-linear/pmem0 (daxhold forwards to XFS)" ;;
	e) echo "(ii)  ext4 on dm-linear/pmem1, after a failure (daxhold's reverse map)" ;;
	r) echo "(iii) XFS reflink=1,rmapbt=0 on dm-linear/pmem2, after a failure (reverse map)" ;;
	t) echo "tmpfs" ;;
	esac
}

# 7 set-up tests, 1 for the failures and 1 per served stack, 1 per
# round, 3 at the end.
plan $((8 + $(echo "$SERVED" | wc -w) + rounds + 3))

# ------------------------------------------------------------ set-up --

# mkfs_stack KEY: the filesystem of stack KEY on /dev/mapper/KEY, mounted
# -o dax at /mnt/KEY.
mkfs_stack() {
	case $1 in
	x) mkfs.xfs -q -f -m reflink=1,rmapbt=1 -d su=2m,sw=1 /dev/mapper/x ;;
	r) mkfs.xfs -q -f -m reflink=1,rmapbt=0 -d su=2m,sw=1 /dev/mapper/r ;;
	e) mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/mapper/e ;;
	esac || return 1
	mkdir -p "/mnt/$1" &&
		mount -t "$(stack_fs "$1")" -o dax "/dev/mapper/$1" "/mnt/$1" &&
		mount_has_dax "/mnt/$1"
}

# big_file KEY: /mnt/KEY/big, $mib MiB written, in 2 MiB-aligned extents
# (XFS: a 2 MiB extent size hint first; ext4: allocated in one piece, as
# the stripe aligns it, then written).  One PMD fault per 2 MiB, or fail.
big_file() {
	_f=/mnt/$1/big
	if [ "$(stack_fs "$1")" = xfs ]; then
		xfs_io -f -c "extsize 2m" "$_f" || return 1
	else
		fallocate -l $((mib << 20)) "$_f" || return 1
	fi
	bench_io write "$_f" "$mib" > /dev/null && sync &&
		bench_io fault2m "$_f"
}

dm_stack() { dm_concat "$1" "$(stack_pmem "$1")"; }

# each_stack CMD: CMD KEY for every stack, up to the first that fails.
each_stack() {
	for _s in $STACKS; do
		"$1" "$_s" || return 1
	done
}

all_held() { [ "$(daxhold_nholders)" = 3 ]; }

setup() {
	check "ndctl create-namespace -m fsdax (3)" make_fsdax_all
	check "dm-linear x, e, r over pmem0, pmem1, pmem2" each_stack dm_stack
	check "insmod daxhold (policy stacked)" daxhold_load
	check "daxhold holds pmem0, pmem1 and pmem2" until_ok all_held
	check "mkfs + mount -o dax: XFS on x and r, ext4 on e (2 MiB stripe)" \
		each_stack mkfs_stack
	check "a $mib MiB file on each, one PMD fault per 2 MiB" \
		each_stack big_file
	check "tmpfs at /mnt/t" eval 'mkdir -p /mnt/t && mount -t tmpfs tmpfs /mnt/t'
	diag "x = $(dm_name_dev x), e = $(dm_name_dev e), r = $(dm_name_dev r);" \
		"$rounds rounds, $reps reps, $mib MiB, $loops loops, $nfiles files"
}

# --------------------------------------------------- daxhold's states --

loads=1
served_at=0
# fail_once KEY: poison page 1 of a fresh 4-page file on stack KEY with
# madvise(MADV_HWPOISON) from a process that maps it and must take the
# SIGBUS (dax_poison); the file is kept (its block stays poisoned).
fail_once() {
	_p=/mnt/$1/poison.$loads
	dd if=/dev/urandom of="$_p" bs=4096 count=4 conv=fsync 2>/dev/null ||
		return 1
	if ! dax_poison "$_p" 1 > "/tmp/poison.$1.out" 2>&1; then
		cat "/tmp/poison.$1.out"
		return 1
	fi
}

# serve: the served stacks' failures, once per load of daxhold.
serve() {
	[ "$served_at" -ne "$loads" ] || return 0
	for _k in $SERVED; do
		fail_once "$_k" || return 1
	done
	served_at=$loads
}

# probes: the kprobes registered now (the kernel's list, for the log).
probes() {
	awk '{ print $3 }' /sys/kernel/debug/kprobes/list 2>/dev/null |
		sort -u | tr '\n' ' '
}

# state loaded|unloaded: load daxhold (it holds the three pmems again and
# has served the served stacks since this load) or unload it.
state() {
	if [ "$1" = loaded ]; then
		if ! daxhold_loaded; then
			daxhold_load || return 1
			loads=$((loads + 1))
		fi
		until_ok all_held && serve || return 1
		probes > /tmp/probes.loaded
	else
		! daxhold_loaded || daxhold_unload
	fi
}

# ------------------------------------------------------- measurements --

# run KEY OP: one bench_io run of workload OP on stack KEY; its result
# line on stdout.
run() {
	case $2 in
	fault) bench_io fault "/mnt/$1/big" ;;
	huge) bench_io fault2m "/mnt/$1/big" "$loops" ;;
	read) bench_io read "/mnt/$1/big" ;;
	write) bench_io write "/mnt/$1/big" "$mib" ;;
	evict) mkdir -p "/mnt/$1/ev" && bench_io evict "/mnt/$1/ev" "$nfiles" ;;
	esac
}

# unit OP: the result field of OP's line, and its unit.
unit() {
	case $1 in
	fault | huge) echo "faults_s faults/s" ;;
	read | write) echo "mib_s MiB/s" ;;
	evict) echo "per_s files/s" ;;
	esac
}

# best KEY OP: the best of $reps runs (the least disturbed: other load
# only ever slows a run down).
best() {
	_best=0
	_i=0
	_f=$(unit "$2")
	_f=${_f% *}
	while [ $_i -lt "$reps" ]; do
		run "$1" "$2" > /tmp/io.out 2>&1 || { cat /tmp/io.out >&2; return 1; }
		_v=$(field "$_f" "$(cat /tmp/io.out)")
		_best=$(awk -v a="$_best" -v b="$_v" 'BEGIN { print (b > a) ? b : a }')
		_i=$((_i + 1))
	done
	echo "$_best"
}

# cases: every "KEY.OP" measured.
cases() {
	for _k in $STACKS; do
		for _o in $WORKLOADS; do echo "$_k.$_o"; done
	done
	for _k in $EVICTS; do echo "$_k.evict"; done
}

# measure STATE: daxhold in STATE, then the best of each case, appended
# to /tmp/fp.STATE.CASE.
measure() {
	state "$1" || { echo "cannot get daxhold $1"; return 1; }
	for _c in $(cases); do
		_v=$(best "${_c%.*}" "${_c#*.}") || return 1
		echo "$_v" >> "/tmp/fp.$1.$_c"
	done
}

# round R: both states, the first alternating; each case's own ratio.
round() {
	if [ $(($1 % 2)) -eq 1 ]; then _o="loaded unloaded"; else _o="unloaded loaded"; fi
	check "round $1 ($_o): $(cases | wc -l) cases" \
		eval "measure ${_o% *} && measure ${_o#* }"
	for _c in $(cases); do
		ratio "$(tail -n 1 "/tmp/fp.loaded.$_c")" "$(tail -n 1 "/tmp/fp.unloaded.$_c")" \
			>> "/tmp/fp.ratio.$_c"
	done
	diag "round $1: kprobes while loaded: $(cat /tmp/probes.loaded)"
}

# ------------------------------------------------------------ results --

op_label() {
	case $1 in
	fault) echo "4 KiB read faults, fresh MAP_SHARED mapping (MADV_NOHUGEPAGE)" ;;
	huge) echo "2 MiB read faults, fresh MAP_SHARED mappings (PMD), $loops per run" ;;
	read) echo "sequential pread 1 MiB" ;;
	write) echo "sequential pwrite 1 MiB + fdatasync" ;;
	evict) echo "inode eviction: unlink of $nfiles files of 4 KiB" ;;
	esac
}

# report_case CASE: the figures of one case.
# shellcheck disable=SC2046 # set -- splits stats' fields on purpose
report_case() {
	_u=$(unit "${1#*.}")
	_u=${_u#* }
	set -- "$1" $(stats "/tmp/fp.loaded.$1")
	_lm=$3 _ln=$5 _lx=$6
	set -- "$1" $(stats "/tmp/fp.unloaded.$1")
	_um=$3 _un=$5 _ux=$6
	set -- "$1" $(stats "/tmp/fp.ratio.$1")
	report "      $(op_label "${1#*.}"):"
	report "         loaded     median $(fmt "$_lm" 1 0) $_u  (min $(fmt "$_ln" 1 0), max $(fmt "$_lx" 1 0); spread $(spread "$_ln" "$_lx" "$_lm")%)"
	report "         not loaded median $(fmt "$_um" 1 0) $_u  (min $(fmt "$_un" 1 0), max $(fmt "$_ux" 1 0); spread $(spread "$_un" "$_ux" "$_um")%)"
	report "         ratio loaded/not loaded: of the medians $(ratio "$_lm" "$_um")x; per round median $(fmt "$3" 1 3)x (min $(fmt "$5" 1 3)x, max $(fmt "$6" 1 3)x)  (issue 13 target: at least 0.99x)"
	diag "raw $1 loaded: $(tr '\n' ' ' < "/tmp/fp.loaded.$1")"
	diag "raw $1 not loaded: $(tr '\n' ' ' < "/tmp/fp.unloaded.$1")"
}

results() {
	report "fast path, daxhold loaded (holding the three pmems) vs not loaded: $rounds rounds (order alternating), best of $reps runs per round and state; a $mib MiB file per stack; each load of daxhold first serves (ii) and (iii) a failure"
	for _k in $STACKS; do
		report "   $(stack_label "$_k"):"
		for _o in $WORKLOADS; do report_case "$_k.$_o"; done
	done
	report "   inode eviction (bench_io evict: create, syncfs, timed unlinks):"
	for _k in $EVICTS; do
		report "   $(stack_label "$_k"):"
		report_case "$_k.evict"
	done
}

# -------------------------------------------------------------- main --

setup
check "daxhold's reverse map served ext4 on e and XFS rmapbt=0 on r" serve
diag "poisonings: $(grep -h '^sigbus ' /tmp/poison.*.out | tr '\n' ' ')"
diag "daxhold's calls: pmem1 $(daxhold_field pmem1 calls), pmem2 $(daxhold_field pmem2 calls)"
for _s in $SERVED; do
	like "$(grep '^sigbus ' "/tmp/poison.$_s.out")" "si_code=4 " \
		"$_s: the poisoning process got SIGBUS BUS_MCEERR_AR"
done
diag "kprobes after the failures: $(probes)"
for _c in $(cases); do
	: > "/tmp/fp.loaded.$_c"
	: > "/tmp/fp.unloaded.$_c"
	: > "/tmp/fp.ratio.$_c"
done
r=1
while [ $r -le "$rounds" ]; do
	round $r
	r=$((r + 1))
done
results
check "daxhold loaded again" state loaded
check "umount, dmsetup remove" \
	eval 'umount /mnt/x /mnt/e /mnt/r /mnt/t && dmsetup remove x && dmsetup remove e && dmsetup remove r'
check "rmmod daxhold" daxhold_unload
done_testing
