# SPDX-License-Identifier: GPL-2.0
# The attach policy and its controls.
#  (a) stacked (the default): a bare pmem is not held; partitioning it makes
#      daxhold hold it (mode=auto, from the change signals' work item: waited
#      for); deleting the partitions lets it go again.
#  (b) XFS on a partition of a pmem daxhold holds cannot take the
#      dax_device's holder slot: exactly one daxhold line naming the
#      partition, the pmem and the filesystem (xfs), and XFS mounts
#      without DAX with its own "DAX unsupported" alert.  Upstream (before
#      daxhold is loaded) the same XFS mounts with DAX.
#  (c) policy=all holds a bare pmem; policy=list holds nothing but
#      devices=.  A failure of a page of the bare pmem1 (corrupt-pfn,
#      nothing maps it) reaches daxhold where it holds pmem1: its
#      notify_failure and "-> top" lines, and the daxhold_failure and
#      daxhold_top trace events (pmem1 itself, depth 0, declined); where it
#      does not, neither a line nor an event.
#  (d) writing /sys/kernel/daxhold/policy (stacked -> list -> all) applies
#      at once; `insmod policy=bogus` and writing `bogus` give EINVAL and
#      one clear line each, and change nothing.
#  (e) attaching a dm device (dm-N or /dev/mapper/NAME) gives EINVAL with
#      one line.
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=180
. /daxtest/lib.sh
require_module daxhold

plan 76

