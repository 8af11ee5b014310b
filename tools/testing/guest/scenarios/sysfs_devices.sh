# SPDX-License-Identifier: GPL-2.0
# /sys/kernel/daxhold/devices/<disk>/: one value per file for each held
# disk (Documentation/admin.rst, "Control files").  Attached by devices=
# at load and by `attach`, the directory appears with the disk and goes
# with it (detach, rmmod); each file is one line with one value, the same
# as the disk's `holders` line says, before and after a failure (ext4
# -o dax on the held pmem0, a page poisoned with madvise: the counters
# and the last_* values follow it).  Reads racing with attach/detach give
# a value or ENODEV, never an oops or a leak.  The translate dry run
# answers through /proc/fs/daxhold/translate (write a request, read the
# answer on the same open file), as the sysfs translate logs it.
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=200
. /daxtest/lib.sh
require_module daxhold

plan 32

D=/sys/kernel/daxhold/devices
FILES="dev mode calls action_required action_optional pre_remove rejected
bytes last_offset last_len last_flags forwarded declined failed unmapped"

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "insmod daxhold devices=pmem1 policy=list" daxhold_load devices=pmem1 policy=list
check "devices/pmem1 exists after load" test -d $D/pmem1
check "no devices/pmem0 (not held)" test ! -e $D/pmem0
check "attach pmem0" sh -c "echo pmem0 > $DAXHOLD_SYSFS/attach"
check "devices/pmem0 exists" test -d $D/pmem0
is "$(ls $D/pmem0 | tr '\n' ' ')" \
	"$(echo $FILES | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"devices/pmem0 has exactly the documented files"

# one_value DISK: each file of devices/DISK is one line with one word.
one_value() {
	for _f in $FILES; do
		_v=$(cat "$D/$1/$_f") || { echo "$_f: read failed"; continue; }
		[ "$(wc -l < "$D/$1/$_f")" = 1 ] || echo "$_f: not one line"
		case "$_v" in *" "* | "") echo "$_f: '$_v' is not one value" ;; esac
	done
}
# same_as_holders DISK: each file equals the field of DISK's holders line.
same_as_holders() {
	_l=$(grep "^$1 " "$DAXHOLD_SYSFS/holders")
	[ "$(cat "$D/$1/dev")" = "$(echo "$_l" | cut -d' ' -f2)" ] ||
		echo "dev: $(cat "$D/$1/dev") vs $(echo "$_l" | cut -d' ' -f2)"
	for _f in $FILES; do
		[ "$_f" = dev ] && continue
		[ "$(cat "$D/$1/$_f")" = "$(field "$_f" "$_l")" ] ||
			echo "$_f: $(cat "$D/$1/$_f") vs holders $(field "$_f" "$_l")"
	done
}
is "$(one_value pmem0)" "" "devices/pmem0: one value per file"
is "$(cat $D/pmem0/dev) $(cat $D/pmem0/mode)" "$(cat /sys/block/pmem0/dev) manual" \
	"devices/pmem0: dev is the disk's, mode manual"
is "$(cat $D/pmem1/mode)" manual "devices/pmem1: devices= is manual too"
is "$(same_as_holders pmem0)" "" "devices/pmem0 says what holders says"
is "$(cat $D/pmem0/calls) $(cat $D/pmem0/last_offset)" "0 0x0" \
	"devices/pmem0 before a failure: calls 0, last_offset 0x0"

# --- A failure: ext4 -o dax on the held pmem0 ---------------------------
check "mkfs.ext4 + mount -o dax /dev/pmem0" mkfs_mount_dax ext4 /dev/pmem0 /mnt/e
dd if=/dev/urandom of=/mnt/e/f bs=4096 count=16 2>/dev/null
sync
dmesg_mark poison
dax_poison /mnt/e/f 3 > /tmp/p.out 2>&1
is $? 0 "dax_poison got a SIGBUS"
daxhold_wait 'Sending SIGBUS'
nf=$(nf_line pmem0)
is "$(cat $D/pmem0/calls) $(cat $D/pmem0/action_required) $(cat $D/pmem0/bytes)" \
	"1 1 4096" "after it: calls 1, action_required 1, bytes 4096"
