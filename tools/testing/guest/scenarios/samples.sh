# SPDX-License-Identifier: GPL-2.0
# The samples (samples/, Documentation/samples.rst), run for real.
#
# samples/stack.sh builds its stack on a legacy pmem (memmap=128M!1G: the
# e820 pmem driver, /dev/pmem0 fsdax with its memmap in memory, no NFIT):
# GPT partitions sample-pv1..3, dm-linear sample-xfs concatenating the data
# areas of pv1 and pv2 (from 1 MiB in, whole 4 MiB extents, as LVM lays
# out a volume) with XFS -m reflink=1,rmapbt=1 -o dax, dm-linear
# sample-ext4 over pv3 with ext4 -o dax; it loads daxhold, which holds the
# partitioned pmem0 by policy.  Its answers to "where would a failure of
# these pmem bytes go" (daxhold's dry run) must name the volume and sector
# worked out here from the partition starts and the dm tables; running it
# again keeps everything (no mkfs); it refuses a partition, a missing
# device, someone else's partitions and a range past the end; teardown
# leaves no partition, volume or mount, twice; with STACK_RMAPBT=0 the
# answer for the XFS volume says its failures go to daxhold.
#
# samples/poison_recover maps a file on each volume and reads it through
# the mapping; a page of it is marked bad the way the pmem driver records
# poison, in the disk's badblocks (written to /sys/block/pmem0/badblocks:
# no firmware reports poison here).
#   - ext4, BUS_MCEERR_AR: the file is mapped after the page went bad, as
#     when an application starts over known poison; its read faults, the
#     DAX fault sees -EHWPOISON and the program gets SIGBUS BUS_MCEERR_AR
#     at the page, lsb 12.  (A page mapped before it went bad would read
#     fine: the memory behind an emulated bad range is good, and only a
#     real one raises a machine check when read.)
#   - XFS on the concatenated volume, BUS_MCEERR_AO: the program maps the
#     file with early kill and waits; daxhold's badblocks policy `kill`
#     signals it when the new bad range is seen (daxhold's known-poison
#     scan, mf_dax_kill_procs() without MF_ACTION_REQUIRED), lsb 12.
# Either way the program rewrites the page with pwrite(2) (the DAX
# recovery write clears the poison), reads it back through the same
# mapping (`via=mapping`: no munmap/mmap needed on 6.12) and exits 0; the
# badblocks list is empty again, the page stayed on its block, and the
# file equals the pattern written anywhere else.
#
# The nfit flavour cannot run the recovery: nothing can map a page of an
# nfit_test pmem (SIGBUS BUS_ADRERR at the first touch) and a pwrite over
# its bad range gives EIO (Documentation/testing.rst, "Known poison").
#
# daxhold-test: nvdimms=0
# daxhold-test: append=memmap=128M!1G
# daxhold-test: modules=daxhold
# daxhold-test: timeout=180
. /daxtest/lib.sh
require_module daxhold

bd=pmem0
STACK=/daxtest/samples/stack.sh
plan 66

# stack ARGS...: run the stack script; its output in /tmp/stack.out,
# without dmsetup's complaint that this kernel has no System V IPC (it
# cannot synchronise with udev, of which the guest has none anyway).
stack() {
	sh "$STACK" "$@" > /tmp/stack.raw 2>&1
	_rc=$?
	grep -v 'not configured for semaphores' /tmp/stack.raw > /tmp/stack.out
	return $_rc
}

# where_lines OUT: the "where" lines of the script's output OUT.
where_lines() {
	grep '^where ' "$1"
}

# seg_len PART: the length of an LVM-style segment on partition PART
# (sectors from 1 MiB in, whole 4 MiB extents).
seg_len() {
	echo $((($(sectors "$1") - 2048) / 8192 * 8192))
}

