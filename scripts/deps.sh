#!/bin/sh
# Installs the Debian packages anjian needs that are missing, idempotently:
# `apt-get update` runs only when something must be installed.
#   scripts/deps.sh build   - to build and run (default)
#   scripts/deps.sh test    - also what the tests need
#   scripts/deps.sh bench   - also what the benchmark needs
set -eu
what=${1:-build}

build="gcc make pkg-config meson ninja-build python3 libc6-dev
libmicrohttpd-dev libjansson-dev libsqlite3-dev libargon2-dev libssl-dev libinih-dev
libzip-dev libexpat1-dev libxlsxwriter-dev libvips-dev zlib1g-dev"
# The browser tests drive Debian's Chromium; a CJK font keeps Chinese text from rendering as boxes.
test="$build libcmocka-dev sqlite3 clang-format chromium fonts-wqy-microhei
clang-14 libclang-rt-14-dev mosquitto mosquitto-clients"
bench="$build wrk nginx-light sqlite3 curl"

case "$what" in
build) want=$build ;;
test) want=$test ;;
bench) want=$bench ;;
*) echo "usage: scripts/deps.sh [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# The web UI is built with Node.js and npm (web/package.json, Node >= 18): Debian's
# nodejs and npm are installed only when no `node` (or no `npm`) is on the PATH, so a
# Node.js installed another way is used as it is.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
