# SPDX-License-Identifier: GPL-2.0
# Every bad input to daxhold's control surface gets its specific errno:
# attach/detach through /sys/kernel/daxhold, and the devices= parameter.
# Then 4 background shells attach and detach pmem0 for ~10 s while a
# fifth reads holders: no oops, no unexpected errno, consistent end state.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

A=$DAXHOLD_SYSFS/attach
D=$DAXHOLD_SYSFS/detach
H=$DAXHOLD_SYSFS/holders

plan 56

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "insmod daxhold" daxhold_load

is "$(stat -c %a $A)" 200 "attach is mode 0200"
is "$(stat -c %a $D)" 200 "detach is mode 0200"
is "$(stat -c %a $H)" 400 "holders is mode 0400"

# --- names that do not resolve to a usable block device -----------------
expect_write errno=ENOENT "attach /dev/nope: ENOENT" $A /dev/nope
expect_write errno=ENOENT "attach nope: ENOENT" $A nope
expect_write errno=ENOTBLK "attach /dev/null (char device): ENOTBLK" $A /dev/null
expect_write errno=ENOTBLK "attach /proc/version (regular file): ENOTBLK" \
	$A /proc/version

truncate -s 16M /tmp/loop.img
losetup /dev/loop0 /tmp/loop.img
expect_write errno=EOPNOTSUPP "attach loop0 (no DAX): EOPNOTSUPP" $A loop0
expect_write errno=EOPNOTSUPP "attach /dev/loop0 (no DAX): EOPNOTSUPP" \
	$A /dev/loop0

# --- malformed strings ---------------------------------------------------
expect_write errno=EINVAL "attach of bytes 01 02: EINVAL" $A '\x01\x02'
expect_write errno=EINVAL "attach of a lone newline (empty): EINVAL" $A '\n'
expect_write errno=EINVAL "attach of 'pm em0' (space inside): EINVAL" \
	$A 'pm em0'
expect_write errno=EINVAL "attach of 'pmem0<TAB>x' (tab inside): EINVAL" \
	$A 'pmem0\tx'
expect_write errno=EINVAL "attach of 'pmem0<DEL>': EINVAL" $A 'pmem0\x7f'
expect_write errno=EINVAL "detach of bytes 01 02: EINVAL" $D '\x01\x02'
long255=$(printf '%255s' '' | tr ' ' a)
long256=${long255}a
expect_write errno=ENOENT "attach of a 255-byte name: ENOENT" $A "$long255"
expect_write errno=ENAMETOOLONG "attach of a 256-byte name: ENAMETOOLONG" \
	$A "$long256"
expect_write errno=ENAMETOOLONG "detach of a 256-byte name: ENAMETOOLONG" \
	$D "$long256"

# --- attach/detach state -------------------------------------------------
expect_write errno=ENOENT "detach pmem0, not attached: ENOENT" $D pmem0
expect_write errno=ENOENT "detach nope: ENOENT" $D nope
expect_write ok "attach 'pmem0\\n' (trailing newline allowed)" $A 'pmem0\n'
is "$(daxhold_nholders)" 1 "holders lists one device"
# holders_format: "pmem0 MAJ:MIN" then every contract key, each 0.
holders_format() {
	_l=$(daxhold_holders)
	echo "$_l" | grep -Eq '^pmem0 259:[0-9]+ ' || { echo "$_l"; return 1; }
	for _k in calls action_required action_optional pre_remove bytes \
		last_offset last_len last_flags; do
		_v=$(field $_k "$_l")
		_same "$_v" 0 || { echo "$_k='$_v' in: $_l"; return 1; }
	done
}
check "holders line: pmem0 MAJ:MIN and every counter 0" holders_format
expect_write errno=EEXIST "attach pmem0 twice: EEXIST" $A pmem0
expect_write errno=EEXIST "attach /dev/pmem0 (same device): EEXIST" \
	$A /dev/pmem0
expect_write ok "detach /dev/pmem0 (by path)" $D /dev/pmem0
is "$(daxhold_nholders)" 0 "holders is empty"
expect_write errno=ENOENT "detach pmem0 again: ENOENT" $D pmem0

# --- a partition -----------------------------------------------------------
echo ',64M' | sfdisk -q /dev/pmem0 > /tmp/sfdisk.out 2>&1
wait_for /dev/pmem0p1 5
check "sfdisk made /dev/pmem0p1" test -b /dev/pmem0p1
expect_write errno=EINVAL "attach pmem0p1 (a partition): EINVAL" $A pmem0p1
expect_write errno=EINVAL "attach /dev/pmem0p1 (a partition): EINVAL" \
	$A /dev/pmem0p1

# --- devices= at insmod --------------------------------------------------
check "rmmod daxhold" daxhold_unload
dmesg_mark bad-param
is "$(modctl load $DAXHOLD_KO devices=nope)" errno=ENOENT \
	"insmod devices=nope: ENOENT"
