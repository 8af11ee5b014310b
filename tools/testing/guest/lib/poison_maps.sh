# SPDX-License-Identifier: GPL-2.0
# Driving one poison_maps process (tools/testing/progs/poison_maps.c)
# through a FIFO: a command, then its answer line.  Sourced after lib.sh.

PM_DIR=/tmp/poison_maps

# pm_start: start it in the background, its input on descriptor 3.
pm_start() {
	mkdir -p $PM_DIR
	rm -f $PM_DIR/in
	mkfifo $PM_DIR/in
	: > $PM_DIR/out
	poison_maps < $PM_DIR/in > $PM_DIR/out 2> $PM_DIR/err &
	PM_PID=$!
	exec 3> $PM_DIR/in
}

# pm CMD...: send CMD, print its answer (waits up to $PM_SECONDS, default
# 120); status 1 if none came.
pm() {
	_before=$(grep -c . $PM_DIR/out)
	echo "$*" >&3
	_i=$(( ${PM_SECONDS:-120} * 20 ))
	while [ "$(grep -c . $PM_DIR/out)" -le "$_before" ]; do
		_i=$((_i - 1))
		if [ $_i -le 0 ] || ! kill -0 $PM_PID 2> /dev/null; then
			echo "no answer to '$*'"
			cat $PM_DIR/err
			return 1
		fi
		sleep 0.05
	done
	tail -n 1 $PM_DIR/out
}

# pm_stop: quit (the children die of SIGTERM), close, reap.
pm_stop() {
	pm quit > /dev/null
	exec 3>&-
	wait $PM_PID
}
