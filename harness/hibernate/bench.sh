#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench BENCH=hibernate`: hibernation and resume times with and
# without reclaim before hibernating, the measurement memory.reclaim was
# designed around (an idle machine reclaims, so its hibernation image is
# small).  Each cycle is one harness/hibernate/hibernate.sh: a guest fills
# 85% of its memory, stays idle for a while, hibernates to a rate-limited
# swap disk and resumes.  The idle phase: nothing (none), the idle-time
# helper tools/mm/reclaim-when-idle.sh writing "max" to the root cgroup's
# memory.reclaim (helper), or DAMON_RECLAIM running (damon_reclaim); each
# with /sys/power/image_size at the kernel's default and at 0.  On our
# kernel all three; on upstream 6.12's, none (its memory.reclaim has no
# "max" and no read-back, so the helper is ours alone).
#
# Environment:
#   BENCH_RUNS        rounds of every cycle (3)
#   BENCH_NO_BUILD=1  use the kernels already built
#   HIB_MEM           guest memory (2G)
#   HIB_IDLE_S        the idle phase in seconds (30)
#   HIB_BPS           the swap disk's rate in bytes/s (104857600)
#   HIB_ONLY          kernels to run: ours,upstream (both)
# Results: out/bench/hibernate/results.jsonl and report.md, the table
# printed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$TOP/out}
DIR=$OUT/bench/hibernate
RUNS=${BENCH_RUNS:-3}
MEM=${HIB_MEM:-2G}
IDLE_S=${HIB_IDLE_S:-30}
BPS=${HIB_BPS:-104857600}
ONLY=${HIB_ONLY:-ours,upstream}
T0=$(date +%s)

log() { echo "bench: [$(( $(date +%s) - T0 ))s] $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
	log "building our kernel"
	"$TOP/harness/build.sh" kernel normal || die "our kernel did not build"
	if [[ ,$ONLY, == *,upstream,* ]]; then
		log "building the upstream reference kernel"
		"$TOP/harness/build.sh" kernel upstream ||
			die "the upstream kernel did not build"
	fi
fi

mkdir -p "$DIR"
: > "$DIR/results.jsonl"
failed=0
for ((i = 1; i <= RUNS; i++)); do
	for size in default 0; do
		for kernel in ours upstream; do
			[[ ,$ONLY, == *,$kernel,* ]] || continue
			img=$OUT/bzImage
			idles="none helper damon_reclaim"
			if [ $kernel = upstream ]; then
				img=$OUT/bzImage-upstream
				idles=none
			fi
			for idle in $idles; do
				log "run $i/$RUNS: $kernel, image_size $size, idle phase $idle"
				tmp=$DIR/cycle.jsonl
				rm -f "$tmp"
				args=(-k "$img" -m "$MEM" -r "$idle" -i "$IDLE_S" -b "$BPS" -o "$tmp")
				[ "$size" = default ] || args+=(-s "$size")
				"$TOP/harness/hibernate/hibernate.sh" "${args[@]}" \
					> "$DIR/cycle.log" 2>&1 || failed=1
				if [ -s "$tmp" ]; then
					python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).read())
r.update(kernel=sys.argv[2], run=int(sys.argv[3]))
print(json.dumps(r))' "$tmp" "$kernel" "$i" >> "$DIR/results.jsonl"
					grep '^hibernate: ' "$DIR/cycle.log" | sed 's/^/  /' >&2
				else
					log "no result (see $DIR/cycle.log)"
					cp "$DIR/cycle.log" "$DIR/failed-$i-$kernel-$size-$idle.log"
				fi
			done
		done
	done
done

log "report"
python3 "$TOP/harness/hibernate/report.py" "$DIR" || failed=1
log "done in $(( $(date +%s) - T0 )) s"
exit $failed
