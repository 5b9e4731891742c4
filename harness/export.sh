#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write our series as git-am-able mails to out/export: a cover letter
# (patches/cover-letter, with base-commit:) and one patch per entry of
# patches/series, each with its diff and the overlay files its "Overlay:"
# header claims.  The base commit is the stripped base tree, committed once
# in out/base.git.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
export GIT_DIR=$OUT/base.git
WT=$OUT/export-tree
DEST=$OUT/export

log() { echo "export: $*" >&2; }
die() { echo "export: error: $*" >&2; exit 1; }

"$TOP/harness/tree.sh" base
"$TOP/harness/tree.sh" check-map || die "fix the Overlay: headers in patches/"

key=$(cat "$OUT/base/.damon-base")
if [ ! -f "$GIT_DIR/damon-base" ] || [ "$(cat "$GIT_DIR/damon-base")" != "$key" ]; then
	log "committing the stripped base (once per base)"
	rm -rf "$GIT_DIR"
	git init -q --bare "$GIT_DIR"
	git config core.bare false
	git config core.trustctime false
	ver=$(make -s -C "$OUT/base" kernelversion)
	# Debian's tarball ignores everything at the top level: no excludes.
	GIT_WORK_TREE=$OUT/base git -c core.excludesFile=/dev/null add -f -A
	GIT_WORK_TREE=$OUT/base git reset -q -- .damon-base
	GIT_WORK_TREE=$OUT/base git -c user.name="base" -c user.email="base@localhost" \
		commit -q -m "Linux $ver, upstream DAMON and memory.reclaim stripped" \
		-m "Debian's linux-source-6.12 $ver with harness/strip-upstream.py applied."
	git tag -f base >/dev/null
	echo "$key" > "$GIT_DIR/damon-base"
fi

rm -rf "$WT" "$DEST"
cp -al "$OUT/base" "$WT"
rm -f "$WT/.damon-base"
export GIT_WORK_TREE=$WT
git checkout -q -B export base 2>/dev/null || git symbolic-ref HEAD refs/heads/export
git reset -q base
for p in $("$TOP/harness/tree.sh" series); do
	"$TOP/harness/tree.sh" commit "$WT" "$p"
done
mkdir -p "$DEST"
git format-patch -q --cover-letter --base=base -o "$DEST" base..export
cover=$(ls "$DEST"/0000-cover-letter.patch)
subject=$(head -n1 "$TOP/patches/cover-letter")
python3 - "$cover" "$subject" "$TOP/patches/cover-letter" <<'PY'
import sys
path, subject, blurb = sys.argv[1:]
text = open(path).read()
body = open(blurb).read().split("\n", 1)[1].strip("\n")
text = text.replace("*** SUBJECT HERE ***", subject)
text = text.replace("*** BLURB HERE ***", body)
open(path, "w").write(text)
PY
rm -rf "$WT"
log "$(ls "$DEST" | wc -l) files in $DEST"
