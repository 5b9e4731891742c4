#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One hibernate/resume cycle of a test guest, timed from the host and from
# the guest's kernel.
#
#   hibernate.sh [-k KERNEL] [-m MEM] [-p PERCENT] [-r IDLE] [-i SECONDS]
#                [-s IMAGE_SIZE] [-b BYTES_PER_S] [-o FILE]
#
#   -k  the kernel (out/bzImage); it needs CONFIG_HIBERNATION
#   -m  guest memory (2G)
#   -p  the share of MemTotal the guest's workload fills (85)
#   -r  the idle phase between filling and hibernating: none, helper
#       (tools/mm/reclaim-when-idle.sh -o: memory.reclaim "max" of the root
#       cgroup once idle) or damon_reclaim (DAMON_RECLAIM on) (none)
#   -i  the idle phase's length in seconds (20)
#   -s  /sys/power/image_size in bytes (the kernel's default: 2/5 of RAM)
#   -b  the swap disk's rate limit in bytes per second, so that the disk,
#       not TCG, sets the pace (104857600)
#   -o  append the result to FILE as one JSON line
#
# The first boot fills the memory, runs the idle phase and hibernates to
# swap on a virtio disk (/dev/vda, a fresh file), uncompressed
# (hibernate=nocompress: LZO under TCG would be slower than the disk); the
# kernel then restarts,
# which ends QEMU (-no-reboot).  The second boot, with resume=/dev/vda,
# loads the image; the workload checks its memory and restarts the machine
# again.  Host times: hibernate_s, from the workload's "hibernating" on the
# console to the end of the first QEMU; resume_s, from the start of the
# second QEMU to the workload's "resumed".  Guest times: the kernel's own
# image write and read seconds, and the workload's check of its memory
# after resume (swapping it back in).  The console logs are in
# out/hibernate/.  Exit 0 when the cycle completed, the memory matched and
# neither console shows a kernel report (oops, BUG, WARNING, lockup).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$TOP/out}
DIR=$OUT/hibernate
KERNEL=$OUT/bzImage MEM=2G PCT=85 IDLE=none IDLE_S=20 IMAGE_SIZE="" BPS=104857600
RESULT=""

die() { echo "hibernate: error: $*" >&2; exit 2; }
usage() { awk 'NR > 2 && !/^#/ { exit } NR > 2' "$0" >&2; exit 2; }

while getopts "k:m:p:r:i:s:b:o:h" opt; do
	case $opt in
	k) KERNEL=$OPTARG ;;
	m) MEM=$OPTARG ;;
	p) PCT=$OPTARG ;;
	r) IDLE=$OPTARG ;;
	i) IDLE_S=$OPTARG ;;
	s) IMAGE_SIZE=$OPTARG ;;
	b) BPS=$OPTARG ;;
	o) RESULT=$OPTARG ;;
	*) usage ;;
	esac
done
case $IDLE in none|helper|damon_reclaim) ;; *) usage ;; esac
[ -f "$KERNEL" ] || die "no kernel at $KERNEL"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing"

mkdir -p "$DIR" "$OUT/bin"
BIN=$OUT/bin/hib-guest
if [ ! -x "$BIN" ] || [ "$TOP/harness/hibernate/hib-guest.c" -nt "$BIN" ]; then
	gcc -O2 -Wall -Wextra -static -o "$BIN" "$TOP/harness/hibernate/hib-guest.c" ||
		die "hib-guest did not build (static glibc: libc6-dev)"
fi
swap=$DIR/swap.img
rm -f "$swap"
truncate -s 8G "$swap"

# Console lines with the host's time in front.
stamp() {
	python3 -u -c 'import sys, time
for line in sys.stdin:
    print("%.3f %s" % (time.time(), line), end="", flush=True)'
}

