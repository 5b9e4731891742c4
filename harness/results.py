#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect test results and print them as one TAP stream.

  results.py add FILE ok|fail|skip NAME [DETAIL]   append one result
  results.py kunit FILE JSON                       KUnit cases from the
                                                   JSON of `kunit.py parse`
  results.py kselftest FILE TAP                    kselftest runner output
  results.py tap FILE TAP [NAME [NOTES]]           plain TAP ("ok N - name"),
                                                   as from harness/stress.py;
                                                   its "# stress: " lines go
                                                   to NOTES; no result at
                                                   all fails NAME
  results.py report FILE [ALLOWED_SKIPS [NOTES]]   print TAP and the closing
                                                   "N passed, N failed" line;
                                                   exit 1 on any failure

FILE holds one result a line: "status<TAB>name<TAB>detail".  A skip that is
not listed in ALLOWED_SKIPS (a file of names) counts as a failure: the test
guest is built to have everything our tests need, so a skip there means the
harness broke, and a test that silently skips cannot fail.  Just before the
closing line come the lines of NOTES (timings, say) and the names of the
failed results, as TAP comments, for readers of a log's last lines.
"""

import json
import re
import sys


def add(path, status, name, detail=""):
    assert status in ("ok", "fail", "skip"), status
    detail = " ".join(detail.split())
    with open(path, "a", encoding="utf-8") as f:
        f.write("%s\t%s\t%s\n" % (status, name, detail))


def kunit(path, json_path):
    try:
        with open(json_path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        add(path, "fail", "kunit: results", "no KUnit output: %s" % e)
        return
    n = [0]

    def walk(group, prefix):
        for case in group.get("test_cases", []):
            status = case.get("status", "FAIL")
            name = "kunit: %s%s" % (prefix, case.get("name", "?"))
            n[0] += 1
            if status == "PASS":
                add(path, "ok", name)
            elif status == "SKIP":
                add(path, "skip", name)
            else:
                add(path, "fail", name, status)
        for sub in group.get("sub_groups", []):
            walk(sub, prefix + sub.get("name", "?") + ".")

    for sub in data.get("sub_groups", []):
        walk(sub, sub.get("name", "?") + ".")
    if not n[0]:
        add(path, "fail", "kunit: results", "no KUnit test case ran")


TOP_RE = re.compile(r"^(not ok|ok) \d+ selftests: (\S+): (\S+)(.*)$")
SUB_RE = re.compile(r"^# (not ok|ok) \d+ (.*?)(\s+# .*)?$")


def kselftest(path, tap_path):
    try:
        with open(tap_path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        add(path, "fail", "kselftest: results", str(e))
        return
    subs = []
    seen = 0
    for line in lines:
        m = SUB_RE.match(line)
        if m:
            subs.append(m.groups())
            continue
        m = TOP_RE.match(line)
        if not m:
            continue
        seen += 1
        verdict, coll, test, rest = m.groups()
        prefix = "kselftest: %s:%s" % (coll, test)
        for sv, sname, srest in subs:
            srest = srest or ""
            status = "ok" if sv == "ok" else "fail"
            if "# SKIP" in srest:
                status = "skip"
            add(path, status, "%s: %s" % (prefix, sname), srest)
        if "# SKIP" in rest:
            status = "skip"
        else:
            status = "ok" if verdict == "ok" else "fail"
        if not subs or (status == "fail" and
                        all(s[0] == "ok" for s in subs)):
            # A program without subtests, or one that failed outside them
            # (a crash, a timeout): the program's own result counts.
            add(path, status, prefix, rest)
        subs = []
    if not seen:
        add(path, "fail", "kselftest: results", "no kselftest ran")


PLAIN_RE = re.compile(r"^(not ok|ok) \d+ - (.*?)(?: # (.*))?$")


def tap(path, tap_path, name="tap", notes_path=None):
    try:
        with open(tap_path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        add(path, "fail", "%s: results" % name, str(e))
        return
    seen = 0
    notes = []
    for line in lines:
        if line.startswith("# stress: "):
            notes.append(line[2:])
            continue
        m = PLAIN_RE.match(line)
        if not m:
            continue
        seen += 1
        verdict, test, detail = m.groups()
        detail = detail or ""
        status = "ok" if verdict == "ok" else "fail"
        if status == "ok" and detail.startswith("SKIP"):
            status, detail = "skip", detail[4:].strip()
        add(path, status, test, detail)
    if not seen:
        add(path, "fail", "%s: results" % name, "no result printed")
    if notes_path and notes:
        with open(notes_path, "a", encoding="utf-8") as f:
            f.write("".join(n + "\n" for n in notes))


def report(path, allowed_path=None, notes_path=None):
    allowed = set()
    if allowed_path:
        try:
            with open(allowed_path, encoding="utf-8") as f:
                allowed = {l.strip() for l in f
                           if l.strip() and not l.startswith("#")}
        except OSError:
            pass
    try:
        with open(path, encoding="utf-8") as f:
            rows = [l.rstrip("\n").split("\t", 2) for l in f if l.strip()]
    except OSError:
        rows = []
    passed = failed = skipped = 0
    failures = []
    print("TAP version 13")
    print("1..%d" % len(rows))
    for i, row in enumerate(rows, 1):
        status, name = row[0], row[1]
        detail = row[2] if len(row) > 2 else ""
        if status == "ok":
            passed += 1
            print("ok %d %s" % (i, name))
        elif status == "skip" and name in allowed:
            skipped += 1
            print("ok %d %s # SKIP %s" % (i, name, detail))
        else:
            failed += 1
            why = detail
            if status == "skip":
                why = "skipped, and not an allowed skip: " + detail
            print("not ok %d %s%s" % (i, name, " # " + why if why else ""))
            failures.append("%d %s" % (i, name))
    if not rows:
        failed += 1
        print("not ok 1 no results at all")
    # Logs are often read from their end: repeat what matters there.
    if notes_path:
        try:
            with open(notes_path, encoding="utf-8") as f:
                for line in f:
                    print("# " + line.rstrip("\n"))
        except OSError:
            pass
    for f in failures:
        print("# failed: " + f)
    tail = ", %d skipped" % skipped if skipped else ""
    print("%d passed, %d failed%s" % (passed, failed, tail))
    return 1 if failed else 0


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "add":
        add(a[1], a[2], a[3], " ".join(a[4:]))
    elif len(a) == 3 and a[0] == "kunit":
        kunit(a[1], a[2])
    elif len(a) == 3 and a[0] == "kselftest":
        kselftest(a[1], a[2])
    elif len(a) in (3, 4, 5) and a[0] == "tap":
        tap(*a[1:])
    elif len(a) in (2, 3, 4) and a[0] == "report":
        sys.exit(report(*a[1:]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