check "/dev/$bd (legacy e820 pmem)" wait_for /dev/$bd 10
like "$(ndctl list -N 2>&1 | tr -d ' \n')" '"mode":"fsdax","map":"mem"' \
	"$bd is an fsdax namespace"
is "$(badblocks_of $bd)" "" "no badblocks to start with"
is "$(daxhold_loaded && echo loaded)" "" "daxhold is not loaded yet"

# ------------------------------------------------------------ stack.sh --

# mkfs.xfs refuses file systems under 300 MB outside fstests.
small_xfs_env
# The script loads daxhold from here when it is not loaded.
export DAXHOLD_KO
stack up $bd
rc=$?
cp /tmp/stack.out /tmp/up.out
diag_file /tmp/up.out 30
is $rc 0 "stack.sh up $bd"
is "$(daxhold_loaded && cat $DAXHOLD_SYSFS/policy)" stacked "it loaded daxhold (policy stacked)"
is "$(daxhold_field $bd mode)" auto "daxhold holds $bd by policy (auto)"
is "$(sfdisk --part-label /dev/$bd 1) $(sfdisk --part-label /dev/$bd 2) $(sfdisk --part-label /dev/$bd 3)" \
	"sample-pv1 sample-pv2 sample-pv3" "three GPT partitions, named"
xv=$(dm_name_dev sample-xfs) ev=$(dm_name_dev sample-ext4)
p1=${bd}p1 p2=${bd}p2 p3=${bd}p3
l1=$(seg_len $p1) l2=$(seg_len $p2) l3=$(seg_len $p3)
is "$(dmsetup table sample-xfs)" "0 $l1 linear $(devnum $p1) 2048
$l1 $l2 linear $(devnum $p2) 2048" "sample-xfs ($xv) concatenates pv1 and pv2 from 1 MiB in, whole extents"
is "$(dmsetup table sample-ext4)" "0 $l3 linear $(devnum $p3) 2048" \
	"sample-ext4 ($ev) is pv3 from 1 MiB in"
is "$(awk '$1 == "/dev/mapper/sample-xfs" { print $2, $3 }' /proc/mounts)" \
	"/mnt/sample-xfs xfs" "XFS on sample-xfs at /mnt/sample-xfs"
check "mounted -o dax" mount_has_dax /mnt/sample-xfs
is "$(awk '$1 == "/dev/mapper/sample-ext4" { print $2, $3 }' /proc/mounts)" \
	"/mnt/sample-ext4 ext4" "ext4 on sample-ext4 at /mnt/sample-ext4"
check "mounted -o dax" mount_has_dax /mnt/sample-ext4
like "$(grep "^dev $xv " /proc/fs/daxhold/stack)" "holder=yes" \
	"XFS (rmapbt=1) holds sample-xfs's dax_device"
like "$(grep -A1 "└─$p3 " /tmp/up.out | tail -n 1)" "└─$ev +$(devnum $ev) dm .* ext4$" \
	"the daxhold tool's tree shows $ev (ext4) over $p3"

# The answers for the first byte of each segment: the concatenation's
# boundary is sector l1 of sample-xfs.
s1=$(($(part_start $p1) + 2048)) s2=$(($(part_start $p2) + 2048)) s3=$(($(part_start $p3) + 2048))
want="where $bd $((s1 * 512)) 4096: top $xv dev=$(devnum $xv) sector=0 sectors=8 depth=2 volume=sample-xfs fs=xfs mount=/mnt/sample-xfs to=xfs
where $bd $((s2 * 512)) 4096: top $xv dev=$(devnum $xv) sector=$l1 sectors=8 depth=2 volume=sample-xfs fs=xfs mount=/mnt/sample-xfs to=xfs
where $bd $((s3 * 512)) 4096: top $ev dev=$(devnum $ev) sector=0 sectors=8 depth=2 volume=sample-ext4 fs=ext4 mount=/mnt/sample-ext4 to=daxhold"
is "$(where_lines /tmp/up.out)" "$want" \
	"where a failure at each segment's first byte goes (sample-xfs sectors 0 and $l1, sample-ext4 sector 0)"