is "$(cat $D/pmem0/last_offset) $(cat $D/pmem0/last_len) $(cat $D/pmem0/last_flags)" \
	"$(field offset "$nf") 0x1000 $(field mf_flags "$nf")" \
	"last_offset, last_len, last_flags as the notify_failure line"
is "$(cat $D/pmem0/declined) $(cat $D/pmem0/forwarded)" "1 0" \
	"declined 1 (ext4 holds nothing: the reverse map), forwarded 0"
is "$(same_as_holders pmem0)" "" "and still what holders says"
is "$(one_value pmem0)" "" "and one value per file"
check "umount" umount /mnt/e

# --- /proc/fs/daxhold/translate: the dry run answered in a file ---------
check "dm-linear 'tv' over pmem0 from sector 2048" \
	sh -c "echo '0 16384 linear $(devnum pmem0) 2048' | dmsetup create tv"
tv=$(dm_name_dev tv)
# ask REQUEST: write it to the transaction file, read the answer back on
# the same open file; a refused write prints its error.
ask() {
	exec 3<> /proc/fs/daxhold/translate
	_err=$(printf '%s' "$1" | dd bs=4096 2>&1 >&3 | grep -v records)
	if [ -n "$_err" ]; then
		echo "$_err"
	else
		cat <&3
	fi
	exec 3>&-
}
is "$(ask 'pmem0 0x100000 8192')" \
	"top $tv dev=$(devnum $tv) sector=0 sectors=16 depth=1" \
	"translate answer: pmem0 byte 1 MiB is sector 0 of $tv, depth 1"
dmesg_mark translate
echo "pmem0 0x100000 8192" > $DAXHOLD_SYSFS/translate
like "$(dmesg_grep_since_mark 'translate #' | strip_ts)" \
	"translate #[0-9]+: pmem0 -> top $tv sector 0 sectors 16 depth 1\$" \
	"the same as the sysfs translate's dmesg line"
like "$(ask 'pmem99 0 4096' 2>&1)" "No such file or directory" \
	"translate answer for a disk not held: ENOENT"
like "$(ask 'pmem0 zz 4096' 2>&1)" "Invalid argument" \
	"translate answer for a bad offset: EINVAL"
check "dmsetup remove tv" dmsetup remove tv

# --- Detach, reads racing with attach/detach, rmmod ---------------------
check "detach pmem0" sh -c "echo pmem0 > $DAXHOLD_SYSFS/detach"
check "devices/pmem0 is gone" test ! -e $D/pmem0
# 300 rounds of reads of three files, while pmem0 is attached and detached.
( i=0; while [ $i -lt 300 ]; do
	for f in calls dev mode; do
		v=$(cat $D/pmem0/$f 2>&1)
		case "$v" in
		*"No such device"* | *"No such file"*) echo miss ;;
		[0-9]* | manual) echo value ;;
		*) echo "bad $f: $v" ;;
		esac
	done
	i=$((i + 1)); done > /tmp/reads ) &
reader=$!
rounds=0
while kill -0 $reader 2>/dev/null; do
	echo pmem0 > $DAXHOLD_SYSFS/attach 2>/dev/null
	echo pmem0 > $DAXHOLD_SYSFS/detach 2>/dev/null
	rounds=$((rounds + 1))
done
wait $reader
diag "900 reads raced with $rounds attach/detach rounds:" \
	"$(grep -c '^value' /tmp/reads) values, $(grep -c '^miss' /tmp/reads) ENODEV/ENOENT"
grep '^bad' /tmp/reads > /tmp/reads.bad
diag_file /tmp/reads.bad
is "$(grep -c . /tmp/reads) $(grep -c '^bad' /tmp/reads)" "900 0" \
	"reads racing with attach/detach: each a value, ENODEV or ENOENT"
cmp_ok "$(grep -c '^value' /tmp/reads)" -gt 0 "some of them while attached"
check "rmmod daxhold while pmem1 is held" daxhold_unload
check "/sys/kernel/daxhold is gone" test ! -e /sys/kernel/daxhold
