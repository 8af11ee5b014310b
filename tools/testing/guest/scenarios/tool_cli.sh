# SPDX-License-Identifier: GPL-2.0
# The userspace tool `daxhold` (tools/daxhold, Documentation/tool.rst) in a
# guest: --help, clap's errors for bad arguments (exit 2), "module not
# loaded" before insmod and after rmmod (exit 1), `status` on pmem0 ->
# pmem0p1 -> dm-linear lv with ext4 -o dax (names and MAJ:MIN checked
# against sysfs and dmsetup), `status --json` through jq, a madvise poison
# of page 3 of a file on the lv, then `events` (text and JSON): the
# failure's offset as daxhold's own log line gives it, the top device and
# sector (from FIEMAP), the owner inode and the signalled pid; `report`
# reads; a non-root user is told to run it as root.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=200
. /daxtest/lib.sh
require_module daxhold

plan 56

# json_array FILE: FILE holds one JSON array (jq -e alone passes an
# empty file).
json_array() {
	jq -e -n 'input | type == "array"' "$1" > /dev/null
}

# run NAME ARGS...: daxhold ARGS, stdout in /tmp/NAME.out, stderr in
# /tmp/NAME.err, exit status in $rc.
run() {
	_n=$1
	shift
	daxhold "$@" > "/tmp/$_n.out" 2> "/tmp/$_n.err"
	rc=$?
}

# --- arguments, and no module yet --------------------------------------
run help --help
is "$rc" 0 "daxhold --help: exit 0"
is "$(awk '$1 ~ /^(status|events|report)$/ { printf "%s ", $1 }' /tmp/help.out)" \
	"status events report " "--help lists status, events, report"
for args in "frobnicate" "events --last x" "status --bogus" "report extra"; do
	run bad $args
	is "$rc" 2 "daxhold $args: exit 2"
	like "$(cat /tmp/bad.err)" '^error: ' "daxhold $args: clap's error message"
done
run nomod status
is "$rc" 1 "status before insmod: exit 1"
is "$(cat /tmp/nomod.err)" "daxhold: module not loaded (no /proc/fs/daxhold): insmod daxhold.ko" \
	"status before insmod: module not loaded"

# --- a stack: pmem0 -> pmem0p1 -> lv (dm-linear), ext4 -o dax ----------
check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: pmem0p1 from sector 4096" \
	sh -c 'printf "label: dos\nstart=4096, size=400000\n" | sfdisk -q /dev/pmem0'
check "dmsetup create lv (linear on pmem0p1 from sector 2048)" \
	dmsetup create lv --table "0 $(($(sectors pmem0p1) - 2048)) linear $(devnum pmem0p1) 2048"
lv=$(dm_name_dev lv)
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held

# --- status --------------------------------------------------------------
run status status
is "$rc" 0 "status: exit 0"
diag_file /tmp/status.out
diag_file /tmp/status.err
row() { awk -v n="$1" '$1 == n' /tmp/status.out; }
dmdevt=$(dmsetup info -c --noheadings -o major,minor --separator : lv | tr -d ' ')
is "$(row pmem0 | awk '{ print $2, $3 }')" "$(devnum pmem0) pmem" "status: pmem0, its MAJ:MIN, kind pmem"
is "$(row └─pmem0p1 | awk '{ print $2, $3 }')" "$(devnum pmem0p1) part" \
	"status: └─pmem0p1 under pmem0, its MAJ:MIN, kind part"
is "$(row └─$lv | awk '{ print $2, $3, $NF }')" "$dmdevt dm ext4" \
	"status: └─$lv under pmem0p1, MAJ:MIN as dmsetup says, kind dm, FS ext4"
run json status --json
is "$rc" 0 "status --json: exit 0"
check "status --json is a JSON array" json_array /tmp/json.out
is "$(jq -r '.[] | select(.dev == "pmem0") | [.devt, .kind, .mode] | join(" ")' /tmp/json.out)" \
	"$(devnum pmem0) pmem auto" "status --json: pmem0 held, mode auto"
is "$(jq -r '.[] | select(.dev == "pmem0") | .children[] | select(.dev == "pmem0p1") |
	[.devt, .maps[0].lower_sector, .sectors] | join(" ")' /tmp/json.out)" \
	"$(devnum pmem0p1) 4096 $(sectors pmem0p1)" "status --json: pmem0p1 at sector 4096, its size"
is "$(jq -r '.[] | .children[] | .children[] | select(.dev == "'"$lv"'") |
	[.devt, .kind, .filesystem, .maps[0].lower_sector] | join(" ")' /tmp/json.out)" \
	"$dmdevt dm ext4 2048" "status --json: $lv above pmem0p1 from its sector 2048, ext4"

