#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# No panic paths in daxhold.ko.  Lists every relocation in OBJ (the linked
# daxhold.o) that targets a Rust panic entry point (core::panicking::*,
# the slice/str index failures, unwrap/expect failures, copy_from_slice,
# sort's Ord-violation panic) with the function that contains it, and
# fails if any is not covered by tools/panic-allowlist.txt.  With
# CONFIG_RUST_OVERFLOW_CHECKS=y every `+ - * <<` the compiler cannot prove
# in range is such a call; in the kernel each one is a BUG().
#
# With KDIR, it also re-runs the module's own link and objtool command
# (from OBJ's .cmd file, into a temporary file, so it works after an
# incremental build that printed nothing) and fails on objtool's "falls
# through to next function" warnings: a function that ends in a call to a
# noreturn panic.
#
#   tools/panic-check.sh OBJ [KDIR]
#
# See Documentation/design.rst, "No panics".
set -euo pipefail
obj=$1
kdir=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
allow="$top/tools/panic-allowlist.txt"

# Targets that only exist to panic.
pattern='core9panicking|slice_index_fail|slice_start_index_len_fail|slice_end_index_len_fail|slice_index_order_fail|str_index_overflow_fail|slice_error_fail|len_mismatch_fail|copy_from_slice|unwrap_failed|expect_failed|assert_failed|panic_on_ord_violation|rust_begin_unwind|rust_panic'

# "FUNCTION<TAB>TARGET" for each panic relocation, demangled.
sites=$(llvm-objdump -dr --no-show-raw-insn "$obj" | awk -v pat="$pattern" '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; sub(/^</, "", fn); sub(/>:$/, "", fn); next }
	/R_X86_64_/ { t = $3; sub(/[-+]0x[0-9a-f]+$/, "", t); if (t ~ pat) print fn "\t" t }
' | llvm-cxxfilt | sort)

fail=0
unlisted=""
allowed=0
if [ -n "$sites" ]; then
	while IFS=$'\t' read -r fn target; do
		ok=0
		if [ -f "$allow" ]; then
			while IFS= read -r line; do
				case $line in ''|'#'*) continue ;; esac
				# A line is "FUNCTION-GLOB<TAB>TARGET-GLOB".
				afn=${line%%$'\t'*}
				atg=${line#*$'\t'}
				# shellcheck disable=SC2053
				if [[ $fn == $afn && $target == $atg ]]; then ok=1; break; fi
			done <"$allow"
		fi
		if [ $ok = 1 ]; then
			allowed=$((allowed + 1))
		else
			unlisted+="  $fn -> $target"$'\n'
		fi
	done <<<"$sites"
fi
total=$(printf '%s' "$sites" | grep -c . || true)
if [ -n "$unlisted" ]; then
	n=$(printf '%s' "$unlisted" | grep -c .)
	echo "panic-check: $obj: $n panic call site(s) outside tools/panic-allowlist.txt:" >&2
	# Per function, with the count of each panic kind.
	printf '%s' "$unlisted" | sort | uniq -c >&2
	fail=1
fi

falls=""
if [ -n "$kdir" ]; then
	dir=$(cd "$(dirname "$obj")" && pwd)
	base=$(basename "$obj")
	cmdfile="$dir/.$base.cmd"
	cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile" 2>/dev/null || true)
	case $cmd in
	*objtool*) ;;
	*)
		echo "panic-check: no link/objtool command in $cmdfile: build the module first" >&2
		exit 1
		;;
	esac
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# The same command, writing a copy: -o and --module name the output.
	cmd=${cmd//"$dir/$base"/"$tmp/$base"}
	if ! out=$(cd "$kdir" && bash -c "$cmd" 2>&1); then
		echo "panic-check: re-running the link and objtool failed:" >&2
		printf '%s\n' "$out" >&2
		exit 1
	fi
	falls=$(printf '%s\n' "$out" | grep 'falls through to next function' | llvm-cxxfilt || true)
fi
if [ -n "$falls" ]; then
	echo "panic-check: objtool found functions that fall through (they end in a panic):" >&2
	printf '%s\n' "$falls" >&2
	fail=1
fi
if [ $fail = 0 ]; then
	what="no objtool run (no KDIR)"
	[ -n "$kdir" ] && what="objtool: no fall-through"
	echo "panic-check: $obj: $total panic call site(s), all $allowed in the allowlist; $what"
fi
exit $fail
