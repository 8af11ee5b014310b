#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stack.sh - build a sample storage stack on an fsdax pmem, under daxhold,
# and show where a failure of the pmem would go.
#
#   stack.sh up PMEM [OFFSET...]       build it (what is already there and
#                                      matches is kept), show it, then where
#                                      a failure at each byte OFFSET of PMEM
#                                      would go (default: the first byte of
#                                      each volume segment)
#   stack.sh where PMEM OFFSET [LEN]   where a failure of LEN bytes (default
#                                      4096) at byte OFFSET of PMEM would go
#   stack.sh teardown PMEM             unmount, remove the volumes, delete
#                                      the partitions (daxhold stays loaded)
#
# PMEM is a whole fsdax pmem disk (pmem0 or /dev/pmem0) given over to the
# sample: everything on it is lost.  OFFSET and LEN are bytes, decimal or
# 0x hex.  The stack, as LVM would lay it out:
#
#   PMEM: GPT, partitions NAME-pv1, NAME-pv2, NAME-pv3 (3/8, 3/8, 2/8)
#   NAME-xfs   dm-linear: the data areas of pv1 and pv2 concatenated (each
#              from 1 MiB into its partition, whole 4 MiB extents, like an
#              LVM PV's pe_start and extent size); XFS -m reflink=1,rmapbt=R
#              mounted -o dax at MNT/NAME-xfs
#   NAME-ext4  dm-linear over the data area of pv3; ext4 -o dax at
#              MNT/NAME-ext4
#
# daxhold is loaded if it is not (insmod $DAXHOLD_KO if set, else modprobe
# daxhold); its default policy (stacked) holds the partitioned PMEM by
# itself, and the script attaches PMEM if the policy does not.  The answer
# to "where would a failure go" is daxhold's dry run
# (/proc/fs/daxhold/translate, Documentation/admin.rst): nothing is
# signalled.  One line per piece of the range, the dry run's own words
# then what they name:
#
#   where pmem0 2097152 4096: top dm-0 dev=254:0 sector=0 sectors=8 depth=2 volume=sample-xfs fs=xfs mount=/mnt/sample-xfs to=xfs
#
# `to` says who would act on a real failure there: `xfs` (XFS with rmapbt
# holds the volume: its own notify_failure), `daxhold` (daxhold's reverse
# map: ext4, XFS without rmapbt), `kernel` (no file system daxhold knows:
# the kernel's per-page handling) or `none` (an `unmapped` piece: the
# device does not use those bytes).
#
# Environment:
#   STACK_NAME    name prefix of the partitions, volumes and mount points
#                 (default sample)
#   STACK_MNT     where the mount points go (default /mnt)
#   STACK_RMAPBT  1 (default) or 0: XFS's rmapbt (0: XFS declines
#                 failures and daxhold's reverse map finds the owners)
#   DAXHOLD_KO    the daxhold.ko to insmod when the module is not loaded
#
# Needs sfdisk, dmsetup, mkfs.xfs, mkfs.ext4; the daxhold tool (`make
# tool`) if installed, for the status tree.  mkfs.xfs 6.x refuses file
# systems under 300 MB (unless run under fstests: TEST_DIR, TEST_DEV and
# QA_CHECK_FS set), so the pmem should have about 450 MiB or more (the
# XFS volume is 3/4 of it).
#
# Exit status: 0 done, 1 an error (one line on stderr says what), 2 usage.

NAME=${STACK_NAME:-sample}
MNT=${STACK_MNT:-/mnt}
RMAPBT=${STACK_RMAPBT:-1}
PE_START=2048		# sectors: where an LVM PV's data area starts (1 MiB)
EXTENT=8192		# sectors: LVM's default extent size (4 MiB)
SYSFS=/sys/kernel/daxhold
PROCFS=/proc/fs/daxhold

# Without udev, dmsetup makes the /dev/mapper nodes itself (and does not
# wait for udev).
[ -e /run/udev/control ] || export DM_DISABLE_UDEV=1

die() {
	echo "stack.sh: $*" >&2
	exit 1
}

say() {
	echo "stack.sh: $*"
}

usage() {
	{ echo usage:; sed -n '7,15s/^#//p' "$0"; } >&2
	exit 2
}