# --- a failure, and what events says about it -----------------------------
dd if=/dev/urandom of=/mnt/l/f bs=4096 count=16 2>/dev/null
sync
ino=$(stat -c %i /mnt/l/f)
# events --follow, started before the failure: the failures already there
# (however many its first read saw), then the new one. An hour between
# reads: only the module's notification (last_failure) wakes it in time.
n0=$(daxhold events --json | jq length)
lf0=$(cat /sys/kernel/daxhold/last_failure)
daxhold events --follow --interval 3600000 > /tmp/fol.out 2> /tmp/fol.err &
fol=$!
# Once it waits in poll() (x86_64 syscall 7), its first read is done.
in_poll() { [ "$(cut -d' ' -f1 /proc/$fol/syscall 2>/dev/null)" = 7 ]; }
check "events --follow read the events once and waits in poll()" until_ok in_poll
dmesg_mark tool-madvise
dax_poison /mnt/l/f 3 > /tmp/ar.out 2>&1 &
pid=$!
wait $pid
is $? 0 "madvise poison of page 3: the poisoning process got SIGBUS"
sector=$(($(kv fs_offset /tmp/ar.out) / 512))
daxhold_wait ' -> top '
off=$(field offset "$(nf_line pmem0)")
diag "pid $pid, $lv sector $sector, notify_failure offset $off"
run ev events --last 1
is "$rc" 0 "events --last 1: exit 0"
diag_file /tmp/ev.out
diag_file /tmp/ev.err
like "$(head -n 1 /tmp/ev.out)" "^failure [0-9]+ on pmem0: sector $(($off / 512)) sectors 8 \\(bytes $off len 0x1000\\) mf_flags 0x23 " \
	"events: the failure on pmem0, sectors and bytes, offset as daxhold logged it, mf_flags 0x23"
like "$(grep '^  top ' /tmp/ev.out)" "^  top +$lv \\($dmdevt\\) sector $sector sectors 8 \\(bytes $(printf '%#x' $((sector * 512))) len 0x1000\\) depth 2:" \
	"events: top $lv sector $sector (FIEMAP) sectors 8, its bytes, depth 2"
like "$(grep '^  owner ' /tmp/ev.out)" "^  owner +fs $dmdevt ino $ino pgoff 3 " \
	"events: owner ino $ino pgoff 3 on $dmdevt"
like "$(grep '^  signal ' /tmp/ev.out)" "^  signal +pid $pid \\(dax_poison\\) SIGBUS BUS_MCEERR_AR " \
	"events: signalled pid $pid, BUS_MCEERR_AR"
followed() { [ "$(grep -c '^failure ' /tmp/fol.out)" -gt "$n0" ]; }
check "events --follow printed the new failure" until_ok followed
kill -TERM $fol
wait $fol
is "$?" 0 "events --follow: exit 0 on SIGTERM"
diag_file /tmp/fol.err
is "$(grep -c '^failure ' /tmp/fol.out)" $((n0 + 1)) "events --follow: the $n0 failures before it, then the new one, each once"
like "$(grep '^failure ' /tmp/fol.out | tail -n 1)" "^failure [0-9]+ on pmem0: sector $(($off / 512)) sectors 8 " \
	"events --follow: the same failure as events --last 1"
seq=$(sed -n 's/^failure \([0-9]*\) .*/\1/p' /tmp/ev.out)
is "$(cat /sys/kernel/daxhold/last_failure)" "$seq" \
	"last_failure: $seq, the number of the newest failure (was $lf0)"
run evj events --json
is "$rc" 0 "events --json: exit 0"
check "events --json is a JSON array" json_array /tmp/evj.out
is "$(jq -r '.[-1] | [.dev, .length_bytes, .sectors, .mf_flags, .tops[0].dev, .tops[0].sector, .tops[0].offset_bytes] | join(" ")' /tmp/evj.out)" \
	"pmem0 4096 8 35 $lv $sector $((sector * 512))" "events --json: dev, length_bytes, sectors, mf_flags, top device, sector, offset_bytes"
is "$(jq -r '.[-1] | [(.owners[] | select(.ino == '"$ino"') | .pgoff), (.signals[] | select(.pid == '"$pid"') | .code)] | join(" ")' /tmp/evj.out)" \
	"3 AR" "events --json: owner ino $ino pgoff 3, pid $pid signalled AR"

# --- report, and not root ----------------------------------------------------
run rep report --json
is "$rc" 0 "report --json: exit 0"
diag_file /tmp/rep.err
check "report --json is a JSON array" json_array /tmp/rep.out
grep -q '^nobody:' /etc/passwd 2>/dev/null || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
su -s /bin/sh nobody -c 'daxhold status' > /tmp/nr.out 2> /tmp/nr.err
is "$?" 1 "status as nobody: exit 1"
is "$(cat /tmp/nr.err)" \
	"daxhold: /proc/fs/daxhold/stack: permission denied: daxhold's files are root-only (run as root)" \
	"status as nobody: says it needs root"

# --- rmmod ------------------------------------------------------------------
# A follower waiting an hour: the unload wakes it, and it says so.
daxhold events --follow --interval 3600000 > /tmp/fol2.out 2> /tmp/fol2.err &
fol=$!
check "events --follow (2) waits in poll()" until_ok in_poll
check "umount /mnt/l" umount /mnt/l
check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
gone_follow() { [ -s /tmp/fol2.err ]; }
check "events --follow ends within 10 s of rmmod" until_ok gone_follow
wait $fol
is "$?" 1 "events --follow after rmmod: exit 1"
is "$(cat /tmp/fol2.err)" \
	"daxhold: /proc/fs/daxhold/events is gone: the daxhold module was unloaded while following it" \
	"events --follow after rmmod: says the module was unloaded"
run gone status
is "$rc" 1 "status after rmmod: exit 1"
is "$(cat /tmp/gone.err)" "daxhold: module not loaded (no /proc/fs/daxhold): insmod daxhold.ko" \
	"status after rmmod: module not loaded"
done_testing
