# SPDX-License-Identifier: GPL-2.0
# Shell library for daxhold guest scenarios (busybox sh).  Sourced by every
# scenario:  . /daxtest/lib.sh
#
# TAP output goes to stdout (the serial console).  Test numbers and the
# failure count live in files under $DAXTEST_STATE, so helpers also work
# from subshells; still, keep TAP lines out of background jobs.
#
# Never let a helper print a bare "ok" line to stdout: capture the output
# of writefile/modctl (the helpers below do).

DAXTEST_DIR=/daxtest
DAXTEST_STATE=/run/daxtest
MODDIR=/lib/modules
DAXHOLD_KO=$MODDIR/daxhold.ko
DAXHOLD_SYSFS=/sys/kernel/daxhold
# dmsetup: there is no udev in the guest.
export DM_DISABLE_UDEV=1

mkdir -p "$DAXTEST_STATE"
echo 0 > "$DAXTEST_STATE/count"
echo 0 > "$DAXTEST_STATE/failed"
rm -f "$DAXTEST_STATE/planned"

# ---------------------------------------------------------------- TAP --

# (read, not $(cat ...): a fork costs tens of milliseconds on the debug
# kernel, and every test comes here.)
_tap_next() {
	read -r _n < "$DAXTEST_STATE/count"
	_n=$((_n + 1))
	echo "$_n" > "$DAXTEST_STATE/count"
}

_tap_fail() {
	read -r _f < "$DAXTEST_STATE/failed"
	echo $((_f + 1)) > "$DAXTEST_STATE/failed"
}

# plan N: print the TAP plan up front.
plan() {
	echo "1..$1"
	echo "$1" > "$DAXTEST_STATE/planned"
}

# skip_all REASON: the whole scenario does not apply; exits.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# diag TEXT...: print TEXT as TAP diagnostics, one "# " line per line.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# diag_file FILE [MAX_LINES]: print (the tail of) a file as diagnostics.
diag_file() {
	[ -s "$1" ] || return 0
	tail -n "${2:-40}" "$1" | sed 's/^/# /'
}

ok() {
	_tap_next
	echo "ok $_n - $*"
}

not_ok() {
	_tap_next
	echo "not ok $_n - $*"
	_tap_fail
}

# skip DESC REASON: a test that was not run.
skip() {
	_tap_next
	echo "ok $_n - $1 # SKIP $2"
}

# bail_out REASON: stop the scenario; the run fails.
bail_out() {
	echo "Bail out! $*"
	exit 1
}

# check DESC CMD [ARGS...]: ok if CMD exits 0.  CMD runs in this shell
# (so it may set variables); its output is shown only if it fails.
check() {
	_desc=$1
	shift
	"$@" > "$DAXTEST_STATE/check.out" 2>&1
	_rc=$?
	if [ $_rc -eq 0 ]; then
		ok "$_desc"
	else
		not_ok "$_desc"
		diag "command failed with status $_rc: $*"
		diag_file "$DAXTEST_STATE/check.out"
	fi
	return $_rc
}

# _isnum X: X is a decimal or 0x-hex integer.
_isnum() {
	case $1 in
	''|-|*[!0-9]*) ;;
	*) return 0 ;;
	esac
	case $1 in
	0x*|0X*)
		_h=${1#0[xX]}
		case $_h in ''|*[!0-9a-fA-F]*) return 1 ;; esac
		return 0 ;;
	-[0-9]*)
		case ${1#-} in *[!0-9]*) return 1 ;; esac
		return 0 ;;
	esac
	return 1
}

# _same A B: equal as strings, or as numbers if both are integers.
_same() {
	[ "$1" = "$2" ] && return 0
	_isnum "$1" && _isnum "$2" && [ $(($1)) -eq $(($2)) ]
}

# is GOT WANT DESC: GOT equals WANT (numerically if both are integers,
# decimal or 0x-hex; otherwise as strings).
is() {
	_got=$1
	_want=$2
	shift 2
	if _same "$_got" "$_want"; then
		ok "$*"
		return 0
	fi
	not_ok "$*"
	diag "     got: '$_got'"
	diag "expected: '$_want'"
	return 1
}

# isnt GOT UNWANTED DESC
isnt() {
	_got=$1
	_bad=$2
	shift 2
	if ! _same "$_got" "$_bad"; then
		ok "$*"
		return 0
	fi
	not_ok "$*"
	diag "     got: '$_got'"
	diag "expected anything else"
	return 1
}

# cmp_ok A OP B DESC: numeric comparison, OP one of -eq -ne -lt -le -gt -ge.
cmp_ok() {
	_a=$1
	_op=$2
	_b=$3
	shift 3
	if _isnum "$_a" && _isnum "$_b" && [ $((_a)) "$_op" $((_b)) ]; then
		ok "$*"
		return 0
	fi
	not_ok "$*"
	diag "'$_a' $_op '$_b' is false"
	return 1
}

# like GOT ERE DESC: GOT matches the extended regular expression ERE.
like() {
	_got=$1
	_re=$2
	shift 2
	if grep -Eq -- "$_re" <<EOF
$_got
EOF
	then
		ok "$*"
		return 0
	fi
	not_ok "$*"
	diag "     got: '$_got'"
	diag "expected to match /$_re/"
	return 1
}

