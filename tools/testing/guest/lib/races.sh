# SPDX-License-Identifier: GPL-2.0
# Helpers of the races_*.sh scenarios, sourced after lib.sh:
#   . /daxtest/lib/races.sh
#
# One *block* = one racer and one injection method, RACE_ITER iterations.
# Each iteration starts the racer and the failure at nearly the same time
# (the failure is delayed by 0 to 7 steps of an eighth of the racer's own
# duration, so it lands before, inside and after the racer's change),
# waits for both with a bound (each side reports its end on a FIFO; no
# event for RACE_TIMEOUT s is a hang: the blocked tasks are dumped and the
# scenario bails out), then names the outcome (a *class*, below) and puts
# things back.  Nothing polls: the loop forks little, for slow kernels.
#
# The scenario defines, before race_run:
#   RACE_NAME      the racer's name in the counts line
#   race_act       function: the racer's change; status 0 if it was made
#   race_restore   function: undo it (not raced); status 0 if all is back
#   RACE_FILE      the victim's file, at least RACE_ITER pages: iteration
#                  i poisons page i (a page once poisoned is not reused)
#   RACE_PFN       optional, a function printing the pfn to inject for
#                  iteration $1 (pfn method): no victim is started
#   RACE_NOTE      optional, a command whose output ends the counts line
#
# Classes.  madvise (the victim poisons its own page, dax_poison --gate):
#   ar       SIGBUS BUS_MCEERR_AR at the page's address, si_addr_lsb 12
#   ao       the same with BUS_MCEERR_AO
#   ENAME    no SIGBUS, madvise() failed with ENAME
#   ar+ENAME a SIGBUS and madvise() failed with ENAME
#   none     no SIGBUS and madvise() returned 0
#   ...*N    (appended) N SIGBUSes instead of one
# pfn (hwpoison-inject corrupt-pfn of the victim's pfn; the victim maps it
# with early kill and waits): VICTIM/WRITE, VICTIM ar, ao or none as above
# (- without a victim), WRITE ok or the write's ENAME.
# Anything else is named as found: a SIGBUS at another address or lsb
# (ao@ADDR/LSB), the victim's setup failed (setup), the racer failed
# (,racer-failed appended).
#
# Files, in RACE_DIR: I.v, I.r, I.i the output of iteration I's victim,
# racer and corrupt-pfn; classes.txt ("I CLASS" lines), bad.txt (the
# disallowed ones); events (the FIFO).

# daxtest.race_iter=N on the kernel command line (run.py --append) sets
# RACE_ITER for a slow kernel; the counts lines say how many ran.
RACE_ITER=$(sed -n 's/.*daxtest\.race_iter=\([0-9]*\).*/\1/p' /proc/cmdline)
RACE_ITER=${RACE_ITER:-100}
RACE_TIMEOUT=${RACE_TIMEOUT:-60}
RACE_DIR=/tmp/race
RACE_CPFN=/sys/kernel/debug/hwpoison/corrupt-pfn
# Events: the victim's output and "@X STATUS" as each side ends; open on
# fd 9 (read and write: opening never blocks, and it never sees EOF).
RACE_FIFO=$RACE_DIR/events
# What daxhold logged: a failure it saw (one page), one it left to the
# kernel.
RACE_SEEN='daxhold: pmem[0-9]+: notify_failure offset=[^ ]* len=0x1000 '
RACE_LEFT='daxhold: pmem[0-9]+: (cannot read the stack|translation stopped)'

# _race_ms: milliseconds since boot in RACE_MS (/proc/uptime, 10 ms
# steps), without a fork.
_race_ms() {
	read -r _rs_u _ < /proc/uptime
	_rs_c=${_rs_u#*.}
	RACE_MS=$((${_rs_u%.*} * 1000 + (1$_rs_c - 100) * 10))
}

# _race_hang WHAT: a task did not finish: dump the blocked tasks, bail out.
_race_hang() {
	echo w > /proc/sysrq-trigger
	sleep 1
	dmesg | tail -n 100 | strip_ts > $RACE_DIR/hang.txt
	diag "$RACE_NAME/$RACE_METHOD iteration $RACE_I: $1 not done after ${RACE_TIMEOUT}s"
	diag_file $RACE_DIR/hang.txt 100
	bail_out "$RACE_NAME/$RACE_METHOD: $1 hangs"
}

# _race_bg X CMD...: CMD in the background, its output in RACE_DIR/I.X
# (I the iteration); "@X STATUS" on the events FIFO when it is done.
_race_bg() {
	_rs_o=$RACE_DIR/$RACE_I.$1 _rs_x=$1
	shift
	( "$@" > $_rs_o 2>&1; echo "@$_rs_x $?" > $RACE_FIFO ) &
}

# _race_line LINE: one line from the events FIFO: an "@X STATUS" event
# (sets _rs_rc_X), else a line of the victim's output (to I.v; sets VPID,
# VPFN, VADDR, _rs_ready).
_race_line() {
	case $1 in
	"@"[vri]" "*)
		_rs_x=${1%% *}
		eval "_rs_rc_${_rs_x#@}=\${1#* }" ;;
	*)
		echo "$1" >> $RACE_DIR/$RACE_I.v
		case $1 in
		pid=*) VPID=${1#pid=} ;;
		pfn=*) VPFN=${1#pfn=} ;;
		vaddr=*) VADDR=${1#vaddr=} ;;
		ready) _rs_ready=1 ;;
		esac ;;
	esac
}

