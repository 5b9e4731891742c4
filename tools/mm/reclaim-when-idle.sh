#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# reclaim-when-idle.sh - proactive reclaim through memory.reclaim, done
# while nobody is using the machine.
#
# Waits until the CPUs have been idle for a given time, then writes an
# amount ("max" by default) to a cgroup's memory.reclaim (the root cgroup
# by default), and logs what the kernel says it reclaimed.  Memory that is
# on swap or dropped by then need not be written to a hibernation image, or
# found by the kernel's own reclaim under pressure later.  With -o it
# reclaims once and exits (the hibernation recipe: run it, then hibernate);
# otherwise it goes on, reclaiming again after each new idle period that
# follows activity, so that an idle machine is not reclaimed over and over.
#
# usage: reclaim-when-idle.sh [-c CGROUP] [-a AMOUNT] [-i SECONDS]
#                             [-b PERCENT] [-T SECONDS] [-o] [-q]
#   -c CGROUP   the cgroup v2 directory whose memory.reclaim to write (the
#               root of the cgroup v2 hierarchy)
#   -a AMOUNT   what to write: a size as memory.reclaim takes it ("512M"),
#               optionally with keys ("1G swappiness=0"), or "max" (max)
#   -i SECONDS  how long the machine must be idle first (60)
#   -b PERCENT  a second counts as idle when the CPUs were busy at most this
#               share of it, iowait not counted as busy (5)
#   -T SECONDS  interrupt a reclaim that takes longer than this (a signal
#               to the writer, which memory.reclaim honours), 0 for no
#               limit (300)
#   -o          reclaim once, then exit
#   -q          log reclaims only, not the waiting
#
# Exit status with -o: 0 when the write succeeded, 1 when the kernel
# reclaimed less than asked (EAGAIN),
# 3 when the reclaim timed out, 2 for bad arguments or no memory.reclaim,
# 128 + the signal when interrupted.  Without -o it runs until a signal.
# Log lines go to standard error, each with the time (date +%T).
set -u

CGROUP=""
AMOUNT=max
IDLE_S=60
BUSY_PCT=5
TIMEOUT_S=300
ONCE=0
QUIET=0

log() { echo "$(date +%T) reclaim-when-idle: $*" >&2; }
usage() {
	awk 'NR > 2 && !/^#/ { exit } NR > 15 && /^#/ { sub(/^# ?/, ""); print }' "$0" >&2
	exit 2
}
is_uint() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }

while getopts "c:a:i:b:T:oqh" opt; do
	case $opt in
	c) CGROUP=$OPTARG ;;
	a) AMOUNT=$OPTARG ;;
	i) IDLE_S=$OPTARG ;;
	b) BUSY_PCT=$OPTARG ;;
	T) TIMEOUT_S=$OPTARG ;;
	o) ONCE=1 ;;
	q) QUIET=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || usage
for v in "$IDLE_S" "$BUSY_PCT" "$TIMEOUT_S"; do
	is_uint "$v" || { log "not a whole number: '$v'"; usage; }
done
[ "$BUSY_PCT" -le 100 ] || { log "-b: at most 100"; usage; }
[ -n "$AMOUNT" ] || { log "-a: empty amount"; usage; }

if [ -z "$CGROUP" ]; then
	CGROUP=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$CGROUP" ] || { log "no cgroup v2 hierarchy is mounted"; exit 2; }
fi
FILE=$CGROUP/memory.reclaim
[ -w "$FILE" ] || { log "$FILE: not there or not writable"; exit 2; }

# The CPU time of all CPUs so far, in USER_HZ: "busy total" (busy leaves
# out idle and iowait).
cpu_times() {
	awk '$1 == "cpu" {
		t = 0
		for (i = 2; i <= NF; i++)
			t += $i
		print t - $5 - $6, t
		exit
	}' /proc/stat
}

WRITER=0
on_signal() {
	local sig=$1

	if [ "$WRITER" != 0 ]; then
		kill -TERM "$WRITER" 2>/dev/null
		wait "$WRITER" 2>/dev/null
	fi
	log "stopped by SIG$sig"
	exit $((128 + $2))
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP

# wait_idle: returns once the CPUs were busy at most BUSY_PCT of each of
# the last IDLE_S seconds; with $1 = 1, only after a busy second first.
wait_idle() {
	local need_busy=$1 idle=0 b0 t0 b1 t1 pct

	read -r b0 t0 <<< "$(cpu_times)"
	while :; do
		sleep 1
		read -r b1 t1 <<< "$(cpu_times)"
		pct=100
		[ "$t1" -gt "$t0" ] && pct=$(( (b1 - b0) * 100 / (t1 - t0) ))
		b0=$b1 t0=$t1
		if [ "$pct" -gt "$BUSY_PCT" ]; then
			idle=0
			need_busy=0
			continue
		fi
		[ "$need_busy" = 1 ] && continue
		idle=$((idle + 1))
		[ "$idle" -ge "$IDLE_S" ] && return 0
	done
}

# reclaim: one write of AMOUNT to FILE, in a child so that a timeout or a
# signal can interrupt it (SIGTERM: a job started with & ignores SIGINT);
# logs the outcome and returns the exit status
# described above.
# shellcheck disable=SC2016
reclaim() {
	local before after got err rc t0 t1 ms

	before=$(cat "$CGROUP/memory.current" 2>/dev/null || echo "")
	err=$(mktemp) || return 2
	t0=$(date +%s%N)
	if [ "$TIMEOUT_S" -gt 0 ]; then
		timeout -s TERM "$TIMEOUT_S" \
			bash -c 'printf "%s" "$1" > "$2"' _ "$AMOUNT" "$FILE" 2> "$err" &
	else
		bash -c 'printf "%s" "$1" > "$2"' _ "$AMOUNT" "$FILE" 2> "$err" &
	fi
	WRITER=$!
	wait "$WRITER"
	rc=$?
	WRITER=0
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	# memory.reclaim reads back what the last write on this cgroup
	# reclaimed (kernels with this series; others refuse the read).
	got=$(cat "$FILE" 2>/dev/null || echo "")
	after=$(cat "$CGROUP/memory.current" 2>/dev/null || echo "")
	local what="${got:-?} bytes reclaimed in $ms ms"
	[ -n "$before" ] && [ -n "$after" ] &&
		what+=", memory.current $before -> $after"
	if [ "$rc" = 0 ]; then
		log "wrote '$AMOUNT': $what"
	elif [ "$rc" = 124 ]; then
		log "wrote '$AMOUNT': timed out after $TIMEOUT_S s: $what"
		rc=3
	elif grep -q "temporarily unavailable" "$err"; then
		log "wrote '$AMOUNT': less than asked (EAGAIN): $what"
		rc=1
	else
		log "wrote '$AMOUNT': failed: $(tr '\n' ' ' < "$err")$what"
		rc=2
	fi
	rm -f "$err"
	return "$rc"
}

[ "$QUIET" = 1 ] || log "$FILE: '$AMOUNT' after ${IDLE_S}s with CPUs busy <= ${BUSY_PCT}%"
after_reclaim=0
while :; do
	wait_idle "$after_reclaim"
	[ "$QUIET" = 1 ] || log "idle for ${IDLE_S}s"
	reclaim
	rc=$?
	[ "$ONCE" = 1 ] && exit "$rc"
	[ "$rc" = 2 ] && exit 2
	after_reclaim=1
done
