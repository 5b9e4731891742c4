#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-upstream-tests: upstream Linux 6.12's own DAMON kselftests
# (tools/testing/selftests/damon of the unstripped base, out/ref) run with
# kselftest's runner in the test guest on two kernels, upstream's
# (out/bzImage-upstream) and ours (out/bzImage), and compared.
#
#   upstream-tests.sh
#
# Builds both kernels (harness/build.sh kernel normal / upstream), builds
# and installs upstream's damon selftests from out/ref with kselftest's
# install into out/upstream-kselftest (against the upstream kernel's
# headers, as build.sh does for ours), then boots each kernel once as
# `make check` boots the normal one (4 GiB, two NUMA nodes, zram swap),
# with TLB churn on for the whole run and kunit.enable=0, and runs every
# test of the collection in harness/guest-upstream-tests.sh.  The report,
# out/upstream-tests/report.md, is printed too: one row per test with both
# kernels' results, then the tests that pass on upstream but not on ours,
# the ones not ok on upstream too (listed with their reasons, not counted),
# and the closing "N passed, N failed", where a failure is a test that
# passes on upstream's kernel and not on ours.  Exits 1 on any failure.
#
# Each boot runs with its own vm.sh folder (OUT=out/upstream-tests/vm-*),
# so that it does not share a scratch disk or console log with another
# boot of `make check` or `make vm` on the same machine.
#
# Environment:
#   UPSTREAM_TESTS_TIMEOUT    seconds per test (300); a test that runs
#                             longer is killed and is not ok (TIMEOUT)
#   UPSTREAM_TESTS_NO_BUILD=1 use the kernels already built
#   UPSTREAM_TESTS_OURS       our kernel image (out/bzImage)
#   UPSTREAM_TESTS_UPSTREAM   upstream's kernel image (out/bzImage-upstream)
#   UPSTREAM_TESTS_KERNELS    which to boot, in order ("upstream ours")
#   VM_CHURN, VM_APPEND       as for harness/vm.sh
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
UT=$OUT/upstream-tests
KST=$OUT/upstream-kselftest
TO=${UPSTREAM_TESTS_TIMEOUT:-300}
KERNELS=${UPSTREAM_TESTS_KERNELS:-upstream ours}
T0=$(date +%s)

log() { echo "upstream-tests: [$(($(date +%s) - T0))s] $*" >&2; }
die() { echo "upstream-tests: error: $*" >&2; exit 1; }

if [ "${UPSTREAM_TESTS_NO_BUILD:-}" != 1 ]; then
	log "building our kernel"
	"$TOP/harness/build.sh" kernel normal || die "our kernel did not build"
	log "building upstream's kernel"
	"$TOP/harness/build.sh" kernel upstream || die "upstream's kernel did not build"
fi
[ -f "$OUT/ref/tools/testing/selftests/damon/Makefile" ] ||
	die "no upstream selftests in $OUT/ref (harness/tree.sh ref)"
[ -f "$OUT/build-upstream/.config" ] ||
	die "no configured upstream build in $OUT/build-upstream (harness/build.sh kernel upstream)"

rm -rf "$UT"
mkdir -p "$UT/bin"
# The snapshots booted, so that a rebuild meanwhile cannot change them.
cp "${UPSTREAM_TESTS_OURS:-$OUT/bzImage}" "$UT/bzImage-ours" ||
	die "no kernel of ours (make kernel)"
cp "${UPSTREAM_TESTS_UPSTREAM:-$OUT/bzImage-upstream}" "$UT/bzImage-upstream" ||
	die "no upstream kernel (harness/build.sh kernel upstream)"
gcc -O2 -Wall -Wextra -o "$UT/bin/guest-util" "$TOP/harness/guest-util.c" ||
	die "guest-util did not build"

# Upstream's selftests as build.sh builds ours: the kernel's exported
# headers, then kselftest's install.
log "building upstream's damon selftests"
make -s -C "$OUT/ref" O="$OUT/build-upstream" ARCH=x86_64 headers >/dev/null ||
	die "the upstream headers did not install"
rm -rf "$KST" "$OUT/upstream-kselftest-build"
make -s -C "$OUT/ref/tools/testing/selftests" -j"$(nproc)" TARGETS=damon \
	KHDR_INCLUDES="-isystem $OUT/build-upstream/usr/include" \
	O="$OUT/upstream-kselftest-build" INSTALL_PATH="$KST" install \
	> "$UT/kselftest-build.log" 2>&1 || {
	tail -n 30 "$UT/kselftest-build.log" >&2
	die "upstream's damon selftests did not build"
}
[ -s "$KST/kselftest-list.txt" ] || die "no $KST/kselftest-list.txt"
log "$(grep -c '^damon:' "$KST/kselftest-list.txt") tests"