# sysval DEV FILE: /sys/class/block/DEV/FILE.
sysval() {
	cat "/sys/class/block/$1/$2" 2>/dev/null
}

# part_of N: the kernel name of partition N of $PMEM (pmem0p1), or nothing.
part_of() {
	for _p in "/sys/class/block/$PMEM/$PMEM"*; do
		[ "$(cat "$_p/partition" 2>/dev/null)" = "$1" ] &&
			{ echo "${_p##*/}"; return 0; }
	done
	return 1
}

# nparts: how many partitions $PMEM has.
nparts() {
	_n=0
	for _p in "/sys/class/block/$PMEM/$PMEM"*; do
		[ -e "$_p/partition" ] && _n=$((_n + 1))
	done
	echo $_n
}

# ours: $PMEM has exactly this script's three partitions (by name).
ours() {
	[ "$(nparts)" = 3 ] || return 1
	for _i in 1 2 3; do
		[ "$(sfdisk --part-label "/dev/$PMEM" $_i 2>/dev/null)" = "$NAME-pv$_i" ] ||
			return 1
	done
}

# mounted_at MNT: the device mounted at MNT, or nothing.
mounted_at() {
	awk -v m="$1" '$2 == m { d = $1 } END { if (d) print d }' /proc/mounts
}

# lv_table N...: the dm-linear table of a volume over the data areas of
# partitions N... of $PMEM, in whole extents.
lv_table() {
	_at=0
	for _i in "$@"; do
		_p=$(part_of "$_i") || return 1
		_len=$((($(sysval "$_p" size) - PE_START) / EXTENT * EXTENT))
		[ "$_len" -gt 0 ] || return 1
		echo "$_at $_len linear $(sysval "$_p" dev) $PE_START"
		_at=$((_at + _len))
	done
}

# check_pmem: $PMEM is a whole fsdax pmem disk.
check_pmem() {
	[ -e "/sys/class/block/$PMEM" ] || die "no block device $PMEM"
	[ -e "/sys/class/block/$PMEM/partition" ] &&
		die "$PMEM is a partition: give the whole pmem disk"
	case $PMEM in
	pmem*) ;;
	*) die "$PMEM is not a pmem disk" ;;
	esac
	[ -d "/sys/block/$PMEM/dax" ] ||
		die "$PMEM has no DAX (not an fsdax namespace: ndctl create-namespace -m fsdax)"
}

# partition: make the three partitions, unless they are there already.
partition() {
	if ours; then
		say "$PMEM: partitions $NAME-pv1..3 already there"
		return 0
	fi
	[ "$(nparts)" = 0 ] ||
		die "$PMEM has partitions that are not this script's ($NAME-pv1..3); use another pmem or remove them"
	[ -z "$(ls "/sys/block/$PMEM/holders" 2>/dev/null)" ] ||
		die "$PMEM is in use by $(ls "/sys/block/$PMEM/holders")"
	grep -q "^/dev/$PMEM " /proc/mounts && die "$PMEM is mounted"
	# GPT: 2048 sectors in front, 34 at the end; 1 MiB units.
	_units=$((($(sysval "$PMEM" size) - 2048 - 34) / 2048))
	_a=$((_units * 3 / 8 * 2048)) _c=$((_units * 2 / 8 * 2048))
	[ "$_c" -ge $((2 * PE_START + EXTENT)) ] || die "$PMEM is too small"
	say "$PMEM: partitioning (GPT: $NAME-pv1, $NAME-pv2, $NAME-pv3)"
	printf 'label: gpt\nstart=2048, size=%s, name="%s-pv1"\nsize=%s, name="%s-pv2"\nsize=%s, name="%s-pv3"\n' \
		$_a "$NAME" $_a "$NAME" $_c "$NAME" |
		sfdisk -q "/dev/$PMEM" || die "sfdisk /dev/$PMEM failed"
	_i=0
	until [ -b "/dev/$(part_of 3)" ]; do
		_i=$((_i + 1))
		[ $_i -le 50 ] || die "the partitions of $PMEM did not appear"
		sleep 0.1
	done
}

