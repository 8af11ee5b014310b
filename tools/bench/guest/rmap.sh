# SPDX-License-Identifier: GPL-2.0
# Guest scale benchmarks of daxhold's reverse-map path (issue 4 item 6;
# Documentation/testing.rst, "Benchmarks"), in one boot, one NVDIMM:
#
#  c. plain ext4 -o dax directly on pmem0: the time from
#     madvise(MADV_HWPOISON) to the SIGBUS handler for one page, daxhold
#     loaded and holding pmem0 (attached by hand: policy stacked leaves a
#     bare pmem alone), whose reverse map finds the owner and whose own
#     kill (collect, unmap, one SIGBUS per task) signals its mappers,
#     against daxhold not loaded (the kernel's own
#     per-page path, mf_generic_kill_procs()), with 1 to 1,000 processes
#     mapping the poisoned file (as in b.).  Ratio loaded / not loaded.
#  a. ext4 -o dax on dm-linear over pmem0, daxhold holding pmem0 by
#     policy (stacked): the same time with 10, 1,000 and 100,000 mapped DAX
#     files on the filesystem (each file one page, mapped and written once,
#     so that it has a DAX entry), the files created between the points and kept mapped by a
#     process each step (bench_rmap populate), then written back (sync).
#     Then the files of the larger steps are deleted and the first point
#     measured again (drift over the run).  Ratio to the first point; the
#     in-core inodes each failure walked (none: a page no reflink shares
#     names its one file itself, Documentation/design.rst).
#  b. at the first point of a.: 1, 10, 100 and 1,000 processes mapping
#     the poisoned file (the poisoning one and children that map and read
#     every page, early kill off).  Ratio to 1 process.
#
# Every run of bench_rmap poison poisons fresh pages of a fresh file: page
# 0 first, untimed (a warm-up), then one page per round.  a. is one run
# of N pages per point (the points cannot be interleaved: the files of a
# point stay for the next); b. and c. are B batches of runs of N / B pages, each batch
# visiting every count of processes (ascending, then descending) and in
# c. both sides (which one first alternates), so that load that comes and
# goes hits every point alike.  Median, p90, min and max per point.
#
# Result lines are "# bench: ..." (make bench collects them); TAP tests
# cover the set-up, that every poisoned page raised its SIGBUS (and no
# child got one) and that daxhold (when loaded) found the owner of each,
# never the timings.  Kernel command line (run.py --append), all optional:
#   daxbench.rmap_files=10,1000,100000   the points of a. (ascending)
#   daxbench.rmap_procs=1,10,100,1000    the points of b. and c.
#   daxbench.rmap_rounds=N    timed pages per point (default 32)
#   daxbench.rmap_batches=B   batches in b. and c. (default 4)
#   daxbench.rmap_unmap=1     populate map-touch-unmap, no process keeps
#                             the files mapped (default: kept mapped)
#   daxbench.rmap_again=0     skip the deletion and the last point of a.
# or the same as RMAP_FILES, RMAP_PROCS, RMAP_ROUNDS, RMAP_BATCHES,
# RMAP_UNMAP, RMAP_AGAIN in the environment.  Creating 100,000 files takes
# 35 to 60 s in a TCG guest (the figure is printed), the whole run about
# 2 minutes: size, mem and timeout below fit the defaults with a wide
# margin; more files need a larger NVDIMM (about 5 KiB per file) and
# perhaps a longer --timeout.
#
# daxhold-test: nvdimms=1
# daxhold-test: size=2G+128K
# daxhold-test: modules=daxhold
# daxhold-test: timeout=1200
# daxhold-test: loglevel=3
. /daxtest/lib.sh
. /daxtest/bench/lib/stats.sh
require_module daxhold

