#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest for `make check`: our kselftests, with
# kselftest's own runner, TAP into /mnt/results/kselftest.tap.
set -u
OUT=${DAMON_OUT:?}
TOP=${DAMON_TOP:?}
RES=/mnt/results

# The runner and some tests write next to themselves: run from tmpfs.
rm -rf /tmp/kselftest
cp -a "$OUT/kselftest" /tmp/kselftest
cd /tmp/kselftest || exit 1

args=()
while read -r t; do
	case $t in
	''|'#'*) continue ;;
	*:*) args+=(-t "$t") ;;
	*) args+=(-c "$t") ;;
	esac
done < "$TOP/harness/kselftests"

export RECLAIM_TEST_DIR=/mnt/scratch
./run_kselftest.sh -o "${KSELFTEST_TIMEOUT:-600}" "${args[@]}" 2>&1 |
	tee "$RES/kselftest.tap"
# The runner's own status is not the verdict: the host reads the TAP.
exit 0
