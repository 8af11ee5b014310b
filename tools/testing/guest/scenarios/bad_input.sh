# SPDX-License-Identifier: GPL-2.0
# Bad input, every row of the table in Documentation/admin.rst, "Bad
# input": each bad_input line is one row (tools/testing/bad-input-table.py
# checks that they match, in order), one write to a file of
# /sys/kernel/daxhold (attach, detach, translate, policy, metadata,
# badblocks) or one load with bad module parameters, and one test: the
# errno, and exactly the row's daxhold line and no other.  Then the
# inputs refused before daxhold sees them (writes to read-only files,
# reads of write-only ones: no daxhold line).  The stack: pmem0 with a
# partition pmem0p1 and dm-linear "lin" (dm-0) on it; XFS -o dax directly
# on pmem1 (its dax_device's holder); loop0 without DAX; a symlink loop.
# daxhold loads with policy=list, so it holds nothing by itself.
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

plan 125

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "sfdisk pmem0: pmem0p1" \
	sh -c 'printf "label: gpt\nstart=2048, size=65536\n" | sfdisk -q /dev/pmem0'
check "pmem0p1 appeared" wait_for /dev/pmem0p1 5
check "dmsetup create lin (dm-0) on pmem0p1" \
	dmsetup create lin --table "0 32768 linear $(devnum pmem0p1) 0"
is "$(dm_name_dev lin)" dm-0 "lin is dm-0"
check "XFS -o dax directly on pmem1 (holds its dax_device)" \
	mkfs_mount_dax xfs /dev/pmem1 /mnt/x
truncate -s 16M /tmp/loop.img
check "losetup loop0 (no DAX)" losetup /dev/loop0 /tmp/loop.img
ln -s /tmp/loop-b /tmp/loop-a
ln -s /tmp/loop-a /tmp/loop-b
check "insmod daxhold policy=list" daxhold_load policy=list

# --- attach: nothing held ---------------------------------------------------
bad_input attach '/dev/nope' ENOENT 'attach: /dev/nope: cannot open block device: ENOENT'
bad_input attach 'nope' ENOENT 'attach: /dev/nope: cannot open block device: ENOENT'
bad_input attach '/nonexistent/pmem0' ENOENT 'attach: /nonexistent/pmem0: cannot open block device: ENOENT'
bad_input attach '{a*255}' ENOENT 'attach: /dev/{a*255}: cannot open block device: ENOENT'
bad_input attach '/dev/null' ENOTBLK 'attach: /dev/null: cannot open block device: ENOTBLK'
bad_input attach '/proc/version' ENOTBLK 'attach: /proc/version: cannot open block device: ENOTBLK'
bad_input attach '/dev/' ENOTBLK 'attach: /dev/: cannot open block device: ENOTBLK'
bad_input attach '..' ENOTBLK 'attach: /dev/..: cannot open block device: ENOTBLK'
bad_input attach '/proc/version/x' ENOTDIR 'attach: /proc/version/x: cannot open block device: ENOTDIR'
bad_input attach '/dev/pmem0/' ENOTDIR 'attach: /dev/pmem0/: cannot open block device: ENOTDIR'
bad_input attach '/tmp/loop-a' ELOOP 'attach: /tmp/loop-a: cannot open block device: ELOOP'
bad_input attach 'loop0' EOPNOTSUPP 'attach: /dev/loop0: not a DAX-capable (fsdax pmem) block device'
bad_input attach '/dev/loop0' EOPNOTSUPP 'attach: /dev/loop0: not a DAX-capable (fsdax pmem) block device'
bad_input attach 'pmem0p1' EINVAL 'attach: /dev/pmem0p1: is a partition; attach its whole disk'
bad_input attach '/dev/pmem0p1' EINVAL 'attach: /dev/pmem0p1: is a partition; attach its whole disk'
bad_input attach 'dm-0' EINVAL 'attach: /dev/dm-0: is a device-mapper device; attach the pmem below it'
bad_input attach '/dev/mapper/lin' EINVAL 'attach: /dev/mapper/lin: is a device-mapper device; attach the pmem below it'
bad_input attach 'pmem1' EBUSY 'attach: /dev/pmem1: dax_device already has a holder (a filesystem mounted on it?); leaving it'
bad_input attach '/dev/pmem1' EBUSY 'attach: /dev/pmem1: dax_device already has a holder (a filesystem mounted on it?); leaving it'
bad_input attach '\n' EINVAL 'attach: empty device name'
bad_input attach 'pm em0' EINVAL 'attach: "pm em0": a space in the device name'
bad_input attach 'pmem0\x20' EINVAL 'attach: "pmem0 ": a space in the device name'
bad_input attach 'pmem0\tx' EINVAL 'attach: "pmem0\x09x": a non-printable byte in the device name'
bad_input attach '\x01\x02' EINVAL 'attach: "\x01\x02": a non-printable byte in the device name'
bad_input attach 'pmem0\x7f' EINVAL 'attach: "pmem0\x7f": a non-printable byte in the device name'
bad_input attach 'pmem0\x00' EINVAL 'attach: "pmem0\x00": a non-printable byte in the device name'
bad_input attach 'pmem0\n\n' EINVAL 'attach: "pmem0\x0a": a non-printable byte in the device name'
bad_input attach 'pm\xc3\xa9m0' EINVAL 'attach: "pm\xc3\xa9m0": a non-printable byte in the device name'
bad_input attach 'mapper/lin' EINVAL 'attach: "mapper/lin": a bare name with a slash (a path starts with /)'
bad_input attach '{a*256}' ENAMETOOLONG 'attach: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...: device name longer than 255 bytes'