for k in $KERNELS; do
	case $k in upstream|ours) ;; *) die "unknown kernel $k" ;; esac
	mkdir -p "$UT/$k" "$UT/vm-$k/bin"
	cp "$UT/bin/guest-util" "$UT/vm-$k/bin/"
	who="upstream's"
	[ "$k" = ours ] && who=our
	log "booting $who kernel"
	t=$(date +%s)
	# make check's normal boot; OUT for vm.sh only: a folder of its own.
	OUT=$UT/vm-$k VM_KERNEL=$UT/bzImage-$k VM_MEM=4G VM_NUMA=2 VM_CPUS=2 \
		VM_ZRAM=2G VM_CHURN=${VM_CHURN:-200} VM_SHELL=0 VM_TIMEOUT=5400 \
		VM_APPEND="kunit.enable=0 ${VM_APPEND:-}" VM_RESULTS=$UT/$k/vm \
		"$TOP/harness/vm.sh" \
		"bash $TOP/harness/guest-upstream-tests.sh $KST $TO" > "$UT/$k/vm.log" 2>&1
	echo $? > "$UT/$k/vm.rc"
	echo $(($(date +%s) - t)) > "$UT/$k/vm.time"
	cp "$UT/vm-$k/vm/console.log" "$UT/$k/console.log" 2>/dev/null
	rm -rf "$UT/vm-$k"
	grep -E '^(guest|vm): ' "$UT/$k/vm.log" | sed "s/^/  $k: /" >&2
	log "$k: done in $(cat "$UT/$k/vm.time") s (exit $(cat "$UT/$k/vm.rc"))"
done

log "report"
dbgfs="no CONFIG_DAMON_DBGFS"
grep -q '^CONFIG_DAMON_DBGFS=y' "$OUT/build-upstream/.config" && dbgfs="CONFIG_DAMON_DBGFS=y"
python3 - "$UT" "$KST/kselftest-list.txt" "$TO" "$(($(date +%s) - T0))" "$dbgfs" <<'EOF'
import os
import re
import sys

ut, listfile, timeout, elapsed, dbgfs = sys.argv[1:]
kernels = ("upstream", "ours")
VERDICT = re.compile(r"^(not ok|ok) \d+ selftests: damon: (\S+)(?: # (.*))?$")


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


def result(k, name):
    """(status, cell, output lines, extra lines) of one test on kernel k."""
    d = os.path.join(ut, k, "vm", "tests")
    tap = read(os.path.join(d, name + ".tap"), None)
    if tap is None:
        why = "not run"
        if not os.path.isdir(os.path.join(ut, k)):
            why = "not booted"
        return "none", why, [], []
    status, cell, out = "none", "no verdict", []
    # The test's output: the runner's per-test log, each line "# "-prefixed.
    log = read(os.path.join(d, name + ".out"))
    for line in (log or tap).splitlines():
        if line.startswith("# "):
            text = line[2:]
            if not text.startswith(("selftests: damon: ", "overriding timeout",
                                    "timeout set to")):
                out.append(text)
    for line in tap.splitlines():
        m = VERDICT.match(line)
        if m and m.group(2) == name:
            verdict, rest = m.group(1), m.group(3) or ""
            if verdict == "ok" and rest.startswith("SKIP"):
                status, cell = "skip", "SKIP"
            elif verdict == "ok":
                status, cell = "ok", "ok"
            elif rest.startswith("TIMEOUT"):
                status, cell = "fail", "TIMEOUT (%s s)" % timeout
            elif rest.startswith("HUNG"):
                status, cell = "fail", "HUNG (unkillable)"
            else:
                status, cell = "fail", "not ok" + (" (%s)" % rest if rest else "")
            continue
    t = read(os.path.join(d, name + ".time")).strip()
    if t:
        cell += " %ss" % t
    extra = []
    cleanup = read(os.path.join(d, name + ".cleanup")).strip()
    if cleanup:
        extra += ["left behind: " + l for l in cleanup.splitlines()]
    diag = read(os.path.join(d, name + ".diag"))
    if diag:
        extra.append("near its timeout (%s):" % os.path.join(d, name + ".diag"))
        extra += ["    " + l for l in stuck(diag)]
    return status, cell, out, extra


def stuck(diag):
    """The test's own processes, their kernel stacks and the DAMON sysfs
    counts, from a snapshot."""
    keep, show, sysfs = [], False, False
    for l in diag.splitlines():
        if l.startswith("-- "):
            # Not the harness, the runner and its pipeline: the test.
            show = not re.search(r"guest-init|guest-upstream-tests|"
                                 r"/mnt/results/cmd|run_kselftest|"
                                 r"/timeout |prefix\.pl|: sleep [0-9.]+ $", l)
            if show:
                keep.append(l[3:])
            continue
        if l.startswith("== "):
            show, sysfs = False, l == "== DAMON sysfs"
            continue
        if sysfs or (show and l.strip()):
            keep.append("  " + l)
    return keep[:60]


def short(out, n=160):
    s = " / ".join(l.strip() for l in out if l.strip()) or "(no output)"
    return (s[:n] + "...") if len(s) > n else s


def why(res):
    """A test's reason in one line: its output, else where it was stuck."""
    status, cell, out, extra = res
    if out:
        return short(out)
    procs = [l.strip() for l in extra if l.startswith("    ") and
             not l.startswith("      ")][:3]
    if procs:
        return "stuck: " + short(procs)
    return short([l for l in extra if l.startswith("left behind")])


