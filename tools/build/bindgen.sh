#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Generate Rust bindings for what the kernel's own bindings lack
# (<linux/dax.h>, the C glue), with exactly the flags the kernel used.
#
#   tools/build/bindgen.sh KDIR HEADER OUT.rs
#
# Kbuild does not export the kernel's bindgen flags to external modules, but
# it saves the command it ran in rust/bindings/.bindings_generated.rs.cmd.
# We replay that command with our header, our output and an allowlist, so
# the types match the kernel's bindings bit for bit.
set -euo pipefail
kdir=$1 header=$(realpath "$2") out=$(realpath -m "$3")
cmdfile=$kdir/rust/bindings/.bindings_generated.rs.cmd
[ -f "$cmdfile" ] || { echo "bindgen.sh: no $cmdfile (kernel not built with CONFIG_RUST?)" >&2; exit 1; }

# "savedcmd_... := BINDGEN rust/bindings/bindings_helper.h OPTS -o OUT -- CFLAGS; sed ..."
cmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile")
cmd=${cmd%%; *}
bindgen=${cmd%% *}
opts=${cmd#* rust/bindings/bindings_helper.h }
opts=${opts%% -o rust/bindings/bindings_generated.rs -- *}
cflags=${cmd#* -- }
# Drop the kernel's own dependency-file and module-name defines.
cflags=$(printf '%s' "$cflags" | sed -e 's/-Wp,-MMD,[^ ]*//' \
	-e "s/-DKBUILD_[A-Z]*='[^']*'//g" -e 's/-D__KBUILD_MODNAME=[^ ]*//')

# Only the items daxhold declares; everything they refer to (block_device,
# file, ...) comes from kernel::bindings through a glob import.
allow="--no-recursive-allowlist
	--allowlist-type dax_device --opaque-type dax_device
	--allowlist-type dax_holder_operations
	--allowlist-function 'fs_dax_get_by_bdev|fs_put_dax|dax_holder'
	--allowlist-function 'dax_holder_notify_failure|dax_alive|msleep|daxhold_.*'
	--allowlist-type mf_flags
	--allowlist-type mapped_device --opaque-type mapped_device
	--allowlist-function 'dm_get_md|dm_put|dm_disk'
	--allowlist-type 'daxhold_.*' --allowlist-var 'DAXHOLD_.*|daxhold_trace_users|daxhold_sig_listening'
	--blocklist-function 'daxhold_ctl_.*|daxhold_rescan|daxhold_holds_dev|daxhold_log_print|daxhold_proc_show|daxhold_sig_hit'"

allow=$(printf "%s" "$allow" | tr "\n\t" "  ")
cd "$kdir"
eval "\"$bindgen\" \"$header\" $opts $allow -o \"$out.tmp\" -- $cflags -I\"$(dirname "$header")/..\" -DMODULE"
mv "$out.tmp" "$out"