for _a in $(cat /proc/cmdline); do
	case $_a in
	daxbench.rmap_files=*) RMAP_FILES=${_a#*=} ;;
	daxbench.rmap_procs=*) RMAP_PROCS=${_a#*=} ;;
	daxbench.rmap_rounds=*) RMAP_ROUNDS=${_a#*=} ;;
	daxbench.rmap_batches=*) RMAP_BATCHES=${_a#*=} ;;
	daxbench.rmap_unmap=*) RMAP_UNMAP=${_a#*=} ;;
	daxbench.rmap_again=*) RMAP_AGAIN=${_a#*=} ;;
	esac
done
files=$(echo "${RMAP_FILES:-10,1000,100000}" | tr ',' ' ')
procs=$(echo "${RMAP_PROCS:-1,10,100,1000}" | tr ',' ' ')
rounds=${RMAP_ROUNDS:-32}
batches=${RMAP_BATCHES:-4}
unmap=${RMAP_UNMAP:-0}
again=${RMAP_AGAIN:-1}
per=$(( (rounds + batches - 1) / batches ))
set -- $files
nfiles=$#
first=$1
for _n in $files; do maxfiles=$_n; done
nprocs=$(echo $procs | wc -w)
[ "$nfiles" -ge 2 ] || again=0

# summary FILE: "median M us  p90 P us  min A us  max B us  (n N)".
summary() {
	set -- $(stats "$1")
	echo "median $(us $2) us  p90 $(us $3) us  min $(us $4) us  max $(us $5) us  (n $1)"
}

# ix KEY: a field of /sys/kernel/daxhold/index.
ix() {
	field "$1" "$(cat /sys/kernel/daxhold/index)"
}

# poison_run ROUNDS LABEL FILE CHILDREN OUT: bench_rmap poison on FILE,
# fresh, of ROUNDS + 1 pages, with CHILDREN children mapping it too; the
# latencies are appended to OUT.  Two tests.
poison_run() {
	_pages=$(($1 + 1))
	dd if=/dev/zero of="$3" bs=4096 count=$_pages conv=fsync 2>/dev/null
	bench_rmap poison "$3" $_pages "$4" > /tmp/poison.out 2> /tmp/poison.err
	_rc=$?
	_kids=
	[ "$4" -gt 0 ] && _kids=", the $4 children mapping the file got nothing"
	is "$_rc" 0 "$2: $_pages pages poisoned, each raised BUS_MCEERR_AR at its address$_kids"
	[ "$_rc" -eq 0 ] || { diag_file /tmp/poison.err; diag_file /tmp/poison.out 3; }
	sed -n 's/^lat_ns=\([0-9]*\) .*/\1/p' /tmp/poison.out >> "$5"
	is "$(sed -n 's/^lat_ns=\([0-9]*\) .*/\1/p' /tmp/poison.out | grep -c .)" "$1" \
		"$2: $1 timed pages"
	diag "$2: $(grep -E '^(setup_ns|warmup_ns)=' /tmp/poison.out | tr '\n' ' ')"
	diag "$2: raw us: $(sed -n 's/^lat_ns=\([0-9]*\) .*/\1/p' /tmp/poison.out |
		awk '{ printf "%.0f ", $1 / 1000 }')"
}

# porder B: the counts of processes, ascending in even batches and
# descending in odd ones.
porder() {
	if [ $(($1 % 2)) -eq 0 ]; then
		echo $procs
	else
		echo $procs | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }'
	fi
}

# 8 set-up and tear-down tests; c.: 4 per batch, count and side, and 2;
# a.: 6 per point (populate, measure), 6 for the deletion and the last
# point; b.: 2 per batch and count.
plan $((8 + batches * nprocs * 2 * 4 + 2 + nfiles * 6 + again * 6 + batches * nprocs * 2))

check "ndctl create-namespace -m fsdax" make_fsdax_all
is "$(cat /proc/sys/vm/memory_failure_early_kill)" 0 "vm.memory_failure_early_kill is 0 (early kill off)"
diag "pmem0: $(($(pmem_data_size pmem0) >> 20)) MiB; files $files; procs $procs; $rounds rounds; $batches batches; unmap=$unmap again=$again"

# ------------------------------------ c. plain ext4: daxhold vs kernel --

check "mkfs.ext4 + mount -o dax /dev/pmem0 (plain)" mkfs_mount_dax ext4 /dev/pmem0 /mnt/plain
: > /tmp/lat.loaded
: > /tmp/lat.unloaded
# state loaded|unloaded: daxhold loaded and holding pmem0, or not loaded.
held0() { daxhold_holders | awk '$1 == "pmem0"' | grep -q .; }
state() {
	if [ "$1" = loaded ]; then
		daxhold_loaded || daxhold_load || return 1
		held0 || [ "$(daxhold_attach pmem0)" = ok ] || return 1
		held0
	else
		! daxhold_loaded || daxhold_unload
	fi
}
# crun STATE P B: batch B of c. with P processes mapping the file: $per
# pages.  Four tests.
crun() {
	check "c. $2 processes, batch $3: daxhold $1" state "$1"
	_q0=$(ix owners 2>/dev/null)
	poison_run $per "c. $2 processes, batch $3 ($1)" /mnt/plain/poison.$2.$3.$1 \
		$(($2 - 1)) /tmp/lat.c.$1.$2
	if [ "$1" = loaded ]; then
		is "$(ix owners)" $((_q0 + per + 1)) \
			"c. $2 processes, batch $3: daxhold's reverse map found the owner of each page"
	else
		ok "c. $2 processes, batch $3: daxhold not loaded: the kernel's per-page path"
	fi
}
for p in $procs; do
	: > /tmp/lat.c.loaded.$p
	: > /tmp/lat.c.unloaded.$p
