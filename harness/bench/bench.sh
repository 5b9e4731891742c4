#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: our DAMON and memory.reclaim against upstream 6.12's, side by
# side, on the same guest with the same workloads and sysfs settings.
#
#   bench.sh [full|quick|cpu|profile]
#
# cpu: the kdamond CPU figures alone (figure 1 at vaddr 1 GiB and 3 GiB and
# paddr), five boots per kernel and longer windows, so that a ratio between
# the kernels can be told from the noise; BENCH_ONLY still picks figures.
#
# profile: where the kdamond's time goes.  Builds the two kernels again with
# ftrace's function profiler (harness/configs/profile.config), as
# out/bzImage-profile and out/bzImage-upstream-profile, boots each
# (BENCH_RUNS, 1 by default) on the same guest, running
# harness/bench/guest-profile.py (results in out/bench/profile-runs/), and
# ends with harness/bench/profile-report.py: out/bench/profile.md, printed.
#
# Builds our kernel (out/bzImage) and the reference (out/bzImage-upstream:
# the same base tarball unstripped, the same config fragment less our own
# KUnit symbols), compiles the workloads into out/bench/bin, then boots the
# two kernels in turn (ours, upstream, ours, upstream, ...), each boot
# running every figure but the tiering one (harness/bench/guest-bench.py);
# then as many boots again of a guest with two memory tiers (VM_TIERS=1),
# in the same turns, running the tiering figure alone; and ends with
# harness/bench/report.py: out/bench/report.md, the PNG plots next to it,
# and the table printed.  Both kernels boot with kunit.enable=0.
#
# Environment:
#   BENCH_RUNS        boots per kernel and guest (full: 3, quick: 2, cpu: 5,
#                     profile: 1)
#   BENCH_ONLY        figures to run: overhead,accuracy,primitives,reclaim,
#                     memreclaim,autotune,tier (all by default)
#   BENCH_LOCK        a lock file that every build and boot step holds
#                     (flock), for machines shared with other builds
#   BENCH_NO_BUILD=1  use the kernels already built
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$TOP/out}
BENCH=$OUT/bench
PROFILE=${1:-full}
case $PROFILE in
full) RUNS=${BENCH_RUNS:-3} ;;
quick) RUNS=${BENCH_RUNS:-2} ;;
cpu) RUNS=${BENCH_RUNS:-5} BENCH_ONLY=${BENCH_ONLY:-overhead} ;;
profile) RUNS=${BENCH_RUNS:-1} ;;
*) awk 'NR > 2 && !/^#/ { exit } NR > 2' "$0"; exit 2 ;;
esac
ONLY=${BENCH_ONLY:-overhead,accuracy,primitives,reclaim,memreclaim,autotune,tier}
# The tiering figure needs a guest of its own (two memory tiers): the
# usual boots run the others.
MAIN_ONLY=""
TIER=0
IFS=, read -ra sections <<< "$ONLY"
for s in "${sections[@]}"; do
	if [ "$s" = tier ]; then
		TIER=1
	elif [ -n "$s" ]; then
		MAIN_ONLY+="${MAIN_ONLY:+,}$s"
	fi
done
T0=$(date +%s)

