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
# What the debug kernel's own checkers allocate on the side, and get over
# without a word when it fails, is exempt: kmemleak's and debugobjects'
# slab caches (failslab only fails caches marked for it), KASAN's stack
# depot (fail_page_alloc rejects stacks through stack_depot_save_flags).
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
	fi_caches
	set -- $(fi_kernel_range stack_depot_save_flags)
	[ $# -eq 2 ] || return 1
	echo "$1" > "$FI/fail_page_alloc/reject-start"
	echo "$2" > "$FI/fail_page_alloc/reject-end"
}

# fi_caches: failslab fails every slab cache but the checkers' (a cache
# that is merged with others cannot be marked, and never fails).
fi_caches() {
	echo Y > "$FI/failslab/cache-filter"
	for _c in /sys/kernel/slab/*; do
		case ${_c##*/} in
		kmemleak_* | debug_objects_cache) continue ;;
		esac
		echo 1 2> /dev/null > "$_c/failslab"
	done
}

# fi_kernel_range NAME: "START END" of the kernel function NAME (the next
# symbol's address is its end: the kernel's symbols are listed in address
# order).
fi_kernel_range() {
	awk -v n="$1" 'f && $1 != s { print "0x" s, "0x" $1; exit }
		!f && $3 == n { s = $1; f = 1 }' /proc/kallsyms
}

# fi_off: nothing fails any more, no filter.
fi_off() {
	for _a in $FI_ATTRS; do
		echo 0 > "$FI/$_a/times"
		echo 0 > "$FI/$_a/probability"
		echo 0 > "$FI/$_a/require-start"
		echo 0xffffffffffffffff > "$FI/$_a/require-end"
		echo 0 > "$FI/$_a/reject-start"
		echo 0 > "$FI/$_a/reject-end"
	done
	echo N > "$FI/failslab/cache-filter"
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
}

# fi_arm ATTR K [TIMES [SPACE]]: fail the K-th aimed allocation from
# now, once; or TIMES of them, every K-th, after SPACE bytes of aimed
# allocations went through (a kvmalloc that fails retries once: both
# must fail for its caller to see it).
fi_arm() {
	echo "$2" > "$FI/$1/interval"
	echo "${4:-0}" > "$FI/$1/space"
	echo "${3:-1}" > "$FI/$1/times"
}

# fi_fired ATTR: disarm; status 0 if the armed failures happened.
fi_fired() {
	read -r _left < "$FI/$1/times"
	echo 0 > "$FI/$1/times"
	[ "$_left" = 0 ]
}