# done_testing: print the plan if none was printed; exit status 1 if any
# test failed.  Call it last.
done_testing() {
	[ -f "$DAXTEST_STATE/planned" ] || echo "1..$(cat "$DAXTEST_STATE/count")"
	[ "$(cat "$DAXTEST_STATE/failed")" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------ helpers --

# wait_for PATH [SECONDS]: wait until PATH exists (default 10 s).
wait_for() {
	_i=$(( ${2:-10} * 10 ))
	while [ ! -e "$1" ]; do
		_i=$((_i - 1))
		[ $_i -le 0 ] && return 1
		sleep 0.1
	done
	return 0
}

# until_ok CMD [ARGS...]: run CMD every 0.1 s until it succeeds, for up to
# $UNTIL_SECONDS (default 10) seconds.
until_ok() {
	_i=$(( ${UNTIL_SECONDS:-10} * 10 ))
	until "$@"; do
		_i=$((_i - 1))
		[ $_i -le 0 ] && return 1
		sleep 0.1
	done
	return 0
}

# kv KEY FILE: the value of the first KEY=value line in FILE (the output
# format of dax_poison).
kv() {
	sed -n "s/^$1=//p" "$2" | head -n 1
}

# field KEY TEXT: the value of a KEY=value word anywhere in TEXT.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# write_result PATH STRING: run writefile -e and print its one-line
# result (ok, errno=ENAME, open-errno=ENAME, short=N).
write_result() {
	writefile -e "$1" "$2"
}

# expect_write WANT DESC PATH STRING: one write(2) of STRING (writefile -e
# escapes: \n \t \\ \xHH) to PATH must give WANT ("ok" or "errno=ENAME").
expect_write() {
	_r=$(writefile -e "$3" "$4")
	is "$_r" "$1" "$2"
}

# repeat_a TEXT: TEXT with every "{a*N}" replaced by N letters a (long
# names in bad_input cases and in the table they match).
repeat_a() {
	_ra=$1
	while :; do
		case $_ra in *'{a*'[0-9]*'}'*) ;; *) break ;; esac
		_ra_pre=${_ra%%'{a*'*}
		_ra_rest=${_ra#*'{a*'}
		_ra_n=${_ra_rest%%'}'*}
		_ra=$_ra_pre$(printf "%${_ra_n}s" '' | tr ' ' a)${_ra_rest#*'}'}
	done
	printf '%s\n' "$_ra"
}

# bad_input SURFACE INPUT ERRNO LINE: one row of the bad-input table
# (Documentation/admin.rst, "Bad input"; tools/testing/bad-input-table.py
# checks that rows and cases match): INPUT must be refused with ERRNO and
# log exactly one daxhold line since, LINE (after "daxhold: ", no time
# stamp).  SURFACE: a file of /sys/kernel/daxhold, INPUT written to it in
# one write(2) with writefile -e escapes; or "insmod", INPUT the parameter
# string of a load of daxhold.ko (it must fail).  "{a*N}" in INPUT and LINE
# stands for N letters a.  One TAP test.
bad_input() {
	_bi_in=$(repeat_a "$2")
	_bi_want=$(repeat_a "$4")
	dmesg_mark "bad input: $1"
	case $1 in
	insmod)
		_bi_r=$(modctl load "$DAXHOLD_KO" "$_bi_in")
		[ "$_bi_r" = ok ] && modctl unload daxhold > /dev/null ;;
	*) _bi_r=$(writefile -e "$DAXHOLD_SYSFS/$1" "$_bi_in") ;;
	esac
	is "$_bi_r
$(daxhold_lines)" "errno=$3
daxhold: $_bi_want" "$1 $(printf '%s' "$2" | tr '#' '?'): $3, one line"
}

# ------------------------------------------------------- nvdimm/pmem --

# make_fsdax_all: turn every nvdimm region into one fsdax namespace and
# wait for its /dev/pmemN.  A region whose namespace already is fsdax (run.py
# boots from an image whose labels and info block say so) is kept as it is.
# The block device names are listed in $DAXTEST_STATE/pmems.
make_fsdax_all() {
	: > "$DAXTEST_STATE/pmems"
	_found=0
	for _r in /sys/bus/nd/devices/region*; do
		[ -e "$_r" ] || break
		_found=1
		_id=${_r##*/region}
		_out=$DAXTEST_STATE/ndctl.$_id
		ndctl list -n "namespace$_id.0" 2>/dev/null | tr -d ' \n' > "$_out"
		if grep -q '"mode":"fsdax"' "$_out"; then
			diag "namespace$_id.0 is fsdax already (the image's labels)"
		elif ! ndctl create-namespace -f -e "namespace$_id.0" -m fsdax \
			> "$_out" 2>&1; then
			echo "ndctl create-namespace -f -e namespace$_id.0" \
				"-m fsdax failed:"
			cat "$_out"
			return 1
		fi
		_bd=$(sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p' "$_out" | head -n 1)
		[ -n "$_bd" ] || _bd=pmem$_id
		if ! wait_for "/dev/$_bd" 10; then
			echo "/dev/$_bd did not appear"
			return 1
		fi
		echo "$_bd" >> "$DAXTEST_STATE/pmems"
	done
	[ $_found -eq 1 ] || { echo "no nvdimm regions"; return 1; }
	return 0
}

# pmem_data_start pmemN: physical address of the first byte of the pmem
# data area (sector 0 of /dev/pmemN); the fsdax (pfn) device's resource.
pmem_data_start() {
	cat "/sys/block/$1/device/resource"
}

# pmem_data_size pmemN: size in bytes of that data area.
pmem_data_size() {
	cat "/sys/block/$1/device/size"
}

# mkfs_mount_dax ext4|xfs DEV MNT: make a file system and mount it -o dax.
mkfs_mount_dax() {
	case $1 in
	ext4) mkfs.ext4 -q -F -b 4096 "$2" || return 1 ;;
	xfs) mkfs.xfs -q -f "$2" || return 1 ;;
	*) echo "mkfs_mount_dax: unknown fs $1"; return 1 ;;
	esac
	mkdir -p "$3"
	mount -t "$1" -o dax "$2" "$3"
}

# mount_has_dax MNT: /proc/mounts shows a dax option for MNT.
mount_has_dax() {
	awk -v m="$1" '$2 == m { print $4 }' /proc/mounts |
		tr ',' '\n' | grep -Eq '^dax(=always)?$'
}

# --------------------------------------------------------- nfit_test --
#
# Scenarios with the header `flavour=nfit` boot the nfit kernel, whose
# initramfs has the kernel's NVDIMM test modules in /lib/modules/nfit
# (tools/setup/nfit.sh, mkinitramfs.py).  Nothing loads them by itself.

NFIT_MODDIR=$MODDIR/nfit

# nfit_load: insmod the test modules in the order of $NFIT_MODDIR/order
# (the --wrap'ed libnvdimm and its drivers, then nfit_test) and wait for
# the emulated buses nfit_test.0 and nfit_test.1.  Loaded ones are skipped.
nfit_load() {
	if [ ! -f "$NFIT_MODDIR/order" ]; then
		echo "no $NFIT_MODDIR/order: not an nfit flavour initramfs"
		return 1
	fi
	for _m in $(cat "$NFIT_MODDIR/order"); do
		[ -d "/sys/module/$_m" ] && continue
		_r=$(modctl load "$NFIT_MODDIR/$_m.ko")
		[ "$_r" = ok ] || { echo "insmod $_m.ko: $_r"; return 1; }
	done
	for _b in nfit_test.0 nfit_test.1; do
		UNTIL_SECONDS=30 until_ok nfit_bus "$_b" > /dev/null ||
			{ echo "bus $_b did not appear"; return 1; }
	done
}

