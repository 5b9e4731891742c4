#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of tools/mm/reclaim-when-idle.sh, the helper that writes to a
# cgroup's memory.reclaim once the machine has been idle: it refuses bad
# arguments, waits while the CPUs are busy, reclaims a cgroup's clean page
# cache once they are idle and logs what the kernel read back, reports a
# request the kernel could not meet, and stops on a signal.
#
# The page cache lives on $RECLAIM_TEST_DIR (/mnt/scratch by default), a
# block-backed file system; the tests skip without it, without cgroup v2's
# memory controller, or on a kernel without memory.reclaim.

KSFT_SKIP=4
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${RECLAIM_TEST_DIR:-/mnt/scratch}
MIB=$((1024 * 1024))
NR_TESTS=5

HELPER=$HERE/reclaim-when-idle.sh
[ -x "$HELPER" ] || HELPER=$HERE/../../../mm/reclaim-when-idle.sh

nr=0
failed=0
ok() { nr=$((nr + 1)); echo "ok $nr $1"; }
not_ok() { nr=$((nr + 1)); failed=$((failed + 1)); echo "not ok $nr $1"; }
skip_all() { echo "1..0 # SKIP $1"; exit $KSFT_SKIP; }

ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$ROOT" ] || skip_all "no cgroup v2 hierarchy"
[ -e "$ROOT/memory.reclaim" ] || skip_all "the kernel has no memory.reclaim"
[ -x "$HELPER" ] || skip_all "reclaim-when-idle.sh not found"
grep -qw memory "$ROOT/cgroup.subtree_control" ||
	echo +memory > "$ROOT/cgroup.subtree_control" ||
	skip_all "cannot enable the memory controller"
if [ ! -d "$DIR" ] || [ ! -w "$DIR" ]; then
	skip_all "$DIR is not a writable directory"
fi
case $(stat -f -c %T "$DIR") in
tmpfs|ramfs) skip_all "$DIR is not block-backed" ;;
esac

CG=$ROOT/test_reclaim_when_idle.$$
FILE=$DIR/test_reclaim_when_idle.$$
HOG=0
cleanup() {
	[ "$HOG" != 0 ] && kill "$HOG" 2>/dev/null
	rm -f "$FILE"
	rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT
mkdir "$CG" || skip_all "cannot create a cgroup"
LOG=$(mktemp)

echo "1..$NR_TESTS"

# 1: bad arguments are refused with exit 2, before any waiting.
bad=""
for args in "-i x" "-b 101" "-T -1" "-c /nonexistent" "-a" "extra"; do
	# shellcheck disable=SC2086
	timeout 10 "$HELPER" -o $args 2>/dev/null
	rc=$?
	[ "$rc" = 2 ] || bad+=" '$args' (exit $rc)"
done
if [ -z "$bad" ]; then
	ok "bad arguments exit 2"
else
	not_ok "bad arguments exit 2:$bad"
fi

# Fill the cgroup with 64 MiB of clean page cache.
fill() {
	bash -c 'echo $$ > "$1/cgroup.procs" &&
		 dd if=/dev/zero of="$2" bs=1M count=64 conv=fsync status=none' \
		_ "$CG" "$FILE"
}

# 2: while a CPU is busy, nothing is reclaimed; once it is not, the cache
# goes and the log tells how much.
fill
before=$(cat "$CG/memory.current")
bash -c 'while :; do :; done' &
HOG=$!
"$HELPER" -o -c "$CG" -i 2 -b 25 -T 60 2> "$LOG" &
helper=$!
sleep 5
if grep -q "wrote" "$LOG" || ! kill -0 "$helper" 2>/dev/null; then
	not_ok "no reclaim while a CPU is busy: $(tr '\n' ' ' < "$LOG")"
	waited_ok=0
else
	waited_ok=1
fi
kill "$HOG"
wait "$HOG" 2>/dev/null
HOG=0
for _ in $(seq 60); do
	kill -0 "$helper" 2>/dev/null || break
	sleep 1
done
if kill -0 "$helper" 2>/dev/null; then
	kill "$helper"
	rc=timeout
else
	wait "$helper"
	rc=$?
fi
after=$(cat "$CG/memory.current")
got=$(sed -n 's/.*: \([0-9]*\) bytes reclaimed.*/\1/p' "$LOG")
if [ "$waited_ok" = 1 ] && [ "$rc" = 0 ] &&
   [ -n "$got" ] && [ "$got" -ge $((48 * MIB)) ] &&
   [ $((before - after)) -ge $((48 * MIB)) ]; then
	ok "reclaims once idle (${got} bytes, memory.current $before -> $after)"
elif [ "$waited_ok" = 1 ]; then
	not_ok "reclaims once idle: exit $rc, $(tr '\n' ' ' < "$LOG")"
fi

# 3: a request the kernel cannot meet (the cgroup holds less than 1 GiB)
# exits 1 and says so.
"$HELPER" -o -c "$CG" -a 1G -i 1 -b 100 -T 60 2> "$LOG"
rc=$?
if [ "$rc" = 1 ] && grep -q "less than asked" "$LOG"; then
	ok "an amount not reached exits 1"
else
	not_ok "an amount not reached exits 1: exit $rc, $(tr '\n' ' ' < "$LOG")"
fi

# 4: an amount with a key is passed on as it is.
fill
"$HELPER" -o -c "$CG" -a "16M swappiness=0" -i 1 -b 100 -T 60 2> "$LOG"
rc=$?
got=$(sed -n 's/.*: \([0-9]*\) bytes reclaimed.*/\1/p' "$LOG")
if [ "$rc" = 0 ] && [ -n "$got" ] && [ "$got" -ge $((16 * MIB)) ]; then
	ok "an amount with keys (${got} bytes)"
else
	not_ok "an amount with keys: exit $rc, $(tr '\n' ' ' < "$LOG")"
fi

# 5: it keeps waiting for an idle period that does not come, and stops on
# SIGTERM with exit 143.
"$HELPER" -c "$CG" -i 3600 -b 100 2> "$LOG" &
helper=$!
sleep 2
kill -TERM "$helper"
rc=timeout
for _ in $(seq 10); do
	if ! kill -0 "$helper" 2>/dev/null; then
		wait "$helper"
		rc=$?
		break
	fi
	sleep 1
done
[ "$rc" = timeout ] && kill -KILL "$helper"
if [ "$rc" = 143 ] && grep -q "stopped by SIGTERM" "$LOG"; then
	ok "stops on SIGTERM"
else
	not_ok "stops on SIGTERM: exit $rc, $(tr '\n' ' ' < "$LOG")"
fi

rm -f "$LOG"
echo "# $((nr - failed)) passed, $failed failed"
[ "$failed" = 0 ]
