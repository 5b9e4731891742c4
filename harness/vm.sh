#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel under QEMU (TCG) and run one command in the guest.
#
#   vm.sh 'CMD'
#
# The guest shares the host root read-only over virtio-9p, has tmpfs where
# writes are needed, an ext2 scratch disk at /mnt/scratch, zram swap, and a
# results share at /mnt/results (out/vm/results on the host).  CMD runs as
# root in the repository's directory; its output is shown, and the exit
# status of this script is CMD's.  Any kernel report (oops, BUG, WARNING,
# KASAN, UBSAN, lockdep, hung task, kmemleak) makes the run fail.
#
# Environment:
#   VM_KERNEL   kernel image (out/bzImage)
#   VM_CPUS     vCPUs (2)             VM_MEM     memory (4G)
#   VM_NUMA     NUMA nodes (1)        VM_ZRAM    zram swap size (2G, 0: none)
#   VM_TIERS    1: two memory tiers, as firmware describes CXL memory: node
#               0 with the CPUs and half the memory, node 1 with the other
#               half, no CPU, and (ACPI HMAT) 3x the latency and a quarter
#               of the bandwidth, so that the kernel's memory tiers put it
#               below node 0.  VM_NUMA is then not used.  (0)
#   VM_CHURN    TLB churn period in us (200, 0: off)
#   VM_TIMEOUT  seconds before the guest is killed (1800)
#   VM_SHELL    1: interactive shell after CMD (default: when stdin is a tty)
#   VM_APPEND   extra kernel command line
#   VM_LOGLEVEL console log level (5: warnings and worse)
#   VM_RESULTS  results folder on the host (out/vm/results)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
KERNEL=${VM_KERNEL:-$OUT/bzImage}
CPUS=${VM_CPUS:-2}
MEM=${VM_MEM:-4G}
NUMA=${VM_NUMA:-1}
TIERS=${VM_TIERS:-0}
ZRAM=${VM_ZRAM:-2G}
CHURN=${VM_CHURN:-200}
TIMEOUT=${VM_TIMEOUT:-1800}
LOGLEVEL=${VM_LOGLEVEL:-5}
VMDIR=$OUT/vm
RESULTS=${VM_RESULTS:-$VMDIR/results}

die() { echo "vm: error: $*" >&2; exit 1; }

[ $# = 1 ] || die "usage: vm.sh 'CMD'"
[ -f "$KERNEL" ] || die "no kernel at $KERNEL (make kernel)"
[ -x "$OUT/bin/guest-util" ] || die "no guest helpers (make tests)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing"

shell=${VM_SHELL:-}
if [ -z "$shell" ]; then
	if [ -t 0 ] && [ -t 1 ]; then shell=1; else shell=0; fi
fi

mkdir -p "$VMDIR"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
printf '%s\n' "$1" > "$RESULTS/cmd"

# A fresh scratch file system on every boot.
scratch=$VMDIR/scratch.img
rm -f "$scratch"
truncate -s 2G "$scratch"
mkfs.ext2 -q -F "$scratch" >/dev/null ||
	die "mkfs.ext2 failed"

# Memory in MiB, for splitting it between nodes.
case $MEM in
*G) mem_mib=$((${MEM%G} * 1024)) ;;
*M) mem_mib=${MEM%M} ;;
*) die "VM_MEM must be a number of G or M, not $MEM" ;;
esac

numa=""
machine=pc
tiers=()
if [ "$TIERS" = 1 ]; then
	# QEMU describes the nodes in ACPI's SRAT, their distance in its SLIT
	# and their speed, seen from the CPUs, in its HMAT.
	[[ $CPUS =~ ^[0-9]+$ ]] || die "VM_TIERS needs VM_CPUS to be a number"
	fast=$((mem_mib / 2))
	machine=pc,hmat=on
	lb="hierarchy=memory"
	tiers=(-object "memory-backend-ram,id=fast,size=${fast}M"
	       -object "memory-backend-ram,id=slow,size=$((mem_mib - fast))M"
	       -numa "node,nodeid=0,cpus=0-$((CPUS - 1)),memdev=fast,initiator=0"
	       -numa "node,nodeid=1,memdev=slow,initiator=0"
	       -numa "dist,src=0,dst=1,val=20"
	       -numa "hmat-lb,initiator=0,target=0,$lb,data-type=access-latency,latency=100"
	       -numa "hmat-lb,initiator=0,target=0,$lb,data-type=access-bandwidth,bandwidth=20G"
	       -numa "hmat-lb,initiator=0,target=1,$lb,data-type=access-latency,latency=300"
	       -numa "hmat-lb,initiator=0,target=1,$lb,data-type=access-bandwidth,bandwidth=5G")
