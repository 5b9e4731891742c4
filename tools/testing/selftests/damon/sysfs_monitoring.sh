#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The monitoring part of the DAMON sysfs interface: the shape of the tree
# and its file modes, defaults, bad input, and kdamond lifetimes (on, off,
# commit, a target that exits, directories removed while running), and the
# 6.12 admin guide's command examples, schemes and filters included, typed
# as the guide prints them.

ksft_skip=4
admin=/sys/kernel/mm/damon/admin
kd=$admin/kdamonds
passed=0
failed=0
nr=0

if [ "$(id -u)" != 0 ]; then
	echo "TAP version 13"; echo "1..0 # SKIP needs root"; exit $ksft_skip
fi
if [ ! -d "$admin" ]; then
	echo "TAP version 13"; echo "1..0 # SKIP no DAMON sysfs interface"
	exit $ksft_skip
fi

echo "TAP version 13"

# A debug kernel under emulation takes most of a second for every program
# started, so the helpers below use shell builtins only.

# nap SECONDS: sleep without starting a program (a read that times out on a
# FIFO nobody writes).
nap_fifo=$(mktemp -u /tmp/damon-nap.XXXXXX)
mkfifo "$nap_fifo" && exec 8<> "$nap_fifo" && rm -f "$nap_fifo"
nap() { read -r -t "$1" -u 8 _ || :; }

# is FILE VALUE: the file's first line is VALUE.
is() { local v; read -r v < "$1" && [ "$v" = "$2" ]; }

# val FILE: the file's first line, or nothing (status 1) if it cannot be read.
val() { local v; read -r v < "$1" && echo "$v"; }

ok() {
	nr=$((nr + 1))
	if [ "$1" = 0 ]; then
		echo "ok $nr $2"; passed=$((passed + 1))
	else
		echo "not ok $nr $2${3:+ # $3}"; failed=$((failed + 1))
	fi
}

# check NAME COMMAND...: one result from a command's status.
check() {
	local name=$1 out rc t0=$SECONDS
	shift
	out=$("$@" 2>&1)
	rc=$?
	out=${out//$'\n'/ }
	ok $rc "$name" "${out:0:200}"
	echo "# took $((SECONDS - t0)) s"
}

# write FILE VALUE: sets $wrote to OK or to the errno name of the failure.
errf=$(mktemp /tmp/damon-err.XXXXXX)
write() {
	local err=
	{ printf '%s' "$2" > "$1"; } 2> "$errf"
	read -r err < "$errf"
	case $err in
	"") wrote=OK ;;
	*"Invalid argument"*) wrote=EINVAL ;;
	*"Device or resource busy"*) wrote=EBUSY ;;
	*"Operation not permitted"*) wrote=EPERM ;;
	*"Numerical result out of range"*) wrote=ERANGE ;;
	*"No such process"*) wrote=ESRCH ;;
	*"Cannot allocate memory"*) wrote=ENOMEM ;;
	*) wrote="OTHER($err)" ;;
	esac
}

expect_write() { # FILE VALUE EXPECTED
	write "$1" "$2"
	[ "$wrote" = "$3" ] || { echo "write '$2' to ${1#"$admin"/}: $wrote, want $3"; return 1; }
}

expect_read() { # FILE EXPECTED
	local got
	local l IFS=$'\n'
	mapfile -t l < "$1" 2>/dev/null || l=("(unreadable)")
	got="${l[*]}"
	[ "$got" = "$2" ] || { echo "${1#"$admin"/} reads '$got', want '$2'"; return 1; }
}

modes_are() { # MODE FILE...: one program for all the files
	local mode=$1 bad
	shift
	bad=$(stat -c '%a %n' "$@" 2>&1 | grep -v "^$mode ")
	[ -z "$bad" ] || { echo "want mode $mode: $bad"; return 1; }
}

