# SPDX-License-Identifier: GPL-2.0
#
# DAMON and memory.reclaim for Linux 6.12: build, boot, test, export.
# See README.md.  Everything built goes to out/.

SHELL := /bin/bash
H := harness

# Debian packages the targets need.
PACKAGES := bc bison ccache cpio e2fsprogs flex gcc git kmod libc6-dev libelf-dev \
	libssl-dev make patch perl python3 qemu-system-x86 quilt rsync sparse \
	util-linux xz-utils
# What `make bench` needs besides: the plots of its report.
BENCH_PACKAGES := python3-matplotlib

.PHONY: help deps base src kernel kernel-debug tests vm run check \
	check-debug ci check-upstream-tests bench stress export apply quilt clean

help:
	@sed -n '/^## /s/^## //p' README.md 2>/dev/null | head -n 1
	@echo "make run          build, boot, and show the features working"
	@echo "make check        build, boot, run every test on the normal kernel"
	@echo "make check-debug  the same on the debug kernel (KASAN, lockdep, ...)"
	@echo "make ci           check and check-debug with one summary (.ci/run)"
	@echo "make stress       fuzz, races, fault injection on the debug kernel"
	@echo "                  (STRESS=short: the CI run; SEED=, OPS= to replay)"
	@echo "make check-upstream-tests"
	@echo "                  upstream 6.12's own DAMON kselftests, its kernel and ours"
	@echo "make bench        ours against upstream DAMON (BENCH=quick: shorter, BENCH=cpu: CPU only)"
	@echo "                  (BENCH=profile: where the kdamond's time goes, by ftrace)"
	@echo "                  (BENCH=hibernate: hibernation with and without reclaim first)"
	@echo "make vm CMD='..'  boot and run CMD in the guest"
	@echo "make kernel       out/bzImage      make kernel-debug  out/bzImage-debug"
	@echo "make export       git-am-able series in out/export"
	@echo "make apply KDIR=  apply the series to your (stripped) tree"
	@echo "make quilt        out/quilt, for editing patches/ with harness/quilt.sh"

# Install what is missing: as root with apt-get, otherwise say how.
deps:
	@missing=""; \
	for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$(KSRC)" ] && [ ! -f /usr/src/linux-source-6.12.tar.xz ]; then \
		missing="$$missing linux-source-6.12"; \
	fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "deps: installing$$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -q >/dev/null && \
			apt-get install -y -q --no-install-recommends $$missing >/dev/null || \
			{ echo "deps: apt-get install failed"; exit 1; }; \
		else \
			echo "deps: missing Debian packages; run:"; \
			echo "  sudo apt-get install --no-install-recommends$$missing"; \
			exit 1; \
		fi; \
	fi

base: deps
	@$(H)/tree.sh base

src: deps
	@$(H)/tree.sh src

kernel: deps
	@$(H)/build.sh kernel normal

kernel-debug: deps
	@$(H)/build.sh kernel debug

tests: deps
	@$(H)/build.sh tests

vm: kernel tests
	@[ -n "$(CMD)" ] || { echo "usage: make vm CMD='command'"; exit 2; }
	@$(H)/vm.sh "$(CMD)"

run: kernel tests
	@$(H)/vm.sh "bash $(CURDIR)/$(H)/demo.sh"

check: deps
	@$(H)/check.sh normal

check-debug: deps
	@$(H)/check.sh debug

ci: deps
	@DAMON_CI=1 $(H)/check.sh normal debug

# Upstream 6.12's own DAMON kselftests (from out/ref) on upstream's kernel
# and ours: out/upstream-tests/report.md.
check-upstream-tests: deps
	@$(H)/upstream-tests.sh

# Ours against upstream 6.12 on the same workloads: out/bench/report.md.
bench: deps
	@$(MAKE) -s --no-print-directory deps PACKAGES="$(BENCH_PACKAGES)"
	@if [ "$(BENCH)" = hibernate ]; then $(H)/hibernate/bench.sh; \
	else $(H)/bench/bench.sh $(or $(BENCH),full); fi

stress: deps
	@STRESS="$(STRESS)" SEED="$(SEED)" OPS="$(OPS)" $(H)/stress.sh

export: deps
	@$(H)/export.sh

apply: deps
	@[ -n "$(KDIR)" ] || { echo "usage: make apply KDIR=/path/to/linux"; exit 2; }
	@$(H)/tree.sh apply "$(KDIR)"

quilt: deps
	@$(H)/quilt.sh init

clean:
	rm -rf out