# daxhold_up: load daxhold if needed and make sure it holds $PMEM.
daxhold_up() {
	if [ ! -d /sys/module/daxhold ]; then
		if [ -n "$DAXHOLD_KO" ]; then
			insmod "$DAXHOLD_KO" || die "insmod $DAXHOLD_KO failed"
		else
			modprobe daxhold ||
				die "modprobe daxhold failed (set DAXHOLD_KO=path/to/daxhold.ko)"
		fi
		say "daxhold loaded (policy $(cat $SYSFS/policy))"
	fi
	[ -e "$PROCFS/stack" ] || die "this daxhold has no $PROCFS/stack"
	# The policy (default stacked) takes the partitioned pmem by itself,
	# a moment after the partitions appeared.
	_i=0
	until grep -q "^held $PMEM " "$PROCFS/stack"; do
		_i=$((_i + 1))
		if [ $_i -gt 30 ]; then
			echo "$PMEM" > "$SYSFS/attach" ||
				die "attaching $PMEM to daxhold failed (dmesg says why)"
			break
		fi
		sleep 0.1
	done
	say "daxhold holds $PMEM ($(sed -n "s/^held $PMEM .*\(mode=[a-z]*\).*/\1/p" "$PROCFS/stack"))"
}

# volume VOL N...: the dm-linear volume VOL over partitions N...
volume() {
	_vol=$1
	shift
	_want=$(lv_table "$@") || die "cannot size volume $_vol on $PMEM"
	if dmsetup info "$_vol" > /dev/null 2>&1; then
		# dmsetup shows devices as MAJ:MIN, as given.
		[ "$(dmsetup table "$_vol")" = "$_want" ] ||
			die "dm device $_vol exists with another table; stack.sh teardown $PMEM first"
		say "volume $_vol already there"
		return 0
	fi
	echo "$_want" | dmsetup create "$_vol" || die "dmsetup create $_vol failed"
	[ -b "/dev/mapper/$_vol" ] || die "no /dev/mapper/$_vol"
	say "volume $_vol: $(echo "$_want" | wc -l) segment(s), $(($(echo "$_want" |
		awk '{ s += $2 } END { print s }') / 2048)) MiB"
}

# filesystem TYPE VOL: TYPE mounted -o dax on VOL at $MNT/VOL; a file
# system already on VOL is kept, otherwise one is made.
filesystem() {
	_dir=$MNT/$2
	_dev=/dev/mapper/$2
	mkdir -p "$_dir" || die "mkdir $_dir failed"
	if [ -z "$(mounted_at "$_dir")" ] &&
		! mount -t "$1" -o dax "$_dev" "$_dir" 2> /dev/null; then
		say "$2: mkfs.$1"
		case $1 in
		xfs) mkfs.xfs -q -f -m reflink=1,rmapbt="$RMAPBT" "$_dev" ;;
		ext4) mkfs.ext4 -q -F -b 4096 "$_dev" ;;	# DAX: 4 KiB blocks
		esac || die "mkfs.$1 on $_dev failed"
		mount -t "$1" -o dax "$_dev" "$_dir" ||
			die "mount -t $1 -o dax $_dev $_dir failed"
	fi
	awk -v m="$_dir" '$2 == m { print $4 }' /proc/mounts | tr , '\n' |
		grep -Eq '^dax(=always)?$' ||
		die "$_dir is mounted without DAX (dmesg says why)"
	say "$2: $1 -o dax at $_dir"
}

# xfs_rmapbt DEV: 1 if the XFS on DEV has a reverse-map btree, else 0.
# From its superblock: "XFSB", a version 5 file system (the low bits of
# sb_versionnum, big-endian at byte 0x64) with XFS_SB_FEAT_RO_COMPAT_RMAPBT
# (bit 1 of sb_features_ro_compat, big-endian at byte 0xd4).
xfs_rmapbt() {
	[ "$(dd if="$1" bs=4 count=1 2> /dev/null)" = XFSB ] || { echo 0; return; }
	_v=$(od -An -tu1 -j 101 -N 1 "$1" | tr -d ' ')
	_f=$(od -An -tu1 -j 215 -N 1 "$1" | tr -d ' ')
	if [ $((_v & 15)) -eq 5 ] && [ $((_f & 2)) -ne 0 ]; then
		echo 1
	else
		echo 0
	fi
}