# Running it again keeps what is there.
echo keep > /mnt/sample-ext4/keep
echo keep > /mnt/sample-xfs/keep
stack up $bd
is $? 0 "stack.sh up $bd again"
is "$(grep -c 'already there' /tmp/stack.out) $(grep -c mkfs /tmp/stack.out)" "3 0" \
	"partitions and both volumes already there, no mkfs"
is "$(cat /mnt/sample-ext4/keep /mnt/sample-xfs/keep)" "keep
keep" "both file systems kept their files"
is "$(where_lines /tmp/stack.out)" "$want" "the same answers"

# Bytes nothing uses: the GPT header, and pv1's first MiB (the "PV header").
stack where $bd 512 1024
is "$?:$(cat /tmp/stack.out)" \
	"0:where $bd 512 1024: unmapped $bd dev=$(devnum $bd) sector=1 sectors=2 depth=0 volume=- fs=- mount=- to=none" \
	"where: the GPT header is used by nothing above $bd"
stack where $bd $(($(part_start $p1) * 512))
is "$?:$(cat /tmp/stack.out)" \
	"0:where $bd $(($(part_start $p1) * 512)) 4096: unmapped $p1 dev=$(devnum $p1) sector=0 sectors=8 depth=1 volume=- fs=- mount=- to=none" \
	"where: pv1's first MiB is used by nothing above $p1"

# Refusals.
stack where $bd 0x8000000000000000
is "$?:$(cat /tmp/stack.out)" \
	"1:stack.sh: daxhold refused '$bd 0x8000000000000000 4096' (dmesg says why)" \
	"where: a range past the end is refused"
stack up $p1
is "$?:$(cat /tmp/stack.out)" \
	"1:stack.sh: $p1 is a partition: give the whole pmem disk" "up: a partition is refused"
stack up pmem9
is "$?:$(cat /tmp/stack.out)" "1:stack.sh: no block device pmem9" "up: a missing device is refused"
STACK_NAME=other sh "$STACK" up $bd > /tmp/stack.out 2>&1
is "$?:$(cat /tmp/stack.out)" \
	"1:stack.sh: $bd has partitions that are not this script's (other-pv1..3); use another pmem or remove them" \
	"up: someone else's partitions are refused"

# ------------------------------------------------------ poison_recover --

# The pattern anywhere else (tmpfs): what a healthy file holds.
poison_recover --create 16 /tmp/ref.dat > /dev/null
ref=$(md5sum < /tmp/ref.dat)

# recover_round NAME: the checks of one recovery (poison_recover's output
# in /tmp/NAME.out, exit status in $prc, the page's sector S on $bd, the
# file F, the page P, the SIGBUS code CODE, the pass that verified all).
# 8 tests.
recover_round() {
	_o=/tmp/$1.out
	diag_file "$_o"
	is $prc 0 "$1: poison_recover exits 0"
	_sig=$(grep '^sigbus ' "$_o")
	_map=$(field map "$(grep '^mapped ' "$_o")")
	_off=$(printf '0x%x' $((P * 4096)))
	diag "$1: SIGBUS code=$(field code "$_sig") lsb=$(field lsb "$_sig"), range offset=$(field offset "$_sig") len=$(field len "$_sig")"
	is "$(echo "$_sig" | wc -l) $(field code "$_sig") $(field lsb "$_sig")" "1 $CODE 12" \
		"$1: one SIGBUS, BUS_MCEERR_$CODE, lsb 12"
	is "$(printf '0x%x' $((_map + P * 4096)))" "$(field addr "$_sig")" \
		"$1: si_addr is page $P of its mapping"
	is "$(field offset "$_sig") $(field len "$_sig")" "$_off 0x1000" \
		"$1: the damaged range is page $P"
	is "$(sed -n '/^sigbus /,$p' "$_o" | grep -E '^(recovered|reread|verified|done) ')" \
		"recovered offset=$_off len=0x1000
reread offset=$_off len=0x1000 via=mapping
verified pass=$PASS pages=16
done recovered=1" "$1: rewritten, read back through the same mapping, every page verified"
	diag "$1: badblocks after: '$(badblocks_of $bd)'"
	is "$(badblocks_of $bd)" "" "$1: the badblocks entry is gone"
	is "$(fiemap_sector "$F" $P)" "$fsec" "$1: page $P stayed on its block"
	is "$(md5sum < "$F")" "$ref" "$1: the file holds the pattern"
}

