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
libzip-dev libexpat1-dev libxlsxwriter-dev"
test="$build libcmocka-dev sqlite3 clang-format"
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