P=$DAXHOLD_SYSFS/policy
check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
# The held set as "pmem0=auto pmem1=manual" (sorted by name; holders is in
# slot order).
held_set() {
	daxhold_holders | awk '{ m = $NF; sub(/^mode=/, "", m); print $1 "=" m }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
partition_pmem0() {
	printf 'label: gpt\nstart=2048, size=1048576\n' | sfdisk -q /dev/pmem0
}
# fail_pmem1 N: daxhold's trace events on (a new module's are off), the
# buffer emptied, a dmesg mark, then corrupt-pfn of page N of pmem1 from
# 128 MiB in (nothing maps it, dm never uses it): memory_failure() has run
# when it returns, and with it the trace events.  Sets FAIL_OFF, the
# page's byte offset on pmem1.
fail_pmem1() {
	FAIL_OFF=$(((128 << 20) + $1 * 4096))
	[ ! -d "$TRACEFS/events/daxhold" ] || trace_on
	dmesg_mark "failure of pmem1 page $1"
	diag "corrupt-pfn of pmem1 offset $FAIL_OFF:" \
		"$(hwpoison_pfn $((($(pmem_data_start pmem1) + FAIL_OFF) >> 12)))"
}
# failure_reached LABEL MODE: the failure of fail_pmem1 reached daxhold,
# which holds pmem1 (MODE): its lines and its trace events.  3 tests.
failure_reached() {
	daxhold_wait 'daxhold: pmem1: .* -> top '
	daxhold_lines > /tmp/fail.lines
	diag_file /tmp/fail.lines
	like "$(cat /tmp/fail.lines)" \
		"daxhold: pmem1: offset $(printf '0x%x' $FAIL_OFF) len 0x1000 -> top pmem1 sector $((FAIL_OFF / 512)) sectors 8 depth 0: " \
		"$1: the failure of pmem1 ($2) reaches daxhold: -> top pmem1 itself"
	_t=$(trace_ev daxhold_failure)
	is "$(field pmem "$_t") $(($(field offset "$_t"))) $(($(field len "$_t")))" \
		"pmem1 $FAIL_OFF 4096" "$1: trace: daxhold_failure pmem1, the page's offset, one page"
	_t=$(trace_ev daxhold_top)
	is "$(field device "$_t") $(field dev "$_t") $(field sector "$_t") $(field depth "$_t") $(field outcome "$_t")" \
		"pmem1 $(devnum pmem1) $((FAIL_OFF / 512)) 0 declined" \
		"$1: trace: daxhold_top pmem1 itself, the page's sector, depth 0, declined"
}

# --- (b) upstream first: XFS on a partition holds the pmem itself --------
check "sfdisk pmem0: one 512 MiB partition" partition_pmem0
mkdir -p /mnt/x
check "mkfs.xfs /dev/pmem0p1 (reflink=1, the default)" mkfs.xfs -q -f /dev/pmem0p1
dmesg_mark "upstream, reflink=1"
mount_fails() { ! mount -t xfs -o dax /dev/pmem0p1 /mnt/x; }
check "without daxhold: mount -o dax of a reflink XFS on a partition fails" mount_fails
kmsg=$(dmesg_grep_since_mark 'XFS' | strip_ts)
diag "$kmsg"
like "$kmsg" 'XFS \(pmem0p1\): DAX and reflink cannot work with multi-partitions!' \
	"without daxhold: XFS refuses DAX and reflink on a partition"
check "mkfs.xfs -m reflink=0 /dev/pmem0p1" mkfs.xfs -q -f -m reflink=0 /dev/pmem0p1
check "without daxhold: mount -o dax /dev/pmem0p1" mount -t xfs -o dax /dev/pmem0p1 /mnt/x
check "without daxhold: XFS on pmem0p1 runs with DAX (it holds pmem0's dax_device)" \
	mount_has_dax /mnt/x
check "umount" umount /mnt/x
check "sfdisk --delete pmem0: bare again" sfdisk -q --delete /dev/pmem0
check "pmem0p1 is gone" test ! -e /sys/class/block/pmem0p1

# --- (a) stacked ----------------------------------------------------------
check "insmod daxhold (no parameters)" daxhold_load
is "$(cat $P)" stacked "policy reads stacked"
is "$(daxhold_nholders)" 0 "stacked: bare pmem0 and pmem1 are not held"
check "sfdisk pmem0 again" partition_pmem0
want() { [ "$(held_set)" = "$1" ]; }
check "stacked: partitioned pmem0 becomes held (by the change signals' work item)" \
	until_ok want pmem0=auto
is "$(held_set)" pmem0=auto "stacked: pmem0 held by policy, bare pmem1 not"

# --- (b) XFS on a partition of the held pmem0 -----------------------------
check "mkfs.xfs -m reflink=0 /dev/pmem0p1" mkfs.xfs -q -f -m reflink=0 /dev/pmem0p1
dmesg_mark "xfs on a held pmem"
check "mount -o dax /dev/pmem0p1" mount -t xfs -o dax /dev/pmem0p1 /mnt/x
dmesg_grep_since_mark 'daxhold: |XFS' | strip_ts > /tmp/xfs.lines
diag_file /tmp/xfs.lines
no_dax() { ! mount_has_dax /mnt/x; }
check "XFS on pmem0p1 runs without DAX" no_dax
diag "/proc/mounts: $(grep ' /mnt/x ' /proc/mounts)"
is "$(grep -c 'cannot hold the dax_device' /tmp/xfs.lines)" 1 \
	"exactly one 'cannot hold the dax_device' line"
like "$(grep 'cannot hold the dax_device' /tmp/xfs.lines)" \
	'^daxhold: pmem0p1: .* cannot hold the dax_device of pmem0, which daxhold holds: ' \
	"it names the partition and the pmem"
like "$(grep 'cannot hold the dax_device' /tmp/xfs.lines)" \
	'^daxhold: pmem0p1: xfs cannot hold the dax_device of pmem0' \
	"it names the filesystem (xfs)"
is "$(grep -c 'XFS (pmem0p1): DAX unsupported by block device. Turning off DAX.' /tmp/xfs.lines)" 1 \
	"XFS's own alert: DAX unsupported by block device"
is "$(dmesg_count_since_mark 'daxhold: ')" 1 "no other daxhold line"
is "$(held_set)" pmem0=auto "daxhold still holds pmem0"
check "umount" umount /mnt/x
check "sfdisk --delete pmem0" sfdisk -q --delete /dev/pmem0
check "stacked: pmem0 let go once it has no partitions" until_ok want ""
check "sfdisk pmem0 again (for the rest)" partition_pmem0
check "stacked: pmem0 held again" until_ok want pmem0=auto
check "rmmod daxhold" daxhold_unload

# --- (d) a bad policy at load ---------------------------------------------
dmesg_mark "insmod policy=bogus"
is "$(modctl load "$DAXHOLD_KO" policy=bogus)" errno=EINVAL "insmod policy=bogus: EINVAL"
dmesg_grep_since_mark 'daxhold' | strip_ts > /tmp/bogus.lines
diag_file /tmp/bogus.lines
is "$(grep -c . /tmp/bogus.lines)" 1 "insmod policy=bogus: one line"
like "$(cat /tmp/bogus.lines)" '^daxhold: policy=: unknown policy "bogus" \(stacked, all or list\)$' \
	"insmod policy=bogus: the line names the value and says what is allowed"
check "insmod policy=bogus: not loaded" test ! -d /sys/module/daxhold

# --- (c) all and list ------------------------------------------------------
check "insmod policy=all" daxhold_load policy=all
is "$(cat $P)" all "policy reads all"
is "$(held_set)" "pmem0=auto pmem1=auto" "all: the bare pmem1 is held too"
fail_pmem1 0
failure_reached all auto
check "rmmod daxhold" daxhold_unload
check "insmod policy=list" daxhold_load policy=list
is "$(daxhold_nholders)" 0 "list: nothing held, not even the partitioned pmem0"
fail_pmem1 1
is "$(grep -c ' daxhold_[a-z]*: ' "$TRACEFS/trace")" 0 \
	"list: a failure of pmem1, not held: no daxhold trace event"
sleep 0.5	# the failure log's work item, were there one
is "$(dmesg_count_since_mark 'daxhold: ')" 0 "list: a failure of pmem1, not held: no daxhold line"
check "rmmod daxhold" daxhold_unload
check "insmod policy=list devices=pmem1" daxhold_load policy=list devices=pmem1
is "$(held_set)" pmem1=manual "list: only devices= (pmem1, manual)"
fail_pmem1 2
failure_reached list manual
check "rmmod daxhold" daxhold_unload

# --- (d) policy at run time -------------------------------------------------
check "insmod daxhold (stacked)" daxhold_load
check "stacked: pmem0 held" until_ok want pmem0=auto
expect_write ok "write list" $P list
is "$(held_set)" "" "list applies at once: pmem0 let go"
is "$(cat $P)" list "policy reads list"
expect_write ok "write all" $P 'all\n'
is "$(held_set)" "pmem0=auto pmem1=auto" "all applies at once: pmem0 and the bare pmem1 held"
is "$(cat $P)" all "policy reads all"
dmesg_mark "write bogus"
expect_write errno=EINVAL "write bogus: EINVAL" $P bogus
dmesg_grep_since_mark 'daxhold' | strip_ts > /tmp/bogus.lines
diag_file /tmp/bogus.lines
is "$(grep -c . /tmp/bogus.lines)" 1 "write bogus: one line"
like "$(cat /tmp/bogus.lines)" '^daxhold: policy: unknown policy "bogus" \(stacked, all or list\)$' \
	"write bogus: the line names the value and says what is allowed"
is "$(cat $P)" all "write bogus: policy unchanged"
is "$(held_set)" "pmem0=auto pmem1=auto" "write bogus: holders unchanged"

# --- (e) a dm device is not attached ---------------------------------------
check "dmsetup create lin on pmem1" \
	dmsetup create lin --table "0 65536 linear $(devnum pmem1) 0"
dm=$(dm_name_dev lin)
for name in "$dm" /dev/mapper/lin; do
	dmesg_mark "attach $name"
	expect_write errno=EINVAL "attach $name: EINVAL" $DAXHOLD_SYSFS/attach "$name"
	dmesg_grep_since_mark 'daxhold' | strip_ts > /tmp/attach.lines
	diag_file /tmp/attach.lines
	is "$(grep -c . /tmp/attach.lines)" 1 "attach $name: one line"
	like "$(cat /tmp/attach.lines)" \
		"^daxhold: attach: (/dev/)?${name#/dev/}: is a device-mapper device; attach the pmem below it$" \
		"attach $name: the line says it is a dm device"
done
check "dmsetup remove lin" dmsetup remove lin
check "rmmod daxhold" daxhold_unload
done_testing