# --- detach: nothing held ---------------------------------------------------
bad_input detach 'pmem0' ENOENT 'detach: /dev/pmem0: not attached'
bad_input detach '/dev/pmem0' ENOENT 'detach: /dev/pmem0: not attached'
bad_input detach 'nope' ENOENT 'detach: /dev/nope: not attached'
bad_input detach 'pmem0p1' ENOENT 'detach: /dev/pmem0p1: not attached'
bad_input detach '\n' EINVAL 'detach: empty device name'
bad_input detach 'pm em0' EINVAL 'detach: "pm em0": a space in the device name'
bad_input detach '\x01\x02' EINVAL 'detach: "\x01\x02": a non-printable byte in the device name'
bad_input detach 'a/b' EINVAL 'detach: "a/b": a bare name with a slash (a path starts with /)'
bad_input detach '{a*256}' ENAMETOOLONG 'detach: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...: device name longer than 255 bytes'

# --- translate ------------------------------------------------------------------
bad_input translate 'pmem0 0 4096' ENOENT 'translate: "pmem0": not attached'
bad_input translate 'nope 0 4096' ENOENT 'translate: "nope": not attached'
bad_input translate '\n' EINVAL 'translate: "": want '\''<disk> <offset> <len>'\'''
bad_input translate 'pmem0' EINVAL 'translate: "pmem0": want '\''<disk> <offset> <len>'\'''
bad_input translate 'pmem0 0' EINVAL 'translate: "pmem0 0": want '\''<disk> <offset> <len>'\'''
bad_input translate 'pmem0 0 4096 1' EINVAL 'translate: "pmem0 0 4096 1": want '\''<disk> <offset> <len>'\'''
bad_input translate 'pmem0  0 4096' EINVAL 'translate: "pmem0  0 4096": want '\''<disk> <offset> <len>'\'''
bad_input translate '\x200 4096' EINVAL 'translate: " 0 4096": want '\''<disk> <offset> <len>'\'''
bad_input translate 'pmem0\t0\t4096' EINVAL 'translate: "pmem0\x090\x094096": want '\''<disk> <offset> <len>'\'''
bad_input translate 'pmem0 x 4096' EINVAL 'translate: "pmem0 x 4096": offset and len must be decimal or 0x-hex u64'
bad_input translate 'pmem0 -1 4096' EINVAL 'translate: "pmem0 -1 4096": offset and len must be decimal or 0x-hex u64'
bad_input translate 'pmem0 0x 4096' EINVAL 'translate: "pmem0 0x 4096": offset and len must be decimal or 0x-hex u64'
bad_input translate 'pmem0 0X10 4096' EINVAL 'translate: "pmem0 0X10 4096": offset and len must be decimal or 0x-hex u64'
bad_input translate 'pmem0 0 18446744073709551616' EINVAL 'translate: "pmem0 0 18446744073709551616": offset and len must be decimal or 0x-hex u64'
bad_input translate 'pmem0 0 4096\n\n' EINVAL 'translate: "pmem0 0 4096\x0a": offset and len must be decimal or 0x-hex u64'
bad_input translate 'pmem0 0 0' EINVAL 'translate: "pmem0 0 0": len is 0'
bad_input translate 'pmem0 18446744073709551615 2' ERANGE 'translate: "pmem0 18446744073709551615 2": offset + len wraps past 2^64'

