# SPDX-License-Identifier: GPL-2.0
# What the guest benchmarks (tools/bench/guest/*.sh) share: result lines
# and the arithmetic on the timings they collect.  Sourced (the guest has
# it as /daxtest/bench/lib/stats.sh); not a benchmark itself.

# report TEXT: a result line ("# bench: ", which make bench collects).
report() {
	echo "# bench: $*"
}

# stats FILE: "n median p90 min max p25" of the numbers in FILE, one per
# line (median of an even count: the mean of the middle two; p90 and p25,
# the lower quartile: nearest rank).  "0 0 0 0 0 0" for an empty file.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END {
			n = NR
			if (n == 0) { print "0 0 0 0 0 0"; exit }
			m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			r = int(0.9 * n); if (r < 0.9 * n) r++
			q = int(0.25 * n); if (q < 0.25 * n) q++
			printf "%d %.6g %.6g %.6g %.6g %.6g\n", n, m, v[r], v[1], v[n], v[q]
		}'
}

# ratio A B: A/B with three decimals ("nan" if B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.3f\n", a / b }'
}

# fmt X DIV DEC: X/DIV with DEC decimals.
fmt() {
	awk -v x="$1" -v d="$2" -v f="%.$3f\n" 'BEGIN { printf f, x / d }'
}

# us NS: nanoseconds as microseconds, one decimal.
us() {
	fmt "$1" 1000 1
}

# spread MIN MAX MEDIAN: (MAX - MIN) / MEDIAN in percent.
spread() {
	awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN { printf "%.1f\n", (b - a) * 100 / m }'
}
