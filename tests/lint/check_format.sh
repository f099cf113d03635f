#!/bin/sh
# STYLE §2.10: the C sources are formatted by clang-format from .clang-format; a diff fails.
# Prints TAP: one case, naming every file that is not formatted.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
echo "1..1"
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
	echo "not ok 1 - clang-format is not installed (scripts/deps.sh test installs it)"
	exit 1
fi
bad=""
for f in $(find src tests/unit -name '*.[ch]' | sort); do
	"$fmt" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
	echo "not ok 1 - not clang-formatted (run clang-format -i on them):$bad"
	exit 1
fi
echo "ok 1 - every C source is clang-formatted"
