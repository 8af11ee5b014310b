# SPDX-License-Identifier: GPL-2.0
# Translation races with dm table swaps: old or new, never torn.
#
# dm-linear 'flip' over pmem0 in two halves; a background loop swaps the
# halves (suspend / reload / resume) over and over while the foreground
# asks daxhold to translate a range that straddles the halves' boundary
# (/sys/kernel/daxhold/translate, the failure path's translation without
# acting).  Layout A gives dm sectors {H-8, H}, layout B {2H-8, 0}; every
# request must give exactly one of those two sets.  A torn view (one half
# of each table, or a table freed under the reader) would give a mixed
# set, a missing piece, or worse.  Both layouts must be seen, and after the
# last swap the answer must be the last layout: for translate, and for a
# real failure of the two pages (corrupt-pfn), in its "-> top" lines and in
# its daxhold_failure and daxhold_top trace events.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

plan 18

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "insmod daxhold" daxhold_load
s=$(sectors pmem0)
h=$(( (s / 2) / 8 * 8 ))
n=$(devnum pmem0)
printf '0 %s linear %s 0\n%s %s linear %s %s\n' $h $n $h $h $n $h > /tmp/A
printf '0 %s linear %s %s\n%s %s linear %s 0\n' $h $n $h $h $h $n > /tmp/B
check "dmsetup create flip (layout A)" dmsetup create flip /tmp/A
dm=$(dm_name_dev flip)
held() { [ "$(daxhold_nholders)" = 1 ]; }
check "pmem0 held by policy" until_ok held

off=$(( h * 512 - 4096 ))
want_a="$((h - 8)) $h"
want_b="0 $((2 * h - 8))"
diag "H=$h, request: pmem0 $off 8192; A -> {$want_a}, B -> {$want_b}"

# swapper N: swap layouts N times.
swapper() {
	i=0
	while [ $i -lt "$1" ]; do
		t=/tmp/B; [ $((i % 2)) -eq 1 ] && t=/tmp/A
		dmsetup suspend flip && dmsetup reload flip "$t" && dmsetup resume flip ||
			{ echo "swap $i failed" > /tmp/swap.err; return 1; }
		i=$((i + 1))
	done
}

# The requests log far more than the kernel's ring holds: drain it into a
# file as we go (dmesg -c), 50 requests at a time.
dmesg -c > /dev/null
: > /tmp/klog
swapper 60 &
sp=$!
j=0 werr=0
while kill -0 $sp 2>/dev/null || [ $j -lt 50 ]; do
	echo "pmem0 $off 8192" > "$DAXHOLD_SYSFS/translate" || werr=$((werr + 1))
	j=$((j + 1))
	[ $((j % 50)) -eq 0 ] && dmesg -c >> /tmp/klog
done
wait $sp
is $? 0 "60 table swaps done"
dmesg -c >> /tmp/klog
is "$werr" 0 "every translate request accepted ($j requests)"

# One line per piece: "translate #N: pmem0 -> top dm-0 sector S sectors 8".
grep 'translate #' /tmp/klog |
	sed -n 's/.*translate #\([0-9]*\): pmem0 -> \([a-z]*\) \([^ ]*\) sector \([0-9]*\) sectors \([0-9]*\).*/\1 \2 \3 \4 \5/p' \
	> /tmp/pieces
awk -v a="$want_a" -v b="$want_b" -v dm="$dm" '
	{ if ($2 != "top" || $3 != dm || $5 != 8) bad++; set[$1] = set[$1] " " $4; cnt[$1]++ }
	END {
		for (k in set) {
			n = split(set[k], v, " "); if (n == 2 && v[1] > v[2]) { t = v[1]; v[1] = v[2]; v[2] = t }
			s = v[1] " " v[2]
			if (cnt[k] != 2) torn++
			else if (s == a) na++
			else if (s == b) nb++
			else torn++
		}
		printf "requests=%d A=%d B=%d torn=%d bad=%d\n", length(set), na, nb, torn, bad
	}' /tmp/pieces > /tmp/verdict
diag "$(cat /tmp/verdict)"
is "$(field requests "$(cat /tmp/verdict)")" "$j" "every request logged its pieces"
is "$(field torn "$(cat /tmp/verdict)")" 0 "no request saw a torn table"
is "$(field bad "$(cat /tmp/verdict)")" 0 "every piece is a top on $dm, 8 sectors"
cmp_ok "$(field A "$(cat /tmp/verdict)")" -gt 0 "layout A was seen"
cmp_ok "$(field B "$(cat /tmp/verdict)")" -gt 0 "layout B was seen"

# The 60th swap (i = 59, odd) installed A: the answer now is A, at once.
dmesg_mark after
echo "pmem0 $off 8192" > "$DAXHOLD_SYSFS/translate"
got=$(dmesg_grep_since_mark 'translate #' | strip_ts |
	sed -n 's/.* sector \([0-9]*\) sectors 8.*/\1/p' | sort -n | tr '\n' ' ')
is "$got" "$want_a " "after the last swap the translation is layout A"

# The same two pages fail for real (corrupt-pfn, one page each; nothing
# maps them, no filesystem is on flip: declined): the "-> top" lines and the
# daxhold_top events name the layout A sectors, the daxhold_failure events
# the pages' pmem0 offsets, the daxhold_owner events (kind notours: left to
# the kernel) their pfns.
check "daxhold trace events on" trace_on
base=$(pmem_data_start pmem0)
dmesg_mark failure
for o in $off $((off + 4096)); do
	r=$(hwpoison_pfn $(((base + o) >> 12)))
	diag "corrupt-pfn of pmem0 offset $o: $r"
done
daxhold_wait " -> top $dm " 2
daxhold_lines > /tmp/dh.lines
diag_file /tmp/dh.lines
got=$(grep " -> top $dm " /tmp/dh.lines |
	sed -n 's/.* sector \([0-9]*\) sectors 8 .*/\1/p' | sort -n | tr '\n' ' ')
is "$got" "$want_a " "a failure of the two pages: -> top $dm at the layout A sectors"
trace_ev daxhold_top > /tmp/tt
diag_file /tmp/tt
got=$(while read -r t; do
	[ "$(field device "$t") $(field dev "$t")" = "$dm $(devnum $dm)" ] &&
		echo "$(field sector "$t")/$(field sectors "$t")/$(field depth "$t")/$(field outcome "$t")"
done < /tmp/tt | sort -n | tr '\n' ' ')
is "$got" "$((h - 8))/8/1/declined $h/8/1/declined " \
	"trace: daxhold_top $dm at the layout A sectors, 8 sectors, depth 1, declined"
got=$(trace_ev daxhold_failure | while read -r t; do
	echo "$(field pmem "$t") $(($(field offset "$t"))) $(($(field len "$t")))"
done | sort -k2n | tr '\n' ' ')
is "$got" "pmem0 $off 4096 pmem0 $((off + 4096)) 4096 " \
	"trace: daxhold_failure pmem0 at the two pages' offsets, one page each"
# "no DAX file ... maps it; left to the kernel": kind notours, the page's pfn.
got=$(trace_ev daxhold_owner | while read -r t; do
	echo "$(field kind "$t") $(($(field pfn "$t")))"
done | sort -k2n | tr '\n' ' ')
is "$got" "notours $(((base + off) >> 12)) notours $(((base + off + 4096) >> 12)) " \
	"trace: daxhold_owner kind notours for each page's pfn"
check "rmmod daxhold" daxhold_unload
done_testing
