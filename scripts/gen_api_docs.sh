#!/bin/sh
# Regenerates the route table of docs/api.md from the route tables in the binary.
#   scripts/gen_api_docs.sh [path/to/anjian]
set -eu
bin=${1:-build/anjian}
doc=docs/api.md
tmp=$(mktemp)
sed '/<!-- routes:begin -->/q' "$doc" >"$tmp"
"$bin" routes --markdown >>"$tmp"
sed -n '/<!-- routes:end -->/,$p' "$doc" >>"$tmp"
mv "$tmp" "$doc"
