# SPDX-License-Identifier: GPL-2.0
# Recovery from known poison on a stack (issue 5 item 3), nfit_test
# namespace, daxhold loaded (policy stacked): ext4 on a dm-linear volume
# over partition 1 and XFS (-m reflink=1,rmapbt=1) on a dm-linear volume
# over partition 2 of one fsdax namespace, both mounted -o dax.  For each:
# four files of known contents, checksummed; `ndctl inject-error` under
# page 3 of one of them (sector computed from FIEMAP, the dm table and the
# partition start; ext4 with notification, XFS --no-notify plus a scrub);
# the entry appears in /sys/block/pmemN/badblocks; the damaged page reads
# EIO through DAX; the page is rewritten; the entry is gone, the page reads
# back as written, every other byte of every file is unchanged, also after
# a remount, and a later scrub finds nothing.
#
# What was learnt on nfit_test (6.12, tools/testing/nvdimm), with and
# without daxhold alike:
#   - partitions of the namespace, ext4 -o dax on a partition, dm-linear
#     over a partition with ext4 or XFS (-m reflink=1,rmapbt=1) -o dax on
#     it all work (STATX_ATTR_DAX set; dm devices have no /sys/block/dm-N/dax
#     directory, the mount's dax=always and statx say it).  mkfs.xfs needs
#     the fstests variables for a file system under 300 MB (small_xfs_env).
#   - `ndctl inject-error --block=N` is relative to the start of the
#     namespace's data area: block N is sector N of /dev/pmemN.
#   - mmap of any DAX file on an nfit_test namespace gets SIGBUS
#     (BUS_ADRERR) on first touch, poison or not: nfit_test backs the
#     "pmem" with vmalloc pages and hands them out without PFN_DEV|PFN_MAP,
#     which vm_mixed_ok() refuses.  So nothing can map a damaged page here.
#   - read(2) of a damaged page through DAX gives EIO (the other pages of
#     the file read).
#   - pwrite(2) over the damaged range (whole page, 512 bytes, O_DIRECT or
#     not) gives EIO and leaves the entry: nfit_test replaces
#     __pmem_direct_access() by one that returns -EIO on any bad sector, so
#     the kernel's DAX recovery write (dax_iomap_iter -> DAX_RECOVERY_WRITE
#     -> pmem_recovery_write -> pmem_clear_poison) is never reached on
#     nfit_test.  On real NVDIMMs the plain pwrite is the recovery; on a
#     legacy memmap= pmem it is shown by pmem_recovery_write.sh.
#   - What does recover, because it writes the block through the block
#     layer (pmem_do_write clears poison, nfit_test's clear-error forgets
#     the injection):
#       ext4: `xfs_io -c "fzero OFF LEN"` (FALLOC_FL_ZERO_RANGE keeps the
#       block, as unwritten), then pwrite: DAX converts the unwritten
#       extent with EXT4_GET_BLOCKS_ZERO, whose zeroout writes the block.
#       A punch + rewrite moves the page to another block and leaves the
#       bad (now free) block in badblocks until it is reused.
#       XFS: fpunch, sync (the freed extent stops being busy), pwrite: XFS
#       allocates the same block for the hole and zeroes it first
#       (XFS_BMAPI_ZERO).  Its fzero instead moves the page to a new
#       unwritten block (the old one is still busy), leaving the entry.
#
# daxhold-test: flavour=nfit
# daxhold-test: nvdimms=0
# daxhold-test: modules=daxhold
# daxhold-test: timeout=180
. /daxtest/lib.sh
require_module daxhold

BUS=nfit_test.0
PAGE=3          # the damaged page of the victim file
PAT=5a          # what the recovery writes there

plan 49

check "insmod the nfit_test modules" nfit_load
check "an fsdax namespace on $BUS" nfit_fsdax "$BUS"
ns=$NFIT_NS bd=$NFIT_BD
diag "$ns is /dev/$bd, $(sectors "$bd") sectors"
is "$(badblocks_of "$bd")" "" "no badblocks on $bd to start with"
check "insmod daxhold (policy stacked)" daxhold_load

# Two partitions, a dm-linear volume into each, ext4 and XFS -o dax on
# them, four files on each.
ext4_xfs_dm_pair "$bd" 61440

