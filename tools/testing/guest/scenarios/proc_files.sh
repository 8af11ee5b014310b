# SPDX-License-Identifier: GPL-2.0
# /proc/fs/daxhold/{stack,events} (Documentation/admin.rst, "Kernel
# interface for tools") on a real stack: pmem0 with two partitions, ext4
# -o dax on dm-linear "lv" over pmem0p2 (from its sector 2048), XFS -o dax
# (reflink, rmapbt) on dm-striped "st" over pmem0p1 and pmem1 (2 stripes);
# daxhold holding pmem0 and pmem1 by policy.
#   stack   every held disk, device above and edge, checked against
#           sysfs, sfdisk's partitions and `dmsetup table`; holder=yes on
#           st (XFS holds it), no on lv (ext4 does not); the filesystems
#   events  madvise(MADV_HWPOISON) on page 3 of a file on lv (daxhold's
#           reverse map kills) and of a file on st (forwarded to XFS,
#           which kills): the failure, top, owner, result lines of one
#           sequence number, and a signal line naming the poisoning pid, code=AR,
#           the page's address, lsb=12; still there after dmesg printed
#           them, and the same on a second read
#   access  mode 0400, a non-root reader gets EACCES
#   unload  the files go with rmmod, also with readers looping over them
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=300
. /daxtest/lib.sh
require_module daxhold

plan 52

P=/proc/fs/daxhold

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "sfdisk: pmem0p1 and pmem0p2" \
	sh -c 'printf "label: dos\nstart=4096, size=409600\nstart=417792, size=400000\n" | sfdisk -q /dev/pmem0'
check "dmsetup create lv (linear on pmem0p2 from sector 2048)" \
	dmsetup create lv --table "0 $(($(sectors pmem0p2) - 2048)) linear $(devnum pmem0p2) 2048"
printf '0 %s striped 2 128 %s 0 %s 2048\n' $((2 * 409600)) \
	"$(devnum pmem0p1)" "$(devnum pmem1)" > /tmp/st.table
check "dmsetup create st (striped: pmem0p1 at 0, pmem1 at 2048, chunk 128)" \
	sh -c 'dmsetup create st < /tmp/st.table'
lv=$(dm_name_dev lv)
st=$(dm_name_dev st)
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l
check "mkfs.xfs (reflink, rmapbt) + mount -o dax /dev/mapper/st" \
	sh -c 'mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/mapper/st && mkdir -p /mnt/s && mount -t xfs -o dax /dev/mapper/st /mnt/s'
for f in /mnt/l/f /mnt/s/f; do dd if=/dev/urandom of=$f bs=4096 count=16 2>/dev/null; done
sync

check "no $P before insmod" sh -c "! [ -e $P ]"
check "insmod daxhold (policy stacked)" daxhold_load
held() {
	[ "$(daxhold_field pmem0 mode)" = auto ] && [ "$(daxhold_field pmem1 mode)" = auto ]
}
check "daxhold holds pmem0 and pmem1 by policy" until_ok held

# --- access -----------------------------------------------------------
is "$(stat -c '%a %u' $P/stack $P/events | tr '\n' ' ')" "400 0 400 0 " \
	"stack and events: mode 0400, owned by root"
# busybox su as root asks no password; the user needs a passwd line.
grep -q '^nobody:' /etc/passwd 2>/dev/null ||
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
su -s /bin/sh nobody -c "id -u; cat $P/stack" > /tmp/np.out 2>&1
isnt $? 0 "cat $P/stack as nobody fails"
like "$(cat /tmp/np.out | tr '\n' ' ')" '^65534 .*Permission denied' \
	"... as uid 65534, with EACCES (Permission denied)"

# --- stack ------------------------------------------------------------
cat $P/stack > /tmp/stack
diag_file /tmp/stack
is "$(head -n 1 /tmp/stack)" "# daxhold stack v1" "stack: header"
for d in pmem0 pmem1; do
	is "$(grep "^held $d " /tmp/stack)" \
		"held $d dev=$(devnum $d) mode=auto sectors=$(sectors $d)" "stack: held $d"
done
devline() { grep "^dev $1 " /tmp/stack | sed 's/ depth=[0-9]*$//'; }
for p in pmem0p1 pmem0p2; do
	is "$(devline $p)" "dev $p dev=$(devnum $p) kind=part sectors=$(sectors $p) holder=no" \
		"stack: dev $p"
	is "$(grep "^map $p " /tmp/stack)" \
		"map $p lower=pmem0 start=0 sectors=$(sectors $p) lower_start=$(part_start $p) target=part" \
		"stack: map $p (sfdisk: start $(part_start $p))"
done
is "$(devline $lv)" "dev $lv dev=$(devnum $lv) kind=dm sectors=$(sectors $lv) holder=no" \
	"stack: dev $lv (lv; ext4 holds nothing)"
is "$(devline $st)" "dev $st dev=$(devnum $st) kind=dm sectors=$(sectors $st) holder=yes" \
	"stack: dev $st (st; XFS holds it)"
like "$(grep "^dev $lv " /tmp/stack)" ' depth=2$' "stack: $lv is two levels above pmem0"

# want_maps NAME: the map lines `dmsetup table NAME` says there must be.
want_maps() {
	_dev=$(dm_name_dev "$1")
	dmsetup table "$1" | while read -r _b _l _t _rest; do
		set -- $_rest
		case $_t in
		linear)
			echo "map $_dev lower=$(bdev_name "$1") start=$_b sectors=$_l lower_start=$2 target=linear" ;;
		striped)
			_n=$1 _c=$2; shift 2
			_i=0
			while [ $_i -lt "$_n" ]; do
				echo "map $_dev lower=$(bdev_name "$1") start=$_b sectors=$_l lower_start=$2 target=striped stripes=$_n chunk=$_c stripe=$_i"
				shift 2; _i=$((_i + 1))
			done ;;
		esac
	done | sort
}
for n in lv st; do
	d=$(dm_name_dev $n)
	want_maps $n > /tmp/want.$n
	grep "^map $d " /tmp/stack | sort > /tmp/got.$n
	diag "dmsetup table $n: $(dmsetup table $n)"
	check "stack: map lines of $d ($n) as dmsetup table says" cmp /tmp/want.$n /tmp/got.$n