def vm_row(k):
    rc = read(os.path.join(ut, k, "vm.rc")).strip()
    log = read(os.path.join(ut, k, "vm.log"))
    if not rc:
        return "none", "not booted", [], []
    if rc == "0":
        return "ok", "ok", [], []
    lines = [l for l in log.splitlines() if l.startswith("vm: ")]
    # The first report with its context, as vm.sh prints it.
    ctx = []
    m = re.search(r"^vm: kernel reports found:\n(.*)", log, re.M | re.S)
    if m:
        ctx = [l for l in m.group(1).splitlines()
               if not l.startswith("guest: ")][:40]
    return "fail", "not ok (exit %s)" % rc, lines[:5] + ctx[:3], ctx[3:]


names = [l.split(":", 1)[1].strip() for l in read(listfile).splitlines()
         if l.startswith("damon:")]
rows = []
for n in names:
    rows.append((n, {k: result(k, n) for k in kernels}))
BOOT = "(boot: run, power off, no kernel report)"
rows.append((BOOT, {k: vm_row(k) for k in kernels}))

# A test that passes with such lines may have tested nothing here.
ERRORS = re.compile(r"No such file or directory|unary operator expected|"
                    r"command not found|Permission denied|Traceback")
passed, failed, regress, upfail, better, suspect = 0, 0, [], [], [], []
table = ["| test | upstream | ours | notes |", "|---|---|---|---|"]
for n, r in rows:
    us, ou = r["upstream"], r["ours"]
    note = ""
    if us[0] == "ok" and ou[0] == "ok":
        passed += 1
        errs = [l for l in us[2] + ou[2] if ERRORS.search(l)]
        if errs:
            suspect.append((n, r))
            note = "ok, but with errors in its output: " + short(errs[:2])
    elif us[0] == "ok":
        failed += 1
        regress.append((n, r))
        note = "**FAIL**: " + why(ou)
    else:
        upfail.append((n, r))
        note = "not counted: " + why(us)
        if ou[0] == "ok":
            better.append(n)
        elif ou[2] != us[2]:
            note += "; ours: " + why(ou)
    table.append("| %s | %s | %s | %s |" % (
        n, us[1], ou[1], note.replace("|", "\\|")))


def block(n, r, which):
    lines = ["- **%s**: upstream %s, ours %s" % (n, r["upstream"][1], r["ours"][1])]
    for k in which:
        status, cell, out, extra = r[k]
        if k == "ours" and "upstream" in which and \
           (out, extra) == tuple(r["upstream"][2:]):
            lines.append("  - ours: the same")
            continue
        if not out and not extra:
            lines.append("  - %s: no output" % k)
            continue
        lines.append("  - %s:" % k)
        for l in out[:15] + (["... (%d more lines)" % (len(out) - 15)]
                             if len(out) > 15 else []) + extra:
            lines.append("        " + l)
    return lines


head = ["# Upstream 6.12's own DAMON kselftests: upstream's kernel against ours",
        "",
        "Kernels: upstream %s (%s), ours %s.  Per test timeout %s s; TLB "
        "churn on; cells: the result and the test's time on the guest's "
        "clock.  Whole run %s s (boots: upstream %s s, ours %s s)." % (
            read(os.path.join(ut, "upstream", "vm", "kernel")).strip() or "?",
            dbgfs,
            read(os.path.join(ut, "ours", "vm", "kernel")).strip() or "?",
            timeout, elapsed,
            read(os.path.join(ut, "upstream", "vm.time")).strip() or "-",
            read(os.path.join(ut, "ours", "vm.time")).strip() or "-"),
        ""]
summary = [""]
summary.append("## Pass on upstream, not on ours (%d)" % len(regress))
summary.append("")
if not regress:
    summary.append("None.")
for n, r in regress:
    summary += block(n, r, ("ours",))
summary += ["", "## Not ok on upstream's kernel too (%d, not counted)" % len(upfail), ""]
if not upfail:
    summary.append("None.")
for n, r in upfail:
    summary += block(n, r, ("upstream", "ours"))
if better:
    summary += ["", "Ok on ours but not on upstream: " + ", ".join(better) + "."]
if suspect:
    summary += ["", "## Ok, with errors in their output (%d: they may have "
                "tested nothing here)" % len(suspect), ""]
    for n, r in suspect:
        summary += block(n, r, ("upstream", "ours"))
summary += ["",
            "Logs: %s/{upstream,ours}/vm/tests/NAME.{tap,out,time,diag,cleanup}, "
            "vm.log, console.log." % ut,
            "",
            "%d not counted (not ok on upstream's kernel)" % len(upfail),
            "%d passed, %d failed" % (passed, failed)]
text = "\n".join(head + table + summary) + "\n"
with open(os.path.join(ut, "report.md"), "w", encoding="utf-8") as f:
    f.write(text)
sys.stdout.write(text)
sys.exit(1 if failed else 0)
EOF
