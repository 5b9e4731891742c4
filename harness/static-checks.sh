#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of our kernel code, each appended as one result to FILE
# (see harness/results.py):
#   - every overlay file belongs to exactly one patch (bisectable export)
#   - checkpatch.pl --strict on every exported patch
#   - kernel-doc -none -Wall on every C file and header of ours
#   - W=1 and sparse (C=2) warnings in the objects built from our C files
#     and from the C files our patches change, counting only warnings in
#     lines that belong to us
#
#   static-checks.sh FILE [normal|debug]
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
RES=$1
FLAVOUR=${2:-normal}
SRC=$OUT/src
OBJ=$OUT/build
[ "$FLAVOUR" = debug ] && OBJ=$OUT/build-debug
LOGS=$OUT/check/static
R="python3 $TOP/harness/results.py add $RES"
mkdir -p "$LOGS"

# --- the overlay is fully assigned to patches ---------------------------------
if "$TOP/harness/tree.sh" check-map > "$LOGS/map.log" 2>&1; then
	$R ok "static: overlay files map to patches"
else
	$R fail "static: overlay files map to patches" "$(head -c 400 "$LOGS/map.log")"
fi

# --- checkpatch on the exported series ----------------------------------------
if "$TOP/harness/export.sh" > "$LOGS/export.log" 2>&1; then
	$R ok "static: make export"
	for p in "$OUT"/export/[0-9]*.patch; do
		case $p in *0000-cover-letter.patch) continue ;; esac
		name="static: checkpatch --strict $(basename "$p")"
		log=$LOGS/checkpatch-$(basename "$p" .patch).log
		(cd "$SRC" && scripts/checkpatch.pl --strict --no-summary --terse \
			--show-types "$p") > "$log" 2>&1
		if [ -s "$log" ]; then
			$R fail "$name" "$(head -c 600 "$log")"
			cat "$log" >&2
		else
			$R ok "$name"
		fi
	done
else
	$R fail "static: make export" "$(tail -c 400 "$LOGS/export.log")"
fi

# --- which lines are ours -----------------------------------------------------
ours=$("$TOP/harness/tree.sh" overlay-files | grep -E '^(mm|include|lib|kernel)/.*\.[ch]$' || true)
# Our lines: all of an overlay file, and the lines our patches add to the
# files they change (taken from the applied tree with the series' diffs).
patched=$(cd "$TOP/patches" && grep -h '^+++ b/.*\.[ch]$' $("$TOP/harness/tree.sh" series) |
	sed 's|^+++ b/||' | sort -u)
cfiles=$( (echo "$ours"; echo "$patched") | grep '\.c$' | sort -u)
objs=""
for f in $cfiles; do objs+=" ${f%.c}.o"; done

# "file:line" ranges our patches add, for filtering warnings in base files.
ranges=$LOGS/our-lines.txt
: > "$ranges"
for p in $("$TOP/harness/tree.sh" series); do
	awk '
		/^\+\+\+ b\// { file = substr($2, 3); next }
		/^@@ / {
			split($3, a, ","); line = substr(a[1], 2) + 0; next
		}
		/^\+/ { print file ":" line; line++; next }
		/^ / { line++ }
	' "$TOP/patches/$p" >> "$ranges"
done

is_ours() {
	# $1: file, $2: line
	echo "$ours" | grep -qx -- "$1" && return 0
	grep -qx -- "$1:$2" "$ranges"
}

filter_warnings() {
	local log=$1 out=$2 f l
	: > "$out"
	grep -E '^[^ :]+:[0-9]+:([0-9]+:)? (warning|error)' "$log" | while IFS=: read -r f l _; do
		f=${f#"$SRC"/}
		f=${f#./}
		if is_ours "$f" "$l"; then
			grep -E "^(\\./|$SRC/)?$f:$l:" "$log" | head -n 3 >> "$out"
		fi
	done
	sort -u -o "$out" "$out"
}

# --- kernel-doc ---------------------------------------------------------------
for f in $ours $patched; do
	log=$LOGS/kernel-doc-${f//\//_}.log
	(cd "$SRC" && scripts/kernel-doc -none -Wall "$f") > "$log.all" 2>&1
	filter_warnings "$log.all" "$log"
	if [ -s "$log" ]; then
		$R fail "static: kernel-doc $f" "$(head -c 600 "$log")"
		cat "$log" >&2
	else
		$R ok "static: kernel-doc $f"
	fi
done

# --- W=1 and sparse -----------------------------------------------------------
if [ -n "$objs" ]; then
	# Rebuild exactly these objects with the extra checks, in one pass:
	# W=1 makes gcc's warnings and C=2 runs sparse on the same objects.
	# gcc names the option of each warning ("[-W...]"), sparse does not,
	# which tells the two apart.  Touching forces both to see them again.
	for f in $cfiles; do touch "$SRC/$f"; done
	have_sparse=$(command -v sparse || true)
	# shellcheck disable=SC2086
	make -C "$SRC" O="$OBJ" ARCH=x86_64 -j"$(nproc)" W=1 ${have_sparse:+C=2} \
		$objs > "$LOGS/w1.log" 2>&1
	w1rc=$?
	filter_warnings "$LOGS/w1.log" "$LOGS/ours.log"
	grep -F '[-W' "$LOGS/ours.log" > "$LOGS/w1-ours.log"
	grep -vF '[-W' "$LOGS/ours.log" > "$LOGS/sparse-ours.log"
	if [ $w1rc != 0 ] || [ -s "$LOGS/w1-ours.log" ]; then
		$R fail "static: W=1 build of our code" "$(head -c 600 "$LOGS/w1-ours.log"; tail -c 300 "$LOGS/w1.log")"
		cat "$LOGS/w1-ours.log" >&2
	else
		$R ok "static: W=1 build of our code"
	fi
	if [ -z "$have_sparse" ]; then
		$R fail "static: sparse (C=2) on our code" "sparse is not installed"
	elif [ -s "$LOGS/sparse-ours.log" ]; then
		$R fail "static: sparse (C=2) on our code" "$(head -c 600 "$LOGS/sparse-ours.log")"
		cat "$LOGS/sparse-ours.log" >&2
	else
		$R ok "static: sparse (C=2) on our code"
	fi
	# Put the objects back as the normal build makes them.
	for f in $cfiles; do touch "$SRC/$f"; done
fi