done
is "$(grep -c '^map ' /tmp/stack)" 5 "stack: 5 map lines (2 partitions, 1 linear, 2 stripes)"
is "$(grep "^fs $lv " /tmp/stack)" "fs $lv type=ext4" "stack: ext4 on $lv"
is "$(grep "^fs $st " /tmp/stack)" "fs $st type=xfs" "stack: xfs on $st"
is "$(grep -Evc '^(# daxhold stack v1$|(held|dev|map|fs) )' /tmp/stack)" 0 \
	"stack: no other kind of line"

# --- events -------------------------------------------------------------
cat $P/events > /tmp/ev0
is "$(cat /tmp/ev0)" "# daxhold events v1" "events: just the header before any failure"

# poison MNT DEV LABEL: dax_poison page 3 of MNT/f in the background (its
# pid is the one signalled), wait for daxhold's lines; sets $out, $pid.
poison() {
	out=/tmp/$3.out
	dmesg_mark "$3"
	dax_poison "$1/f" 3 > "$out" 2>&1 &
	pid=$!
	wait $pid
	is $? 0 "$3: dax_poison got a SIGBUS"
	daxhold_wait "daxhold: pmem.: .* -> top $2 "
}

# events_ok LABEL DEV DEPTH RESULT: the events lines of the last failure
# are the failure, the top on DEV, (owner), and the signal to $pid.
events_ok() {
	cat $P/events > /tmp/ev
	_seq=$(grep ' failure ' /tmp/ev | tail -n 1 | cut -d' ' -f1)
	grep "^$_seq " /tmp/ev > /tmp/ev.$1
	diag "events of failure $_seq:"
	diag_file /tmp/ev.$1
	_pm=$(cut -d' ' -f2 /tmp/ev.$1 | head -n 1)
	_nf=$(nf_line "$_pm")
	_s=$(($(kv fs_offset "$out") / 512))
	is "$(grep ' failure ' /tmp/ev.$1)" \
		"$_seq $_pm failure offset=$(field offset "$_nf") len=0x1000 mf_flags=0x23 flags=MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED" \
		"$1: failure line, as dmesg's: $(echo "$_nf" | sed 's/.*notify_failure //')"
	like "$(grep ' top ' /tmp/ev.$1)" \
		"^$_seq pmem. top dev=$2 devt=$(devnum $2) sector=$_s sectors=8 depth=$3 result=$4 " \
		"$1: top line: $2 sector $_s (FIEMAP)"
	is "$(grep ' result ' /tmp/ev.$1 | cut -d' ' -f3-)" "result errno=0" \
		"$1: result line: notify_failure returned 0"
	is "$(grep -c ' signal ' /tmp/ev.$1)" 1 "$1: one signal line"
	is "$(grep ' signal ' /tmp/ev.$1 | cut -d' ' -f3-)" \
		"signal pid=$pid comm=dax_poison code=AR addr=$(kv vaddr "$out") lsb=12" \
		"$1: signal line: pid $pid, AR, the page's address, lsb 12"
}

poison /mnt/l "$lv" ext4
events_ok ext4 "$lv" 2 declined
is "$(grep ' owner ' /tmp/ev.ext4 | cut -d' ' -f3- | sed 's/ pfn=.*errno=/ errno=/')" \
	"owner fsdev=$(devnum $lv) ino=$(stat -c %i /mnt/l/f) pgoff=3 errno=0" \
	"ext4: owner line: the file's inode, page 3"
like "$(daxhold_lines | grep 'owned by dev')" "ino $(stat -c %i /mnt/l/f) pgoff 3" \
	"ext4: dmesg names the same owner"

poison /mnt/s "$st" xfs
events_ok xfs "$st" "[12]" handled
is "$(grep -c ' owner ' /tmp/ev.xfs)" 0 "xfs: no owner line (XFS handled it)"

cat $P/events > /tmp/ev2
check "events: a second read shows the same records (a history, not consumed)" \
	cmp /tmp/ev /tmp/ev2
is "$(grep -c ' failure ' /tmp/ev2)" 2 "events: two failures so far"
is "$(grep -Evc '^(# daxhold events v1$|[0-9]+ pmem[0-9]+ [a-z_]+( |$))' /tmp/ev2)" 0 \
	"events: every line is SEQ PMEM KIND ..."

# --- unload ------------------------------------------------------------
check "umount both" umount /mnt/l /mnt/s
check "rmmod daxhold" daxhold_unload
check "no $P after rmmod" sh -c "! [ -e $P ]"

# readers looping over the files while the module goes, three times
ok_races=0
for i in 1 2 3; do
	daxhold_load || break
	( while :; do cat $P/stack $P/events > /dev/null 2>&1; done ) &
	r1=$!
	( while :; do cat $P/events > /dev/null 2>&1; done ) &
	r2=$!
	sleep 1
	daxhold_unload && ! [ -e $P ] && ok_races=$((ok_races + 1))
	kill $r1 $r2
	wait $r1 $r2 2>/dev/null
done
is $ok_races 3 "rmmod with two readers looping over $P: 3 of 3 clean, files gone"

check "dmsetup remove lv st" dmsetup remove lv st
done_testing