is "$(dmesg_count_since_mark 'daxhold: ')" 1 "one daxhold dmesg line"
is "$(modctl load $DAXHOLD_KO devices=/dev/loop0)" errno=EOPNOTSUPP \
	"insmod devices=/dev/loop0: EOPNOTSUPP"
is "$(modctl load $DAXHOLD_KO devices=pmem0p1)" errno=EINVAL \
	"insmod devices=pmem0p1: EINVAL"
is "$(modctl load $DAXHOLD_KO devices=pmem0,nope)" errno=ENOENT \
	"insmod devices=pmem0,nope: ENOENT"
is "$([ -e /sys/module/daxhold ] && echo loaded)" "" \
	"daxhold is not loaded after the failures"
# pmem0 must not be left held by the failed insmod.
check "insmod devices=pmem0 after the failures" daxhold_load devices=pmem0
is "$(daxhold_nholders)" 1 "holders lists pmem0"
expect_write ok "detach pmem0" $D pmem0

# --- bad values to the policy files: EINVAL, one line naming the value ---
# bad_value FILE STRING: write STRING (writefile -e escapes) to the control
# FILE; prints the result, then daxhold's dmesg lines since the write.
bad_value() {
	dmesg_mark "bad value to $1"
	write_result "$DAXHOLD_SYSFS/$1" "$2"
	daxhold_lines
}
is "$(bad_value policy 'bogus\n')" 'errno=EINVAL
daxhold: policy: unknown policy "bogus" (stacked, all or list)' \
	"policy bogus: EINVAL, one line naming it"
is "$(bad_value metadata 'bogus\n')" 'errno=EINVAL
daxhold: metadata: unknown policy "bogus" (shutdown or report)' \
	"metadata bogus: EINVAL, one line naming it"
is "$(bad_value badblocks 'bogus\n')" 'errno=EINVAL
daxhold: badblocks: unknown policy "bogus" (report or kill)' \
	"badblocks bogus: EINVAL, one line naming it"
is "$(bad_value metadata 'a"b\\c\x01\x7f\n')" 'errno=EINVAL
daxhold: metadata: unknown policy "a\x22b\x5cc\x01\x7f" (shutdown or report)' \
	"metadata a\"b\\c<01><7f>: quotes, backslash and control bytes escaped"
is "$(bad_value badblocks "$long256")" 'errno=EINVAL
daxhold: badblocks: unknown policy "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"... (report or kill)' \
	"badblocks of 256 bytes: EINVAL, the line shows the first 32"

# --- concurrency ---------------------------------------------------------
SECS=10
hammer() {	# hammer attach|detach OUT: every result, one per line
	_end=$(( $(date +%s) + SECS ))
	while [ "$(date +%s)" -lt $_end ]; do
		writefile "$DAXHOLD_SYSFS/$1" pmem0
	done > "$2"
}
reader() {
	_end=$(( $(date +%s) + SECS ))
	while [ "$(date +%s)" -lt $_end ]; do
		_l=$(grep -c . $H)
		[ "$_l" -le 1 ] || echo "holders had $_l lines"
	done > "$1"
}
hammer attach /tmp/c.a1 &
hammer attach /tmp/c.a2 &
hammer detach /tmp/c.d1 &
hammer detach /tmp/c.d2 &
reader /tmp/c.r &
wait
cat /tmp/c.a1 /tmp/c.a2 > /tmp/c.attach
cat /tmp/c.d1 /tmp/c.d2 > /tmp/c.detach
diag "attach: $(sort /tmp/c.attach | uniq -c | tr -s ' \n' ' ')"
diag "detach: $(sort /tmp/c.detach | uniq -c | tr -s ' \n' ' ')"
{ grep -Evx 'ok|errno=EEXIST' /tmp/c.attach | sed 's/^/attach: /'
  grep -Evx 'ok|errno=ENOENT' /tmp/c.detach | sed 's/^/detach: /'
  cat /tmp/c.r; } > /tmp/c.bad
diag_file /tmp/c.bad 10
is "$(grep -c . /tmp/c.bad)" 0 "concurrent attach/detach: no unexpected result"
na=$(grep -cx ok /tmp/c.attach)
nd=$(grep -cx ok /tmp/c.detach)
cmp_ok "$((na < nd ? na : nd))" -ge 1 \
	"the storm really raced: $na attaches and $nd detaches succeeded"
cmp_ok "$(daxhold_nholders)" -le 1 "holders lists at most one device"
is "$((na - nd))" "$(daxhold_nholders)" \
	"successful attaches - successful detaches == devices held"
r=$(daxhold_detach pmem0)
like "$r" '^(ok|errno=ENOENT)$' "final detach: ok or ENOENT ($r)"
is "$(daxhold_nholders)" 0 "holders is empty after the final detach"
expect_write ok "attach pmem0 after the storm" $A pmem0
check "rmmod daxhold with pmem0 attached" daxhold_unload
losetup -d /dev/loop0
done_testing
