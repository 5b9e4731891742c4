#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table of `make bench BENCH=hibernate`.

usage: report.py DIR

Reads DIR/results.jsonl (one cycle a line, from harness/hibernate/bench.sh)
and writes DIR/report.md: hibernate and resume times (host side, seconds)
for each kernel, idle phase and image_size, min / median / max over the
runs, the cut against no pre-reclaim on the same kernel, and what the
guest's kernel says it wrote and read.  Exits 1 when a cycle failed.
"""

import json
import os
import sys


def stats(vals):
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    n = len(vals)
    med = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
    return vals[0], med, vals[-1]


def cell(s, dec=1):
    if s is None:
        return "n/a"
    return "%.*f / **%.*f** / %.*f" % (dec, s[0], dec, s[1], dec, s[2])


IDLES = (("none", "no pre-reclaim"),
         ("helper", "idle helper (memory.reclaim max)"),
         ("damon_reclaim", "DAMON_RECLAIM"))


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    d = sys.argv[1]
    rows = []
    with open(os.path.join(d, "results.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if not rows:
        print("report: no results in %s" % d, file=sys.stderr)
        return 1
    first = rows[0]
    head = ("Guest: %s of memory, 2 vCPUs under TCG, %d%% of MemTotal filled "
            "(%d MiB), idle %d s, swap on a virtio disk limited to %.0f MiB/s, "
            "uncompressed images; %d run(s)." %
            (first["mem"], first["fill_pct"], first.get("filled_mib") or 0,
             first["idle_s"], first["disk_bps"] / 2 ** 20,
             max(r["run"] for r in rows)))
    lines = ["| kernel | image_size | idle phase | hibernate (s) | resume (s) "
             "| hibernate vs none | resume vs none | image written (MiB) "
             "| memory check after resume (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    bad = [r for r in rows if not r.get("ok")]
    for kernel in ("ours", "upstream"):
        for size in ("default", "0"):
            base = [r for r in rows if r["kernel"] == kernel and
                    r["image_size"] == size and r["idle"] == "none"]
            bh = stats([r["hibernate_s"] for r in base if r.get("ok")])
            br = stats([r["resume_s"] for r in base if r.get("ok")])
            for idle, label in IDLES:
                rs = [r for r in rows if r["kernel"] == kernel and
                      r["image_size"] == size and r["idle"] == idle and
                      r.get("ok")]
                if not rs:
                    continue
                h = stats([r["hibernate_s"] for r in rs])
                res = stats([r["resume_s"] for r in rs])
                img = stats([(r.get("image_write_kib") or 0) / 1024
                             for r in rs])
                chk = stats([r.get("check_s") for r in rs])
                vs_h = vs_r = "-"
                if idle != "none" and bh and h and h[1] > 0:
                    vs_h = "%.1fx faster" % (bh[1] / h[1])
                if idle != "none" and br and res and res[1] > 0:
                    vs_r = "%.2fx" % (res[1] / br[1])
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    kernel, size, label, cell(h), cell(res), vs_h, vs_r,
                    cell(img, 0), cell(chk)))
    md = ["# make bench BENCH=hibernate", "", head, ""] + lines + [""]
    md.append("Times are the host's: hibernate from the workload's "
              "\"hibernating\" to the end of the first QEMU, resume from the "
              "start of the second QEMU to the workload's \"resumed\" (boot "
              "and image load included); \"resume vs none\" is the ratio "
              "of the medians (below 1: faster).  The memory check reads the "
              "whole workload once after resume: what was swapped out "
              "before hibernating comes back then.")
    if bad:
        md += ["", "Failed cycles:", ""] + [
            "- run %s, %s, image_size %s, %s: %s" % (
                r["run"], r["kernel"], r["image_size"], r["idle"],
                r.get("errors") or "checksum %s" % r.get("checksum"))
            for r in bad]
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