# _race_seen X: X (ready, v, r or i) has happened this iteration.
_race_seen() {
	case $1 in
	ready) [ -n "$_rs_ready" ] ;;
	*) eval "[ -n \"\$_rs_rc_$1\" ]" ;;
	esac
}

# _race_until X: read events until X has happened; bail out as a hang if
# none comes for RACE_TIMEOUT s.  Status 1 if X is ready and the victim
# ended without it.
_race_until() {
	until _race_seen $1; do
		[ $1 != ready ] || [ -z "$_rs_rc_v" ] || return 1
		read -r -t $RACE_TIMEOUT _rs_l <&9 || case $1 in
			ready) _race_hang "the victim's setup" ;;
			v) _race_hang "the victim" ;;
			r) _race_hang "the racer" ;;
			i) _race_hang "corrupt-pfn" ;;
			esac
		_race_line "$_rs_l"
	done
}

# _race_victim ARGS...: dax_poison RACE_FILE RACE_I --read-only ARGS in
# the background, its output through the FIFO; status 0 once it is
# ready, 1 if it ended before.
_race_victim() {
	: > $RACE_DIR/$RACE_I.v
	( dax_poison "$RACE_FILE" "$RACE_I" --read-only "$@" > $RACE_FIFO 2>&1
	  echo "@v $?" > $RACE_FIFO ) &
	_race_until ready
}

# _race_delay: sleep for iteration RACE_I's share of the racer's time.
_race_delay() {
	_rs_d=$(((RACE_I % 8) * RACE_STEP))
	_rs_f=$((1000 + _rs_d % 1000))
	[ $_rs_d -eq 0 ] || sleep "$((_rs_d / 1000)).${_rs_f#1}"
}

# _race_sig WORDS...: the words of a `sigbus` line; sets _rs_s (ar, ...).
_race_sig() {
	_rs_c=${2#si_code=} _rs_a=${4#si_addr=} _rs_b=${5#si_addr_lsb=}
	case $_rs_c in
	4) _rs_s=ar ;;
	5) _rs_s=ao ;;
	*) _rs_s=code$_rs_c ;;
	esac
	[ "$_rs_a" = "$VADDR" ] && [ "$_rs_b" = 12 ] || _rs_s="$_rs_s@$_rs_a/$_rs_b"
}

# _race_victim_class: what the victim saw; sets _rs_s (the signal) and
# _rs_m (madvise's errno name; empty if it returned 0 or was not called).
_race_victim_class() {
	_rs_s=none _rs_m=
	while read -r _rs_l; do
		case $_rs_l in
		"madvise=-1 errno="*) _rs_m=${_rs_l#*errno=} ;;
		"sigbus si_code="*) _race_sig $_rs_l ;;
		sigbus_count=[2-9]*|sigbus_count=1[0-9]*) _rs_s=$_rs_s*${_rs_l#*=} ;;
		esac
	done < $RACE_DIR/$RACE_I.v
	[ "$_rs_rc_v" != 2 ] || _rs_s=setup
}

# _race_classify: add this iteration's class to classes.txt.
_race_classify() {
	if [ $RACE_METHOD = madvise ]; then
		_race_victim_class
		_rs_k=$_rs_s
		[ -z "$_rs_m" ] || { [ $_rs_s = none ] && _rs_k=$_rs_m || _rs_k=$_rs_s+$_rs_m; }
	else
		_rs_k=-
		[ -z "$VPID" ] || { _race_victim_class; _rs_k=$_rs_s; }
		read -r _rs_w < $RACE_DIR/$RACE_I.i
		_rs_k=$_rs_k/${_rs_w#errno=}
	fi
	case $_rs_rc_r in 0|'') ;; *) _rs_k=$_rs_k,racer-failed ;; esac
	echo "$RACE_I $_rs_k" >> $RACE_DIR/classes.txt
}