cleanup() {
	for s in "$kd"/*/state; do
		[ -e "$s" ] && echo off > "$s" 2>/dev/null
	done
	echo 0 > "$kd/nr_kdamonds" 2>/dev/null
	[ -n "${target:-}" ] && kill "$target" 2>/dev/null
	rm -f "$errf"
}
trap cleanup EXIT

setup_one() { # build kdamonds/0 with one context, one target
	echo 0 > "$kd/nr_kdamonds" && echo 1 > "$kd/nr_kdamonds" &&
	echo 1 > "$kd/0/contexts/nr_contexts" &&
	echo 1 > "$kd/0/contexts/0/targets/nr_targets" &&
	echo 1 > "$kd/0/contexts/0/targets/0/regions/nr_regions"
}

c=$kd/0/contexts/0

# wait_off: kdamonds/0 turns off by itself within 5 s.
wait_off() {
	local i
	for ((i = 0; i < 50; i++)); do
		is "$kd/0/state" off && return 0
		nap 0.1
	done
	return 1
}

# kdamonds/0 monitoring a sleeping process ($target) every millisecond.
start_fast_on_sleeper() {
	setup_one || return 1
	sleep 1000 &
	target=$!
	echo "$target" > "$c/targets/0/pid_target" &&
	echo 0 > "$c/targets/0/regions/nr_regions" &&
	echo 1000 > "$c/monitoring_attrs/intervals/sample_us" &&
	echo 10000 > "$c/monitoring_attrs/intervals/aggr_us" || return 1
	expect_write "$kd/0/state" on OK
}

test_tree() {
	local f files=()
	setup_one || return 1
	for f in nr_kdamonds 0/state 0/contexts/nr_contexts \
		 0/contexts/0/operations \
		 0/contexts/0/monitoring_attrs/intervals/sample_us \
		 0/contexts/0/monitoring_attrs/intervals/aggr_us \
		 0/contexts/0/monitoring_attrs/intervals/update_us \
		 0/contexts/0/monitoring_attrs/nr_regions/min \
		 0/contexts/0/monitoring_attrs/nr_regions/max \
		 0/contexts/0/targets/nr_targets \
		 0/contexts/0/targets/0/pid_target \
		 0/contexts/0/targets/0/regions/nr_regions \
		 0/contexts/0/targets/0/regions/0/start \
		 0/contexts/0/targets/0/regions/0/end \
		 0/contexts/0/schemes/nr_schemes; do
		files+=("$kd/$f")
	done
	modes_are 600 "${files[@]}" &&
	modes_are 400 "$kd/0/pid" "$c/avail_operations"
}

test_defaults() {
	setup_one || return 1
	expect_read "$kd/0/state" off && expect_read "$kd/0/pid" -1 &&
	expect_read "$c/operations" vaddr &&
	expect_read "$c/monitoring_attrs/intervals/sample_us" 5000 &&
	expect_read "$c/monitoring_attrs/intervals/aggr_us" 100000 &&
	expect_read "$c/monitoring_attrs/intervals/update_us" 60000000 &&
	expect_read "$c/monitoring_attrs/nr_regions/min" 10 &&
	expect_read "$c/monitoring_attrs/nr_regions/max" 1000 &&
	expect_read "$c/targets/0/pid_target" 0 &&
	expect_read "$c/schemes/nr_schemes" 0 &&
	expect_read "$c/avail_operations" "$(printf 'vaddr\nfvaddr\npaddr')"
}

test_bad_values() {
	setup_one || return 1
	expect_write "$kd/nr_kdamonds" -1 EINVAL &&
	expect_write "$kd/nr_kdamonds" abc EINVAL &&
	expect_write "$kd/nr_kdamonds" 2147483648 ERANGE &&
	expect_write "$kd/nr_kdamonds" 2147483647 ENOMEM &&
	expect_write "$kd/0/contexts/nr_contexts" 2 EINVAL &&
	expect_write "$c/targets/nr_targets" 99999999 ENOMEM &&
	expect_write "$c/operations" vaddrx EINVAL &&
	expect_write "$c/monitoring_attrs/intervals/sample_us" -5 EINVAL &&
	expect_write "$c/monitoring_attrs/intervals/sample_us" 99999999999999999999999 ERANGE &&
	expect_write "$c/monitoring_attrs/nr_regions/min" 1x EINVAL &&
	expect_write "$c/targets/0/pid_target" abc EINVAL &&
	expect_write "$c/schemes/nr_schemes" 2147483647 ENOMEM &&
	expect_write "$kd/0/state" start EINVAL &&
	expect_write "$kd/0/state" commit EINVAL &&
	expect_write "$kd/0/state" off EINVAL &&
	# Nothing above changed anything.
	expect_read "$kd/nr_kdamonds" 1 &&
	expect_read "$c/operations" vaddr &&
	expect_read "$c/monitoring_attrs/intervals/sample_us" 5000
}

# Values that only fail when a context is built: "on" refuses them.
test_bad_on() {
	setup_one || return 1
	echo $$ > "$c/targets/0/pid_target"
	echo 0 > "$c/targets/0/regions/nr_regions"
	local a=$c/monitoring_attrs
	echo 200000 > "$a/intervals/sample_us"
	expect_write "$kd/0/state" on EINVAL || return 1
	echo 5000 > "$a/intervals/sample_us"
	# Zero intervals are taken, as in 6.12.
	echo 0 > "$a/intervals/update_us"
	expect_write "$kd/0/state" on OK || return 1
	expect_write "$kd/0/state" off OK || return 1
	echo 1000000 > "$a/intervals/update_us"
	echo 2 > "$a/nr_regions/min"
	expect_write "$kd/0/state" on EINVAL || return 1
	echo 2000 > "$a/nr_regions/min"
	expect_write "$kd/0/state" on EINVAL || return 1
	echo 10 > "$a/nr_regions/min"
	echo 2147483647 > "$c/targets/0/pid_target"
	expect_write "$kd/0/state" on EINVAL || return 1
	echo $$ > "$c/targets/0/pid_target"
	echo 1 > "$c/targets/0/regions/nr_regions"
	echo 8192 > "$c/targets/0/regions/0/start"
	echo 4096 > "$c/targets/0/regions/0/end"
	expect_write "$kd/0/state" on EINVAL || return 1
	echo paddr > "$c/operations"
	echo 2 > "$c/targets/nr_targets"
	expect_write "$kd/0/state" on EINVAL || return 1
	expect_read "$kd/0/state" off
}

test_on_off_commit() {
	setup_one || return 1
	sleep 1000 &
	target=$!
	echo "$target" > "$c/targets/0/pid_target"
	echo 0 > "$c/targets/0/regions/nr_regions"
	expect_write "$kd/0/state" on OK || return 1
	expect_read "$kd/0/state" on || return 1
	local pid
	pid=$(val "$kd/0/pid")
	[ "$pid" -gt 0 ] || { echo "pid $pid"; return 1; }
	grep -q '^kdamond\.' "/proc/$pid/comm" || { echo "comm $(cat /proc/$pid/comm)"; return 1; }
	expect_write "$kd/0/state" on EBUSY || return 1
	expect_write "$kd/nr_kdamonds" 0 EBUSY || return 1
	# Online commit of new intervals keeps the same kdamond.
	echo 10000 > "$c/monitoring_attrs/intervals/sample_us"
	echo 200000 > "$c/monitoring_attrs/intervals/aggr_us"
	expect_write "$kd/0/state" commit OK || return 1
	[ "$(val "$kd/0/pid")" = "$pid" ] || { echo "commit restarted the kdamond"; return 1; }
	# A bad commit is refused and the kdamond keeps running.
	echo 1 > "$c/monitoring_attrs/nr_regions/min"
	expect_write "$kd/0/state" commit EINVAL || return 1
	expect_read "$kd/0/state" on || return 1
	echo 10 > "$c/monitoring_attrs/nr_regions/min"
	# Directories can change while it runs.
	echo 3 > "$c/targets/0/regions/nr_regions" || return 1
	echo 0 > "$c/targets/0/regions/nr_regions" || return 1
	expect_write "$kd/0/state" off OK || return 1
	expect_read "$kd/0/state" off && expect_read "$kd/0/pid" -1 &&
	expect_write "$kd/0/state" off EPERM &&
	[ ! -e "/proc/$pid" ] || { echo "kdamond $pid still exists"; return 1; }
	kill "$target"; wait "$target" 2>/dev/null; target=
}

test_target_exit() {
	start_fast_on_sleeper || return 1
	nap 0.3
	kill "$target"; wait "$target" 2>/dev/null; target=
	wait_off || { echo "the kdamond did not stop after its only target exited"; return 1; }
}

test_paddr_and_fvaddr() {
	setup_one || return 1
	echo paddr > "$c/operations"
	echo 0 > "$c/targets/0/regions/nr_regions"
	expect_write "$kd/0/state" on OK || return 1
	nap 0.2
	expect_read "$kd/0/state" on || return 1
	expect_write "$kd/0/state" off OK || return 1
	sleep 1000 &
	target=$!
	echo fvaddr > "$c/operations"
	echo "$target" > "$c/targets/0/pid_target"
	echo 1 > "$c/targets/0/regions/nr_regions"
	local lo
	lo=$((16#$(head -n 1 "/proc/$target/maps" | cut -d- -f1)))
	echo "$lo" > "$c/targets/0/regions/0/start"
	echo $((lo + 4096)) > "$c/targets/0/regions/0/end"
	expect_write "$kd/0/state" on OK || return 1
	expect_write "$kd/0/state" off OK || return 1
	kill "$target"; wait "$target" 2>/dev/null; target=
}

test_many_kdamonds() {
	local i
	echo 0 > "$kd/nr_kdamonds"
	echo 4 > "$kd/nr_kdamonds" || return 1
	for i in 0 1 2 3; do
		echo 1 > "$kd/$i/contexts/nr_contexts" &&
		echo paddr > "$kd/$i/contexts/0/operations" &&
		echo 1 > "$kd/$i/contexts/0/targets/nr_targets" || return 1
		expect_write "$kd/$i/state" on OK || return 1
	done
	for i in 3 2 1 0; do
		expect_write "$kd/$i/state" off OK || return 1
	done
	echo 0 > "$kd/nr_kdamonds"
}

# Directories removed under a running kdamond: the kdamond goes on with
# what it was given, commits that no longer make sense are refused, open
# files of removed directories fail cleanly, and "off" still works.
test_remove_while_running() {
	start_fast_on_sleeper || return 1
	local pid err
	pid=$(val "$kd/0/pid")
	exec 9< "$c/targets/0/pid_target"
	echo 0 > "$c/targets/nr_targets" || return 1
	err=$(cat <&9 2>&1) && { exec 9<&-; echo "read of a removed file gave '$err'"; return 1; }
	exec 9<&-
	echo 0 > "$kd/0/contexts/nr_contexts" || return 1
	expect_read "$kd/0/state" on || return 1
	expect_write "$kd/0/state" commit EINVAL || return 1
	[ "$(val "$kd/0/pid")" = "$pid" ] || { echo "the kdamond changed"; return 1; }
	# Rebuild the tree and commit it to the same kdamond.
	echo 1 > "$kd/0/contexts/nr_contexts" &&
	echo 1 > "$c/targets/nr_targets" &&
	echo "$target" > "$c/targets/0/pid_target" || return 1
	expect_write "$kd/0/state" commit OK || return 1
	# Resizing and committing from two sides at once.
	( for ((i = 0; i < 30; i++)); do
		echo $((i % 4)) > "$c/targets/0/regions/nr_regions"
		echo 2 > "$c/targets/nr_targets"; echo 1 > "$c/targets/nr_targets"
		echo "$target" > "$c/targets/0/pid_target"
	  done ) 2>/dev/null &
	local bg=$!
	for ((i = 0; i < 30; i++)); do
		echo commit > "$kd/0/state" 2>/dev/null
		is "$kd/0/state" on
	done
	wait $bg
	expect_write "$kd/0/state" off OK || return 1
	expect_read "$kd/0/state" off || return 1
	kill "$target"; wait "$target" 2>/dev/null; target=
}

# Targets that exit while a busy kdamond samples them and refreshes their
# regions: it keeps going while one is alive and stops when all are gone.
test_exit_under_load() {
	local round i pids wl
	wl=$(dirname "$0")/access_phases
	[ -x "$wl" ] || { echo "no $wl"; return 1; }
	for round in 1 2 3; do
		setup_one || return 1
		echo 0 > "$c/targets/0/regions/nr_regions" &&
		echo 3 > "$c/targets/nr_targets" || return 1
		pids=""
		for i in 0 1 2; do
			"$wl" 8 2 60000 1 > /dev/null &
			pids="$pids $!"
			echo "$!" > "$c/targets/$i/pid_target"
		done
		echo 1000 > "$c/monitoring_attrs/intervals/sample_us"
		echo 5000 > "$c/monitoring_attrs/intervals/aggr_us"
		echo 20000 > "$c/monitoring_attrs/intervals/update_us"
		expect_write "$kd/0/state" on OK || { kill $pids; return 1; }
		for i in $pids; do
			nap 0.$((RANDOM % 3 + 1))
			kill -9 "$i"
			wait "$i" 2>/dev/null
		done
		wait_off && continue
		echo "round $round: the kdamond did not stop after its targets exited"
		return 1
	done
}

# returns STATE_WORD: writing it to kdamonds/0/state returns OK within
# 10 s.  The writer runs in the background, so that a write that never
# returns fails the test rather than hanging it.
returns() {
	local res i
	res=$(mktemp /tmp/damon-res.XXXXXX)
	# Not inheriting our stdout: check() waits for its end.
	( write "$kd/0/state" "$1"; echo "$wrote" > "$res" ) > /dev/null 2>&1 &
	for ((i = 0; i < 100; i++)); do
		[ -s "$res" ] && break
		nap 0.1
	done
	if is "$res" OK; then
		rm -f "$res"
		return 0
	fi
	if [ -s "$res" ]; then
		echo "'$1': $(val "$res")"
	else
		echo "'$1' still blocked after 10 s"
	fi
	rm -f "$res"
	return 1
}

# kdamonds/0 on a sleeping process, with one scheme and all three
# intervals set to $1 microseconds.
start_with_intervals() {
	setup_one || return 1
	# Not holding check()'s output open if the test fails.
	sleep 1000 > /dev/null 2>&1 &
	target=$!
	echo "$target" > "$c/targets/0/pid_target" &&
	echo 0 > "$c/targets/0/regions/nr_regions" &&
	echo 1 > "$c/schemes/nr_schemes" &&
	echo "$1" > "$c/monitoring_attrs/intervals/sample_us" &&
	echo "$1" > "$c/monitoring_attrs/intervals/aggr_us" &&
	echo "$1" > "$c/monitoring_attrs/intervals/update_us" || return 1
	expect_write "$kd/0/state" on OK
}

# A kdamond sampling once a day: the state commands that run in the
# kdamond (commit, stats, quotas, goals) still return at once rather than
# after the sample, a tried-regions update (which waits for the schemes'
# next application, a day away) gives way to a signal, and "off" works.
# Found by harness/stress.py: "commit" waited the whole sampling interval,
# unkillable, holding the lock every other write needs.
test_day_long_sample() {
	local cmd pid i res
	start_with_intervals 86400000000 || return 1
	# Let the kdamond begin its first sample.
	nap 0.5
	for cmd in commit update_schemes_stats update_schemes_effective_quotas \
		   commit_schemes_quota_goals; do
		returns "$cmd" || return 1
	done
	res=$(mktemp /tmp/damon-res.XXXXXX)
	( write "$kd/0/state" update_schemes_tried_regions
	  echo "$wrote" > "$res" ) > /dev/null 2>&1 &
	pid=$!
	nap 1
	if [ -s "$res" ]; then
		echo "tried regions returned before any application: $(val "$res")"
		rm -f "$res"
		return 1
	fi
	rm -f "$res"
	kill "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		nap 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "a waiting tried-regions update ignores signals"
		return 1
	fi
	returns off || return 1
	kill "$target"; wait "$target" 2>/dev/null; target=
}

# utime + stime of a task, in clock ticks.
cpu_ticks() {
	local stat
	read -r stat < "/proc/$1/stat" || return 1
	stat=${stat##*) }
	read -r -a stat <<< "$stat"
	echo $((stat[11] + stat[12]))
}

# Intervals too long for a ktime (2^64 - 1 us): the kdamond sleeps, neither
# sampling without pause nor missing the requests made to it.  Found by
# harness/stress.py: the wake-up time overflowed, and "commit" waited for
# a timer that fired at some random later time.
test_endless_sample() {
	local pid t0 t1
	start_with_intervals 18446744073709551615 || return 1
	pid=$(val "$kd/0/pid")
	nap 0.5
	t0=$(cpu_ticks "$pid") || { echo "no kdamond $pid"; return 1; }
	nap 2
	t1=$(cpu_ticks "$pid") || { echo "kdamond $pid is gone"; return 1; }
	if [ $((t1 - t0)) -gt 10 ]; then
		echo "kdamond used $((t1 - t0)) ticks in 2 s of sleeping"
		return 1
	fi
	returns commit && returns update_schemes_stats && returns off || return 1
	kill "$target"; wait "$target" 2>/dev/null; target=
}

# The way the 6.12 admin guide starts monitoring a process: relative paths
# from the admin directory, nothing but the files the example writes.
test_documented_start() {
	echo 0 > "$kd/nr_kdamonds"
	sleep 1000 &
	target=$!
	( cd "$admin" &&
	  echo 1 > kdamonds/nr_kdamonds && echo 1 > kdamonds/0/contexts/nr_contexts &&
	  echo vaddr > kdamonds/0/contexts/0/operations &&
	  echo 1 > kdamonds/0/contexts/0/targets/nr_targets &&
	  echo "$target" > kdamonds/0/contexts/0/targets/0/pid_target &&
	  echo on > kdamonds/0/state ) || return 1
	expect_read "$kd/0/state" on || return 1
	[ "$(val "$kd/0/pid")" -gt 0 ] || { echo "no kdamond pid"; return 1; }
	( cd "$admin" && echo off > kdamonds/0/state ) || return 1
	expect_read "$kd/0/state" off || return 1
	kill "$target"; wait "$target" 2>/dev/null; target=
}

# run_typed: run each line of stdin as if typed at a root shell, in the
# directory the earlier lines cd'ed to, and stop at the first that fails.
# Every "echo VALUE > FILE" in a line (the line may chain several with ";"
# or "&&") is remembered, as the file's absolute path and the expanded
# value, in typed_files/typed_values for read_back_typed.  Writes to
# "state" are keywords, not values, and are not remembered.
typed_files=()
typed_values=()
run_typed() {
	local line part parts f v re='^ *echo (.+) > ([^ ]+) *$'
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		eval "$line" || { echo "'$line' failed in $PWD"; return 1; }
		line=${line//&&/;}
		IFS=';' read -r -a parts <<< "$line"
		for part in "${parts[@]}"; do
			[[ $part =~ $re ]] || continue
			f=${BASH_REMATCH[2]}
			eval "v=${BASH_REMATCH[1]}"
			[ "${f##*/}" = state ] && continue
			[[ $f = /* ]] || f=$PWD/$f
			typed_files+=("$f")
			typed_values+=("$v")
		done
	done
}

# read_back_typed: every value run_typed wrote reads back as written.
read_back_typed() {
	local i
	[ "${#typed_files[@]}" -gt 0 ] || { echo "nothing was written"; return 1; }
	for i in "${!typed_files[@]}"; do
		expect_read "${typed_files[i]}" "${typed_values[i]}" || return 1
	done
}

# is_num FILE...: each file reads as one unsigned decimal number.
is_num() {
	local f v
	for f in "$@"; do
		read -r v < "$f" || { echo "cannot read ${f#"$admin"/}"; return 1; }
		[[ $v =~ ^[0-9]+$ ]] || { echo "${f#"$admin"/} reads '$v'"; return 1; }
	done
}

# The DAMOS part of the 6.12 admin guide
# (Documentation/admin-guide/mm/damon/usage.rst), with the commands typed
# as the guide prints them, from the directories it cds into:
#
#  - "Example" (the subsection after "tried_regions/<N>/" in "sysfs
#    Interface"): every line of it: kdamonds/0 with one context and one
#    scheme, made from admin/, then, from schemes/0/, the access pattern,
#    the pageout action, the quotas and the free_mem_rate watermarks;
#  - "sysfs Interface" (opening example): its operations, nr_targets and
#    pid_target lines, with the pid of a "sleep" child instead of the
#    $(pidof <workload>) of the guide.  They come after the scheme
#    example because its nr_kdamonds and nr_contexts lines would drop
#    (in 6.12) a target given before;
#  - "Tracepoints for Monitoring Results": the "on" and "off" lines (perf
#    is not run);
#  - "kdamonds/<N>/": every state keyword it lists, written from admin/
#    while the kdamond runs: commit, commit_schemes_quota_goals,
#    update_schemes_stats, update_schemes_tried_regions,
#    update_schemes_tried_bytes, clear_schemes_tried_regions and
#    update_schemes_effective_quotas;
#  - "schemes/<N>/quotas/", "schemes/<N>/stats/", "schemes/<N>/tried_regions/"
#    and "tried_regions/<N>/": the files those keywords fill in exist and
#    read as numbers, tried region directories come and go with the
#    update and clear keywords, and total_bytes is the sum of the tried
#    regions.
#
# Then every value written reads back unchanged while the kdamond runs.
documented_schemes() {
	local s=$kd/0/contexts/0/schemes/0 r sum=0 ss se
	run_typed <<'EOF' || return 1
cd /sys/kernel/mm/damon/admin
echo 1 > kdamonds/nr_kdamonds; echo 1 > kdamonds/0/contexts/nr_contexts;
echo 1 > kdamonds/0/contexts/0/schemes/nr_schemes
cd kdamonds/0/contexts/0/schemes/0
echo 4096 > access_pattern/sz/min
echo 8192 > access_pattern/sz/max
echo 0 > access_pattern/nr_accesses/min
echo 5 > access_pattern/nr_accesses/max
echo 10 > access_pattern/age/min
echo 20 > access_pattern/age/max
echo pageout > action
echo 10 > quotas/ms
echo $((1024*1024*1024)) > quotas/bytes
echo 1000 > quotas/reset_interval_ms
echo free_mem_rate > watermarks/metric
echo 5000000 > watermarks/interval_us
echo 600 > watermarks/high
echo 500 > watermarks/mid
echo 300 > watermarks/low
cd /sys/kernel/mm/damon/admin
echo vaddr > kdamonds/0/contexts/0/operations
echo 1 > kdamonds/0/contexts/0/targets/nr_targets
echo $target > kdamonds/0/contexts/0/targets/0/pid_target
echo on > kdamonds/0/state
echo commit > kdamonds/0/state
echo commit_schemes_quota_goals > kdamonds/0/state
echo update_schemes_stats > kdamonds/0/state
EOF
	expect_read "$kd/0/state" on || return 1
	is_num "$s"/stats/{nr_tried,sz_tried,nr_applied,sz_applied,qt_exceeds} ||
		return 1
	run_typed <<< 'echo update_schemes_tried_regions > kdamonds/0/state' ||
		return 1
	is_num "$s/tried_regions/total_bytes" || return 1
	for r in "$s"/tried_regions/[0-9]*; do
		[ -d "$r" ] || continue
		is_num "$r"/{start,end,nr_accesses,age} || return 1
		read -r ss < "$r/start" && read -r se < "$r/end" || return 1
		[ "$ss" -lt "$se" ] || { echo "${r#"$admin"/}: [$ss, $se)"; return 1; }
		sum=$((sum + se - ss))
	done
	expect_read "$s/tried_regions/total_bytes" "$sum" || return 1
	run_typed <<'EOF' || return 1
echo update_schemes_tried_bytes > kdamonds/0/state
echo clear_schemes_tried_regions > kdamonds/0/state
EOF
	is_num "$s/tried_regions/total_bytes" || return 1
	[ ! -e "$s/tried_regions/0" ] ||
		{ echo "tried_regions/0 is still there after the clear"; return 1; }
	run_typed <<< 'echo update_schemes_effective_quotas > kdamonds/0/state' ||
		return 1
	is_num "$s/quotas/effective_bytes" || return 1
	expect_read "$kd/0/state" on && read_back_typed || return 1
	run_typed <<< 'echo off > kdamonds/0/state' || return 1
	expect_read "$kd/0/state" off && read_back_typed
}

# The sleeper must not keep check's output pipe open, and goes on every path.
test_documented_schemes() {
	local rc
	echo 0 > "$kd/nr_kdamonds"
	sleep 1000 > /dev/null 2>&1 &
	target=$!
	( documented_schemes )
	rc=$?
	echo off > "$kd/0/state" 2>/dev/null
	echo 0 > "$kd/nr_kdamonds"
	kill "$target"; wait "$target" 2>/dev/null; target=
	return $rc
}

# The filter example of "schemes/<N>/filters/" in the 6.12 admin guide
# (Documentation/admin-guide/mm/damon/usage.rst): all six of its lines,
# typed in the filters/ directory of a scheme.  The guide says anon and
# memcg filters need paddr, so the kdamond is set up from admin/ with the
# lines of the opening example of "sysfs Interface", paddr for vaddr, and
# the nr_schemes line of its scheme "Example".  The scheme keeps the
# default action (stat), which changes no memory.  The cgroup the example
# names, /having_care_already, is made first if it does not exist; without
# a cgroup v2 memory controller for it, the memcg filter is dropped
# (nr_filters back to 1) before "on", as "on" needs the cgroup to exist.
documented_filters() {
	local memcg=$1
	run_typed <<'EOF' || return 1
cd /sys/kernel/mm/damon/admin
echo 1 > kdamonds/nr_kdamonds && echo 1 > kdamonds/0/contexts/nr_contexts
echo paddr > kdamonds/0/contexts/0/operations
echo 1 > kdamonds/0/contexts/0/targets/nr_targets
echo 1 > kdamonds/0/contexts/0/schemes/nr_schemes
cd kdamonds/0/contexts/0/schemes/0/filters
echo 2 > nr_filters
echo anon > 0/type
echo Y > 0/matching
echo memcg > 1/type
echo /having_care_already > 1/memcg_path
echo Y > 1/matching
EOF
	read_back_typed || return 1
	if [ -z "$memcg" ]; then
		echo "# no memory cgroup /having_care_already: anon filter only"
		echo 1 > nr_filters || return 1
	fi
	cd "$admin" || return 1
	expect_write kdamonds/0/state on OK && expect_read "$kd/0/state" on &&
	expect_write kdamonds/0/state off OK && expect_read "$kd/0/state" off
}

test_documented_filters() {
	local cg=/sys/fs/cgroup/having_care_already made='' memcg='' rc
	echo 0 > "$kd/nr_kdamonds"
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ -d "$cg" ] || { mkdir "$cg" && made=1; }
		[ -e "$cg/memory.stat" ] && memcg=1
	fi
	( documented_filters "$memcg" )
	rc=$?
	echo off > "$kd/0/state" 2>/dev/null
	echo 0 > "$kd/nr_kdamonds"
	[ -z "$made" ] || rmdir "$cg" || rc=1
	return $rc
}

check "tree shape and file modes" test_tree
check "default values" test_defaults
check "bad values are refused and change nothing" test_bad_values
check "'on' refuses invalid contexts" test_bad_on
check "on, online commit, off" test_on_off_commit
check "kdamond stops when its target exits" test_target_exit
check "paddr and fvaddr start and stop" test_paddr_and_fvaddr
check "several kdamonds at once" test_many_kdamonds
check "the admin guide's example works as written" test_documented_start
check "the usage guide's scheme examples work as written" test_documented_schemes
check "the usage guide's filter example works as written" test_documented_filters
check "directories removed while running" test_remove_while_running
check "targets exit during busy sampling" test_exit_under_load
check "state commands do not wait out a day-long sample" test_day_long_sample
check "intervals too long for a ktime: no spinning, no stalled commands" test_endless_sample

echo "1..$nr"
echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
