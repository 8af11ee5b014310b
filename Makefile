# SPDX-License-Identifier: GPL-2.0
#
# daxhold: the two commands a newcomer needs are `make demo` and
# `make check`; both set up everything they need (packages, toolchain,
# a test kernel cached under $(DAXHOLD_CACHE)).
#
#   make            build daxhold.ko against the test kernel
#   make KDIR=<tree>   build it against your own Rust-enabled 6.12 kernel
#   make dkms-install  install it with DKMS (dkms.conf) for the running kernel
#   make module-kunit   also build build/kunit/daxhold.ko with the KUnit suites
#   make module-flavour FLAVOUR=nfit   build/nfit/daxhold.ko for that kernel
#   make module-flavour-kunit FLAVOUR=debug   build/debug-kunit/daxhold.ko
#   make check      host tests, lint, module build, KUnit, guest scenarios,
#                   (CHECK_FLAVOUR=debug: on the debug kernel, tools/kconfig/debug.config)
#   make demo       boot a guest, poison a page, show what daxhold saw
#   make host-test  cargo test of the core-only logic
#   make bench-host host benchmark of the stack translation (not in check)
#   make bench-rmap host benchmark of the reverse map (not in check)
#   make bench      host and guest benchmarks, to build/bench/ (not in check)
#   make fuzz       every fuzz target, 10^7 executions each (not in check)
#   make lint       rustfmt --check and clippy
#   make panic-check  no panic paths in daxhold.o (tools/panic-check.sh)
#   make tool       the userspace tool, build/tool/daxhold (tools/daxhold), its
#                   man pages (build/tool/man) and completions (build/tool/completions)
#   make clean
#
# FLAVOUR selects the test kernel (tools/kconfig/<FLAVOUR>.config) of the
# build, demo and bench targets; make check boots CHECK_FLAVOUR (default;
# debug for the kernel's checkers).

FLAVOUR ?= default
DAXHOLD_CACHE ?= $(HOME)/.cache/daxhold
export DAXHOLD_CACHE
SETUP := tools/setup
BINDGEN := $(DAXHOLD_CACHE)/tools/bin/bindgen
ifeq ($(origin KDIR),command line)
# `make KDIR=<build tree>`: build against that Rust-enabled 6.12 kernel
# (yours; Documentation/admin.rst, "Building for your kernel"), set up
# nothing.
KERNEL_PREREQ :=
else
# The test kernel, evaluated once, on first use (targets such as host-test
# never need it).
KDIR = $(eval KDIR := $(shell $(SETUP)/kernel.sh $(FLAVOUR)))$(KDIR)
KERNEL_PREREQ := kernel
endif
KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=1 $(if $(wildcard $(BINDGEN)),BINDGEN=$(BINDGEN))

.PHONY: all module dkms-install module-kunit module-flavour module-flavour-kunit deps kernel check demo host-test bench-host bench-rmap bench fuzz lint panic-check fmt clean tool

all: module

deps:
	@$(SETUP)/deps.sh

kernel: deps
	@$(SETUP)/kernel.sh $(FLAVOUR) >/dev/null

module: $(KERNEL_PREREQ)
	$(KMAKE) modules

# DKMS (dkms.conf): the sources to /usr/src/daxhold-<version>, built and
# installed for the running kernel, or KERNELRELEASE=<version>.
dkms-install:
	tools/build/dkms.sh install $(KERNELRELEASE)

# daxhold.ko with its KUnit suites, in build/kunit/ (see Documentation/testing.rst).
module-kunit: kernel
	$(KMAKE) DAXHOLD_KUNIT=y modules
	mkdir -p build/kunit && cp daxhold.ko build/kunit/daxhold.ko
	$(KMAKE) modules

# daxhold.ko for FLAVOUR's kernel as build/$(FLAVOUR)/daxhold.ko, built from
# a copy of the sources so the in-tree daxhold.ko stays the default's.
module-flavour: kernel
	@tools/build/flavour-module.sh $(FLAVOUR) $(KDIR)

# The same with the KUnit suites, as build/$(FLAVOUR)-kunit/daxhold.ko.
module-flavour-kunit: kernel
	@DAXHOLD_KUNIT=y tools/build/flavour-module.sh $(FLAVOUR)-kunit $(KDIR)

host-test:
	cd rust/pure && cargo test --quiet

# Stack translation against a linear scan of the targets; see
# Documentation/testing.rst, "Benchmarks".
bench-host:
	cd rust/pure && cargo bench --bench stack

# Reverse-map queries against a scan of every record, 1e3 to 1e7 records;
# see Documentation/testing.rst, "Benchmarks".
bench-rmap:
	cd rust/pure && cargo bench --bench rmap

# Every benchmark: the host ones (cargo bench) and the guest ones (poison
# latency, DAX throughput with daxhold loaded and not); sets up what it
# needs, writes build/bench/*.txt, prints a summary.  See
# Documentation/testing.rst, "Benchmarks".
bench:
	@tools/bench/run.sh $(FLAVOUR)

# The fuzz targets (tools/fuzz), FUZZ_RUNS executions each (default 10^7),
# FUZZ_JOBS at a time (default 1); fails on any crash.  FUZZ_SANITIZER=address
# builds them with ASan.  See Documentation/testing.rst, "Fuzzing".
fuzz:
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_SANITIZER=$(FUZZ_SANITIZER) \
		tools/fuzz/run.sh

# The userspace tool (tools/daxhold) as build/tool/daxhold; the guest
# initramfs takes it from there.  Its man pages (clap_mangen) go to
# build/tool/man/, its bash, zsh and fish completions (clap_complete) to
# build/tool/completions/, written by daxhold-gen.  See Documentation/tool.rst.
tool:
	cargo build --quiet --release --locked --manifest-path tools/daxhold/Cargo.toml \
		--target-dir build/tool/target --bins
	mkdir -p build/tool && cp build/tool/target/release/daxhold build/tool/daxhold
	rm -rf build/tool/man build/tool/completions
	build/tool/target/release/daxhold-gen build/tool

lint: kernel
	tools/lint.sh $(KDIR)

# No panic paths in daxhold.o outside tools/panic-allowlist.txt, no objtool
# fall-through; see Documentation/design.rst, "No panics".
panic-check: module
	tools/panic-check.sh daxhold.o $(KDIR)

fmt:
	rustfmt --config-path .rustfmt.toml rust/*.rs rust/ffi/*.rs rust/pure/*.rs rust/pure/tests/*.rs \
		rust/pure/tests/model/*.rs rust/pure/benches/*.rs tools/daxhold/src/*.rs \
		tools/daxhold/src/bin/*.rs tools/daxhold/tests/*.rs tools/daxhold/tests/common/*.rs tools/fuzz/src/*.rs tools/fuzz/fuzz_targets/*.rs

# check.sh runs the set-up itself, as its first steps.
CHECK_FLAVOUR ?= default
check:
	@tools/check.sh $(CHECK_FLAVOUR)

demo: module
	@mkdir -p build && tools/demo.sh $(KDIR)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf rust/pure/target build rust/ffi/dax_generated.rs