# _race_madvise: one iteration; the victim poisons its page at the gate.
_race_madvise() {
	_race_victim --gate || { _race_classify; return; }
	_race_bg r race_act
	_race_delay
	kill -USR1 "$VPID"
	_race_until v
	_race_until r
	_race_classify
}

# _race_inject PFN: corrupt-pfn of PFN after the iteration's delay.
_race_inject() {
	_race_delay
	writefile -e $RACE_CPFN "$1"
}

# _race_pfn: one iteration; corrupt-pfn of the victim's page (or of
# RACE_PFN's) while the victim waits with early kill.
_race_pfn() {
	if [ -n "$RACE_PFN" ]; then
		_rs_p=$($RACE_PFN "$RACE_I")
	else
		_race_victim --no-poison --early-kill --wait $RACE_TIMEOUT ||
			{ echo - > $RACE_DIR/$RACE_I.i; _race_classify; return; }
		_rs_p=$VPFN
	fi
	_race_bg r race_act
	_race_bg i _race_inject "$_rs_p"
	_race_until i
	_race_until r
	# Every SIGBUS of this failure was sent before the write returned.
	[ -z "$VPID" ] || { kill -USR1 "$VPID" 2>/dev/null; _race_until v; }
	_race_classify
}

# _race_calibrate: time race_act (then race_restore) once, unraced; sets
# RACE_STEP, an eighth of it in ms (at least 1).
_race_calibrate() {
	_race_ms
	_rs_t=$RACE_MS
	race_act > $RACE_DIR/cal.txt 2>&1 ||
		{ diag_file $RACE_DIR/cal.txt; bail_out "$RACE_NAME: the racer fails unraced"; }
	_race_ms
	RACE_STEP=$(((RACE_MS - _rs_t) / 8))
	[ $RACE_STEP -ge 1 ] || RACE_STEP=1
	race_restore > $RACE_DIR/cal.txt 2>&1 ||
		{ diag_file $RACE_DIR/cal.txt; bail_out "$RACE_NAME: restore fails"; }
}

# _race_iterate: RACE_ITER iterations of RACE_METHOD.
_race_iterate() {
	RACE_I=0
	while [ $RACE_I -lt $RACE_ITER ]; do
		VPID= VPFN= VADDR= _rs_ready= _rs_rc_v= _rs_rc_r= _rs_rc_i=
		_race_$RACE_METHOD
		wait
		race_restore > $RACE_DIR/restore.txt 2>&1 || {
			diag_file $RACE_DIR/restore.txt
			bail_out "$RACE_NAME/$RACE_METHOD iteration $RACE_I: restore failed"; }
		RACE_I=$((RACE_I + 1))
	done
}

# _race_show_bad: the disallowed iterations, and what the first three
# printed (corrupt-pfn, racer, victim).
_race_show_bad() {
	diag_file $RACE_DIR/bad.txt 20
	head -n 3 $RACE_DIR/bad.txt | while read -r _rs_i _rs_k; do
		diag "iteration $_rs_i ($_rs_k):"
		for _rs_x in i r v; do
			[ ! -e $RACE_DIR/$_rs_i.$_rs_x ] || diag_file $RACE_DIR/$_rs_i.$_rs_x 30
		done
	done
}

# race_counts: "class=N ..." of classes.txt, most frequent first.
race_counts() {
	cut -d' ' -f2 $RACE_DIR/classes.txt | sort | uniq -c | sort -rn |
		awk '{ printf "%s%s=%s", s, $2, $1; s = " " }'
}

# _race_report METHOD SECONDS: the counts line.  "daxhold saw N": the
# failures that reached daxhold's notify_failure (the others went the
# kernel's own way: the racer had let go of the pmem); "left M to the
# kernel": those it could not translate (the stack kept changing).
_race_report() {
	sleep 0.2	# the failure log of the last iteration
	_rs_n=$(grep -c . $RACE_DIR/classes.txt)
	_rs_note=
	[ -z "$RACE_NOTE" ] || _rs_note="; $($RACE_NOTE)"
	diag "races: $RACE_NAME/$1: $_rs_n iterations, $(race_counts)" \
		"(daxhold saw $(dmesg_count_since_mark "$RACE_SEEN")," \
		"left $(dmesg_count_since_mark "$RACE_LEFT") to the kernel$_rs_note;" \
		"$2 s, step $RACE_STEP ms)"
}

