# SPDX-License-Identifier: GPL-2.0
# Nothing of daxhold is open to a user who is not root.  As uid/gid 1000
# (no groups, no capabilities: asuser), every file under
# /sys/kernel/daxhold, /sys/module/daxhold/parameters and /proc/fs/daxhold,
# found at run time, is opened for reading and for writing (tryopen, which
# reads and writes nothing): each open must fail with EACCES or EPERM.
# Root can read what the user cannot (the refusals are the user's).  Then
# every command of the daxhold tool, as that user, must exit 1 with one
# line saying it needs root.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=120
. /daxtest/lib.sh
require_module daxhold

U=1000
DIRS="/sys/kernel/daxhold /sys/module/daxhold/parameters /proc/fs/daxhold"

plan 23

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "insmod daxhold devices=pmem0" daxhold_load devices=pmem0
is "$(asuser $U id -u) $(asuser $U id -g) $(asuser $U id -G)" "$U $U $U" \
	"asuser $U: uid, gid and groups are $U"

# --- every file, read and write --------------------------------------------
# count DIR: its files (find, at run time).
count() { find "$1" -type f | grep -c .; }
cmp_ok "$(count /sys/kernel/daxhold)" -ge 9 "/sys/kernel/daxhold: at least 9 files"
cmp_ok "$(count /sys/module/daxhold/parameters)" -ge 2 "/sys/module/daxhold/parameters: at least 2 files"
cmp_ok "$(count /proc/fs/daxhold)" -ge 3 "/proc/fs/daxhold: at least 3 files"
find $DIRS -type f | sort > /tmp/files
n=0 r=0 w=0
: > /tmp/bad
while read -r f; do
	n=$((n + 1))
	res=$(asuser $U tryopen "$f")
	case $res in *'read=EACCES '*|*'read=EPERM '*) r=$((r + 1)) ;; *) echo "$f: $res" >> /tmp/bad ;; esac
	case $res in *' write=EACCES'|*' write=EPERM') w=$((w + 1)) ;; *) echo "$f: $res" >> /tmp/bad ;; esac
done < /tmp/files
diag "unprivileged: $n files, $r read refusals, $w write refusals"
diag_file /tmp/bad
cmp_ok "$n" -ge 14 "at least 14 files tried ($n)"
is "$r" "$n" "uid $U: every open for reading refused (EACCES or EPERM)"
is "$w" "$n" "uid $U: every open for writing refused (EACCES or EPERM)"
is "$(sort -u /tmp/bad | grep -c .)" 0 "no file open to uid $U"
# The same opens work for root where the file has the method, so the
# refusals above are the user's.
is "$(tryopen /proc/fs/daxhold/stack)" "read=ok write=ok" "root opens /proc/fs/daxhold/stack"
is "$(tryopen $DAXHOLD_SYSFS/holders)" "read=ok write=EACCES" \
	"root opens holders for reading (it has no write method)"
is "$(tryopen /sys/module/daxhold/parameters/devices)" "read=ok write=EACCES" \
	"root reads parameters/devices (read-only after load)"

# --- the tool ----------------------------------------------------------------
# tool_refused ARGS...: the daxhold tool as uid U exits 1 with one line on
# stderr, saying it needs root, and nothing on stdout.
tool_refused() {
	asuser $U daxhold "$@" < /dev/null > /tmp/tool.out 2> /tmp/tool.err
	_rc=$?
	[ $_rc -eq 1 ] && [ ! -s /tmp/tool.out ] && [ "$(grep -c . /tmp/tool.err)" -eq 1 ] &&
		grep -Eq '^daxhold: /proc/fs/daxhold/[a-z]+: permission denied: .*\(run as root\)$' \
			/tmp/tool.err && return 0
	echo "exit $_rc; stdout:"; cat /tmp/tool.out; echo "stderr:"; cat /tmp/tool.err
	return 1
}
while read -r args; do
	# $args unquoted: the command's words.
	check "daxhold $args as uid $U: exit 1, one line: needs root" tool_refused $args
done <<EOF
status
status --json
events
events --json
events --last 1
events --follow
report
report --json
report --no-paths
EOF
diag "$(asuser $U daxhold status 2>&1)"
check "rmmod daxhold" daxhold_unload
done_testing