# where OFFSET LEN: daxhold's dry run of a failure of those bytes.
where() {
	[ -e "$PROCFS/translate" ] ||
		die "daxhold is not loaded, or has no $PROCFS/translate"
	# One request per open file: write it, read the answer back.
	exec 3<> "$PROCFS/translate" || die "cannot open $PROCFS/translate"
	if ! printf '%s %s %s' "$PMEM" "$1" "$2" >&3; then
		exec 3>&-
		die "daxhold refused '$PMEM $1 $2' (dmesg says why)"
	fi
	_answer=$(cat <&3)
	exec 3>&-
	[ -n "$_answer" ] || {
		echo "where $PMEM $1 $2: nothing above $PMEM uses these bytes"
		return 0
	}
	echo "$_answer" | while read -r _kind _dev _rest; do
		_vol=$(cat "/sys/class/block/$_dev/dm/name" 2>/dev/null)
		_mnt=$(awk -v a="/dev/mapper/$_vol" -v b="/dev/$_dev" \
			'$1 == a || $1 == b { print $2 " " $3; exit }' /proc/mounts)
		_fs=${_mnt#* }
		_mnt=${_mnt% *}
		case $_kind:$_fs in
		unmapped:*) _to=none ;;	# the device does not use these bytes
		*:xfs)
			# XFS holds the volume's dax_device either way, but
			# without rmapbt it declines failures: daxhold's turn.
			if grep -q "^dev $_dev .*holder=yes" "$PROCFS/stack" &&
				[ "$(xfs_rmapbt "/dev/$_dev")" = 1 ]; then
				_to=xfs
			else
				_to=daxhold
			fi ;;
		*:ext4|*:ext2) _to=daxhold ;;
		*) _to=kernel ;;
		esac
		echo "where $PMEM $1 $2: $_kind $_dev $_rest volume=${_vol:--} fs=${_fs:--} mount=${_mnt:--} to=$_to"
	done
}

up() {
	check_pmem
	partition
	daxhold_up
	volume "$NAME-xfs" 1 2
	volume "$NAME-ext4" 3
	filesystem xfs "$NAME-xfs"
	filesystem ext4 "$NAME-ext4"
	if command -v daxhold > /dev/null 2>&1; then
		daxhold status
	else
		cat "$PROCFS/stack"
	fi
	if [ $# -eq 0 ]; then
		# The first byte of each volume segment.
		for _i in 1 2 3; do
			_p=$(part_of $_i)
			set -- "$@" $((($(sysval "$_p" start) + PE_START) * 512))
		done
	fi
	for _o in "$@"; do
		where "$_o" 4096
	done
}

teardown() {
	[ -e "/sys/class/block/$PMEM" ] || die "no block device $PMEM"
	for _v in "$NAME-xfs" "$NAME-ext4"; do
		if [ -n "$(mounted_at "$MNT/$_v")" ]; then
			umount "$MNT/$_v" || die "umount $MNT/$_v failed (in use?)"
		fi
		rmdir "$MNT/$_v" 2> /dev/null
		dmsetup info "$_v" > /dev/null 2>&1 || continue
		# No file system left behind for a later `up` to pick up.
		dd if=/dev/zero of="/dev/mapper/$_v" bs=1M count=1 2> /dev/null
		dmsetup remove "$_v" || die "dmsetup remove $_v failed (in use?)"
	done
	if ours; then
		sfdisk -q --delete "/dev/$PMEM" || die "sfdisk --delete /dev/$PMEM failed"
	elif [ "$(nparts)" != 0 ]; then
		die "$PMEM has partitions that are not this script's; left alone"
	fi
	say "$PMEM: torn down (daxhold stays loaded: rmmod daxhold)"
}

[ $# -ge 2 ] || usage
cmd=$1
PMEM=${2#/dev/}
shift 2
case $cmd in
up) up "$@" ;;
where)
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	[ -e "/sys/class/block/$PMEM" ] || die "no block device $PMEM"
	where "$1" "${2:-4096}" ;;
teardown) [ $# -eq 0 ] || usage; teardown ;;
*) usage ;;
esac
