# SPDX-License-Identifier: GPL-2.0
#
# In the kernel tree this is a plain kbuild Makefile.  Out of tree it also
# carries the project's targets: the module, the test rig and the checks.

ifneq ($(KERNELRELEASE),)

obj-$(CONFIG_VBOXGUEST) += vboxguest.o
vboxguest-y := vboxguest_linux.o vboxguest_core.o vboxguest_utils.o
vboxguest-$(CONFIG_VBOXGUEST_KUNIT_TEST) += vboxguest_test.o \
	vboxguest_ioctl_test.o vboxguest_req_test.o vboxguest_events_test.o \
	vboxguest_hgcm_test.o vboxguest_lifecycle_test.o
# define_trace.h includes vboxguest_trace.h by this directory.
CFLAGS_vboxguest_linux.o := -I$(src)
# Out of tree our include/ must win over the kernel's own copies of the
# same headers, so it goes in front of LINUXINCLUDE, not into ccflags-y
# (which kbuild puts after it).  In tree our files are the tree's.
ifneq ($(KBUILD_EXTMOD),)
LINUXINCLUDE := -I$(src)/include -I$(src)/include/uapi $(LINUXINCLUDE)
# The tracepoints are asked for on the command line
# (CONFIG_VBOXGUEST_TRACING=y: make VBOXGUEST_TRACING=y, DKMS): Kconfig's
# dependency is checked here, the C symbol defined here.
ccflags-$(CONFIG_VBOXGUEST_TRACING) += -DCONFIG_VBOXGUEST_TRACING=1
$(if $(filter y,$(CONFIG_VBOXGUEST_TRACING)),$(if $(filter y,$(CONFIG_EVENT_TRACING)),,\
	$(error CONFIG_VBOXGUEST_TRACING=y needs a kernel with CONFIG_EVENT_TRACING)))
endif

else

VBG_CACHE ?= /var/cache/vboxguest-rig
export VBG_CACHE
# The distro kernel under test; its headers come from linux-headers-amd64.
KVER ?= $(or $(shell readlink $(VBG_CACHE)/kernel/current 2>/dev/null),$(shell uname -r))
KDIR ?= /usr/src/linux-headers-$(KVER)
DRIVER ?= reference
KERNEL ?= distro

.PHONY: all modules clean deps check check-vm emu-check abi-check demo \
	lint kunit debug-kernel coverage

all: modules

# VBOXGUEST_TRACING=y: with the tracepoints (Kconfig's VBOXGUEST_TRACING,
# README "Tracepoints"); the default has none.
VBOXGUEST_TRACING ?=
KBUILD_VARS = CONFIG_VBOXGUEST=m CONFIG_VBOXGUEST_TRACING=$(VBOXGUEST_TRACING)

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_VARS) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

# Out-of-tree installation into /lib/modules/$(KVER)/updates (under
# INSTALL_MOD_PATH if given), then depmod: modprobe finds it by its PCI
# alias before the kernel's own vboxguest.
INSTALL_MOD_DIR ?= updates
.PHONY: install kernel-patch install-check kernel-patch-check
install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_VARS) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

# build/kernel-patch/: a git format-patch series replacing a kernel tree's
# drivers/virt/vboxguest and vbox headers with ours (KERNEL_BASE: a tree
# or linux-source tarball; default the newest Debian linux-source).
kernel-patch:
	@bash scripts/kernel-patch.sh $(if $(KERNEL_BASE),--base $(KERNEL_BASE))

# DKMS (Debian's dkms) and make install into a copy of the distro kernel's
# module tree, booted with the driver loaded by modprobe of its PCI alias.
install-check: deps
	@bash tests/install/check.sh

# make kernel-patch applied to a fresh newest linux-source and built there.
kernel-patch-check:
	@bash tests/install/kernel-patch-check.sh

# Idempotent set-up of a fresh Debian 12 machine (root).
deps:
	@bash tests/vm/deps.sh

# Our uapi headers against the installed /usr/include/linux/vbox*.h,
# x86_64 and i386 (KTAP; fails on any difference).
abi-check:
	@bash tests/abi/abi-check.sh

# The emulator's own unit tests (no QEMU).
emu-check:
	@$(MAKE) -s -C tests/vmmdev check

# Static checks of the driver: checkpatch --strict, kernel-doc, W=1,
# sparse C=2 and clang builds (KTAP; fails on any finding).
lint:
	@bash tests/lint.sh

# The newest Debian kernel with this driver in-tree, KASAN/UBSAN/lockdep/
# kmemleak/gcov, in $(VBG_CACHE)/debug (rebuilds only what changed).
debug-kernel: deps
	@bash tests/vm/debug-kernel.sh

# The driver's KUnit suites on the debug kernel (kunit.py, x86_64 QEMU).
kunit: deps
	@bash tests/kunit/run.sh

