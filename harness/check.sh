#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check / make check-debug / make ci: for each flavour, build, boot
# once, collect KUnit (from the boot log) and kselftest results; run the
# static checks once; print every result as TAP and the closing line
# "N passed, N failed".  Exits non-zero on any failure.
#
#   check.sh FLAVOUR...      FLAVOUR: normal or debug
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
R="python3 $TOP/harness/results.py"
ALL=$OUT/check/results.tsv
[ $# -gt 0 ] || set -- normal

mkdir -p "$OUT/check"
: > "$ALL"
NOTES=$OUT/check/timings
: > "$NOTES"
step() {
	local at="[$((SECONDS / 60))m$((SECONDS % 60))s]"
	echo "== check $at: $*" >&2
	echo "$at $*" >> "$NOTES"
}

# The parameters of harness/boot-params on one line, one a line there and
# '#' starting a comment, taken in order for as long as they fit in $1
# bytes.
boot_params() {
	local line out="" words budget=$1
	while IFS= read -r line; do
		read -ra words <<< "${line%%#*}"
		[ ${#words[@]} -gt 0 ] || continue
		[ $((${#out} + 1 + ${#words[*]})) -le "$budget" ] || break
		out+="${out:+ }${words[*]}"
	done < "$TOP/harness/boot-params"
	printf '%s' "$out"
}

check_flavour() {
	local flavour=$1 chk=$OUT/check/$1 res kernel=$OUT/bzImage
	res=$chk/results.tsv
	[ "$flavour" = debug ] && kernel=$OUT/bzImage-debug
	rm -rf "$chk"
	mkdir -p "$chk"
	: > "$res"

	step "building the $flavour kernel"
	if ! "$TOP/harness/build.sh" kernel "$flavour"; then
		$R add "$res" fail "build: kernel"
		return
	fi
	$R add "$res" ok "build: kernel"
	step "building the tests"
	if ! "$TOP/harness/build.sh" tests; then
		$R add "$res" fail "build: kselftests"
		return
	fi
	$R add "$res" ok "build: kselftests"

	step "booting the $flavour kernel and running the kselftests"
	# kmemleak scans every struct page: the debug guest gets less memory.
	# Two NUMA nodes, so that the DAMOS migration tests run too: the
	# tiered layout (VM_TIERS=1; node 1 without CPUs and slower), so that
	# DAMON_TIER finds tiers; VM_TIERS=0 VM_NUMA=2 gives fake nodes.
	# slab_nomerge: the short stress run compares the damon_region slab
	# with its start, which needs a cache of its own.
	local mem=4G append=""
	[ "$flavour" = debug ] && mem=2G append="slab_nomerge"
	# The boot also sets the DAMON modules' parameters listed in
	# harness/boot-params, which damon:compat.py checks, as many as fit
	# in x86's 2047 bytes beside what vm.sh gives (about 300 bytes and
	# three times the repository's path).
	local extra=${VM_APPEND:-}
	append+=" $(boot_params $((2047 - 320 - 3 * ${#TOP} - ${#append} - ${#extra})))"
	VM_MEM=${VM_MEM:-$mem} VM_TIERS=${VM_TIERS:-1} VM_NUMA=${VM_NUMA:-2} \
		VM_KERNEL=$kernel \
		VM_APPEND="$append ${VM_APPEND:-}" \
		VM_RESULTS=$chk/vm "$TOP/harness/vm.sh" \
		"bash $TOP/harness/guest-check.sh $flavour ${DAMON_CI:+ci}" > "$chk/vm.log" 2>&1
	local vmrc=$?
	grep -v '^\[' "$chk/vm.log" >&2
	grep '^guest: .* took' "$chk/vm.log" | sed "s/^/  $flavour /" >> "$NOTES"
	if [ $vmrc = 0 ]; then
		$R add "$res" ok "vm: boot, run and power off with no kernel report"
	else
		$R add "$res" fail "vm: boot, run and power off with no kernel report" \
			"$(sed -n '/^vm:/{p;/reports found/{n;p;n;p;n;p}}' "$chk/vm.log" |
				tr '\n' ' ' | head -c 600)"
	fi
	python3 "$OUT/src/tools/testing/kunit/kunit.py" parse \
		--json="$chk/kunit.json" "$chk/vm/dmesg" > "$chk/kunit.log" 2>&1
	$R kunit "$res" "$chk/kunit.json"
	$R kselftest "$res" "$chk/vm/kselftest.tap"
	[ "$flavour" = debug ] && $R tap "$res" "$chk/vm/stress.tap" stress "$NOTES"

	if [ "$flavour" = normal ]; then
		# The path of `make bench BENCH=hibernate`: one hibernate and
		# resume cycle, reclaim-when-idle.sh reclaiming before it.
		step "hibernating and resuming the guest"
		if "$TOP/harness/hibernate/hibernate.sh" -k "$kernel" -r helper -i 10 -p 50 \
			-o "$chk/hibernate.jsonl" > "$chk/hibernate.log" 2>&1; then
			$R add "$res" ok "hibernate: reclaim-when-idle.sh, hibernate, resume, memory intact"
		else
			$R add "$res" fail "hibernate: reclaim-when-idle.sh, hibernate, resume, memory intact" \
				"$(tail -c 600 "$chk/hibernate.log")"
		fi
		grep -h '^hibernate: ' "$chk/hibernate.log" | cut -c1-300 >> "$NOTES"
		step "static checks"
		"$TOP/harness/static-checks.sh" "$res" normal
	fi
}

for f in "$@"; do
	case $f in normal|debug) ;; *) echo "check: unknown flavour $f" >&2; exit 2 ;; esac
	check_flavour "$f"
	if [ $# -gt 1 ]; then
		sed "s/\t/\t[$f] /" "$OUT/check/$f/results.tsv" >> "$ALL"
	else
		cat "$OUT/check/$f/results.tsv" >> "$ALL"
	fi
done

step "done"
echo
$R report "$ALL" "$TOP/harness/allowed-skips" "$NOTES"
