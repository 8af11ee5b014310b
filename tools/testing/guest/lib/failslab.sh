# SPDX-License-Identifier: GPL-2.0
# Allocation failures aimed at one daxhold function, for the failslab_*
# scenarios (Documentation/testing.rst, "Allocation failures").  Sourced
# after lib.sh:  . /daxtest/lib/failslab.sh
#
# The kernel's failslab and fail_page_alloc (its Documentation/
# fault-injection/fault-injection.rst) fail an allocation only if a return
# address on its stack lies in [require-start, require-end): fi_aim sets
# that range to one daxhold function's (from kallsyms: its address, and
# the next daxhold symbol's), so what fails is an allocation made while
# that function runs, by daxhold or by the kernel on its behalf, in any
# task or work item.  fi_arm ATTR K then fails the K-th such allocation
# from now (interval K, times 1: counted across trials, so the first trial
# after a change of K fails one of the first K, the next ones exactly the
# K-th), once; fi_fired says whether it did.  Sleeping and order-0
# allocations are not exempt (ignore-gfp-wait N, min-order 0).

FI=/sys/kernel/debug
FI_ATTRS="failslab fail_page_alloc"

# fi_available: the kernel has both with the stack filter.
fi_available() {
	for _a in $FI_ATTRS; do
		[ -e "$FI/$_a/require-start" ] || return 1
	done
}

# fi_setup: nothing fails until armed; one notice line per failure.
fi_setup() {
	for _a in $FI_ATTRS; do
		echo 0 > "$FI/$_a/times"
		echo 100 > "$FI/$_a/probability"
		echo 1 > "$FI/$_a/interval"
		echo 0 > "$FI/$_a/space"
		echo 1 > "$FI/$_a/verbose"
		echo N > "$FI/$_a/task-filter"
		echo N > "$FI/$_a/ignore-gfp-wait"
		echo 32 > "$FI/$_a/stacktrace-depth"
	done
	echo N > "$FI/fail_page_alloc/ignore-gfp-highmem"
	echo 0 > "$FI/fail_page_alloc/min-order"
}

# fi_off: nothing fails any more, no filter.
fi_off() {
	for _a in $FI_ATTRS; do
		echo 0 > "$FI/$_a/times"
		echo 0 > "$FI/$_a/probability"
		echo 0 > "$FI/$_a/require-start"
		echo 0xffffffffffffffff > "$FI/$_a/require-end"
	done
}

# fi_range ERE: "START END" of the daxhold function whose kallsyms name
# matches ERE: its address and the next daxhold function's.
fi_range() {
	grep ' [tT] .*\[daxhold\]$' /proc/kallsyms | sort |
		awk -v re="$1" 'f { print s, "0x" $1; exit }
			$3 ~ re { s = "0x" $1; f = 1 }'
}

# fi_aim ERE: aim both at the function fi_range finds.
fi_aim() {
	set -- $(fi_range "$1")
	[ $# -eq 2 ] || { echo "no daxhold function matches"; return 1; }
	for _a in $FI_ATTRS; do
		echo "$1" > "$FI/$_a/require-start"
		echo "$2" > "$FI/$_a/require-end"
	done
	echo "aimed at [$1, $2)"
}

# fi_arm ATTR K: fail the K-th aimed allocation from now, once.
fi_arm() {
	echo "$2" > "$FI/$1/interval"
	echo 1 > "$FI/$1/times"
}

# fi_fired ATTR: disarm; status 0 if the armed failure happened.
fi_fired() {
	_left=$(cat "$FI/$1/times")
	echo 0 > "$FI/$1/times"
	[ "$_left" = 0 ]
}

# fi_errlines: daxhold's kernel log lines at warning level or worse since
# the last dmesg_mark, without level and time stamp.
fi_errlines() {
	_m=$(cat "$DAXTEST_STATE/mark")
	dmesg -r | sed -n "/daxtest-mark-$_m: /,\$p" | sed 1d |
		sed -n 's/^<[0-4]>\(\[[ 0-9.]*\] \)\{0,1\}\(daxhold: \)/\2/p'
}

# fi_one_line FILE ERE: FILE (fi_errlines) is exactly one line, matching
# ERE and naming an errno.
fi_one_line() {
	[ "$(grep -c . "$1")" = 1 ] && grep -Eq -- "$2" "$1" &&
		grep -Eq '\bE[A-Z0-9]{2,}\b' "$1"
}
