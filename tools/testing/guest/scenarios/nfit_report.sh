# SPDX-License-Identifier: GPL-2.0
# Known poison reported as damaged files (issue 5 item 5), nfit_test
# namespace, daxhold loaded (policy stacked): ext4 directly on partition 1
# and XFS (-m reflink=1,rmapbt=1) on a dm-linear volume 2 MiB into
# partition 2, both -o dax.  Four `ndctl inject-error`s under files, two
# with notification and two --no-notify followed by a scrub, at sectors
# computed from FIEMAP, the dm table and the partition starts:
#   E1 ext4 f1 page 3 (8 sectors, notify)   E2 ext4 f2 pages 1-2 (16, scrub)
#   X1 xfs  f1 page 2 (8 sectors, notify)   X2 xfs  f3 page 7 (8, scrub)
# /sys/block/pmemN/badblocks must hold exactly these; `daxhold report`
# (and --json) must name exactly these files, inodes, offsets and lengths
# and the top device and sector of each range.  `--uninject` alone leaves
# the kernel's entries (and the report); a rewrite (nfit_recovery.sh:
# ext4 fzero + pwrite, XFS fpunch + sync + pwrite) clears them and the
# report is empty.  Bad arguments to the tool and bad values to the kernel
# interface give clear errors.  The parts that need the module's
# /proc/fs/daxhold/poison are skipped (# SKIP) while it has none.
#
# daxhold-test: flavour=nfit
# daxhold-test: nvdimms=0
# daxhold-test: modules=daxhold
# daxhold-test: timeout=180
. /daxtest/lib.sh
require_module daxhold

BUS=nfit_test.0

plan 49

check "insmod the nfit_test modules" nfit_load
check "an fsdax namespace on $BUS" nfit_fsdax "$BUS"
ns=$NFIT_NS bd=$NFIT_BD
check "insmod daxhold (policy stacked)" daxhold_load
check "enable the daxhold trace events" \
	sh -c 'echo 1 > /sys/kernel/tracing/events/daxhold/enable'
printf 'label: dos\nstart=2048, size=61440, type=83\nstart=63488, type=83\n' |
	sfdisk -q "/dev/$bd"
check "partitions ${bd}p1 and ${bd}p2" wait_for "/dev/${bd}p2"
echo "0 $(($(sectors ${bd}p2) - 4096)) linear $(devnum ${bd}p2) 4096" |
	dmsetup create xv
xv=$(dm_name_dev xv)
held() { [ "$(daxhold_field "$bd" mode)" = auto ]; }
check "daxhold holds $bd (auto)" until_ok held
small_xfs_env
check "ext4 -o dax on ${bd}p1" mkfs_mount_dax ext4 "/dev/${bd}p1" /mnt/e
check "mkfs.xfs -m reflink=1,rmapbt=1 on xv ($xv)" \
	mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/mapper/xv
mkdir -p /mnt/x
check "mount -o dax xv" mount -t xfs -o dax /dev/mapper/xv /mnt/x
for m in e x; do
	for i in 0 1 2 3; do
		dd if=/dev/urandom of=/mnt/$m/f$i bs=4096 count=16 2>/dev/null
	done
done
sync

# record FILE KIND NAME KEY=VALUE...: FILE has a KIND NAME line with all
# these KEY=VALUE words (in any order, other keys allowed: admin.rst's
# forward-compatibility rules).
record() {
	_f=$1; shift
	awk -v want="$*" 'BEGIN { n = split(want, w, " ") }
		$1 == w[1] && $2 == w[2] {
			delete have; for (i = 3; i <= NF; i++) have[$i] = 1
			ok = 1; for (i = 3; i <= n; i++) if (!(w[i] in have)) ok = 0
			if (ok) found = 1 }
		END { exit !found }' "$_f"
}
# The stack daxhold translates known poison through (K1's stack file).
if [ -r /proc/fs/daxhold/stack ]; then
	cat /proc/fs/daxhold/stack > /tmp/stack
	: > /tmp/stack.missing
	while read -r line; do
		record /tmp/stack $line || echo "$line" >> /tmp/stack.missing
	done <<-EOT
	held $bd dev=$(devnum $bd) mode=auto sectors=$(sectors $bd)
	dev ${bd}p1 dev=$(devnum ${bd}p1) kind=part sectors=$(sectors ${bd}p1)
	dev $xv dev=$(devnum $xv) kind=dm sectors=$(sectors $xv) holder=yes
	map ${bd}p1 lower=$bd start=0 sectors=$(sectors ${bd}p1) lower_start=2048 target=part
	map ${bd}p2 lower=$bd start=0 sectors=$(sectors ${bd}p2) lower_start=63488 target=part
	map $xv lower=${bd}p2 start=0 sectors=$(sectors $xv) lower_start=4096 target=linear
	fs ${bd}p1 type=ext4
	fs $xv type=xfs
	EOT
	is "$(cat /tmp/stack.missing)" "" \
		"/proc/fs/daxhold/stack: $bd held, its partitions, xv over ${bd}p2 (XFS its holder), the filesystems"
	[ -s /tmp/stack.missing ] && diag_file /tmp/stack
