#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make run`: watch a workload with DAMON and draw its access heatmap.

A child process maps 64 MiB and, phase after phase, keeps touching a
different quarter of it.  DAMON monitors it through the sysfs interface
("vaddr"), the damon_aggregated tracepoint reports every region at every
aggregation, and the result is drawn as address (columns) against time
(rows): the darker, the more often the sampled pages were found accessed.
"""

import ctypes
import mmap
import os
import re
import sys
import time

ADMIN = "/sys/kernel/mm/damon/admin/kdamonds"
TRACING = "/sys/kernel/tracing"
SIZE = 64 << 20
PHASES = 4
PHASE_SECONDS = 2.0
COLUMNS = 64
SHADES = " .:-=+*#%@"


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def workload(ready_fd):
    buf = mmap.mmap(-1, SIZE)
    # Tell the parent where the mapping is.
    addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    os.write(ready_fd, b"%d\n" % addr)
    quarter = SIZE // PHASES
    start = time.time()
    while True:
        phase = int((time.time() - start) / PHASE_SECONDS) % PHASES
        lo = phase * quarter
        for off in range(lo, lo + quarter, 4096):
            buf[off] = 1


def main():
    if not os.path.isdir(ADMIN):
        print("no DAMON sysfs interface: nothing to show")
        return 0
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        workload(w)
        os._exit(0)
    os.close(w)
    addr = int(os.fdopen(r).readline())

    write(f"{ADMIN}/nr_kdamonds", 1)
    write(f"{ADMIN}/0/contexts/nr_contexts", 1)
    ctx = f"{ADMIN}/0/contexts/0"
    write(f"{ctx}/operations", "vaddr")
    write(f"{ctx}/targets/nr_targets", 1)
    write(f"{ctx}/targets/0/pid_target", pid)
    write(f"{TRACING}/events/damon/damon_aggregated/enable", 1)
    write(f"{TRACING}/tracing_on", 1)
    write(f"{TRACING}/trace", "")
    write(f"{ADMIN}/0/state", "on")
    kdamond = open(f"{ADMIN}/0/pid").read().strip()
    print(f"  workload pid {pid}, 64 MiB at {addr:#x}; kdamond pid {kdamond}")
    print(f"  hot quarter moves every {PHASE_SECONDS:.0f} s; "
          "5 ms samples, 100 ms aggregations")
    time.sleep(PHASES * PHASE_SECONDS * 2)
    write(f"{ADMIN}/0/state", "off")
    write(f"{TRACING}/events/damon/damon_aggregated/enable", 0)
    os.kill(pid, 9)
    os.waitpid(pid, 0)

    # "... 12.345678: damon_aggregated: target_id=0 nr_regions=N S-E: A G"
    rx = re.compile(r"\s([\d.]+): damon_aggregated: target_id=(\d+) "
                    r"nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)")
    frames = {}
    with open(f"{TRACING}/trace") as f:
        for line in f:
            m = rx.search(line)
            if not m:
                continue
            ts = float(m.group(1))
            start, end, acc = int(m.group(4)), int(m.group(5)), int(m.group(6))
            frames.setdefault(ts, []).append((start, end, acc))
    if not frames:
        print("  no damon_aggregated events were traced")
        return 1
    # Group aggregations into rows of half a second.
    rows = {}
    base = min(frames)
    width = SIZE // COLUMNS
    for ts, regions in frames.items():
        row = int((ts - base) / 0.5)
        cells = rows.setdefault(row, [[0, 0] for _ in range(COLUMNS)])
        for col in range(COLUMNS):
            mid = addr + col * width + width // 2
            for start, end, acc in regions:
                if start <= mid < end:
                    cells[col][0] += acc
                    cells[col][1] += 1
                    break
    peak = max((c[0] / c[1]) for cells in rows.values() for c in cells
               if c[1]) or 1
    reports = sum(len(r) for r in frames.values())
    print(f"  {reports} region reports traced; address runs left to right,"
          " time downwards, '@' is the most accessed")
    print("  +" + "-" * COLUMNS + "+")
    for row in sorted(rows):
        line = ""
        for total, n in rows[row]:
            v = total / n if n else 0
            line += SHADES[min(int(v / peak * (len(SHADES) - 1) + 0.5),
                               len(SHADES) - 1)]
        print(f"  |{line}| {row * 0.5:4.1f} s")
    print("  +" + "-" * COLUMNS + "+")
    write(f"{ADMIN}/nr_kdamonds", 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