# _race_kill_lines: "LINES PIDS": the kernel's kill lines ("Sending
# SIGBUS to ...", also written by daxhold for its own kills) since the
# mark, and the distinct dax_poison pids they name.
_race_kill_lines() {
	_rs_re='Memory failure: 0x[0-9a-f]+: Sending SIGBUS to '
	echo "$(dmesg_count_since_mark "$_rs_re")" \
		"$(dmesg_since_mark | grep -oE -- "${_rs_re}dax_poison:[0-9]+ " |
			sort -u | grep -c .)"
}

# race_run METHOD ALLOWED: one block of RACE_ITER iterations of METHOD
# (madvise or pfn) against race_act; ALLOWED is an ERE every class must
# match whole.  Prints "# races: NAME/METHOD: N iterations, CLASS=N ...
# (...)"; 3 tests (the number of iterations; every class allowed; one
# kill line per signalled victim and none for any other task).
race_run() {
	RACE_METHOD=$1
	rm -rf $RACE_DIR
	mkdir -p $RACE_DIR
	mkfifo $RACE_FIFO
	exec 9<> $RACE_FIFO
	: > $RACE_DIR/classes.txt
	[ $1 = madvise ] || [ -e $RACE_CPFN ] ||
		insmod "$MODDIR/hwpoison-inject.ko" 2>/dev/null
	[ $RACE_ITER = 100 ] ||
		diag "$RACE_NAME/$1: $RACE_ITER iterations (daxtest.race_iter), not 100"
	_race_calibrate
	_race_ms
	_rs_t0=$RACE_MS
	dmesg_mark "races: $RACE_NAME/$1"
	_race_iterate
	_race_ms
	_race_report "$1" $(((RACE_MS - _rs_t0) / 1000))
	is "$(grep -c . $RACE_DIR/classes.txt)" "$RACE_ITER" \
		"$RACE_NAME/$1: $RACE_ITER iterations ran"
	exec 9<&-
	awk -v re="^($2)\$" '$2 !~ re' $RACE_DIR/classes.txt > $RACE_DIR/bad.txt
	is "$(grep -c . $RACE_DIR/bad.txt)" 0 \
		"$RACE_NAME/$1: every outcome allowed ($2)" || _race_show_bad
	_rs_k=$(awk '$2 ~ /^a[or]/' $RACE_DIR/classes.txt | grep -c .)
	# daxhold logs the lines of its own kills just after the signals.
	_rs_all() { [ "$(_race_kill_lines)" = "$_rs_k $_rs_k" ]; }
	until_ok _rs_all || true
	is "$(_race_kill_lines)" "$_rs_k $_rs_k" \
		"$RACE_NAME/$1: one kill line per signalled victim ($_rs_k), no other"
}

# race_trace_ok: after race_run, with daxhold's trace events on and the
# buffer emptied before it: the block's daxhold_failure events name the
# pmems and offsets its notify_failure lines (RACE_SEEN) name, as many of
# each, at least one.  1 test.
race_trace_ok() {
	trace_ev daxhold_failure |
		sed -n 's/.* pmem=\([^ ]*\) offset=\([^ ]*\) len=0x1000 .*/\1 \2/p' |
		sort > $RACE_DIR/trace.failures
	dmesg_grep_since_mark "$RACE_SEEN" |
		sed -n 's/.*daxhold: \(pmem[0-9]*\): notify_failure offset=\([^ ]*\) .*/\1 \2/p' |
		sort > $RACE_DIR/lines.failures
	_rs_tn=$(grep -c . $RACE_DIR/trace.failures)
	_rs_ln=$(grep -c . $RACE_DIR/lines.failures)
	_rs_same=differ
	cmp -s $RACE_DIR/trace.failures $RACE_DIR/lines.failures && _rs_same=same
	is "$_rs_tn events, $_rs_same" "$_rs_ln events, same" \
		"$RACE_NAME/$RACE_METHOD: trace: daxhold_failure events name the notify_failure lines' pmems and offsets" ||
		diag "$(diff $RACE_DIR/trace.failures $RACE_DIR/lines.failures | grep -E '^[-+][0-9p]' | head -n 4)"
	cmp_ok "$_rs_tn" -gt 0 "$RACE_NAME/$RACE_METHOD: trace: daxhold saw failures"
}
