#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The monitoring part of the DAMON sysfs interface: the shape of the tree
# and its file modes, defaults, bad input, and kdamond lifetimes (on, off,
# commit, a target that exits, directories removed while running).

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
	expect_write "$kd/nr_kdamonds" 100000 EINVAL &&
	expect_write "$kd/0/contexts/nr_contexts" 2 EINVAL &&
	expect_write "$c/targets/nr_targets" 99999999 EINVAL &&
	expect_write "$c/operations" vaddrx EINVAL &&
	expect_write "$c/monitoring_attrs/intervals/sample_us" -5 EINVAL &&
	expect_write "$c/monitoring_attrs/intervals/sample_us" 99999999999999999999999 ERANGE &&
	expect_write "$c/monitoring_attrs/nr_regions/min" 1x EINVAL &&
	expect_write "$c/targets/0/pid_target" abc EINVAL &&
	expect_write "$c/schemes/nr_schemes" 99999 EINVAL &&
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
	echo 0 > "$a/intervals/update_us"
	expect_write "$kd/0/state" on EINVAL || return 1
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

check "tree shape and file modes" test_tree
check "default values" test_defaults
check "bad values are refused and change nothing" test_bad_values
check "'on' refuses invalid contexts" test_bad_on
check "on, online commit, off" test_on_off_commit
check "kdamond stops when its target exits" test_target_exit
check "paddr and fvaddr start and stop" test_paddr_and_fvaddr
check "several kdamonds at once" test_many_kdamonds
check "the admin guide's example works as written" test_documented_start
check "directories removed while running" test_remove_while_running
check "targets exit during busy sampling" test_exit_under_load

echo "1..$nr"
echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
