# SPDX-License-Identifier: GPL-2.0
# Guest benchmarks of daxhold, in one boot (Documentation/testing.rst,
# "Benchmarks"):
#
#  a. poison latency: madvise(MADV_HWPOISON) to the SIGBUS handler, one
#     page at a time (bench_poison), on XFS -m reflink=1,rmapbt=1 -o dax
#     (i) directly on pmem0 (XFS is the pmem's holder: upstream's own path)
#     and (ii) on dm-linear over pmem1, held by daxhold (policy stacked),
#     which forwards to XFS.  Batches of both sides, in pairs whose order
#     alternates, each a fresh file whose first page is a warm-up (not
#     counted); both sides run the same program on the same kind of file.
#     Median, lower quartile, p90, min and max per side; the ratios
#     (ii)/(i) of the medians, of the lower quartiles and of the minima,
#     and the median of the per-pair ratios (each pair's two batches ran
#     back to back, so load that comes and goes hits both alike).
#  b. DAX throughput on XFS -o dax on dm-linear over pmem2 with daxhold
#     loaded (holding pmem2) and not loaded, alternating which comes first
#     in each round: sequential pwrite/pread in 1 MiB blocks over a file,
#     and 4 KiB read faults of a fresh MAP_SHARED mapping (bench_io), the
#     best of a few runs per round and state.  Medians, spread, and the
#     ratio loaded/not loaded, of the medians and per round.
#
# Result lines are "# bench: ..." (make bench collects them); TAP tests
# cover the set-up and that every poisoned page raised its SIGBUS, never
# the timings.  Sizes: daxbench.pages=N (timed poisoned pages per side,
# default 400), daxbench.batches=N (batches per side, default 16),
# daxbench.rounds=N (default 10), daxbench.reps=N (runs per round and
# state, default 3), daxbench.mib=N (file size, default 128), and
# daxbench.io=0 to skip b. (run.sh does, for its -icount pass), on the
# kernel command line (run.py --append), or BENCH_PAGES, BENCH_BATCHES,
# BENCH_ROUNDS, BENCH_REPS, BENCH_MIB, BENCH_IO in the environment
# (scenarios/bench_smoke.sh).
#
# daxhold-test: nvdimms=3
# daxhold-test: modules=daxhold
# daxhold-test: timeout=1500
# daxhold-test: loglevel=3
. /daxtest/lib.sh
. /daxtest/bench/lib/stats.sh
require_module daxhold

