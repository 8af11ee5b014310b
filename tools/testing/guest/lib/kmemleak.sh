# SPDX-License-Identifier: GPL-2.0
# kmemleak around a scenario (Documentation/dev-tools/kmemleak.rst of the
# kernel): what it suspects before the scenario is set aside, what it
# suspects after must be nothing.  Sourced after lib.sh.

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_available: the kernel has kmemleak, enabled.
kmemleak_available() {
	[ -w $KMEMLEAK ]
}

# kmemleak_baseline: scan, then set aside what is suspected now (it is not
# the scenario's).
kmemleak_baseline() {
	echo scan > $KMEMLEAK && echo clear > $KMEMLEAK
}

# kmemleak_suspects FILE: scan twice, a few seconds apart (an object
# freshly allocated can look unreferenced once), then the report into
# FILE; status 0 if it is empty.
kmemleak_suspects() {
	echo scan > $KMEMLEAK
	sleep 5
	echo scan > $KMEMLEAK
	cat $KMEMLEAK > "$1"
	[ ! -s "$1" ]
}
