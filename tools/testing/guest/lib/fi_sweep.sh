# SPDX-License-Identifier: GPL-2.0
# The injection loop of the failslab_* scenarios and its verdict
# (Documentation/testing.rst, "Allocation failures").  Sourced after
# failslab.sh.
#
# The kernel log is copied from /dev/kmsg, each record with its level and
# sequence number, into $FI_LOG while the scenario runs; each trial is
# framed by two marks there, and fi_judge reads every trial's lines at the
# end of a site, in one pass: a trial whose injection daxhold saw must
# have logged exactly one daxhold line at warning level or worse, naming
# an errno (and matching the site's words); one whose injection did not
# happen, or never reached daxhold (absorbed: the allocator or the kernel
# function that made the allocation got over it, and the operation ended
# as without injection), none.  (Reading dmesg after each trial would
# cost a few processes per trial, and the ring buffer can wrap within a
# site.)

FI_LOG=/tmp/fi.kmsg
FI_TRIAL=0

# fi_log_start: copy the kernel log into $FI_LOG from now on.
fi_log_start() {
	: > $FI_LOG
	cat /dev/kmsg >> $FI_LOG 2> /dev/null &
	FI_LOG_PID=$!
}

# fi_log_stop: stop copying; status 1 if the copy had died (it fell
# behind the ring buffer: fi_judge then finds lines missing).
fi_log_stop() {
	kill "$FI_LOG_PID" 2> /dev/null
	_alive=$?
	wait "$FI_LOG_PID" 2> /dev/null
	return $_alive
}

# fi_mark TEXT: a mark in the kernel log.
fi_mark() {
	echo "<6>daxtest-fi: $*" > /dev/kmsg
}

# fi_sweep ATTR WANT MAX KMAX TRIAL: run "TRIAL ATTR K" until WANT trials
# had an injection that was not absorbed, or MAX trials ran.  K goes 1,
# 2, .., KMAX, 1, .., and back to 1 after a trial without its injection
# (the path made fewer allocations than that).  TRIAL arms ATTR,
# triggers, disarms, checks what it can see itself, sets FI_NOTE (a word
# for the log, e.g. the errno it got) and returns
#   0  injected; the operation failed or did less (one line expected)
#   1  injected; the outcome is wrong (it said why with fi_why)
#   2  not injected
#   3  injected; the operation ended as without injection (absorbed)
#   4  injected; the outcome cannot tell (one line, or none: absorbed)
# Each trial is framed by marks for fi_judge.
fi_sweep() {
	_k=1 _n=0 _t=0 _a=0
	while [ $_n -lt "$2" ] && [ $_t -lt "$3" ]; do
		_t=$((_t + 1)) FI_TRIAL=$((FI_TRIAL + 1)) FI_NOTE=
		fi_mark "begin $FI_TRIAL"
		"$5" "$1" $_k
		_rc=$?
		fi_mark "end $FI_TRIAL rc=$_rc $1 k=$_k $FI_NOTE"
		case $_rc in
		0 | 1 | 4) _n=$((_n + 1)) ;;
		2) _k=0 ;;
		3) _a=$((_a + 1)) ;;
		esac
		_k=$((_k % $4 + 1))
	done
	diag "$1: $_t trials, $_n injections daxhold may have seen, $_a absorbed"
}

# fi_why TEXT: say why a trial went wrong (the first 5 times only).
fi_why() {
	FI_WHY=$((FI_WHY + 1))
	[ $FI_WHY -le 5 ] && diag "trial $FI_TRIAL: $*"
	return 0
}

# fi_start: a new site (its trials are those fi_sweep runs from now).
fi_start() {
	FI_FIRST=$((FI_TRIAL + 1)) FI_WHY=0
}

# fi_judge ERE: read the trials of this site from the log: set FI_N
# (injections), FI_M (handled: all well, and exactly one daxhold line at
# warning level or worse that matches ERE and names an errno, or absorbed
# and no such line), FI_A (of them absorbed) and FI_BAD (trials without
# injection that logged such lines); the first wrong trials with their
# lines into /tmp/fi.bad.  /dev/kmsg records are
# "PRI,SEQ,TS,FLAGS;MESSAGE" (continuation lines start with a space); a
# gap in SEQ within a trial means lines were lost: not handled.
fi_judge() {
	set -- $(awk -v first="$FI_FIRST" -v re="$1" "$FI_JUDGE_AWK" $FI_LOG 2> /tmp/fi.bad)
	FI_N=${1:-0} FI_M=${2:-0} FI_A=${3:-0} FI_BAD=${4:-0}
}

FI_JUDGE_AWK='
function why(text) {
	if (said++ < 5)
		print "trial " cur ": " text lines > "/dev/stderr"
}
/^ / { next }
{
	i = index($0, ";")
	if (i == 0)
		next
	split(substr($0, 1, i - 1), h, ",")
	seq = h[2] + 0
	if (seen && seq <= last)
		next
	if (seen && seq != last + 1)
		lost = 1
	seen = 1
	last = seq
	pri = h[1] + 0
	msg = substr($0, i + 1)
}
msg ~ /^daxtest-fi: begin / {
	t = msg
	sub(/.*begin /, "", t)
	cur = (t + 0 >= first) ? t + 0 : 0
	n = 0; good = 0; lost = 0; lines = ""
	next
}
msg ~ /^daxtest-fi: end / {
	if (!cur)
		next
	rc = msg
	sub(/.*rc=/, "", rc)
	note = rc
	rc = substr(rc, 1, 1) + 0
	if (rc == 2) {
		if (n > 0) {
			bad++
			why("no injection, but warnings:")
		}
	} else {
		inj++
		if (lost)
			why("log lines lost")
		else if ((rc == 0 || rc == 4) && n == 1 && good == 1)
			handled++
		else if ((rc == 3 || rc == 4) && n == 0)
			absorbed++
		else
			why("rc=" note ": " n " warnings, " good " as expected:")
	}
	cur = 0
	next
}
cur && pri < 5 && msg ~ /^daxhold: / {
	n++
	lines = lines "\n    " msg
	if (msg ~ re && msg ~ /(^|[^A-Z0-9])E[A-Z0-9][A-Z0-9]+([^A-Z0-9]|$)/)
		good++
}
END { print inj + 0, handled + absorbed, absorbed + 0, bad + 0 }
'

# fi_report SITE WANT ERE: judge the site, say its line, and its three
# tests: at least WANT injections that daxhold saw, every one handled, no
# line from a trial without one.
fi_report() {
	fi_judge "$3"
	diag "failslab: $1: $FI_N injections, $FI_M handled" \
		"($FI_A absorbed below daxhold)"
	cmp_ok $((FI_N - FI_A)) -ge "$2" "$1: at least $2 injections daxhold saw"
	is "$FI_M" "$FI_N" "$1: every injection handled, in one line" ||
		diag_file /tmp/fi.bad 30
	is "$FI_BAD" 0 "$1: no warning from a trial without injection" ||
		diag_file /tmp/fi.bad 30
}