# Line coverage (gcov) of the driver over KUnit and the VM suite on the
# debug kernel.
coverage: deps
	@bash tests/kunit/coverage.sh

# The arm64 rig: Debian's arm64 kernel, a prepared tree for our module, the
# cross compilers and qemu-system-aarch64 (in $(VBG_CACHE)/arm64).
.PHONY: deps-arm64
deps-arm64: deps
	@bash tests/vm/deps-arm64.sh

# The driver's KUnit suites built for arm64 by kunit.py and run on QEMU's
# virt machine (TCG), with 4 KiB and with 64 KiB kernel pages: the driver
# builds for arm64 and its suites, the conversions to VMMDev's 4 KiB page
# units above all, pass with pages larger than VMMDev's.  On demand (not
# in make check): from scratch about 30 min per page size on this 2-core
# machine under load, after a driver change about 1 min each, the suites
# 20 s each.  Logs in build/kunit-arm64/; tests/kunit/arm64.sh.
# VBG_KUNIT_ARM64_PAGES="4k 16k 64k" adds 16 KiB pages.
.PHONY: kunit-arm64
kunit-arm64: deps-arm64
	@bash tests/kunit/arm64.sh

# Boot the VM with DRIVER=reference|ours and run the guest suite;
# ARCH=arm64 boots Debian's arm64 kernel with the device as ARM guests of
# VirtualBox 7.1+ see it (BAR3, no BAR0).
VM_ARCH := $(if $(ARCH),$(ARCH),x86_64)
check-vm: deps $(if $(filter arm64,$(ARCH)),deps-arm64)
	@bash tests/vm/run.sh --driver $(DRIVER) --kernel $(KERNEL) --arch $(VM_ARCH)

demo: deps
	@bash tests/vm/demo.sh

# The in-tree vboxsf (Debian's linux-source-6.1) built unmodified against
# our headers and Module.symvers, then loaded on our driver in the VM.
.PHONY: vboxsf-check
vboxsf-check: deps
	@bash tests/vboxsf/check.sh

# Issue 9 part 5's full load in the VM: 16 threads x 50,000 mixed ioctls
# with signals and random closes (tests/guest/t_load.c; about 11 minutes
# on the distro kernel).  DRIVER=ours|reference, KERNEL=distro|debug,
# LOAD_SEED= repeats a run's random choices.
.PHONY: load
load: deps
	@bash tests/vm/run.sh \
		--driver $(if $(filter command line,$(origin DRIVER)),$(DRIVER),ours) \
		--kernel $(KERNEL) --suite t_load_full

# Issue 4's full HGCM stress in the VM: 8 threads x 10,000 calls.
.PHONY: stress-full
stress-full: deps
	@bash tests/vm/run.sh --driver ours --suite t_hgcm_stress_full

# Issue 10's figures, reference against ours alternated in one boot: the
# table, build/bench/latest.json and latest.svg (BENCH_ROUNDS, BENCH_MS,
# BENCH_SF_MIB override 9 rounds, 500 ms per figure and the 256 MiB file
# of the vboxsf figures).  bench-smoke is make check's
# short form (one round, 100 ms: every figure measured, nothing asserted).
.PHONY: bench bench-smoke
bench: deps
	@bash tests/bench/bench.sh $(if $(BENCH_ROUNDS),--rounds $(BENCH_ROUNDS)) \
		$(if $(BENCH_MS),--ms $(BENCH_MS)) $(if $(BENCH_SF_MIB),--sf-mib $(BENCH_SF_MIB))

bench-smoke: deps
	@bash tests/bench/bench.sh --smoke

# Issue 9's ioctl fuzzer (t_fuzz) on the debug kernel, 64- and 32-bit, then
# the guest suite in the same boot: FUZZ_SEED=, FUZZ_IOCTLS= (per program,
# default 500000), KERNEL=distro for the loadable module.
.PHONY: fuzz
fuzz: deps
	@KERNEL=$(if $(filter command line,$(origin KERNEL)),$(KERNEL),debug) \
		bash tests/vm/fuzz.sh

# Issue 9's host faults (tests/faults/run.sh): the whole catalogue on the
# distro kernel with our module, two boots with broken BARs, and the
# debug kernel; faults-short is the form make check runs.
.PHONY: faults faults-short
faults: deps
	@bash tests/faults/run.sh

faults-short: deps
	@bash tests/faults/run.sh --short

# Issue 9's life cycle: 50 rmmod/insmod and 20 PCI remove/rescan cycles
# with sessions and a kernel user inside (tests/lifecycle/run.sh --short:
# the form make check runs).
.PHONY: lifecycle lifecycle-short
lifecycle: deps
	@bash tests/lifecycle/run.sh

lifecycle-short: deps
	@bash tests/lifecycle/run.sh --short

# Everything this project has; .ci/run runs exactly this.
check: deps
	@bash tests/check.sh

endif