# --- with pmem0 held ----------------------------------------------------------
expect_write ok "attach pmem0" $DAXHOLD_SYSFS/attach pmem0
bad_input attach 'pmem0' EEXIST 'attach: /dev/pmem0: already attached'
bad_input attach '/dev/pmem0' EEXIST 'attach: /dev/pmem0: already attached'
bad_input translate 'pmem0 0x8000000000000000 4096' ERANGE 'translate: pmem0: offset 0x8000000000000000 len 0x1000 is past the end of the disk'
bad_input translate 'pmem0 0 0x8000000000000000' ERANGE 'translate: pmem0: offset 0x0 len 0x8000000000000000 is past the end of the disk'
expect_write ok "detach pmem0" $DAXHOLD_SYSFS/detach pmem0

# --- the policy files ---------------------------------------------------------
bad_input policy 'bogus' EINVAL 'policy: unknown policy "bogus" (stacked, all or list)'
bad_input policy '\n' EINVAL 'policy: unknown policy "" (stacked, all or list)'
bad_input policy 'Stacked' EINVAL 'policy: unknown policy "Stacked" (stacked, all or list)'
bad_input policy '\x20all' EINVAL 'policy: unknown policy " all" (stacked, all or list)'
bad_input policy 'all\n\n' EINVAL 'policy: unknown policy "all\x0a" (stacked, all or list)'
bad_input policy 'list,all' EINVAL 'policy: unknown policy "list,all" (stacked, all or list)'
bad_input policy '{a*256}' EINVAL 'policy: unknown policy "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"... (stacked, all or list)'
bad_input metadata 'bogus' EINVAL 'metadata: unknown policy "bogus" (shutdown or report)'
bad_input metadata '\n' EINVAL 'metadata: unknown policy "" (shutdown or report)'
bad_input metadata 'SHUTDOWN' EINVAL 'metadata: unknown policy "SHUTDOWN" (shutdown or report)'
bad_input metadata 'report\x00' EINVAL 'metadata: unknown policy "report\x00" (shutdown or report)'
bad_input metadata 'a"b\\c\x01\x7f' EINVAL 'metadata: unknown policy "a\x22b\x5cc\x01\x7f" (shutdown or report)'
bad_input badblocks 'bogus' EINVAL 'badblocks: unknown policy "bogus" (report or kill)'
bad_input badblocks '\n' EINVAL 'badblocks: unknown policy "" (report or kill)'
bad_input badblocks 'Kill' EINVAL 'badblocks: unknown policy "Kill" (report or kill)'
bad_input badblocks 'report kill' EINVAL 'badblocks: unknown policy "report kill" (report or kill)'
bad_input badblocks '{a*256}' EINVAL 'badblocks: unknown policy "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"... (report or kill)'

# --- refused before daxhold sees them: no daxhold line (admin.rst) ------------
dmesg_mark "refused before daxhold"
for f in holders index; do
	expect_write open-errno=EACCES "write $f (no write method): EACCES at open" \
		$DAXHOLD_SYSFS/$f x
