#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the test guest: start or stop the TLB churn loops (see
# harness/guest-util.c and DEVELOPERS.md): one loop pinned to each CPU.
# The loops cost a debug kernel much of its speed, so tests that do not
# watch accessed bits run without them.
#
#   guest-churn.sh on|off     period: DAMON_CHURN microseconds (0: never on)
set -u
PIDS=/run/tlb-churn.pids

stop() {
	local pid st pids=()
	[ -f "$PIDS" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null && pids+=("$pid")
	done < "$PIDS"
	rm -f "$PIDS"
	for pid in "${pids[@]}"; do
		# Gone, or a zombie that init has yet to reap.
		while read -r _ _ st _ 2>/dev/null < "/proc/$pid/stat" &&
		      [ "$st" != Z ]; do
			sleep 0.05
		done
	done
}

case ${1:-} in
on)
	stop
	[ "${DAMON_CHURN:-0}" != 0 ] || exit 0
	"$DAMON_OUT/bin/guest-util" tlb-churn "$DAMON_CHURN" &
	echo $! > "$PIDS"
	;;
off)
	stop
	;;
*)
	echo "usage: guest-churn.sh on|off" >&2
	exit 2
	;;
esac
exit 0