# cycle FS MNT DEV HOW: poison page $PAGE of MNT/f1 (on DEV) and recover
# it; HOW is notify or scrub.  17 tests.
cycle() {
	fs=$1 mnt=$2 dev=$3 how=$4
	f=$mnt/f1
	cp "$f" "/tmp/orig.${f##*/}"
	fsec=$(fiemap_sector "$f" $PAGE)
	where=$(pmem_sector "$dev" "$fsec")
	diag "$fs: page $PAGE of $f is sector $fsec of $dev, $where"
	is "${where% *}" "$bd" "$fs: page $PAGE of $f lies on $bd"
	s=${where#* }
	dmesg_mark "$fs-inject"
	if [ "$how" = notify ]; then
		check "$fs: ndctl inject-error --block=$s --count=8 $ns" \
			ndctl inject-error --block=$s --count=8 "$ns"
		_bb() { [ "$(badblocks_of "$bd")" = "$s 8" ]; }
		UNTIL_SECONDS=20 until_ok _bb
	else
		_inject() {
			ndctl inject-error --block=$s --count=8 --no-notify "$ns" &&
				nfit_scrub "$BUS"
		}
		check "$fs: ndctl inject-error --block=$s --count=8 --no-notify $ns; scrub" \
			_inject
	fi
	is "$(badblocks_of "$bd")" "$s 8" "$fs: /sys/block/$bd/badblocks is '$s 8'"
	poison_names "$fs" "$f" "$dev" "$bd" "$s" $PAGE
	like "$(xfs_io -c "pread $((PAGE * 4096)) 4096" "$f" 2>&1)" \
		"Input/output error" "$fs: a DAX read of the damaged page gives EIO"
	like "$(xfs_io -c "pread 0 $((PAGE * 4096))" "$f" 2>&1)" \
		"^read $((PAGE * 4096))/$((PAGE * 4096)) bytes" \
		"$fs: the pages before it read"
	like "$(xfs_io -c "pwrite -S 0x$PAT $((PAGE * 4096)) 4096" "$f" 2>&1)" \
		"Input/output error" \
		"$fs: a plain pwrite over it gives EIO on nfit_test (no DAX recovery write)"
	is "$(badblocks_of "$bd")" "$s 8" "$fs: and leaves the entry"
	case $fs in
	ext4)
		check "$fs: rewrite: fzero the page (keeps the block, unwritten), pwrite it" \
			xfs_io -c "fzero $((PAGE * 4096)) 4096" \
			-c "pwrite -S 0x$PAT $((PAGE * 4096)) 4096" "$f" ;;
	xfs)
		check "$fs: rewrite: fpunch the page, sync, pwrite it" \
			sh -c "xfs_io -c 'fpunch $((PAGE * 4096)) 4096' $f && sync && \
				xfs_io -c 'pwrite -S 0x$PAT $((PAGE * 4096)) 4096' $f" ;;
	esac
	is "$(fiemap_sector "$f" $PAGE)" "$fsec" "$fs: the page is on the same block again"
	is "$(badblocks_of "$bd")" "" "$fs: the badblocks entry is gone"
	is "$(ndctl inject-error --status "$ns" 2>&1 | tr -d ' \n')" "" \
		"$fs: and nfit_test forgot the injection (clear-error)"
	is "$(page_bytes "$f" $PAGE)" "$PAT" "$fs: page $PAGE reads back as written"
	is "$(md5sum < "$f" | cut -d' ' -f1)" "$(md5_page_filled "/tmp/orig.${f##*/}" $PAGE $PAT)" \
		"$fs: the rest of $f is unchanged"
	sed "s|^[0-9a-f]*  $f\$|$(md5_page_filled "/tmp/orig.${f##*/}" $PAGE $PAT)  $f|" /tmp/sums.before > /tmp/sums.want
	is "$(md5sum /mnt/e/f* /mnt/x/f* | md5sum)" "$(md5sum < /tmp/sums.want)" \
		"$fs: every other file is unchanged"
}

cycle ext4 /mnt/e "$ev" notify
cp /tmp/sums.want /tmp/sums.before
cycle xfs /mnt/x "$xv" scrub

check "umount both" sh -c "umount /mnt/e && umount /mnt/x"
check "mount both -o dax again" sh -c \
	"mount -t ext4 -o dax /dev/mapper/ev /mnt/e && mount -t xfs -o dax /dev/mapper/xv /mnt/x"
is "$(md5sum /mnt/e/f* /mnt/x/f* | md5sum)" "$(md5sum < /tmp/sums.want)" \
	"after the remount every file has the checksum it should"
check "ndctl start-scrub; ndctl wait-scrub" nfit_scrub "$BUS"
is "$(badblocks_of "$bd")" "" "a scrub after the recovery finds nothing"

check "umount, dmsetup remove" sh -c \
	"umount /mnt/e && umount /mnt/x && dmsetup remove ev && dmsetup remove xv"
check "rmmod daxhold" daxhold_unload
done_testing
