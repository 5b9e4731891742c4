#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest for `make check`: our kselftests, with
# kselftest's own runner, TAP into /mnt/results/kselftest.tap, and on the
# debug kernel the short stress run, TAP into /mnt/results/stress.tap.
#
#   guest-check.sh [normal|debug] [ci]
#
# With "ci" (from `make ci`), entries of harness/kselftests marked
# "ci-normal" are left out of the debug kernel's run.
set -u
FLAVOUR=${1:-normal}
CI=${2:-}
OUT=${DAMON_OUT:?}
TOP=${DAMON_TOP:?}
RES=/mnt/results

# The runner and some tests write next to themselves: run from tmpfs.
rm -rf /tmp/kselftest
cp -a "$OUT/kselftest" /tmp/kselftest
cd /tmp/kselftest || exit 1

export RECLAIM_TEST_DIR=/mnt/scratch
# The debug kernel makes sysfs directories a hundred times slower: the
# tests that make thousands of them make a tenth as many there.
[ "$FLAVOUR" = debug ] && export DAMON_KSFT_SMALL=1
: > "$RES/kselftest.tap"
# One runner per entry, with TLB churn only where the entry asks for it.
while read -r t opts; do
	case $t in ''|'#'*) continue ;; esac
	case " $opts " in
	*" ci-normal "*) [ "$FLAVOUR" = debug ] && [ "$CI" = ci ] && continue ;;
	esac
	if [[ " $opts " == *" tlb-churn "* ]]; then
		bash "$TOP/harness/guest-churn.sh" on
	else
		bash "$TOP/harness/guest-churn.sh" off
	fi
	case $t in
	*:*) arg=(-t "$t") ;;
	*) arg=(-c "$t") ;;
	esac
	t0=$SECONDS
	./run_kselftest.sh -o "${KSELFTEST_TIMEOUT:-600}" "${arg[@]}" 2>&1 |
		tee -a "$RES/kselftest.tap"
	echo "guest: $t took $((SECONDS - t0)) s"
done < "$TOP/harness/kselftests"
# The churn would slow the kmemleak scan that follows.
bash "$TOP/harness/guest-churn.sh" off
# On the debug kernel, the short `make stress` run too: the sysfs fuzzer,
# the races and fault injection (harness/stress.py), TAP into
# /mnt/results/stress.tap.  Its seed is printed: `make stress SEED=N
# STRESS=short` replays it.
if [ "$FLAVOUR" = debug ]; then
	t0=$SECONDS
	python3 "$TOP/harness/stress.py" --short --tap-prefix "stress: " 2>&1 |
		tee "$RES/stress.tap"
	echo "guest: stress.py --short took $((SECONDS - t0)) s"
fi
# The runner's own status is not the verdict: the host reads the TAP.
exit 0