# nfit_bus PROVIDER: the ndbusN whose provider is PROVIDER (nfit_test.0).
nfit_bus() {
	for _p in /sys/bus/nd/devices/ndbus*/provider; do
		[ "$(cat "$_p" 2>/dev/null)" = "$1" ] || continue
		_p=${_p%/provider}
		echo "${_p##*/}"
		return 0
	done
	return 1
}

# ------------------------------------------------------------ daxhold --

# require_module NAME: skip the whole scenario unless NAME.ko is present.
require_module() {
	[ -f "$MODDIR/$1.ko" ] || skip_all "$1.ko not in the initramfs"
}

# daxhold_load [PARAM=VALUE...]: insmod daxhold.ko.  Prints nothing on
# success; sets DAXHOLD_RESULT to ok or errno=ENAME.
daxhold_load() {
	DAXHOLD_RESULT=$(modctl load "$DAXHOLD_KO" "$@")
	[ "$DAXHOLD_RESULT" = ok ] && return 0
	diag "insmod daxhold.ko $*: $DAXHOLD_RESULT"
	return 1
}

# daxhold_unload: rmmod daxhold; sets DAXHOLD_RESULT.
daxhold_unload() {
	DAXHOLD_RESULT=$(modctl unload daxhold)
	[ "$DAXHOLD_RESULT" = ok ] && return 0
	diag "rmmod daxhold: $DAXHOLD_RESULT"
	return 1
}

daxhold_loaded() {
	[ -d /sys/module/daxhold ]
}

# daxhold_attach DEV / daxhold_detach DEV: print writefile's result.
daxhold_attach() {
	writefile -e "$DAXHOLD_SYSFS/attach" "$1"
}

daxhold_detach() {
	writefile -e "$DAXHOLD_SYSFS/detach" "$1"
}

# daxhold_holders: the holders file, one line per attached device.
daxhold_holders() {
	cat "$DAXHOLD_SYSFS/holders"
}

# daxhold_nholders: number of attached devices.
daxhold_nholders() {
	daxhold_holders | grep -c .
}

# daxhold_field DEV KEY: KEY's value in DEV's holders line.
daxhold_field() {
	field "$2" "$(daxhold_holders | awk -v d="$1" '$1 == d')"
}

# ------------------------------------------------------------- dmesg --

# dmesg_mark [LABEL]: put a marker into the kernel log.
dmesg_mark() {
	_m=0
	[ -f "$DAXTEST_STATE/mark" ] && read -r _m < "$DAXTEST_STATE/mark"
	_m=$((_m + 1))
	echo "$_m" > "$DAXTEST_STATE/mark"
	echo "<6>daxtest-mark-$_m: $*" > /dev/kmsg
}

# dmesg_since_mark: kernel log lines after the last dmesg_mark.
dmesg_since_mark() {
	_m=0
	[ -f "$DAXTEST_STATE/mark" ] && read -r _m < "$DAXTEST_STATE/mark"
	dmesg | awk -v m="daxtest-mark-$_m: " 'f; index($0, m) { f = 1 }'
}

# dmesg_grep_since_mark ERE: matching lines since the mark.
dmesg_grep_since_mark() {
	dmesg_since_mark | grep -E -- "$1"
}

# dmesg_count_since_mark ERE: number of matching lines since the mark.
dmesg_count_since_mark() {
	dmesg_since_mark | grep -Ec -- "$1"
}

# strip_ts: remove the "[    1.234567] " printk time stamps.
strip_ts() {
	sed 's/^\[ *[0-9]*\.[0-9]*\] //'
}

# --------------------------------------------------------------- slab --
#
# With slub_debug=U on the kernel command line (header: append=slub_debug=U)
# the kmalloc caches keep an owner for every object, and
# /sys/kernel/debug/slab/CACHE/alloc_traces counts the live objects per
# allocation site, exactly (it flushes the per-CPU slabs first).  Without
# it, /proc/slabinfo's active_objs is used, which moves in whole slabs
# (a slab taken by any process counts all its objects active).

# slab_snapshot FILE: "cache site count" lines of live kmalloc objects.
# Each cache is shrunk first: that also empties KASAN's quarantine of it
# (kasan_cache_shrink()), whose freed objects otherwise still count as
# live on a KASAN kernel.
slab_snapshot() {
	for _s in /sys/kernel/slab/*kmalloc-*/shrink; do
		echo 1 > "$_s" 2>/dev/null
	done
	if [ -e /sys/kernel/debug/slab/kmalloc-64/alloc_traces ]; then
		for _d in /sys/kernel/debug/slab/*kmalloc-*; do
			awk -v c="${_d##*/}" '{ site = $2; sub(/\+0x.*/, "", site);
				n[site] += $1 }
				END { for (s in n) print c, s, n[s] }' \
				"$_d/alloc_traces"
		done > "$1"
	else
		awk '$1 ~ /^(dma-)?kmalloc-/ { print $1, "(all)", $2 }' \
			/proc/slabinfo > "$1"
	fi
}

# slab_exact: the snapshots count objects exactly (slub_debug=U).
slab_exact() {
	[ -e /sys/kernel/debug/slab/kmalloc-64/alloc_traces ]
}

# slab_growth BEFORE AFTER: "cache +N" for every cache whose live object
# count grew, largest first.
slab_growth() {
	awk 'NR == FNR { b[$1] += $3; next } { a[$1] += $3 }
	     END { for (c in a) if (a[c] > b[c]) printf "%s +%d\n", c, a[c] - b[c] }' \
		"$1" "$2" | sort -t+ -k2 -rn
}

# slab_site_growth BEFORE AFTER: "cache site +N" per allocation site.
slab_site_growth() {
	awk 'NR == FNR { b[$1 " " $2] = $3; next } { a[$1 " " $2] = $3 }
	     END { for (k in a) if (a[k] > b[k]) printf "%s +%d\n", k, a[k] - b[k] }' \
		"$1" "$2" | sort -t+ -k2 -rn
}

# ------------------------------------------------------- host control --

