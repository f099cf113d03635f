#!/bin/sh
# Runs a libFuzzer target briefly as a TAP test: run_fuzz.sh BINARY SEED_DIR [RUNS] [SECONDS].
# The seeds are copied to a temporary corpus so that the source tree is never written.
set -u
bin=$1 seeds=$2 runs=${3:-200000} secs=${4:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work"/ 2>/dev/null
echo "1..1"
if "$bin" -runs="$runs" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	-artifact_prefix="$work/" "$work" >"$work/log" 2>&1; then
	echo "ok 1 - $(basename "$bin"): $(grep -o 'Done [0-9]* runs' "$work/log" | tail -1), no crash"
else
	sed 's/^/# /' "$work/log" | tail -40
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && echo "# input: $(od -c "$f" | head -5 | tr '\n' ' ')"
	done
	echo "not ok 1 - $(basename "$bin") found a failing input"
	exit 1
fi