log() { echo "bench: [$(( $(date +%s) - T0 ))s] $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# Run a step holding BENCH_LOCK, if set; the time spent waiting for it is
# added up in WAITED, so that the bench's own time can be told apart.
WAITED=0
locked() {
	local t rc got
	if [ -z "${BENCH_LOCK:-}" ]; then
		"$@"
		return
	fi
	mkdir -p "$BENCH"
	t=$(date +%s)
	# shellcheck disable=SC2016
	flock "$BENCH_LOCK" bash -c 'date +%s > "$0"; exec "$@"' "$BENCH/.locked" "$@"
	rc=$?
	got=$(cat "$BENCH/.locked" 2>/dev/null || echo "$t")
	WAITED=$((WAITED + got - t))
	return $rc
}

# BENCH=profile boots the kernels with the function profiler instead.
SUFFIX=""
[ "$PROFILE" = profile ] && SUFFIX=-profile
if [ "${BENCH_NO_BUILD:-}" != 1 ] && [ "$PROFILE" = profile ]; then
	log "building our kernel with the function profiler"
	locked "$TOP/harness/build.sh" kernel profile || die "our kernel did not build"
	log "building the upstream reference kernel with the function profiler"
	locked "$TOP/harness/build.sh" kernel upstream-profile ||
		die "the upstream kernel did not build"
elif [ "${BENCH_NO_BUILD:-}" != 1 ]; then
	log "building our kernel"
	locked "$TOP/harness/build.sh" kernel normal || die "our kernel did not build"
	log "building the upstream reference kernel"
	locked "$TOP/harness/build.sh" kernel upstream || die "the upstream kernel did not build"
fi
for k in "$OUT/bzImage$SUFFIX" "$OUT/bzImage-upstream$SUFFIX"; do
	[ -f "$k" ] || die "no $k"
done

# The guest runs host binaries over 9p.
mkdir -p "$BENCH/bin" "$OUT/bin"
if [ ! -x "$OUT/bin/guest-util" ]; then
	gcc -O2 -Wall -Wextra -o "$OUT/bin/guest-util" "$TOP/harness/guest-util.c" ||
		die "guest-util did not build"
fi
gcc -O2 -Wall -Wextra -o "$BENCH/bin/access_gen" "$TOP/harness/bench/access_gen.c" ||
	die "access_gen did not build"
gcc -O2 -Wall -Wextra -pthread -o "$BENCH/bin/reclaim_write" \
	"$TOP/harness/bench/reclaim_write.c" || die "reclaim_write did not build"
gcc -O2 -Wall -Wextra -o "$BENCH/bin/tier_gen" "$TOP/harness/bench/tier_gen.c" ||
	die "tier_gen did not build"

# boot I KERNEL GUEST SECTIONS MEM TIERS: boot I of KERNEL (ours or
# upstream) running SECTIONS, on a guest of MEM memory, one node or
# (TIERS=1) two memory tiers; results in $BENCH/runs/I-KERNEL[-GUEST].
boot() {
	local i=$1 kernel=$2 guest=$3 only=$4 mem=$5 tiers=$6
	local img=$OUT/bzImage what=$kernel${guest:+, $guest guest}
	local run cmd try note rc
	run=$BENCH/runs/$i-$kernel${guest:+-$guest}
	[ "$kernel" = upstream ] && img=$OUT/bzImage-upstream
	cmd="python3 $TOP/harness/bench/guest-bench.py --kernel $kernel"
	cmd+=" --profile $PROFILE --bin $BENCH/bin --out /mnt/results --only $only"
	if [ "$PROFILE" = profile ]; then
		img+=$SUFFIX
		run=$BENCH/profile-runs/$i-$kernel
		cmd="python3 $TOP/harness/bench/guest-profile.py --kernel $kernel"
		cmd+=" --bin $BENCH/bin --out /mnt/results"
	fi
	# Exit 75: the guest's TSC was not calibrated (see guest-bench.py),
	# so it cannot measure CPU time: boot again, a few times at most.
	for try in 1 2 3 4; do
		note=""
		[ "$try" = 1 ] || note=", boot $try"
		log "run $i/$RUNS: $what ($PROFILE$note)"
		VM_KERNEL=$img VM_CPUS=2 VM_MEM=$mem VM_NUMA=1 VM_TIERS=$tiers \
		VM_ZRAM=2G VM_CHURN=200 VM_APPEND="kunit.enable=0" VM_SHELL=0 \
		VM_TIMEOUT=1500 VM_RESULTS=$run locked "$TOP/harness/vm.sh" "$cmd" \
			> "$run.log" 2>&1
		rc=$?
		[ "$rc" = 75 ] || break
		log "run $i $what: no calibrated TSC in the guest, booting again"
	done
	cp "$OUT/vm/console.log" "$run/console.log" 2>/dev/null
	grep -E '^bench: ' "$run.log" | sed 's/^/  /' >&2
	if [ "$rc" != 0 ]; then
		log "run $i $what: failed (exit $rc, see $run.log)"
		failed=1
	fi
}

failed=0
# BENCH=profile: its own boots and report, the other results untouched.
if [ "$PROFILE" = profile ]; then
	rm -rf "$BENCH/profile-runs"
	mkdir -p "$BENCH/profile-runs"
	for ((i = 1; i <= RUNS; i++)); do
		for kernel in ours upstream; do
			boot "$i" $kernel "" profile 5G 0
		done
	done
	log "report"
	python3 "$TOP/harness/bench/profile-report.py" "$BENCH" || failed=1
	log "done in $(( $(date +%s) - T0 )) s${BENCH_LOCK:+, $WAITED s of it waiting for $BENCH_LOCK}"
	exit $failed
fi
rm -rf "$BENCH/runs"
mkdir -p "$BENCH/runs"
if [ -n "$MAIN_ONLY" ]; then
	for ((i = 1; i <= RUNS; i++)); do
		for kernel in ours upstream; do
			boot "$i" $kernel "" "$MAIN_ONLY" 5G 0
		done
	done
fi
# The tiering figure: node 0 with the CPUs and 2 GiB, node 1 with 2 GiB,
# no CPU, and slower memory as the firmware (ACPI HMAT) tells it.
if [ "$TIER" = 1 ]; then
	for ((i = 1; i <= RUNS; i++)); do
		for kernel in ours upstream; do
			boot "$i" $kernel tier tier 4G 1
		done
	done
fi

log "report"
# Debian's python3 has python3-matplotlib, whatever python3 comes first.
py=python3
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import matplotlib' 2>/dev/null; then
		py=$p
		break
	fi
done
"$py" "$TOP/harness/bench/report.py" "$BENCH" || failed=1
log "done in $(( $(date +%s) - T0 )) s${BENCH_LOCK:+, $WAITED s of it waiting for $BENCH_LOCK}"
exit $failed