# host_cmd CMD [ARGS...]: ask the host (run.py) to do something, e.g.
#   host_cmd mce -b 0 9 0xbd000000000000c0 5 0x12345000 0x8c
#   host_cmd monitor info registers
#   host_cmd echo hello
# Prints the host's one-line answer; status is the host's status (0 ok).
host_cmd() {
	[ -n "$DAXTEST_CTL" ] || { echo "no host control channel"; return 2; }
	printf '@@HOST %s\n' "$*" >&7
	while read -r -t "${HOST_CMD_TIMEOUT:-60}" _reply <&7; do
		case $_reply in
		"@@ACK "*)
			_reply=${_reply#@@ACK }
			_st=${_reply%% *}
			case $_reply in *" "*) _reply=${_reply#* } ;; *) _reply= ;; esac
			echo "$_reply"
			return "$_st"
			;;
		esac
	done
	echo "no answer from the host"
	return 2
}

# ------------------------------------------------------------- stacks --

# devnum DEV: "major:minor" of block device DEV (pmem0, pmem0p1, dm-0).
devnum() {
	cat "/sys/class/block/${1##*/}/dev"
}

# sectors DEV: size of block device DEV in 512-byte sectors.
sectors() {
	cat "/sys/class/block/${1##*/}/size"
}

# dm_name_dev NAME: the dm-N kernel name of /dev/mapper/NAME.
dm_name_dev() {
	for _d in /sys/block/dm-*; do
		[ "$(cat "$_d/dm/name" 2>/dev/null)" = "$1" ] && { echo "${_d##*/}"; return 0; }
	done
	return 1
}

# dm_concat NAME DEV...: a dm-linear device NAME concatenating whole DEVs,
# in order.  Prints nothing; the table is in $DAXTEST_STATE/NAME.table.
dm_concat() {
	_name=$1; shift
	_start=0
	: > "$DAXTEST_STATE/$_name.table"
	for _dev in "$@"; do
		_sz=$(sectors "$_dev")
		echo "$_start $_sz linear $(devnum "$_dev") 0" >> "$DAXTEST_STATE/$_name.table"
		_start=$((_start + _sz))
	done
	dmsetup create "$_name" < "$DAXTEST_STATE/$_name.table"
}

# top_line DEV: the last "-> top DEV ..." line daxhold logged since the mark.
top_line() {
	dmesg_grep_since_mark "daxhold: .* -> top $1 " | strip_ts | tail -n 1
}

# ---------------------------------------------------- stack scenarios --
#
# For stack_*.sh and policy.sh: where a sector of a partition or a dm
# device lies below it, and what daxhold logged about a failure.

# part_start PART: first sector of partition PART (pmem0p1) on its disk.
part_start() {
	cat "/sys/class/block/${1##*/}/start"
}

# part_at DISK SECTOR: "PART SECTOR_ON_PART" for the partition of DISK
# (pmem0) holding SECTOR of the disk; nothing and status 1 if none does.
part_at() {
	for _p in "/sys/class/block/$1/$1"*; do
		[ -e "$_p/start" ] || continue
		_s=$(cat "$_p/start")
		_z=$(cat "$_p/size")
		if [ "$2" -ge "$_s" ] && [ "$2" -lt $((_s + _z)) ]; then
			echo "${_p##*/} $(($2 - _s))"
			return 0
		fi
	done
	return 1
}

# bdev_name MAJ:MIN: the kernel name of a block device (pmem0p1, dm-0).
bdev_name() {
	_l=$(readlink "/sys/dev/block/$1") || return 1
	echo "${_l##*/}"
}

# dm_linear_down NAME SECTOR: "MAJ:MIN SECTOR" that sector SECTOR of dm
# device NAME maps to, read from `dmsetup table NAME` (linear targets).
dm_linear_down() {
	dmsetup table "$1" > "$DAXTEST_STATE/dm_table.$1" 2>/dev/null || return 1
	while read -r _b _l _t _dev _off _rest; do
		[ "$_t" = linear ] || continue
		if [ "$2" -ge "$_b" ] && [ "$2" -lt $((_b + _l)) ]; then
			echo "$_dev $((_off + $2 - _b))"
			return 0
		fi
	done < "$DAXTEST_STATE/dm_table.$1"
	return 1
}

# dm_linear_up NAME MAJ:MIN SECTOR: the sector of dm device NAME that a
# linear target of its table maps onto SECTOR of device MAJ:MIN.
dm_linear_up() {
	dmsetup table "$1" > "$DAXTEST_STATE/dm_table.$1" 2>/dev/null || return 1
	while read -r _b _l _t _dev _off _rest; do
		[ "$_t" = linear ] && [ "$_dev" = "$2" ] || continue
		if [ "$3" -ge "$_off" ] && [ "$3" -lt $((_off + _l)) ]; then
			echo $((_b + $3 - _off))
			return 0
		fi
	done < "$DAXTEST_STATE/dm_table.$1"
	return 1
}

# daxhold_lines: daxhold's kernel log lines since the mark, no time stamps.
daxhold_lines() {
	dmesg_grep_since_mark 'daxhold: ' | strip_ts
}

# daxhold_wait ERE [N]: wait until daxhold has logged N (default 1) lines
# matching ERE since the mark, for up to $UNTIL_SECONDS (default 10) s.
# daxhold prints a failure's lines from a work item a moment after the
# failure was handled (its failure log: Documentation/design.rst), all of
# them in order, so once a failure's last line (its last "-> top",
# "-> unmapped" or "-> whole" piece) is there, the others are too.  Call
# it after an injection, before reading daxhold's lines.  Prints nothing;
# one diagnostic if the lines never came (the tests that read them fail).
daxhold_wait() {
	_daxhold_seen() { [ "$(daxhold_lines | grep -Ec -- "$1")" -ge "$2" ]; }
	until_ok _daxhold_seen "$1" "${2:-1}" && return 0
	diag "daxhold did not log ${2:-1} line(s) matching /$1/ within ${UNTIL_SECONDS:-10} s"
	return 1
}

# nf_line PMEM: the last "notify_failure" line logged for PMEM since the mark.
nf_line() {
	daxhold_lines | grep "daxhold: $1: notify_failure " | tail -n 1
}

# kernel_mf_lines: what memory_failure() logged since the mark (the lines a
# run without daxhold has to go on).
kernel_mf_lines() {
	dmesg_grep_since_mark 'Injecting memory failure|Memory failure:' | strip_ts
}

# hwpoison_pfn PFN: memory_failure(PFN, MF_SW_SIMULATED) through
# hwpoison-inject's corrupt-pfn (loaded on first use); prints writefile's
# result.  A pmem page nobody maps reads errno=EBUSY: the kernel's
# per-page path found no mapping, after the pmem's notify_failure ran.
hwpoison_pfn() {
	[ -e /sys/kernel/debug/hwpoison/corrupt-pfn ] ||
		insmod "$MODDIR/hwpoison-inject.ko" 2>/dev/null
	writefile -e /sys/kernel/debug/hwpoison/corrupt-pfn "$1"
}