done
b=0
k=0
while [ $b -lt $batches ]; do
	for p in $(porder $b); do
		if [ $((k % 2)) -eq 0 ]; then
			crun loaded $p $b
			crun unloaded $p $b
		else
			crun unloaded $p $b
			crun loaded $p $b
		fi
		k=$((k + 1))
	done
	b=$((b + 1))
done
check "daxhold not loaded, umount /mnt/plain" \
	eval '{ ! daxhold_loaded || daxhold_unload; } && umount /mnt/plain'
report "c. plain ext4 -o dax on pmem0: madvise(MADV_HWPOISON) -> SIGBUS handler, daxhold holding pmem0 (its reverse map and its own kill) vs not loaded (the kernel's mf_generic_kill_procs), N processes mapping the poisoned file; $batches batches of $per pages per side and N, order alternating"
for p in $procs; do
	set -- $(stats /tmp/lat.c.loaded.$p)
	_lm=$2 _ln=$4
	set -- $(stats /tmp/lat.c.unloaded.$p)
	report "   $(printf '%5d' $p) processes: daxhold $(summary /tmp/lat.c.loaded.$p)"
	report "                    kernel  $(summary /tmp/lat.c.unloaded.$p)"
	report "                    ratio daxhold / kernel: median $(ratio $_lm $2)x  min $(ratio $_ln $4)x  (issue 13 target: at most 1.00x)"
done
set -- $procs
is "$(grep -c . /tmp/lat.c.loaded.$1) $(grep -c . /tmp/lat.c.unloaded.$1)" \
	"$((per * batches)) $((per * batches))" "c. $((per * batches)) latencies per side with $1 process(es)"

# ---------------------------- a. and b. ext4 on dm-linear over pmem0 --

inodes=$((maxfiles + maxfiles / 10 + 10000))
check "dm-linear 'rm' over pmem0; mkfs.ext4 -N $inodes; mount -o dax" \
	eval 'dm_concat rm pmem0 && mkfs.ext4 -q -F -b 4096 -N $inodes /dev/mapper/rm &&
		mkdir -p /mnt/rm && mount -t ext4 -o dax /dev/mapper/rm /mnt/rm && mount_has_dax /mnt/rm'
check "insmod daxhold (policy stacked)" daxhold_load
held_auto() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held_auto
if [ "$unmap" = 1 ]; then
	ok "populate map-touch-unmap: no process keeps the files mapped # SKIP vm.max_map_count"
else
	check "vm.max_map_count = $((maxfiles + 65530)) (each file stays mapped)" \
		eval "echo $((maxfiles + 65530)) > /proc/sys/vm/max_map_count"
fi

# apoint KEY N: measure point a. with N files (KEY: N, or "again"); the
# latencies in /tmp/lat.a.KEY, the in-core inodes walked per failure in
# /tmp/per.a.KEY (0: each page names its one file, no walk).  Five tests.
apoint() {
	_w="a. $2 files"
	[ "$1" = again ] && _w="$_w again"
	_o0=$(ix owners) _k0=$(ix kill_errors) _d0=$(ix direct) _w0=$(ix walks) _i0=$(ix inodes)
	: > /tmp/lat.a.$1
	poison_run $rounds "$_w" /mnt/rm/poison.a.$1 0 /tmp/lat.a.$1
	is "$(ix owners) $(ix kill_errors)" "$((_o0 + rounds + 1)) $_k0" \
		"$_w: daxhold's reverse map found the owner of each page, no kill errors"
	is "$(ix direct) $(ix walks)" "$((_d0 + rounds + 1)) $_w0" \
		"$_w: each failure's owner named by its page's association, no inode walk"
	_per=$(( ($(ix inodes) - _i0) / (rounds + 1) ))
	echo "$_per" > /tmp/per.a.$1
	is "$_per" 0 "$_w: no in-core inode walked"
}

