#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: build the debug kernel (KASAN, lockdep, DEBUG_ATOMIC_SLEEP,
# UBSAN, kmemleak, fault injection), boot it once and run
# harness/stress.py in the guest: the sysfs fuzzer, the races, fault
# injection and the end checks.  Prints every result as TAP, the figures
# of the run, and the closing line "N passed, N failed"; exits non-zero on
# any failure.
#
#   stress.sh                 the long run (20000 operations)
#
# Environment (the Makefile passes its variables through):
#   STRESS=short   the CI run: a few thousand operations, about 3 minutes
#                  in the guest
#   SEED=N         replay a run (its seed is printed first and last)
#   OPS=N          fuzz operations
#   PROCS=N        fuzz workers (4)
#   FAULTS=0       no fault injection
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
R="python3 $TOP/harness/results.py"
DIR=$OUT/stress
RES=$DIR/results.tsv
NOTES=$DIR/notes

rm -rf "$DIR"
mkdir -p "$DIR"
: > "$RES"
: > "$NOTES"
step() {
	local at="[$((SECONDS / 60))m$((SECONDS % 60))s]"
	echo "== stress $at: $*" >&2
	echo "$at $*" >> "$NOTES"
}

args=(--tap-prefix "stress: ")
[ "${STRESS:-}" = short ] && args+=(--short)
[ -n "${SEED:-}" ] && args+=(--seed "$SEED")
[ -n "${OPS:-}" ] && args+=(--ops "$OPS")
[ -n "${PROCS:-}" ] && args+=(--procs "$PROCS")
[ "${FAULTS:-1}" = 0 ] && args+=(--no-faults)

finish() {
	echo
	$R report "$RES" "$TOP/harness/allowed-skips" "$NOTES"
	exit $?
}

step "building the debug kernel"
if ! "$TOP/harness/build.sh" kernel debug; then
	$R add "$RES" fail "stress: build: kernel"
	finish
fi
step "building the guest helpers"
if ! "$TOP/harness/build.sh" tests; then
	$R add "$RES" fail "stress: build: tests"
	finish
fi

step "booting the debug kernel and running stress.py ${args[*]:2}"
# slab_nomerge: the damon_region cache keeps its own slab, so that its
# object count at the end can be compared with the start.  No TLB churn:
# nothing here measures accesses.  The guest's TAP goes to the results
# share as it is printed.
VM_KERNEL=$OUT/bzImage-debug VM_MEM=${VM_MEM:-2G} VM_TIERS=${VM_TIERS:-1} \
	VM_NUMA=${VM_NUMA:-2} \
	VM_CHURN=0 VM_RESULTS=$DIR/vm \
	VM_APPEND="slab_nomerge ${VM_APPEND:-}" \
	"$TOP/harness/vm.sh" \
	"python3 $TOP/harness/stress.py ${args[*]@Q} | tee /mnt/results/stress.tap; \
exit \${PIPESTATUS[0]}" > "$DIR/vm.log" 2>&1
vmrc=$?
grep -v '^\[' "$DIR/vm.log" | grep -v '^\(not \)\?ok [0-9]' >&2
grep '^guest: .* took' "$DIR/vm.log" | sed 's/^/  /' >> "$NOTES"

# The guest's results, as results.py lines.
tap=$DIR/vm/stress.tap
n=0
if [ -f "$tap" ]; then
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ -\ (.*)$ ]]; then
			rest=${BASH_REMATCH[2]}
			name=${rest%% # *}
			detail=""
			[ "$name" != "$rest" ] && detail=${rest#* # }
			status=ok
			[ -n "${BASH_REMATCH[1]}" ] && status=fail
			if [ $status = ok ] && [[ $detail == SKIP* ]]; then
				status=skip
				detail=${detail#SKIP }
			fi
			$R add "$RES" "$status" "$name" "$detail"
			n=$((n + 1))
		elif [[ $line == "# stress: "* ]]; then
			echo "${line#\# }" >> "$NOTES"
		fi
	done < "$tap"
fi
[ $n -gt 0 ] || $R add "$RES" fail "stress: results" "stress.py printed no result"
if [ $vmrc = 0 ]; then
	$R add "$RES" ok "stress: vm: boot, run and power off with no kernel report"
else
	$R add "$RES" fail "stress: vm: boot, run and power off with no kernel report" \
		"$(grep -E '^vm:' "$DIR/vm.log" | head -c 600)"
fi
step "done"
finish
