#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest for `make check-upstream-tests` (see
# harness/upstream-tests.sh): upstream 6.12's own DAMON kselftests, as
# built from out/ref and installed by kselftest's install, each run with
# kselftest's own runner (one runner per test) and TLB churn on for the
# whole run.
#
#   guest-upstream-tests.sh KSELFTEST_DIR TIMEOUT
#
# Writes under /mnt/results/tests/: NAME.tap (the runner's TAP), NAME.out
# (the test's output, from the runner's per-test log), NAME.time (seconds
# on the guest's clock), NAME.diag (processes, kernel stacks and DAMON
# sysfs counts, taken when the test is close to its timeout) and
# NAME.cleanup (what the test left behind and was undone before the next
# one: a kdamond still on, a module still enabled, a leftover process);
# and /mnt/results/kernel (uname -r).  The verdicts are the host's.
set -u
SRC=${1:?usage: guest-upstream-tests.sh KSELFTEST_DIR TIMEOUT}
TO=${2:-300}
TOP=${DAMON_TOP:?}
RES=/mnt/results
T=$RES/tests
ADMIN=/sys/kernel/mm/damon/admin
DIR=/tmp/upstream-kselftest

say() { echo "guest: $*"; }

# The runner and the tests write next to themselves: run from tmpfs.
rm -rf "$DIR"
cp -a "$SRC" "$DIR" || exit 1
cd "$DIR" || exit 1
mkdir -p "$T"
uname -r > "$RES/kernel"
# Output up to the moment a test is killed, from Python tests too.
export PYTHONUNBUFFERED=1
# Some tests watch accessed bits: churn for the whole run (guest-init.sh
# turned it on already; this says so).
bash "$TOP/harness/guest-churn.sh" on

# Run "$@" in the background and wait at most SECS seconds for it.  Its
# exit status, or 124 with the command left behind: a process stuck in
# the kernel cannot be killed, and must not hang the whole run.
bounded() {
	local secs=$1 pid t0=$SECONDS
	shift
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS - t0 >= secs)); then
			return 124
		fi
		sleep 0.5
	done
	wait "$pid"
}

# Processes, their kernel stacks and the DAMON sysfs tree: where a test
# that is about to time out is, and where it is stuck.
snapshot() {
	local p comm st cmd f
	echo "== at $(date +%T), $1"
	ps -eo pid,ppid,stat,etimes,wchan:32,args 2>&1
	for p in /proc/[0-9]*; do
		{ read -r comm < "$p/comm"; read -r _ _ st _ < "$p/stat"; } 2>/dev/null ||
			continue
		cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)
		# User processes (a command line) and kdamonds; not the churn.
		[ "$comm" = guest-util ] && continue
		if [ -n "$cmd" ] || [[ $comm == kdamond* ]]; then
			echo "-- ${p#/proc/} $comm ($st): $cmd"
			cat "$p/stack" 2>/dev/null
		fi
	done
	# How far a sysfs test got: the directories' counts and states.
	echo "== DAMON sysfs"
	while read -r f; do
		echo "${f#"$ADMIN"/}: $(cat "$f" 2>&1)"
	done < <(find "$ADMIN" -type f \( -name 'nr_*' -o -name state \) 2>/dev/null)
}

# Run one test with kselftest's runner; a snapshot shortly before the
# runner's timeout; give up on the runner 60 s after its timeout.  The
# runner's per-test log (-p) keeps the test's output apart from the TAP:
# its default log, /dev/stdout reopened for appending, would overwrite
# lines of a TAP file that its stdout writes too.
run_test() {
	local name=$1 pid t0=$SECONDS snap=0
	./run_kselftest.sh -p -o "$TO" -t "damon:$name" > "$T/$name.tap" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if ((snap == 0 && SECONDS - t0 >= TO - 15)); then
			snap=1
			snapshot "$((SECONDS - t0)) s into $name" > "$T/$name.diag" 2>&1
		fi
		if ((SECONDS - t0 >= TO + 60)); then
			snapshot "$((SECONDS - t0)) s into $name: the runner did not end" \
				>> "$T/$name.diag" 2>&1
			echo "not ok 1 selftests: damon: $name # HUNG: still running" \
				"$((SECONDS - t0)) s after its start, $TO s timeout" >> "$T/$name.tap"
			break
		fi
		sleep 1
	done
	kill -0 "$pid" 2>/dev/null || wait "$pid"
	echo "$((SECONDS - t0))" > "$T/$name.time"
	cp "/tmp/$name" "$T/$name.out" 2>/dev/null
}

# Undo what a test left behind, so that the next one starts clean.  Each
# step is reported: a test that leaves a kdamond on is worth knowing of.
cleanup() {
	local f d s n p i
	for f in /sys/module/damon_reclaim/parameters/enabled \
		 /sys/module/damon_lru_sort/parameters/enabled; do
		[ -f "$f" ] || continue
		read -r s < "$f"
		if [ "$s" = Y ]; then
			echo "$f was Y: writing N"
			echo N > "$f"
		fi
	done
	for d in "$ADMIN"/kdamonds/[0-9]*; do
		[ -f "$d/state" ] || continue
		read -r s < "$d/state"
		if [ "$s" = on ]; then
			echo "$d/state was on: writing off"
			echo off > "$d/state"
		fi
	done
	if [ -f "$ADMIN/kdamonds/nr_kdamonds" ]; then
		read -r n < "$ADMIN/kdamonds/nr_kdamonds"
		# Left at 1 by most tests, with the kdamond off: not worth a note.
		for i in 1 2 3 4 5 0; do
			[ "$n" = 0 ] && break
			if [ "$i" = 0 ]; then
				echo "nr_kdamonds is $n: writing 0 failed"
				break
			fi
			echo 0 2>/dev/null > "$ADMIN/kdamonds/nr_kdamonds" && break
			sleep 1
		done
	fi
	# Leftover processes of the test (a workload whose parent was killed).
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$DIR/damon" ] || continue
		echo "leftover process ${p#/proc/}: $(tr '\0' ' ' < "$p/cmdline" 2>/dev/null): killing it"
		kill -9 "${p#/proc/}" 2>/dev/null
	done
	return 0
}

while IFS=: read -r coll name; do
	[ "$coll" = damon ] || continue
	say "running $name"
	run_test "$name"
	sed -n '/^\(not \)\?ok /p' "$T/$name.tap"
	bounded 60 cleanup > "$T/$name.cleanup" 2>&1
	[ $? = 124 ] && echo "cleanup did not end within 60 s" >> "$T/$name.cleanup"
	[ -s "$T/$name.cleanup" ] && sed "s/^/guest: after $name: /" "$T/$name.cleanup"
	say "$name took $(cat "$T/$name.time") s"
done < kselftest-list.txt
bash "$TOP/harness/guest-churn.sh" off
# The verdicts are the host's, read from the TAP files.
exit 0