done
for f in attach detach rescan translate; do
	is "$(tryopen $DAXHOLD_SYSFS/$f)" "read=EACCES write=ok" \
		"read $f (no read method): EACCES at open"
done
for f in devices policy; do
	expect_write open-errno=EACCES "write parameters/$f (read-only): EACCES at open" \
		/sys/module/daxhold/parameters/$f x
done
for f in stack events poison; do
	expect_write errno=EIO "write /proc/fs/daxhold/$f: EIO" /proc/fs/daxhold/$f x
done
expect_write ok "a zero-length write to attach never reaches daxhold" \
	$DAXHOLD_SYSFS/attach ''
is "$(daxhold_lines)" "" "none of them logged a daxhold line"

# Nothing changed: no holder, the defaults.
is "$(daxhold_nholders) $(cat $DAXHOLD_SYSFS/policy) $(cat $DAXHOLD_SYSFS/metadata) $(cat $DAXHOLD_SYSFS/badblocks)" \
	"0 list shutdown report" "after every bad input: nothing held, every policy as loaded"
check "rmmod daxhold" daxhold_unload

# --- module parameters at load: the load fails, nothing stays held ------------
bad_input insmod 'policy=bogus' EINVAL 'policy=: unknown policy "bogus" (stacked, all or list)'
bad_input insmod 'policy=' EINVAL 'policy=: unknown policy "" (stacked, all or list)'
bad_input insmod 'policy=List' EINVAL 'policy=: unknown policy "List" (stacked, all or list)'
bad_input insmod 'policy=bogus devices=pmem0' EINVAL 'policy=: unknown policy "bogus" (stacked, all or list)'
# The kernel's own line (kernel/params.c): a parameter without a value.
bad_input insmod 'policy' EINVAL '`'\'' invalid for parameter `policy'\'
bad_input insmod 'devices' EINVAL '`'\'' invalid for parameter `devices'\'
bad_input insmod 'devices=nope' ENOENT 'devices=: /dev/nope: cannot open block device: ENOENT'
bad_input insmod 'devices=/dev/null' ENOTBLK 'devices=: /dev/null: cannot open block device: ENOTBLK'
bad_input insmod 'devices=/dev/loop0' EOPNOTSUPP 'devices=: /dev/loop0: not a DAX-capable (fsdax pmem) block device'
bad_input insmod 'devices=pmem0p1' EINVAL 'devices=: /dev/pmem0p1: is a partition; attach its whole disk'
bad_input insmod 'devices=dm-0' EINVAL 'devices=: /dev/dm-0: is a device-mapper device; attach the pmem below it'
bad_input insmod 'devices=pmem1' EBUSY 'devices=: /dev/pmem1: dax_device already has a holder (a filesystem mounted on it?); leaving it'
bad_input insmod 'devices=pmem0,nope' ENOENT 'devices=: /dev/nope: cannot open block device: ENOENT'
bad_input insmod 'devices=pmem0,pmem0' EEXIST 'devices=: /dev/pmem0: named twice'
bad_input insmod 'devices=pmem0,/dev/pmem0' EEXIST 'devices=: /dev/pmem0: named twice'
bad_input insmod 'devices=pmem0,,' EINVAL 'devices=: empty device name'
bad_input insmod 'devices=,' EINVAL 'devices=: empty device name'
bad_input insmod 'devices="pm em0"' EINVAL 'devices=: "pm em0": a space in the device name'
bad_input insmod 'devices=mapper/lin' EINVAL 'devices=: "mapper/lin": a bare name with a slash (a path starts with /)'
bad_input insmod 'devices={a*256}' ENAMETOOLONG 'devices=: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...: device name longer than 255 bytes'
check "not loaded after the failed loads" sh -c '! [ -e /sys/module/daxhold ]'
check "insmod devices=pmem0 (none of them left pmem0 held)" daxhold_load devices=pmem0
check "rmmod daxhold" daxhold_unload
umount /mnt/x
dmsetup remove lin
losetup -d /dev/loop0
done_testing