elif [ "$NUMA" -gt 1 ]; then
	# Nodes emulated by the guest kernel, each with CPUs and memory.
	numa="numa=fake=$NUMA"
fi

append="console=ttyS0 loglevel=$LOGLEVEL root=host0 rootfstype=9p"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
append+=" init=$TOP/harness/guest-init.sh nopcid panic=-1 $numa"
# ACPI for its tables (CPUs, NUMA nodes, memory tiers), not for PCI: the
# PCI interrupt routing method of QEMU's DSDT loops for longer than ACPI's
# loop timeout on a debug kernel under TCG (soft lockups, and the method
# fails anyway); SeaBIOS's PIRQ table routes the interrupts instead.
append+=" acpi=noirq pci=noacpi"
append+=" DAMON_TOP=$TOP DAMON_OUT=$OUT DAMON_ZRAM=$ZRAM DAMON_CHURN=$CHURN"
append+=" DAMON_SHELL=$shell ${VM_APPEND:-}"

# The guest may learn its CPUs from SeaBIOS's MP table, which lists one
# processor per socket: give every vCPU a socket of its own.
smp=$CPUS
[[ $CPUS =~ ^[0-9]+$ ]] && smp="$CPUS,sockets=$CPUS,cores=1,threads=1"

qemu=(qemu-system-x86_64 -machine "$machine" -accel tcg -cpu max -smp "$smp"
      -m "$MEM" "${tiers[@]}" -nodefaults -no-user-config -display none
      -serial mon:stdio -no-reboot
      -kernel "$KERNEL" -append "$append"
      -fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
      -device "virtio-9p-pci,fsdev=root,mount_tag=host0"
      -fsdev "local,id=top,path=$TOP,security_model=none,readonly=on,multidevs=remap"
      -device "virtio-9p-pci,fsdev=top,mount_tag=top"
      -fsdev "local,id=res,path=$RESULTS,security_model=none"
      -device "virtio-9p-pci,fsdev=res,mount_tag=results"
      -drive "file=$scratch,if=virtio,format=raw,cache=unsafe")

console=$VMDIR/console.log
if [ "$shell" = 1 ]; then
	timeout --foreground "$TIMEOUT" "${qemu[@]}"
	qrc=$?
	cp "$RESULTS/dmesg" "$console" 2>/dev/null || : > "$console"
else
	timeout "$TIMEOUT" "${qemu[@]}" < /dev/null 2>&1 | tee "$console"
	qrc=${PIPESTATUS[0]}
fi
rm -f "$scratch"

rc=0
if [ "$qrc" = 124 ]; then
	echo "vm: the guest did not finish within ${TIMEOUT}s" >&2
	rc=1
fi

# Kernel reports anywhere in the console or the guest's dmesg fail the run.
reports='(Oops|BUG:|WARNING:|KASAN:|UBSAN:|general protection fault|Kernel panic|'
reports+='possible circular locking|possible recursive locking|inconsistent lock state|'
reports+='suspicious RCU usage|INFO: task .* blocked for more than|'
reports+='soft lockup|hard LOCKUP|rcu_sched self-detected stall|RCU stall|'
reports+='sleeping function called from invalid context|list_add corruption|'
reports+='list_del corruption|kmemleak:.*suspected memory leak)'
found=$(cat "$console" "$RESULTS/dmesg" 2>/dev/null | grep -E -- "$reports" |
	sort -u)
leaks=""
[ -s "$RESULTS/kmemleak" ] && leaks=$(head -c 20000 "$RESULTS/kmemleak")
if [ -n "$found" ] || [ -n "$leaks" ]; then
	echo "vm: kernel reports found:" >&2
	[ -n "$found" ] && echo "$found" | head -20 >&2
	# Show the first whole report with its context.
	cat "$console" "$RESULTS/dmesg" 2>/dev/null | grep -E -m1 -B2 -A40 -- "$reports" >&2
	[ -n "$leaks" ] && { echo "vm: kmemleak:" >&2; echo "$leaks" >&2; }
	rc=1
fi

if [ ! -f "$RESULTS/status" ]; then
	echo "vm: the guest did not report an exit status (crashed or hung)" >&2
	exit 1
fi
status=$(cat "$RESULTS/status")
[ "$rc" = 0 ] || exit "$rc"
exit "$status"