# mce_inject_hw PHYS: an action-optional machine check (memory scrub,
# MCACOD 0xc0, lsb 12) at physical address PHYS through the kernel's own
# mce-inject module in "hw" mode: it writes the bank's MCi_STATUS/ADDR/MISC
# MSRs on CPU 0 (QEMU's TCG keeps what is written there) and raises the
# exception with int $18, so do_machine_check() grades it and
# memory_failure() runs as for a real one.  CPU 1 is offline meanwhile:
# an MCE broadcast waits for every online CPU and panics when the other
# one does not come ("Timeout: Not all CPUs entered broadcast exception
# handler").  "sw" mode only logs the record (mce_log(), no severity, so
# memory_failure() never runs; the NFIT decoder makes it a pmem badblock).
mce_inject_hw() {
	_mi=/sys/kernel/debug/mce-inject
	[ -d $_mi ] || insmod "$MODDIR/mce-inject.ko" || return 1
	_cpu1=/sys/devices/system/cpu/cpu1/online
	echo 0 > $_cpu1 || return 1
	echo hw > $_mi/flags && echo 0 > $_mi/cpu &&
		printf '0x%x\n' "$1" > $_mi/addr &&
		echo 0xbd000000000000c0 > $_mi/status && echo 0x8c > $_mi/misc &&
		echo 1 > $_mi/bank	# writing the bank injects, on CPU 0 (this one)
	_r=$?
	echo 1 > $_cpu1 || _r=1
	return $_r
}

# spread_files MNT SPLIT: one 64 KiB file in each of 8 directories of MNT
# (XFS spreads new directories over its allocation groups), then set ON0 to
# the first whose page 3 lies below byte SPLIT of the filesystem's device
# and ON1 to the first at or above it (empty if none).  With SPLIT the end
# of the first pmem of a dm concatenation: a file on each pmem.
spread_files() {
	for _d in 0 1 2 3 4 5 6 7; do
		mkdir -p "$1/d$_d"
		dd if=/dev/urandom of="$1/d$_d/f" bs=4096 count=16 2>/dev/null
	done
	sync
	ON0= ON1=
	for _d in 0 1 2 3 4 5 6 7; do
		dax_poison "$1/d$_d/f" 3 --read-only --no-poison > /tmp/where.out 2>&1 || continue
		_o=$(kv fs_offset /tmp/where.out)
		if [ $((_o)) -lt "$2" ]; then
			[ -n "$ON0" ] || ON0=$1/d$_d/f
		else
			[ -n "$ON1" ] || ON1=$1/d$_d/f
		fi
	done
}

# xfs_cat_reflinked: the pre-remove scenarios' stack, on the dm-linear
# `cat` over pmem0 + pmem1 (dm_concat): XFS -m reflink=1,rmapbt=1
# -d agcount=4 -o dax at /mnt/x, files spread over the AGs (spread_files)
# so that on0 and on1 are set to a file on pmem0 and one on pmem1, and
# $on1.reflink a reflink copy of on1 (the same blocks).  4 tests.
xfs_cat_reflinked() {
	check "mkfs.xfs -m reflink=1,rmapbt=1 -d agcount=4" \
		mkfs.xfs -q -f -m reflink=1,rmapbt=1 -d agcount=4 /dev/mapper/cat
	mkdir -p /mnt/x
	check "mount -o dax /dev/mapper/cat" mount -t xfs -o dax /dev/mapper/cat /mnt/x
	spread_files /mnt/x $(($(sectors pmem0) * 512))
	on0=$ON0 on1=$ON1
	diag "file on pmem0: $on0, file on pmem1: $on1"
	check "a file on each namespace" test -n "$on0" -a -n "$on1"
	check "xfs_io reflink $on1 -> $on1.reflink" xfs_io -f -c "reflink $on1" "$on1.reflink"
	sync
}

# cat_mappers ARG...: three processes map page 3 of a file read-only and
# wait for a SIGBUS (dax_poison FILE 3 --read-only --no-poison ARG...): A
# of $on1, B of its reflink copy, C of $on0 (xfs_cat_reflinked); their
# output in /tmp/A.out, B.out, C.out, their pids in pA, pB, pC.  1 test:
# all three have mapped.
cat_mappers() {
	dax_poison "$on1" 3 --read-only --no-poison "$@" > /tmp/A.out 2>&1 &
	pA=$!
	dax_poison "$on1.reflink" 3 --read-only --no-poison "$@" > /tmp/B.out 2>&1 &
	pB=$!
	dax_poison "$on0" 3 --read-only --no-poison "$@" > /tmp/C.out 2>&1 &
	pC=$!
	_cat_ready() { grep -q '^ready' /tmp/A.out && grep -q '^ready' /tmp/B.out &&
		grep -q '^ready' /tmp/C.out; }
	check "three processes map their files" until_ok _cat_ready
}

# sigbus_ar_ok FILE LABEL: dax_poison's output FILE shows SIGBUS
# BUS_MCEERR_AR at the poisoned page, lsb 12 (three tests).
sigbus_ar_ok() {
	_sig=$(grep '^sigbus ' "$1")
	is "$(field si_code "$_sig")" 4 "$2: SIGBUS si_code BUS_MCEERR_AR"
	is "$(field si_addr "$_sig")" "$(kv vaddr "$1")" "$2: si_addr is the poisoned page"
	is "$(field si_addr_lsb "$_sig")" 12 "$2: si_addr_lsb 12"
}