for _a in $(cat /proc/cmdline); do
	case $_a in
	daxbench.pages=*) BENCH_PAGES=${_a#*=} ;;
	daxbench.batches=*) BENCH_BATCHES=${_a#*=} ;;
	daxbench.rounds=*) BENCH_ROUNDS=${_a#*=} ;;
	daxbench.reps=*) BENCH_REPS=${_a#*=} ;;
	daxbench.mib=*) BENCH_MIB=${_a#*=} ;;
	daxbench.io=*) BENCH_IO=${_a#*=} ;;
	esac
done
pages=${BENCH_PAGES:-400}
batches=${BENCH_BATCHES:-16}
io=${BENCH_IO:-1}
[ "$io" = 0 ] && BENCH_ROUNDS=0
rounds=${BENCH_ROUNDS:-10}
reps=${BENCH_REPS:-3}
mib=${BENCH_MIB:-128}
per=$(( (pages + batches - 1) / batches ))
pages=$((per * batches))

# 4 for each latency batch, 8 for set-up, 4 after the latencies, 1 per
# throughput round, 3 at the end (1 without b.).
if [ "$io" = 0 ]; then
	plan $((batches * 2 * 2 + 8 + 4 + 1))
else
	plan $((batches * 2 * 2 + 8 + 4 + rounds + 3))
fi

check "ndctl create-namespace -m fsdax (3)" make_fsdax_all
mkxfs() { mkfs.xfs -q -f -m reflink=1,rmapbt=1 "$1"; }
mount_dax() { mkdir -p "$2" && mount -t xfs -o dax "$1" "$2" && mount_has_dax "$2"; }
check "XFS -m reflink=1,rmapbt=1 -o dax directly on pmem0" \
	eval 'mkxfs /dev/pmem0 && mount_dax /dev/pmem0 /mnt/direct'
check "dm-linear 'lat' over pmem1, 'io' over pmem2" \
	eval 'dm_concat lat pmem1 && dm_concat io pmem2'
check "insmod daxhold (policy stacked)" daxhold_load
two_held() { [ "$(daxhold_nholders)" = 2 ]; }
check "daxhold holds pmem1 and pmem2" until_ok two_held
is "$(daxhold_holders | awk '$1 == "pmem0"')" "" \
	"daxhold leaves pmem0 to XFS"
check "XFS -m reflink=1,rmapbt=1 -o dax on /dev/mapper/lat" \
	eval 'mkxfs /dev/mapper/lat && mount_dax /dev/mapper/lat /mnt/lat'
check "XFS -m reflink=1,rmapbt=1 -o dax on /dev/mapper/io" \
	eval 'mkxfs /dev/mapper/io && mount_dax /dev/mapper/io /mnt/io'
lat_dm=$(dm_name_dev lat)
diag "pmem0: XFS; $lat_dm (lat) = pmem1; $(dm_name_dev io) (io) = pmem2"

# ------------------------------------------------ a. poison latency --

: > /tmp/lat.direct
: > /tmp/lat.stacked
: > /tmp/lat.pairs
: > /tmp/lat.warmup.direct
: > /tmp/lat.warmup.stacked
fwd0=$(daxhold_field pmem1 forwarded)
# poison_batch SIDE MNT B: a fresh file of a warm-up page and $per timed
# pages, each poisoned once; the batch's times in /tmp/lat.SIDE.batch.
poison_batch() {
	_f=$2/poison.$3
	dd if=/dev/zero of="$_f" bs=4096 count=$((per + 1)) conv=fsync 2>/dev/null
	check "$1 batch $3: file of 1 + $per pages" test -s "$_f"
	bench_poison "$_f" > /tmp/poison.out 2> /tmp/poison.err
	_rc=$?
	is "$_rc" 0 "$1 batch $3: every poisoned page raised BUS_MCEERR_AR at its address"
	[ "$_rc" -eq 0 ] || { diag_file /tmp/poison.err; diag_file /tmp/poison.out 3; }
	sed -n 's/^lat_ns=\([0-9]*\) .*/\1/p' /tmp/poison.out > "/tmp/lat.$1.batch"
	cat "/tmp/lat.$1.batch" >> "/tmp/lat.$1"
	sed -n 's/^warmup_ns=\([0-9]*\)$/\1/p' /tmp/poison.out >> "/tmp/lat.warmup.$1"
}
b=0
while [ $b -lt $batches ]; do
	if [ $((b % 2)) -eq 0 ]; then
		poison_batch direct /mnt/direct $b
		poison_batch stacked /mnt/lat $b
	else
		poison_batch stacked /mnt/lat $b
		poison_batch direct /mnt/direct $b
	fi
	# This pair's own ratio of the medians: its two batches ran back to back.
	set -- $(stats /tmp/lat.stacked.batch)
	_s=$2
	set -- $(stats /tmp/lat.direct.batch)
	ratio "$_s" "$2" >> /tmp/lat.pairs
	b=$((b + 1))
done
is "$(grep -c . /tmp/lat.direct)" $pages "direct: $pages latencies"
is "$(grep -c . /tmp/lat.stacked)" $pages "stacked: $pages latencies"
is "$(daxhold_field pmem1 forwarded)" $((fwd0 + pages + batches)) \
	"daxhold forwarded each stacked failure to XFS on $lat_dm"
is "$(daxhold_holders | awk '$1 == "pmem0"')" "" "daxhold never held pmem0"

set -- $(stats /tmp/lat.direct)
d_med=$2 d_p90=$3 d_min=$4 d_max=$5 d_p25=$6
set -- $(stats /tmp/lat.stacked)
s_med=$2 s_p90=$3 s_min=$4 s_max=$5 s_p25=$6
set -- $(stats /tmp/lat.pairs)
p_med=$2 p_min=$4 p_max=$5
# side MED P25 P90 MIN MAX: one side's figures in microseconds.
side() {
	echo "median $(fmt $1 1000 1) us  p25 $(fmt $2 1000 1) us  p90 $(fmt $3 1000 1) us  min $(fmt $4 1000 1) us  max $(fmt $5 1000 1) us"
}
report "a. madvise(MADV_HWPOISON) -> SIGBUS handler, $pages pages each, $batches pairs of batches of $per (order alternating), a warm-up page per batch not counted"
report "   (i)  XFS on pmem0 (XFS holds pmem0):              $(side $d_med $d_p25 $d_p90 $d_min $d_max)"
report "   (ii) XFS on dm-linear/pmem1 (daxhold, then XFS):  $(side $s_med $s_p25 $s_p90 $s_min $s_max)"
report "   ratio (ii)/(i): median $(ratio $s_med $d_med)x  p25 $(ratio $s_p25 $d_p25)x  min $(ratio $s_min $d_min)x  p90 $(ratio $s_p90 $d_p90)x; per pair of batches median $(fmt $p_med 1 3)x (min $(fmt $p_min 1 3)x, max $(fmt $p_max 1 3)x)  (issue 13 target: at most 1.03x)"
diag "warm-up pages (ns), direct: $(tr '\n' ' ' < /tmp/lat.warmup.direct)"
diag "warm-up pages (ns), stacked: $(tr '\n' ' ' < /tmp/lat.warmup.stacked)"
diag "per-pair ratios: $(tr '\n' ' ' < /tmp/lat.pairs)"
diag "medians (ns): direct $d_med stacked $s_med, difference $(awk -v a="$s_med" -v b="$d_med" 'BEGIN { print a - b }')"

if [ "$io" = 0 ]; then
	check "umount, dmsetup remove, rmmod daxhold" \
		eval 'umount /mnt/direct && umount /mnt/lat && umount /mnt/io && dmsetup remove lat && dmsetup remove io && daxhold_unload'
	done_testing
fi

# ------------------------------------------------ b. DAX throughput --

big=/mnt/io/big
bench_io write $big "$mib" > /dev/null
# state loaded|unloaded: load or unload daxhold; loaded means it holds
# pmem1 and pmem2 again (the policy attaches them from a work item).
state() {
	if [ "$1" = loaded ]; then
		daxhold_loaded || daxhold_load || return 1
		until_ok two_held
	else
		! daxhold_loaded || daxhold_unload
	fi
}
# best OP KEY: run "bench_io OP" $reps times, print the best KEY value
# (the least disturbed run: other load only ever slows a run down).
best() {
	_best=0
	_i=0
	while [ $_i -lt $reps ]; do
		if [ "$1" = write ]; then
			bench_io write $big "$mib" > /tmp/io.out 2>&1
		else
			bench_io "$1" $big > /tmp/io.out 2>&1
		fi || { cat /tmp/io.out >&2; return 1; }
		_v=$(field "$2" "$(cat /tmp/io.out)")
		_best=$(awk -v a="$_best" -v b="$_v" 'BEGIN { print (b > a) ? b : a }')
		_i=$((_i + 1))
	done
	echo "$_best"
}
# measure STATE: the best of $reps write, read and fault runs, one line
# each appended to /tmp/io.STATE.{write,read,fault}.
measure() {
	state "$1" || { echo "cannot get daxhold $1"; return 1; }
	_w=$(best write mib_s) && _r=$(best read mib_s) && _f=$(best fault faults_s) || return 1
	echo "$_w" >> "/tmp/io.$1.write"
	echo "$_r" >> "/tmp/io.$1.read"
	echo "$_f" >> "/tmp/io.$1.fault"
}
for m in write read fault; do
	: > /tmp/io.loaded.$m
	: > /tmp/io.unloaded.$m
	: > /tmp/io.ratio.$m
done
r=1
while [ $r -le $rounds ]; do
	if [ $((r % 2)) -eq 1 ]; then order="loaded unloaded"; else order="unloaded loaded"; fi
	check "round $r ($order): write, read, fault" \
		eval "measure ${order% *} && measure ${order#* }"
	# The round's own ratio: both states measured next to each other.
	for m in write read fault; do
		ratio "$(tail -n 1 /tmp/io.loaded.$m)" "$(tail -n 1 /tmp/io.unloaded.$m)" \
			>> /tmp/io.ratio.$m
	done
	r=$((r + 1))
done
report "b. XFS -o dax on dm-linear/pmem2, $mib MiB file, $rounds rounds (order alternating), best of $reps runs per round and state, daxhold loaded (holding pmem2) vs not loaded"
for m in write read fault; do
	case $m in
	write) what="sequential pwrite 1 MiB + fdatasync" unit="MiB/s" ;;
	read) what="sequential pread 1 MiB" unit="MiB/s" ;;
	fault) what="4 KiB read faults, fresh MAP_SHARED mapping" unit="faults/s" ;;
	esac
	set -- $(stats /tmp/io.loaded.$m)
	l_med=$2 l_min=$4 l_max=$5
	set -- $(stats /tmp/io.unloaded.$m)
	u_med=$2 u_min=$4 u_max=$5
	set -- $(stats /tmp/io.ratio.$m)
	p_med=$2 p_min=$4 p_max=$5
	report "   $what:"
	report "      loaded     median $(fmt $l_med 1 0) $unit  (min $(fmt $l_min 1 0), max $(fmt $l_max 1 0); spread $(spread $l_min $l_max $l_med)%)"
	report "      not loaded median $(fmt $u_med 1 0) $unit  (min $(fmt $u_min 1 0), max $(fmt $u_max 1 0); spread $(spread $u_min $u_max $u_med)%)"
	report "      ratio loaded/not loaded: of the medians $(ratio $l_med $u_med)x; per round median $(fmt $p_med 1 3)x (min $(fmt $p_min 1 3)x, max $(fmt $p_max 1 3)x)  (issue 3 target: at least 0.99x)"
	diag "raw $m loaded: $(tr '\n' ' ' < /tmp/io.loaded.$m)"
	diag "raw $m not loaded: $(tr '\n' ' ' < /tmp/io.unloaded.$m)"
done

check "daxhold loaded again" state loaded
check "umount, dmsetup remove" \
	eval 'umount /mnt/direct && umount /mnt/lat && umount /mnt/io && dmsetup remove lat && dmsetup remove io'
check "rmmod daxhold" daxhold_unload
done_testing
