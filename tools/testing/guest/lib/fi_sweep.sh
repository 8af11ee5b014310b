# SPDX-License-Identifier: GPL-2.0
# The injection loop of the failslab_* scenarios and its tally
# (Documentation/testing.rst, "Allocation failures").  Sourced after
# failslab.sh.

# fi_sweep ATTR WANT MAX KMAX TRIAL: run "TRIAL ATTR K" until WANT trials
# had their injection or MAX trials ran.  K goes 1, 2, .., KMAX, 1, ..,
# and back to 1 after a trial without its injection (the path made fewer
# allocations than that).  TRIAL arms ATTR, triggers, and returns 0 (the
# injection happened and was handled), 1 (happened, not handled: it says
# why with fi_why) or 2 (it did not happen).  Adds to FI_N (injections),
# FI_M (handled) and FI_T (trials).
fi_sweep() {
	_k=1 _n=0 _t=0
	while [ $_n -lt "$2" ] && [ $_t -lt "$3" ]; do
		_t=$((_t + 1))
		"$5" "$1" $_k
		case $? in
		0) _n=$((_n + 1)) FI_M=$((FI_M + 1)) ;;
		1) _n=$((_n + 1)) ;;
		*) _k=0 ;;
		esac
		_k=$((_k % $4 + 1))
	done
	FI_N=$((FI_N + _n)) FI_T=$((FI_T + _t))
	diag "$1: $_n injections in $_t trials"
}

# fi_reset: a new site's tally.
fi_reset() {
	FI_N=0 FI_M=0 FI_T=0 FI_WHY=0
}

# fi_why TEXT: say why a trial was not handled, with the lines it logged
# (in /tmp/fi.lines); the first 5 times only.
fi_why() {
	FI_WHY=$((FI_WHY + 1))
	[ $FI_WHY -le 5 ] || return 0
	diag "not handled: $*"
	diag_file /tmp/fi.lines 10
}

# fi_report SITE WANT: the site's line, and its two tests: at least WANT
# injections, every one handled.
fi_report() {
	diag "failslab: $1: $FI_N injections, $FI_M handled ($FI_T trials)"
	cmp_ok $FI_N -ge "$2" "$1: at least $2 injections"
	is $FI_M $FI_N "$1: every injection handled"
}
