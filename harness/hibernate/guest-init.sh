#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the hibernation guest (see harness/hibernate/hibernate.sh).  The
# first boot sets up swap on the virtio disk (/dev/vda), which the image
# goes to, and exec()s hib-guest from tmpfs, which fills memory, runs the
# idle phase, hibernates and, once resumed, checks its memory.  The second
# boot resumes from /dev/vda before init runs; if this script runs again,
# no image was found.
#
# Parameters, from the kernel command line:
#   HIB_BOOT        1 or 2
#   HIB_BIN         hib-guest (on the 9p root)
#   HIB_PCT         the share of MemTotal to fill
#   HIB_IMAGE_SIZE  /sys/power/image_size, if set
#   HIB_IDLE        the idle phase: none, helper or damon_reclaim
#   HIB_IDLE_S      its length in seconds
#   HIB_TOP         the repository (for tools/mm/reclaim-when-idle.sh)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
ln -sfn /proc/self/fd /dev/fd
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
say() { echo "hib: $*" > /dev/kmsg; }

# hib-guest runs from tmpfs: after the resume the 9p root is gone.
cp "$HIB_BIN" /tmp/hib-guest || { say "error no hib-guest"; exit 1; }
if [ "$HIB_BOOT" != 1 ]; then
	say "error no image was resumed"
	exec /tmp/hib-guest off
fi
if ! mkswap /dev/vda > /dev/null || ! swapon /dev/vda; then
	say "error no swap on /dev/vda"
	exec /tmp/hib-guest off
fi
# The end of hibernation restarts the machine, which ends QEMU.
echo reboot > /sys/power/disk
[ -n "${HIB_IMAGE_SIZE:-}" ] && echo "$HIB_IMAGE_SIZE" > /sys/power/image_size
say "image_size $(cat /sys/power/image_size)"

idle=${HIB_IDLE_S:-20}
# Every idle phase lasts HIB_IDLE_S seconds, or as long as its reclaim.
case ${HIB_IDLE:-none} in
none)
	cmd="sleep $idle" ;;
helper)
	# memory.reclaim "max" of the root cgroup once the CPUs have been
	# idle for 5 s (a share over 50% counts as busy: TCG's own).
	cmd="$HIB_TOP/tools/mm/reclaim-when-idle.sh -o -i 5 -b 50 -T 0 &"
	cmd+=" sleep $idle; wait" ;;
damon_reclaim)
	# DAMON_RECLAIM pages out what has been idle for 5 s, for the phase,
	# with no quota and watermarks that keep it on (by default it stays
	# off while free memory is below 20%: the kernel reclaims then).
	p=/sys/module/damon_reclaim/parameters
	cmd="echo 5000000 > $p/min_age && echo 0 > $p/quota_ms &&"
	cmd+=" echo 0 > $p/quota_sz && echo 1000 > $p/wmarks_high &&"
	cmd+=" echo 1000 > $p/wmarks_mid && echo 0 > $p/wmarks_low &&"
	cmd+=" echo Y > $p/enabled && sleep $idle;"
	cmd+=" echo \"hib: damon_reclaim \$(cat $p/bytes_reclaimed_regions)"
	cmd+=" bytes\" > /dev/kmsg; echo N > $p/enabled" ;;
*)
	say "error unknown HIB_IDLE $HIB_IDLE"
	exec /tmp/hib-guest off ;;
esac
exec /tmp/hib-guest "${HIB_PCT:-85}" "$cmd"