# unbind_pmem PMEM: remove PMEM's namespace while dm holds it (three
# tests): ndctl disable-namespace refuses (EBUSY), so unbind the pfn device
# from its driver directly, in the background, and bail out with the
# blocked tasks (sysrq-w) if it has not returned after 90 s.  Puts a
# dmesg mark "remove" first.
unbind_pmem() {
	_ns=$(cat "/sys/block/$1/device/namespace")
	_pdev=$(basename "$(readlink -f "/sys/block/$1/device")")
	_drv=$(readlink -f "/sys/block/$1/device/driver")
	diag "$1 is $_pdev of $_ns, bound to ${_drv##*/}"
	like "$(timeout 60 ndctl disable-namespace "$_ns" 2>&1)" 'Device or resource busy' \
		"ndctl disable-namespace $_ns refuses while dm holds /dev/$1"
	dmesg_mark remove
	_t0=$(date +%s)
	rm -f /tmp/unbind.rc
	( timeout 60 writefile -e "$_drv/unbind" "$_pdev" > /tmp/unbind.out 2>&1
	  echo $? > /tmp/unbind.rc ) &
	_pu=$!
	_unbind_done() { [ -s /tmp/unbind.rc ]; }
	if ! UNTIL_SECONDS=90 check "unbind $_pdev returned (no hang)" until_ok _unbind_done; then
		echo w > /proc/sysrq-trigger
		dmesg_since_mark | strip_ts > /tmp/hang.lines
		diag_file /tmp/hang.lines 80
		bail_out "the removal of $_pdev hangs"
	fi
	wait $_pu
	diag "the unbind took $(($(date +%s) - _t0)) s"
	is "$(cat /tmp/unbind.out)" ok "unbind $_pdev: ok"
}

# kill_line_ok OUT PFN LABEL: since the dmesg mark, exactly one line
# "Memory failure: PFN: Sending SIGBUS to dax_poison:PID due to hardware
# memory corruption" (kill_proc()'s words in mm/memory-failure.c) for the
# pid of the dax_poison whose output is OUT (1 test).  daxhold logs the
# line for its own kills with its other lines, just after the signal:
# waited for.
kill_line_ok() {
	_kl="^Memory failure: $2: Sending SIGBUS to dax_poison:$(kv pid "$1") due to hardware memory corruption\$"
	kill_line_wait "$_kl" 1
	is "$(dmesg_since_mark | strip_ts | grep -Ec -- "$_kl")" 1 \
		"$3: the kernel's kill line for pid $(kv pid "$1"), once"
}

# kill_line_wait ERE [N]: wait until N (default 1) lines since the dmesg
# mark match ERE (time stamps stripped); 1 if they do not within
# UNTIL_SECONDS.
kill_line_wait() {
	_klw_seen() { [ "$(dmesg_since_mark | strip_ts | grep -Ec -- "$1")" -ge "$2" ]; }
	until_ok _klw_seen "$1" "${2:-1}"
}

# rmap_start NAME FILE ARGS...: dax_poison FILE 3 --no-poison $RMAP_ARGS
# ARGS in the background, output in /tmp/NAME.out, pid in $NAME_pid.
rmap_start() {
	_n=$1 _f=$2
	shift 2
	dax_poison "$_f" 3 --no-poison $RMAP_ARGS "$@" > /tmp/$_n.out 2>&1 &
	eval "${_n}_pid=$!"
}