: > /tmp/holders
have=0
step=0
for n in $files; do
	step=$((step + 1))
	if [ "$unmap" = 1 ]; then
		check "populate files $have..$((n - 1)) (map, touch, unmap)" \
			eval "bench_rmap populate /mnt/rm/s$step $have $n --unmap > /tmp/pop.$step"
	else
		check "populate files $have..$((n - 1)) (kept mapped)" \
			eval "bench_rmap populate /mnt/rm/s$step $have $n > /tmp/pop.$step"
	fi
	diag "$(cat /tmp/pop.$step)"
	# Write the new inodes back now, not while the point is measured.
	_t=$(date +%s)
	sync
	diag "sync after populating: $(($(date +%s) - _t)) s"
	echo "$step $(field holder "$(cat /tmp/pop.$step)")" >> /tmp/holders
	have=$n
	apoint $n $n
	if [ $step -eq 1 ]; then
		# b. at the first point: processes mapping the poisoned file,
		# $batches batches of a run of $per pages per count.
		for p in $procs; do : > /tmp/lat.b.$p; done
		_b=0
		while [ $_b -lt $batches ]; do
			for p in $(porder $_b); do
				poison_run $per "b. $p processes, batch $_b" /mnt/rm/poison.b.$p.$_b \
					$((p - 1)) /tmp/lat.b.$p
			done
			_b=$((_b + 1))
		done
		diag "b.: $(cat /sys/kernel/daxhold/index)"
	fi
done

if [ "$again" = 1 ]; then
	# Back to the first point: the holders of the later steps let go of
	# their files and the files are deleted (evicted: evict events).
	t0=$(date +%s)
	while read -r _s _pid; do
		[ "$_s" -gt 1 ] && [ "$_pid" -gt 0 ] && kill "$_pid"
	done < /tmp/holders
	_dirs=
	_s=2
	while [ $_s -le $nfiles ]; do _dirs="$_dirs /mnt/rm/s$_s"; _s=$((_s + 1)); done
	check "delete the files of steps 2..$nfiles" eval "rm -rf $_dirs /mnt/rm/poison.*"
	diag "deleting took $(($(date +%s) - t0)) s"
	apoint again $first
fi

# ------------------------------------------------------------ results --

# created FILE: "N files created in S s (U us per file)" from populate's line.
created() {
	_l=$(cat "$1")
	echo "$(field files "$_l") files created in $(awk -v x="$(field ns "$_l")" 'BEGIN { printf "%.1f", x / 1e9 }') s ($(field us_per_file "$_l") us per file)"
}

set -- $(stats /tmp/lat.a.$first)
a_med=$2 a_min=$4
report "a. ext4 -o dax on dm-linear/pmem0, daxhold holding pmem0 (policy stacked): madvise(MADV_HWPOISON) -> SIGBUS handler, $rounds fresh pages per point; files $([ "$unmap" = 1 ] && echo "mapped, touched and unmapped" || echo "kept mapped")"
step=0
for n in $files; do
	step=$((step + 1))
	set -- $(stats /tmp/lat.a.$n)
	report "   $(printf '%7d' $n) files: $(summary /tmp/lat.a.$n)  ratio to $first files: median $(ratio $2 $a_med)x  min $(ratio $4 $a_min)x"
	report "                  in-core inodes walked per failure $(cat /tmp/per.a.$n); $(created /tmp/pop.$step)"
done
if [ "$again" = 1 ]; then
	set -- $(stats /tmp/lat.a.again)
	report "   $(printf '%7d' $first) files again (after deleting the others): $(summary /tmp/lat.a.again)  ratio to the first: median $(ratio $2 $a_med)x  min $(ratio $4 $a_min)x"
	report "                  in-core inodes walked per failure $(cat /tmp/per.a.again)"
fi
set -- $(stats /tmp/lat.a.$maxfiles)
report "   ratio $maxfiles / $first files: median $(ratio $2 $a_med)x  min $(ratio $4 $a_min)x  (issue 13 target: at most 2x, else under 20 ms in -icount)"
report "b. the same, $first files, N processes map the poisoned file (the poisoning one and N - 1 children that read every page; early kill off); $batches batches of $per pages per N, order alternating"
set -- $procs
b1=$1
set -- $(stats /tmp/lat.b.$b1)
b_med=$2 b_min=$4
for p in $procs; do
	set -- $(stats /tmp/lat.b.$p)
	report "   $(printf '%5d' $p) processes: $(summary /tmp/lat.b.$p)  ratio to $b1: median $(ratio $2 $b_med)x  min $(ratio $4 $b_min)x"
done

while read -r _s _pid; do
	[ "$_pid" -gt 0 ] && kill "$_pid" 2>/dev/null
done < /tmp/holders
sleep 1
check "umount, dmsetup remove, rmmod daxhold" \
	eval 'umount /mnt/rm && dmsetup remove rm && daxhold_unload'
done_testing
