#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guest (see harness/vm.sh).  The root file system is the
# host's, shared read-only over virtio-9p, so every host program is here.
# Writable places: /tmp, /run, /dev/shm (tmpfs), /mnt/scratch (ext2 on a
# virtio disk, for reclaimable page cache) and /mnt/results (a second 9p
# share, read by the host after the run).
#
# Parameters come from the kernel command line as environment variables:
#   DAMON_TOP       the repository, at the same path as on the host
#   DAMON_OUT       its build folder
#   DAMON_ZRAM      zram swap size (0: none)
#   DAMON_CHURN     TLB churn period in microseconds (0: off)
#   DAMON_SHELL     1: a shell on the console after the command
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home TERM=${TERM:-linux} LANG=C.UTF-8
export PYTHONDONTWRITEBYTECODE=1

say() { echo "guest: $*"; }

# Every process costs the debug guest most of a second: this script uses
# bash builtins where it can.
#
# The host's /proc, /sys and /dev show through the 9p root as directories of
# other devices, so "is it a mount point" cannot be asked of them: look in
# the guest's own mount table instead.
mounted() {
	local dev dir rest
	while read -r dev dir rest; do
		[ "$dir" = "$1" ] && return 0
	done < /proc/self/mounts
	return 1
}
mnt() { mounted "$3" || mount -t "$1" "$2" "$3" ${4:+-o "$4"}; }

mount -t proc proc /proc
mnt sysfs sys /sys
mnt devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
# What udev would make: scripts write to /dev/stdout and read /dev/fd/N.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mnt devpts devpts /dev/pts
mnt tmpfs shm /dev/shm
mnt tmpfs tmp /tmp mode=1777
mnt tmpfs run /run mode=755
mnt tmpfs mnt /mnt mode=755
mkdir -p "$HOME" /mnt/results /mnt/scratch
# The repository may live under a directory the tmpfs mounts just hid
# (a clone in /tmp): it has a share of its own for that.
if [ ! -f "$DAMON_TOP/harness/guest-init.sh" ]; then
	mkdir -p "$DAMON_TOP" &&
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro top "$DAMON_TOP" ||
		say "cannot mount the repository at $DAMON_TOP"
fi
mnt cgroup2 cgroup2 /sys/fs/cgroup
[ -d /sys/kernel/tracing ] && mnt tracefs tracefs /sys/kernel/tracing
[ -d /sys/kernel/debug ] && mnt debugfs debugfs /sys/kernel/debug
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /mnt/results ||
	say "cannot mount the results share"
[ -b /dev/vda ] && mount -t ext2 /dev/vda /mnt/scratch
echo damon-guest > /proc/sys/kernel/hostname

# Let every cgroup v2 controller reach child cgroups.
read -r -a ctrls < /sys/fs/cgroup/cgroup.controllers
for c in "${ctrls[@]}"; do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done

if [ "${DAMON_ZRAM:-0}" != 0 ] && [ -e /sys/block/zram0/disksize ]; then
	echo "$DAMON_ZRAM" > /sys/block/zram0/disksize &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 ||
		say "zram swap setup failed"
fi

# TLB churn for access monitoring under TCG, on for every command; `make
# check` turns it off for the tests that do not need it.
bash "$DAMON_TOP/harness/guest-churn.sh" on

cd "$DAMON_TOP" || say "no repository at $DAMON_TOP"
rc=1
if [ -f /mnt/results/cmd ]; then
	t0=$(date +%s)
	bash /mnt/results/cmd
	rc=$?
	say "command took $(($(date +%s) - t0)) s"
fi
echo "$rc" > /mnt/results/status

if [ "${DAMON_SHELL:-0}" = 1 ]; then
	say "interactive shell; 'exit' powers the guest off"
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
fi

if [ -e /sys/kernel/debug/kmemleak ]; then
	# Objects younger than kmemleak's minimum age (5 s) are not
	# reported: wait that long after the last test, then scan once.
	sleep 6
	t0=$(date +%s)
	echo scan > /sys/kernel/debug/kmemleak
	say "kmemleak scan took $(($(date +%s) - t0)) s"
	cat /sys/kernel/debug/kmemleak > /mnt/results/kmemleak
fi
dmesg > /mnt/results/dmesg
swapoff -a 2>/dev/null
umount /mnt/scratch /mnt/results 2>/dev/null
sync
exec "$DAMON_OUT/bin/guest-util" poweroff