# rmap_round DEV HOW POISON AO QUIET BY INO...: the reverse-map path, one
# injection.  Page 3 of AO is mapped by an early-kill process (expects
# BUS_MCEERR_AO at its own address, lsb 12), of QUIET by a process without
# early kill and of BY (an unrelated file) by an early-kill process (both
# expect nothing); then page 3 of POISON is poisoned, HOW being
#   madvise  madvise(MADV_HWPOISON) by a process mapping it (expects AR)
#   pfn      hwpoison-inject corrupt-pfn of its pfn
#   mce      QEMU monitor `mce` (action optional) at its physical address
#   mceinj   the kernel's mce-inject, hw mode (action optional), same address
# and daxhold must log "owned by dev DEV ino INO pgoff 3" for every INO,
# memory_failure() "Recovered", the kernel's kill line once per signalled
# process, and the index's owners count grow by the number of INOs.
# RMAP_ARGS adds dax_poison options (--read-only).
# 11 + #INO tests (+1 for mceinj, +5 for madvise).
rmap_round() {
	_dev=$1 _how=$2 _poison=$3 _ao=$4 _quiet=$5 _by=$6
	shift 6
	rmap_start ao "$_ao" --early-kill --wait 30
	rmap_start quiet "$_quiet" --wait 30
	rmap_start by "$_by" --early-kill --wait 30
	_ready() { grep -q '^ready' /tmp/ao.out && grep -q '^ready' /tmp/quiet.out &&
		grep -q '^ready' /tmp/by.out; }
	check "$_dev $_how: three processes map their pages" until_ok _ready
	# The poisoned page's physical address, from a mapping of POISON.
	dax_poison "$_poison" 3 --no-poison $RMAP_ARGS > /tmp/where.out 2>&1
	_phys=$(kv phys /tmp/where.out)
	_pfn=$(printf '%#x' $((_phys >> 12)))
	_own0=$(cat /sys/kernel/daxhold/index)
	dmesg_mark "$_dev-$_how"
	case $_how in
	madvise)
		dax_poison "$_poison" 3 $RMAP_ARGS > /tmp/ar.out 2>&1
		is $? 0 "$_dev madvise: the poisoning process got SIGBUS"
		sigbus_ar_ok /tmp/ar.out "$_dev madvise: poisoner"
		kill_line_ok /tmp/ar.out "$_pfn" "$_dev madvise: poisoner" ;;
	pfn)
		_r=$(hwpoison_pfn $((_phys >> 12)))
		is "$_r" ok "$_dev pfn: corrupt-pfn $(printf '0x%x' $((_phys >> 12))) accepted" ;;
	mce)
		_r=$(host_cmd mce -b 0 9 0xbd000000000000c0 5 $_phys 0x8c)
		is "$?" 0 "$_dev mce: host injected the machine check ($_r)" ;;
	mceinj)
		check "$_dev mceinj: mce-inject hw at $(printf '0x%x' $_phys)" \
			mce_inject_hw $_phys ;;
	esac
	_alive=0
	kill -0 $quiet_pid 2>/dev/null && kill -0 $by_pid 2>/dev/null && _alive=1
	is $_alive 1 "$_dev $_how: the bystanders were still waiting after the injection"
	wait $ao_pid
	is $? 0 "$_dev $_how: the early-kill process mapping the page got SIGBUS"
	kill $quiet_pid $by_pid 2>/dev/null
	wait $quiet_pid $by_pid
	_sig=$(grep '^sigbus ' /tmp/ao.out)
	is "$(field si_code "$_sig")" 5 "$_dev $_how: early kill: BUS_MCEERR_AO"
	is "$(field si_addr "$_sig")" "$(kv vaddr /tmp/ao.out)" "$_dev $_how: early kill: si_addr is its page"
	is "$(field si_addr_lsb "$_sig")" 12 "$_dev $_how: early kill: si_addr_lsb 12"
	kill_line_ok /tmp/ao.out "$_pfn" "$_dev $_how: early kill"
	is "$(grep -c '^sigbus ' /tmp/quiet.out)" 0 "$_dev $_how: the mapper without early kill got nothing"
	is "$(grep -c '^sigbus ' /tmp/by.out)" 0 "$_dev $_how: the unrelated mapper got nothing"
	_d=$(devnum "$_dev")
	for _ino in "$@"; do
		_owner() { daxhold_lines | grep -q "owned by dev $_d ino $_ino pgoff 3: mapping tasks signalled"; }
		check "$_dev $_how: daxhold names the owner dev $_d ino $_ino pgoff 3" until_ok _owner
	done
	# The notify_failure and top lines come from the failure log's work item.
	daxhold_wait ' -> top '
	daxhold_lines > /tmp/dh.lines
	diag_file /tmp/dh.lines
	like "$(dmesg_grep_since_mark 'Memory failure' | strip_ts)" \
		'recovery action for dax page: Recovered' "$_dev $_how: memory_failure: Recovered"
	is "$(field owners "$(cat /sys/kernel/daxhold/index)")" \
		$(($(field owners "$_own0") + $#)) "$_dev $_how: index owners +$#"
}

# -------------------------------------------------------- known poison --
#
# For the nfit_test scenarios (nfit_recovery.sh, nfit_report.sh): an fsdax
# namespace of nfit_test, its address range scrub, badblocks, and where a
# file's page lies on the pmem below a stack of partitions and dm-linear.

# nfit_fsdax BUS: after nfit_load, let go of BUS's raw namespaces and make
# one fsdax namespace on its largest pmem region that takes one (64 MiB
# region1 of nfit_test.0: a 62 MiB data area).  Sets NFIT_NS
# (namespaceX.Y) and NFIT_BD (pmemN), waits for /dev/$NFIT_BD and for the
# scrub at bus registration.  The JSON is in $DAXTEST_STATE/ns.json.
nfit_fsdax() {
	NFIT_NS= NFIT_BD=
	ndctl destroy-namespace -f all -b "$1" > /dev/null 2>&1
	for _r in $(ndctl list -R -b "$1" -t pmem |
			sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p'); do
		echo "$(cat /sys/bus/nd/devices/$_r/size) $_r"
	done | sort -rn | cut -d' ' -f2 > "$DAXTEST_STATE/regions"
	while read -r _r; do
		ndctl create-namespace -b "$1" -r "$_r" -t pmem -m fsdax \
			> "$DAXTEST_STATE/ns.json" 2>&1 || continue
		NFIT_NS=$(sed -n 's/.*"dev":"\([^"]*\)".*/\1/p' \
			"$DAXTEST_STATE/ns.json" | head -n 1)
		NFIT_BD=$(sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p' \
			"$DAXTEST_STATE/ns.json" | head -n 1)
		break
	done < "$DAXTEST_STATE/regions"
	[ -n "$NFIT_BD" ] || { echo "no fsdax namespace on $1"; return 1; }
	wait_for "/dev/$NFIT_BD" 10 || { echo "no /dev/$NFIT_BD"; return 1; }
	ndctl wait-scrub "$1" > /dev/null 2>&1
}

# nfit_scrub BUS: start an address range scrub of BUS and wait for it.
# EBUSY means one is already queued (the one at bus registration, or a
# notification's): wait for that and ask again.
nfit_scrub() {
	_i=0
	while ! ndctl start-scrub "$1" > "$DAXTEST_STATE/scrub.out" 2>&1; do
		grep -q busy "$DAXTEST_STATE/scrub.out" || {
			cat "$DAXTEST_STATE/scrub.out"; return 1; }
		_i=$((_i + 1))
		[ $_i -lt 20 ] || { echo "start-scrub busy 20 times"; return 1; }
		ndctl wait-scrub "$1" > /dev/null 2>&1
		sleep 0.5
	done
	ndctl wait-scrub "$1" > "$DAXTEST_STATE/scrub.out" 2>&1 || {
		cat "$DAXTEST_STATE/scrub.out"; return 1; }
}

# badblocks_of PMEM: /sys/block/PMEM/badblocks on one line ("64 8;200 1").
badblocks_of() {
	tr '\n' ';' < "/sys/block/$1/badblocks" | sed 's/;$//'
}

# bb_rescan: daxhold learns of a badblocks change when the pmem driver
# notifies the disk's badblocks attribute; an entry written by hand into
# that attribute is not notified (the block layer's store does not), so
# ask for a scan as an admin would: write the current policy back.
bb_rescan() {
	[ -w "$DAXHOLD_SYSFS/badblocks" ] || return 0
	_bbr=$(cat "$DAXHOLD_SYSFS/badblocks") &&
		echo "$_bbr" > "$DAXHOLD_SYSFS/badblocks"
}

# small_xfs_env: mkfs.xfs (xfsprogs >= 5.19) refuses file systems under
# 300 MB unless it runs under fstests, which it recognises by these three
# variables; nfit_test's namespaces are 62 MiB at most.
small_xfs_env() {
	export TEST_DIR=/tmp TEST_DEV=/dev/null QA_CHECK_FS=1
}

# fiemap_sector FILE PAGE: the 512-byte sector of FILE's page PAGE (4 KiB)
# on its file system's device, from `xfs_io -c "fiemap -v"` (any file
# system); nothing and status 1 if that page is a hole.
fiemap_sector() {
	xfs_io -c "fiemap -v" "$1" > "$DAXTEST_STATE/fiemap.out" 2>&1 ||
		return 1
	_s=$(awk -v s=$(($2 * 8)) '$2 ~ /^\[/ && $3 != "hole" {
		split(substr($2, 2), a, /[].]+/); split($3, b, /[.:]+/)
		if (s >= a[1] && s <= a[2]) print b[1] + s - a[1] }' \
		"$DAXTEST_STATE/fiemap.out")
	[ -n "$_s" ] || return 1
	echo "$_s"
}

# pmem_sector DEV SECTOR: "PMEM SECTOR" of the whole disk below sector
# SECTOR of DEV (dm-N or a /dev/mapper name over dm-linear tables,
# partitions), walking down one layer at a time; status 1 if a layer is
# not linear or not a partition.
pmem_sector() {
	_d=${1##*/} _x=$2
	[ -e "/sys/class/block/$_d" ] || _d=$(dm_name_dev "$_d") || return 1
	while :; do
		if [ -e "/sys/class/block/$_d/partition" ]; then
			_x=$((_x + $(cat "/sys/class/block/$_d/start")))
			_d=$(basename "$(dirname "$(readlink -f "/sys/class/block/$_d")")")
		elif [ -e "/sys/class/block/$_d/dm/name" ]; then
			_l=$(dm_linear_down "$(cat "/sys/class/block/$_d/dm/name")" "$_x") ||
				return 1
			_d=$(bdev_name "${_l% *}") || return 1
			_x=${_l#* }
		else
			echo "$_d $_x"
			return 0
		fi
	done
}

# ext4_xfs_dm_pair BD P1: the recovery scenarios' stack on the whole pmem
# BD, daxhold loaded (policy stacked): partition 1 of P1 sectors from
# sector 2048, partition 2 the rest; dm-linear `ev` 1 MiB into p1 with
# ext4 -o dax at /mnt/e, `xv` 2 MiB into p2 with XFS -m reflink=1,rmapbt=1
# -o dax at /mnt/x; files f0..f3 of 16 random pages on each, their md5sums
# in /tmp/sums.before.  Sets ev and xv (the dm-N names).  8 tests.
ext4_xfs_dm_pair() {
	_pair_bd=$1
	printf 'label: dos\nstart=2048, size=%s, type=83\nstart=%s, type=83\n' \
		"$2" $((2048 + $2)) | sfdisk -q "/dev/$_pair_bd"
	check "partitions ${_pair_bd}p1 and ${_pair_bd}p2" wait_for "/dev/${_pair_bd}p2"
	echo "0 $(($(sectors ${_pair_bd}p1) - 2048)) linear $(devnum ${_pair_bd}p1) 2048" |
		dmsetup create ev
	echo "0 $(($(sectors ${_pair_bd}p2) - 4096)) linear $(devnum ${_pair_bd}p2) 4096" |
		dmsetup create xv
	ev=$(dm_name_dev ev) xv=$(dm_name_dev xv)
	isnt "$ev:$xv" ":" "dm-linear volumes ev ($ev) and xv ($xv)"
	_pair_held() { [ "$(daxhold_field "$_pair_bd" mode)" = auto ]; }
	check "daxhold holds $_pair_bd (auto)" until_ok _pair_held
	small_xfs_env
	check "mkfs.ext4 on ev" mkfs.ext4 -q -F -b 4096 /dev/mapper/ev
	check "mkfs.xfs -m reflink=1,rmapbt=1 on xv" \
		mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/mapper/xv
	mkdir -p /mnt/e /mnt/x
	check "mount -o dax ev (ext4)" mount -t ext4 -o dax /dev/mapper/ev /mnt/e
	check "mount -o dax xv (xfs)" mount -t xfs -o dax /dev/mapper/xv /mnt/x
	for _m in e x; do
		for _i in 0 1 2 3; do
			dd if=/dev/urandom of=/mnt/$_m/f$_i bs=4096 count=16 2>/dev/null
		done
	done
	sync
	is "$(statx_dax /mnt/e/f1 | cut -d' ' -f1) $(statx_dax /mnt/x/f1 | cut -d' ' -f1)" \
		"dax=1 dax=1" "the files are DAX (STATX_ATTR_DAX) on both"
	md5sum /mnt/e/f* /mnt/x/f* > /tmp/sums.before
}

# poison_names LABEL FILE DEV BD S PAGE: /proc/fs/daxhold/poison comes to
# name FILE's 4 KiB page PAGE (FILE on DEV) under the bad range at sector S
# of BD, within 20 s (the module scans a moment after badblocks changed):
# its ino, offset, one page, DEV's MAJ:MIN.  A skip without that file.
# 1 test.
poison_names() {
	if [ -r /proc/fs/daxhold/poison ]; then
		# The function's own $4 and $5 would be empty: the pattern is
		# made here.
		_pn_re="^file $4 sector=$5 "
		_pn_named() { grep -q "$_pn_re" /proc/fs/daxhold/poison; }
		UNTIL_SECONDS=20 until_ok _pn_named
		_pl=$(grep "$_pn_re" /proc/fs/daxhold/poison)
		is "$(field ino "$_pl") $(field offset "$_pl") $(field len "$_pl") $(field fsdev "$_pl")" \
			"$(stat -c %i "$2") 0x$(printf '%x' $(($6 * 4096))) 0x1000 $(devnum "$3")" \
			"$1: /proc/fs/daxhold/poison names $2 page $6"
	else
		skip "$1: /proc/fs/daxhold/poison names $2 page $6" \
			"no /proc/fs/daxhold/poison in this daxhold"
	fi
}

# page_bytes FILE PAGE: the distinct byte values (hex) of FILE's 4 KiB
# page PAGE, on one line.
page_bytes() {
	dd if="$1" bs=4096 skip=$2 count=1 2>/dev/null |
		od -An -tx1 -v | tr -s ' ' '\n' | grep . | sort -u |
		tr '\n' ' ' | sed 's/ $//'
}

# md5_page_filled FILE PAGE BYTE: the md5 FILE would have with its 4 KiB
# page PAGE all BYTE (two hex digits).
md5_page_filled() {
	{
		dd if="$1" bs=4096 count=$2
		dd if=/dev/zero bs=4096 count=1 | tr '\0' "\\$(printf '%03o' 0x$3)"
		dd if="$1" bs=4096 skip=$(($2 + 1))
	} 2>/dev/null | md5sum | cut -d' ' -f1
}

# ---------------------------------------------------------- trace events --
#
# daxhold's trace events (include/trace/events/daxhold.h) in the tracefs
# buffer, which the guest init mounts.  Each event line ends in its
# "key=value" fields, read with `field`.

TRACEFS=/sys/kernel/tracing

# trace_on: daxhold's events on, the buffer emptied.
trace_on() {
	echo 1 > "$TRACEFS/events/daxhold/enable" && : > "$TRACEFS/trace"
}

# trace_clear: empty the buffer.
trace_clear() {
	: > "$TRACEFS/trace"
}

# trace_ev EVENT: the fields of each EVENT line in the buffer, one per line.
trace_ev() {
	sed -n "s/.* $1: //p" "$TRACEFS/trace"
}

# kill_ev PID: "SI_CODE ADDR LSB" of the daxhold_kill event of PID in the
# buffer ("  " if there is none).
kill_ev() {
	_k=$(trace_ev daxhold_kill | grep " pid=$1 ")
	echo "$(field si_code "$_k") $(field addr "$_k") $(field lsb "$_k")"
}