else
	skip "/proc/fs/daxhold/stack: the nfit_test stack" "no /proc/fs/daxhold/stack in this module"
fi

poison_file() { [ -r /proc/fs/daxhold/poison ]; }
NOPOISON="the module has no /proc/fs/daxhold/poison yet (K1/K2)"

# Before any poison: an empty report, or the tool's message for a module
# without the poison file.
if poison_file; then
	is "$(daxhold report 2>&1)" "no known poison on the held pmem disks" \
		"daxhold report before any injection: nothing"
else
	out=$(daxhold report 2>&1)
	like "$?:$out" "^1:daxhold: .*older than this tool" \
		"daxhold report on a module without the poison file: exit 1, 'older than this tool'"
fi

# inject NAME FILE PAGE PAGES HOW: inject-error under PAGES pages of FILE
# from PAGE (HOW notify or scrub); records "NAME PMEMSECTOR SECTORS FILE
# PAGE PAGES TOPDEV TOPSECTOR" in /tmp/expect.  One test.
: > /tmp/expect
inject() {
	_fs=$(fiemap_sector "$2" "$3")
	_dev=$(awk -v m="${2%/*}" '$2 == m { print $1 }' /proc/mounts)
	_dev=${_dev##*/}
	# /dev/mapper/NAME is a device node here (no udev): its kernel name.
	[ -e "/sys/class/block/$_dev" ] || _dev=$(dm_name_dev "$_dev")
	_w=$(pmem_sector "$_dev" "$_fs")
	_s=${_w#* } _n=$(($4 * 8))
	echo "$1 $_s $_n $2 $3 $4 $_dev $_fs" >> /tmp/expect
	diag "$1: $2 pages $3-$(($3 + $4 - 1)): sector $_fs of $_dev, $_w, $_n sectors ($5)"
	if [ "$5" = notify ]; then
		check "$1: ndctl inject-error --block=$_s --count=$_n $ns" \
			ndctl inject-error --block=$_s --count=$_n "$ns"
	else
		check "$1: ndctl inject-error --block=$_s --count=$_n --no-notify $ns" \
			ndctl inject-error --block=$_s --count=$_n --no-notify "$ns"
	fi
}

# The notified ones come by themselves (a notification starts a scrub of
# its own, which would also find a --no-notify injection made before it
# ends: so those come after it).
inject E1 /mnt/e/f1 3 1 notify
inject X1 /mnt/x/f1 2 1 notify
want_notified=$(sort -n -k2 /tmp/expect | awk '{ printf "%s%s %s", s, $2, $3; s = ";" }')
_bb_is() { [ "$(badblocks_of "$bd")" = "$1" ]; }
UNTIL_SECONDS=20 until_ok _bb_is "$want_notified"
ndctl wait-scrub "$BUS" > /dev/null 2>&1
inject E2 /mnt/e/f2 1 2 scrub
inject X2 /mnt/x/f3 7 1 scrub
want_bb=$(sort -n -k2 /tmp/expect | awk '{ printf "%s%s %s", s, $2, $3; s = ";" }')
sleep 2
is "$(badblocks_of "$bd")" "$want_notified" \
	"before a scrub badblocks holds the two notified ranges only"
check "ndctl start-scrub; ndctl wait-scrub" nfit_scrub "$BUS"
is "$(badblocks_of "$bd")" "$want_bb" "after it all four: $want_bb"

# The report, expected: "SECTOR INO OFFSET LENGTH FSDEV PATH" per range.
awk '{ print $2, $4, $5 * 4096, $6 * 4096 }' /tmp/expect | sort -n |
	while read -r s f o l; do
		echo "$s $(stat -c %i "$f") $o $l $(awk -v m="${f%/*}" \
			'$5 == m { print $3 }' /proc/self/mountinfo) $f"
	done > /tmp/files.want
awk '{ print $2, $7, $8, $3 }' /tmp/expect | sort -n > /tmp/tops.want
diag_file /tmp/files.want

if poison_file; then
	_rep_full() {
		daxhold report --json > /tmp/report.json 2> /tmp/report.err &&
		[ "$(jq -r '[.[].badblocks[].files[]?] | length' /tmp/report.json)" = 4 ]
	}
	UNTIL_SECONDS=20 until_ok _rep_full
	jq -r '.[] | select(.dev == "'"$bd"'") | .badblocks[] | .sector as $s |
		.files[]? | "\($s) \(.ino) \(.offset_bytes) \(.length_bytes) \(.fsdev) \(.path // "-")"' \
		/tmp/report.json | sort -n > /tmp/files.got
	is "$(cat /tmp/files.got)" "$(cat /tmp/files.want)" \
		"daxhold report --json: exactly the four damaged files, offsets, lengths, devices, paths"
	jq -r '.[] | .badblocks[] | .sector as $s | .tops[]? |
		"\($s) \(.dev) \(.sector) \(.sectors)"' /tmp/report.json |
		sort -n > /tmp/tops.got
	is "$(cat /tmp/tops.got)" "$(cat /tmp/tops.want)" \
		"daxhold report --json: each range's top device and sector"
	is "$(jq -r '.[] | select(.dev == "'"$bd"'") | .badblock_count' /tmp/report.json)" 4 \
		"daxhold report --json: badblock_count 4"
	daxhold report > /tmp/report.txt 2>&1
	while read -r s i o l d f; do
		grep -qF "file     $f: ino $i bytes $(printf '%#x' $o) len $(printf '%#x' $l)" \
			/tmp/report.txt || echo "missing: $f"
	done < /tmp/files.want > /tmp/report.missing
	is "$(cat /tmp/report.missing)$(grep -c '^    file ' /tmp/report.txt)" 4 \
		"daxhold report (text): one line per damaged file, with path, inode, offset, length"
	diag_file /tmp/report.txt
	# The same from the trace events: daxhold_badblocks and daxhold_poison.
	cat /sys/kernel/tracing/trace > /tmp/poison.trace
	# Each range (one that grew while the scrub found it also has a line
	# for its first, smaller extent).
	sed -n "s/.* daxhold_badblocks: pmem=$bd sector=\([0-9]*\) sectors=\([0-9]*\) state=new$/\1 \2/p" \
		/tmp/poison.trace > /tmp/bb.new
	echo "$want_bb" | tr ';' '\n' | while read -r s n; do
		grep -qx "$s $n" /tmp/bb.new || echo "no daxhold_badblocks for $s $n"
	done > /tmp/bb.missing
	is "$(cat /tmp/bb.missing)" "" "trace: a daxhold_badblocks state=new for each range"
	grep " daxhold_poison: pmem=$bd .* kind=file .*state=damaged$" /tmp/poison.trace |
		while read -r line; do
			echo "$(field sector "$line") $(field ino "$line")" \
				"$(($(field offset "$line"))) $(($(field len "$line")))"
		done > /tmp/poison.got
	# Each damaged file (a range that grew while the scrub found it also
	# has a line for its first, smaller extent).
	cut -d' ' -f1-4 /tmp/files.want | while read -r want; do
		grep -qx "$want" /tmp/poison.got || echo "missing: $want"
	done > /tmp/poison.missing
	is "$(cat /tmp/poison.missing)" "" \
		"trace: a daxhold_poison kind=file state=damaged for each damaged file: sector, inode, offset, length"
else
	for d in "--json: exactly the four damaged files, offsets, lengths, devices, paths" \
		"--json: each range's top device and sector" "--json: badblock_count 4" \
		"(text): one line per damaged file"; do
		skip "daxhold report $d" "$NOPOISON"
	done
	skip "trace: daxhold_badblocks" "$NOPOISON"
	skip "trace: daxhold_poison" "$NOPOISON"
fi

# --uninject: nfit_test forgets, the kernel does not.
for n in E1 E2 X1 X2; do
	set -- $(grep "^$n " /tmp/expect)
	ndctl inject-error --uninject --block=$2 --count=$3 "$ns" > /dev/null 2>&1
done
is "$(ndctl inject-error --status "$ns" 2>&1 | tr -d ' \n')" "" \
	"after --uninject of all four, inject-error --status lists nothing"
is "$(badblocks_of "$bd")" "$want_bb" "badblocks still holds all four (cleared by writing only)"
if poison_file; then
	daxhold report --json > /tmp/report.json 2>&1
	is "$(jq -r '[.[].badblocks[].files[]?] | length' /tmp/report.json)" 4 \
		"and daxhold report still names the four files"
else
	skip "and daxhold report still names the four files" "$NOPOISON"
fi

# rewrite: the recovery of nfit_recovery.sh.
rewrite() {
	_o=$(($3 * 4096)) _l=$(($4 * 4096))
	case $2 in
	/mnt/e/*) xfs_io -c "fzero $_o $_l" -c "pwrite -S 0x5a $_o $_l" "$2" ;;
	/mnt/x/*) xfs_io -c "fpunch $_o $_l" "$2" && sync &&
		xfs_io -c "pwrite -S 0x5a $_o $_l" "$2" ;;
	esac
}
for n in E1 E2 X1 X2; do
	set -- $(grep "^$n " /tmp/expect)
	check "$n: rewrite $4 pages $5-$(($5 + $6 - 1))" rewrite "$1" "$4" "$5" "$6"
done
is "$(badblocks_of "$bd")" "" "badblocks is empty after the rewrites"
if poison_file; then
	_rep_empty() { [ "$(daxhold report 2>&1)" = "no known poison on the held pmem disks" ]; }
	UNTIL_SECONDS=20 until_ok _rep_empty
	is "$(daxhold report 2>&1)" "no known poison on the held pmem disks" \
		"daxhold report: no known poison"
	is "$(daxhold report --json 2>&1 | tr -d ' \n')" "[]" "daxhold report --json: []"
	cat /sys/kernel/tracing/trace > /tmp/poison.trace
	echo "$want_bb" | tr ';' '\n' | while read -r s n; do
		grep -q " daxhold_badblocks: pmem=$bd sector=$s sectors=$n state=cleared$" \
			/tmp/poison.trace || echo "no daxhold_badblocks cleared for $s $n"
	done > /tmp/bb.missing
	is "$(cat /tmp/bb.missing)" "" "trace: a daxhold_badblocks state=cleared for each range"
else
	skip "daxhold report: no known poison" "$NOPOISON"
	skip "daxhold report --json: []" "$NOPOISON"
	skip "trace: daxhold_badblocks state=cleared" "$NOPOISON"
fi

# Bad arguments to the tool: exit 2 and clap's message.
out=$(daxhold report --bogus 2>&1)
like "$?:$out" "^2:error: unexpected argument '--bogus'" "daxhold report --bogus: exit 2, unexpected argument"
out=$(daxhold events --last x 2>&1)
like "$?:$out" "^2:error: invalid value 'x' for '--last <N>'" "daxhold events --last x: exit 2, invalid value"
out=$(daxhold events --last -1 2>&1)
like "$?:$out" "^2:error: " "daxhold events --last -1: exit 2"
out=$(daxhold events --last 99999999999999999999999 2>&1)
like "$?:$out" "^2:error: invalid value '99999999999999999999999' for '--last <N>'" \
	"daxhold events --last 99999999999999999999999 (out of range): exit 2, invalid value"
out=$(daxhold bogus 2>&1)
like "$?:$out" "^2:error: unrecognized subcommand 'bogus'" "daxhold bogus: exit 2, unrecognized subcommand"

# Bad values to the kernel interface: a specific errno, one dmesg line.
if [ -e "$DAXHOLD_SYSFS/badblocks" ]; then
	is "$(stat -c %a "$DAXHOLD_SYSFS/badblocks")" 600 "badblocks is mode 0600"
	before=$(cat "$DAXHOLD_SYSFS/badblocks")
	dmesg_mark badblocks-bogus
	expect_write errno=EINVAL "echo bogus > badblocks: EINVAL" "$DAXHOLD_SYSFS/badblocks" 'bogus\n'
	daxhold_lines > /tmp/bogus.lines
	is "$(grep -c . /tmp/bogus.lines):$(grep -cF 'badblocks: unknown policy "bogus" (report or kill)' /tmp/bogus.lines)" \
		"1:1" 'one dmesg line: badblocks: unknown policy "bogus" (report or kill)'
	is "$(cat "$DAXHOLD_SYSFS/badblocks")" "$before" "badblocks mode unchanged ($before)"
else
	for d in "badblocks is mode 0600" "echo bogus > badblocks: EINVAL" \
		'one dmesg line: badblocks: unknown policy "bogus" (report or kill)' \
		"badblocks mode unchanged"; do
		skip "$d" "no $DAXHOLD_SYSFS/badblocks in this module yet (K2)"
	done
fi
dmesg_mark attach-pmem99
expect_write errno=ENOENT "echo pmem99 > attach: ENOENT" "$DAXHOLD_SYSFS/attach" 'pmem99\n'
is "$(daxhold_lines | grep -c pmem99)" 1 "one dmesg line names pmem99"
diag "$(daxhold_lines | grep pmem99)"

check "umount, dmsetup remove" sh -c \
	"umount /mnt/e && umount /mnt/x && dmsetup remove xv"
check "rmmod daxhold" daxhold_unload
out=$(daxhold report 2>&1)
is "$?:$out" "1:daxhold: module not loaded (no /proc/fs/daxhold): insmod daxhold.ko" \
	"daxhold report without the module: exit 1, module not loaded"
done_testing