# boot N: QEMU for boot N (1: hibernate, 2: resume), its console stamped
# into $DIR/bootN.log.
boot() {
	local n=$1 append
	append="console=ttyS0 loglevel=7 root=host0 rootfstype=9p"
	append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
	append+=" init=$TOP/harness/hibernate/guest-init.sh nopcid panic=-1"
	append+=" acpi=noirq pci=noacpi kunit.enable=0 resume=/dev/vda"
	# Uncompressed: LZO under TCG runs at 12-17 MB/s, below the disk.
	append+=" hibernate=nocompress"
	append+=" HIB_BOOT=$n HIB_BIN=$BIN HIB_PCT=$PCT HIB_IDLE=$IDLE"
	append+=" HIB_IDLE_S=$IDLE_S HIB_TOP=$TOP${IMAGE_SIZE:+ HIB_IMAGE_SIZE=$IMAGE_SIZE}"
	echo "$(date +%s.%N) qemu start" > "$DIR/boot$n.log"
	timeout 1200 qemu-system-x86_64 -machine pc -accel tcg -cpu max \
		-smp 2,sockets=2,cores=1,threads=1 -m "$MEM" -nodefaults \
		-no-user-config -display none -serial mon:stdio -no-reboot \
		-kernel "$KERNEL" -append "$append" \
		-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap" \
		-device "virtio-9p-pci,fsdev=root,mount_tag=host0" \
		-drive "file=$swap,if=virtio,format=raw,cache=unsafe,throttling.bps-total=$BPS" \
		< /dev/null 2>&1 | stamp >> "$DIR/boot$n.log"
	echo "$(date +%s.%N) qemu end" >> "$DIR/boot$n.log"
}

boot 1
boot 2
rm -f "$swap"

python3 - "$DIR" "$RESULT" "$IDLE" "$IMAGE_SIZE" "$MEM" "$PCT" "$BPS" "$IDLE_S" <<'PY'
import json, re, sys
d, result, idle, image_size, mem, pct, bps, idle_s = sys.argv[1:]

def lines(n):
    out = []
    for line in open("%s/boot%s.log" % (d, n), errors="replace"):
        t, _, rest = line.partition(" ")
        out.append((float(t), rest.rstrip("\n")))
    return out

def find(ls, pat):
    for t, l in ls:
        m = re.search(pat, l)
        if m:
            return t, m
    return None, None

b1, b2 = lines(1), lines(2)
r = {"idle": idle, "image_size": image_size or "default", "mem": mem,
     "fill_pct": int(pct), "disk_bps": int(bps), "idle_s": int(idle_s)}
t_hib, _ = find(b1, r"hib: hibernating")
t_end1 = b1[-1][0]
t_start2 = b2[0][0]
t_res, _ = find(b2, r"hib: resumed")
_, m = find(b1, r"hib: filled (\d+) MiB")
r["filled_mib"] = int(m.group(1)) if m else None
_, m = find(b1, r"Wrote (\d+) kbytes in ([0-9.]+) seconds")
r["image_write_kib"], r["image_write_s"] = \
    (int(m.group(1)), float(m.group(2))) if m else (None, None)
_, m = find(b2, r"Read (\d+) kbytes in ([0-9.]+) seconds")
r["image_read_kib"], r["image_read_s"] = \
    (int(m.group(1)), float(m.group(2))) if m else (None, None)
_, m = find(b2, r"hib: checksum (\w+) in ([0-9.]+) s")
r["checksum"] = m.group(1) if m else None
r["check_s"] = float(m.group(2)) if m else None
_, m = find(b1, r"hib: idle-phase ([0-9.]+) s, exit (\d+)")
r["idle_exit"] = int(m.group(2)) if m else None
_, m = find(b1, r"reclaim-when-idle: wrote .*: (\d+) bytes reclaimed")
r["helper_reclaimed"] = int(m.group(1)) if m else None
_, m = find(b1, r"hib: damon_reclaim (\d+) bytes")
r["damon_reclaimed"] = int(m.group(1)) if m else None
reports = re.compile(r"Oops|BUG:|WARNING:|Kernel panic|general protection "
                     r"fault|soft lockup|INFO: task .* blocked|RCU stall")
errors = [l for _, l in b1 + b2 if "hib: error" in l or reports.search(l)]
r["hibernate_s"] = round(t_end1 - t_hib, 3) if t_hib else None
r["resume_s"] = round(t_res - t_start2, 3) if t_res else None
r["ok"] = bool(t_hib and t_res and r["checksum"] == "ok" and not errors)
if errors:
    r["errors"] = errors
print("hibernate: %s" % json.dumps(r))
if result:
    with open(result, "a") as f:
        f.write(json.dumps(r) + "\n")
sys.exit(0 if r["ok"] else 1)
PY
