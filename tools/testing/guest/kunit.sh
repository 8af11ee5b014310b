# SPDX-License-Identifier: GPL-2.0
# Guest side of `run.py --kunit`: insmod each module named in $1 (comma
# separated, from /lib/modules/NAME.ko) so that KUnit runs its suites,
# then rmmod them again.  The KTAP output is in the kernel log, which
# /init dumps; the host feeds it to kunit.py parse.
. /daxtest/lib.sh

mods=$(echo "$1" | tr ',' ' ')
set -- $mods
plan $(($# * 2))
for m in "$@"; do
	r=$(modctl load "$MODDIR/$m.ko")
	is "$r" ok "insmod $m.ko"
done
for m in "$@"; do
	r=$(modctl unload "$(echo "$m" | tr - _)")
	is "$r" ok "rmmod $m"
done
done_testing