# where_page NAME VOLUME DEV FS TO: page $P of $F, on VOLUME (dm device
# DEV, filesystem FS mounted at /mnt/VOLUME): its sector on the volume
# ($fsec, by FIEMAP) and on the pmem ($s); stack.sh where must name it,
# going to TO (1 test).
where_page() {
	fsec=$(fiemap_sector "$F" $P)
	w=$(pmem_sector $2 "$fsec")
	s=${w#* }
	diag "$1: page $P of $F is sector $fsec of $2, $w"
	stack where $bd $((s * 512))
	is "$(cat /tmp/stack.out)" \
		"where $bd $((s * 512)) 4096: top $3 dev=$(devnum $3) sector=$fsec sectors=8 depth=2 volume=$2 fs=$4 mount=/mnt/$2 to=$5" \
		"$1: stack.sh where names the page's sector on $2"
}

# ext4: known poison met on access (AR).
F=/mnt/sample-ext4/ar.dat P=5 CODE=AR PASS=1
poison_recover --create 16 "$F" > /tmp/create.out 2>&1
is "$?:$(grep -E '^(created|verified)' /tmp/create.out)" "0:created pages=16
verified pass=1 pages=16" "ext4: poison_recover --create 16 writes and verifies $F"
like "$(grep '^mapped ' /tmp/create.out)" " dax=1 " "ext4: $F is a DAX file"
where_page ext4 sample-ext4 $ev ext4 daxhold
expect_write ok "ext4: echo '$s 8' > /sys/block/$bd/badblocks" /sys/block/$bd/badblocks "$s 8"
bb_rescan
diag "ext4: badblocks before: '$(badblocks_of $bd)'"
is "$(badblocks_of $bd)" "$s 8" "ext4: badblocks is '$s 8'"
# daxhold's known-poison scan names the file before anyone touches it.
_named() { grep -q "^file $bd sector=$s " /proc/fs/daxhold/poison; }
UNTIL_SECONDS=20 until_ok _named
pl=$(grep "^file $bd sector=$s " /proc/fs/daxhold/poison)
is "$(field fsdev "$pl") $(field ino "$pl") $(field offset "$pl") $(field len "$pl")" \
	"$(devnum $ev) $(stat -c %i "$F") 0x5000 0x1000" \
	"ext4: /proc/fs/daxhold/poison names page $P of $F"
daxhold report > /tmp/report.out 2>&1
diag_file /tmp/report.out
dmesg_mark ar
poison_recover "$F" > /tmp/ext4.out 2>&1
prc=$?
recover_round ext4
is "$(dmesg_count_since_mark "MCE: Killing poison_recover:[0-9]+ due to hardware memory corruption fault at ")" 1 \
	"ext4: the kernel logged the action-required SIGBUS of the DAX fault"

# XFS on the concatenated volume: a running early-kill mapper told by
# daxhold's known-poison scan (AO).
expect_write ok "xfs: echo kill > $DAXHOLD_SYSFS/badblocks" $DAXHOLD_SYSFS/badblocks kill
F=/mnt/sample-xfs/ao.dat P=9 CODE=AO PASS=2
rm -f /tmp/go
mkfifo /tmp/go
exec 5<> /tmp/go	# never blocks the writer, whatever the program does
poison_recover --create 16 --early-kill --go /tmp/go "$F" > /tmp/xfs.out 2>&1 &
pid=$!
_ready() { grep -q '^ready ' /tmp/xfs.out; }
UNTIL_SECONDS=30 check "xfs: poison_recover maps $F with early kill and waits" until_ok _ready
like "$(grep '^mapped ' /tmp/xfs.out)" " dax=1 early_kill=1$" "xfs: a DAX file, early kill"
where_page xfs sample-xfs $xv xfs xfs
dmesg_mark ao
expect_write ok "xfs: echo '$s 8' > /sys/block/$bd/badblocks" /sys/block/$bd/badblocks "$s 8"
bb_rescan
_reread() { grep -q '^reread ' /tmp/xfs.out || ! kill -0 $pid 2> /dev/null; }
UNTIL_SECONDS=30 until_ok _reread
echo go >&5
wait $pid
prc=$?
exec 5>&-
recover_round xfs
# The program clears the entry within milliseconds: daxhold's log shows
# it came and went.
daxhold_wait "badblocks: sector $s sectors 8: cleared"
diag "xfs: $(daxhold_lines | grep "badblocks: sector $s " | tr '\n' ';')"
is "$(daxhold_lines | grep "badblocks: sector $s ")" \
	"daxhold: $bd: badblocks: sector $s sectors 8: new
daxhold: $bd: badblocks: sector $s sectors 8: cleared" \
	"xfs: daxhold saw the bad range come, then go"
is "$(dmesg_grep_since_mark "daxhold: $bd: badblocks: dev " | strip_ts)" \
	"daxhold: $bd: badblocks: dev $(devnum $xv) ino $(stat -c %i "$F") pgoff $P pages 1: early-kill mappers signalled (0)" \
	"xfs: daxhold signalled the early-kill mappers of $F page $P"
expect_write ok "echo report > $DAXHOLD_SYSFS/badblocks" $DAXHOLD_SYSFS/badblocks report

# --------------------------------------------------------- teardown --

stack teardown $bd
is "$?:$(cat /tmp/stack.out)" "0:stack.sh: $bd: torn down (daxhold stays loaded: rmmod daxhold)" \
	"stack.sh teardown $bd"
is "$(ls -d /sys/class/block/${bd}p* 2> /dev/null | wc -l) $(dmsetup ls 2>&1) $(grep -c sample /proc/mounts)" \
	"0 No devices found 0" "no partition, volume or mount left"
UNTIL_SECONDS=5 until_ok sh -c "! grep -q '^held $bd ' /proc/fs/daxhold/stack"
is "$(grep -c "^held $bd " /proc/fs/daxhold/stack)" 0 \
	"daxhold let go of $bd (policy stacked, no partitions)"
stack teardown $bd
is $? 0 "stack.sh teardown $bd again"

# XFS without rmapbt still holds the volume but declines failures: the
# answer must send them to daxhold.  (teardown zeroed the volumes: new
# file systems.)
export STACK_RMAPBT=0
stack up $bd $((s1 * 512))
rc=$?
xv=$(dm_name_dev sample-xfs)
is "$rc:$(grep -c mkfs /tmp/stack.out):$(where_lines /tmp/stack.out)" \
	"0:2:where $bd $((s1 * 512)) 4096: top $xv dev=$(devnum $xv) sector=0 sectors=8 depth=2 volume=sample-xfs fs=xfs mount=/mnt/sample-xfs to=daxhold" \
	"STACK_RMAPBT=0 stack.sh up $bd: new file systems, sample-xfs's failures go to daxhold"
like "$(grep "^dev $xv " /proc/fs/daxhold/stack)" "holder=yes" \
	"XFS (rmapbt=0) holds sample-xfs's dax_device all the same"
unset STACK_RMAPBT
stack teardown $bd
is $? 0 "stack.sh teardown $bd"
check "rmmod daxhold" daxhold_unload
done_testing
