#!/usr/bin/env bash
# Benchmark of anjian against nginx serving the same JSON as a static file.
#
#   bench/run.sh [PATH/TO/anjian]        (`make bench` builds build-rel/anjian and calls this)
#
# Everything runs on 127.0.0.1 in a temporary folder that is removed at the end, with a fresh
# database; every process started here is stopped on exit (also on ^C or an error).
# What it does:
#   1. first start of anjian on a fresh database (migrations, 44k divisions, first admin),
#      changes the generated admin password, logs in and keeps the bearer token;
#   2. restarts anjian START_RUNS times on the same, already migrated database and measures
#      the time from exec to the first 200 from /healthz;
#   3. saves the body of GET /api/v1/regions/CODE and has nginx serve it as a static file of
#      the same size and at the same path;
#   4. starts a second anjian on the same database with the access log off, logs in a few
#      times there and notes its RSS once idle again (Argon2id uses 19 MiB a login);
#   5. runs wrk against nginx, anjian /healthz, anjian /api/v1/regions/CODE and the latter on
#      the log-less instance, ROUNDS times with the targets interleaved (the machine is noisy);
#   6. prints the medians of req/s, p50 and p99, the ratio to nginx, idle and loaded RSS and
#      the start-up times, and whether each aim of issue 2 is met;
#   7. (issue 3) generates 100k enterprise rows as CSV, times the sqlite3 shell's .import of it
#      into a plain table (the reference), then anjian's dry run and real import of it over
#      HTTP, and runs wrk on a filtered enterprise list over the 100k rows against /healthz
#      on the same instance; prints the figures and whether the aims of issue 3 are met;
#   8. (issue 4) bench/hazard.sh: 1M hazards over 20k enterprises, filtered lists, statistics
#      and the overdue scan (its own header says how; BENCH_HAZARDS=0 leaves it out).
# A run during which other processes took more than 10 % of the CPUs is done again (at most
# BENCH_RETRIES times in all), so that the whole benchmark stays under about two minutes.
#
# Settings (environment variables):
#   BENCH_DURATION     length of one wrk run (5s)
#   BENCH_ROUNDS       runs per target, interleaved; the median is reported (3)
#   BENCH_RETRIES      runs that may be done again because of other load (4)
#   BENCH_CONNS        wrk connections (64)
#   BENCH_WRK_THREADS  wrk threads (2)
#   BENCH_THREADS      anjian --threads and nginx worker_processes alike (default: nproc, as anjian's server.threads = 0)
#   BENCH_CODE         the region code to fetch (320902)
#   BENCH_START_RUNS   restarts timed on the migrated database (5)
#   BENCH_QUIET_WAIT   seconds to wait at most for idle CPUs before starting (0)
#   BENCH_RAW=1        also print wrk's own output
#   BENCH_IMPORT_ROWS  enterprise rows generated and imported (100000)
#   BENCH_LIST_QUERY   the filtered enterprise list measured with wrk (see below)
#   BENCH_LIST_CONNS   wrk connections for the list and its /healthz reference (16)
set -euo pipefail

BIN=${1:-build-rel/anjian}
DURATION=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-3}
RETRIES=${BENCH_RETRIES:-4}
CONNS=${BENCH_CONNS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
THREADS=${BENCH_THREADS:-$(nproc)}
CODE=${BENCH_CODE:-320902}
START_RUNS=${BENCH_START_RUNS:-5}
RAW=${BENCH_RAW:-0}
HOST=127.0.0.1

# The aims of issue 2.
AIM_RATIO_PCT=50
AIM_P99_MS=5
AIM_START_MS=100
AIM_IDLE_RSS_KB=$((20 * 1024))

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() {
	echo "bench: $*" >&2
	exit 1
}

[[ -x $BIN ]] || die "no executable '$BIN' (run 'make bench', which builds build-rel/anjian)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
for tool in wrk nginx curl; do
	command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
		die "'$tool' is missing (scripts/deps.sh bench installs it)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ------------------------------------------------------------------ processes and clean-up

TMP=$(mktemp -d "${TMPDIR:-/tmp}/anjian-bench.XXXXXX")
WWW=$(mktemp -d "${TMPDIR:-/tmp}/anjian-bench-www.XXXXXX")
PIDS=()

cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP" "$WWW"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget() { # PID: drop from the clean-up list
	local keep=() p
	for p in "${PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

stop() { # PID: SIGTERM, then SIGKILL after 5 s
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	forget "$pid"
}

# Microseconds since the epoch into NOW (no command substitution: that would fork).
stamp() { NOW=${EPOCHREALTIME//[!0-9]/}; }

# A short sleep without a fork (read with a time-out on a FIFO nobody writes to), so that
# polling neither spins on the CPUs the server needs nor costs a process each time.
mkfifo "$TMP/nap"
exec 4<>"$TMP/nap"
nap() { read -r -t "$1" -u 4 _ || true; }

# GET /healthz over bash's /dev/tcp (no fork, so the poll itself costs little): 0 when 200.
healthz_ok() {
	local line=
	{ exec 3<>"/dev/tcp/$HOST/$1"; } 2>/dev/null || return 1
	printf 'GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" >&3 || true
	IFS= read -r -t 2 line <&3 || true
	exec 3<&- 3>&-
	[[ $line == "HTTP/1.1 200"* ]]
}

# "all busy steal" clock ticks of all CPUs so far, from /proc/stat (busy: user, nice, system,
# irq, softirq, steal; all: those and idle, iowait).
cpu_stat() {
	awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $2 + $3 + $4 + $7 + $8 + $9, $9 }' \
		/proc/stat
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
threads_of() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

ANJIAN_PID=
ANJIAN_PORT=
ANJIAN_START_US=

# Starts anjian on a free port with the bench database and waits for the first 200 from
# /healthz; sets ANJIAN_PID, ANJIAN_PORT and ANJIAN_START_US. Extra arguments go to `serve`.
# stdout goes to $TMP/out.N, stderr (the access log) to $TMP/err.N: a file, not the terminal.
RUN_NO=0
start_anjian() {
	local t0 deadline
	RUN_NO=$((RUN_NO + 1))
	rm -f "$TMP/port"
	stamp
	t0=$NOW
	"$BIN" serve --db "$TMP/anjian.db" --data-dir "$ROOT/data" \
		--listen "$HOST" --port 0 --port-file "$TMP/port" --threads "$THREADS" \
		--log-level info "$@" >"$TMP/out.$RUN_NO" 2>"$TMP/err.$RUN_NO" &
	ANJIAN_PID=$!
	PIDS+=("$ANJIAN_PID")
	deadline=$((t0 + 30000000))
	ANJIAN_PORT=
	while :; do
		if [[ -z $ANJIAN_PORT && -s $TMP/port ]]; then
			ANJIAN_PORT=$(tr -dc 0-9 <"$TMP/port")
		fi
		if [[ -n $ANJIAN_PORT ]] && healthz_ok "$ANJIAN_PORT"; then
			break
		fi
		if ! kill -0 "$ANJIAN_PID" 2>/dev/null; then
			cat "$TMP/err.$RUN_NO" >&2
			die "anjian exited during start-up"
		fi
		stamp
		((NOW < deadline)) || die "anjian did not answer /healthz within 30 s"
		nap 0.001
	done
	stamp
	ANJIAN_START_US=$((NOW - t0))
}

# The server's own figure from its "listening on" line.
self_reported_ms() { sed -n 's/.*started_in_ms=\([0-9]*\).*/\1/p' "$TMP/err.$RUN_NO" | head -n1; }

ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

json_str() { # escape for a JSON string
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '%s' "$s"
}

api() { # METHOD PATH [BODY] [TOKEN] -> body on stdout, fails unless 2xx
	local args=(-sS --fail-with-body -X "$1" "http://$HOST:$ANJIAN_PORT$2")
	[[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	[[ -n ${4:-} ]] && args+=(-H "Authorization: Bearer $4")
	curl "${args[@]}"
}

# ------------------------------------------------------------------ machine facts

CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NPROC=$(nproc)
echo "== anjian benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
MEM=$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)
SRC=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
echo "command: bench/run.sh $*"
echo "         (BENCH_DURATION=$DURATION BENCH_ROUNDS=$ROUNDS BENCH_RETRIES=$RETRIES" \
	"BENCH_CONNS=$CONNS BENCH_WRK_THREADS=$WRK_THREADS BENCH_THREADS=$THREADS BENCH_CODE=$CODE)"
echo "machine: $NPROC CPUs ($CPU), $MEM RAM, $(uname -sr)"
echo "binary:  $BIN ($("$BIN" version 2>/dev/null | head -n1); source $SRC)"
echo "tools:   $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)," \
	"$("$NGINX" -v 2>&1 | sed 's/.*: //')"
echo

# Other work on the machine distorts every figure below: measure how busy the CPUs are for a
# second (and, with BENCH_QUIET_WAIT=N, wait up to N seconds for them to be quiet).
busy_pct() {
	local a0 b0 a1 b1
	read -r a0 b0 _ < <(cpu_stat)
	nap 1
	read -r a1 b1 _ < <(cpu_stat)
	awk -v b=$((b1 - b0)) -v a=$((a1 - a0)) 'BEGIN { printf "%.0f", a ? 100 * b / a : 0 }'
}
BUSY=$(busy_pct)
for ((i = 1; i < ${BENCH_QUIET_WAIT:-0} && BUSY > 10; i++)); do
	BUSY=$(busy_pct)
done
echo "CPUs busy before the benchmark (1 s sample): $BUSY %"
((BUSY <= 10)) || echo "WARNING: the machine is not idle; the figures will be lower and noisier"
echo

# ------------------------------------------------------------------ first start, account

start_anjian
FIRST_US=$ANJIAN_START_US
FIRST_SELF=$(self_reported_ms)
PASSWORD=$(sed -n 's/.*password \/ 密码: *//p' "$TMP/out.$RUN_NO" | head -n1)
PASSWORD=${PASSWORD%$'\r'}
[[ -n $PASSWORD ]] || die "no generated admin password on anjian's stdout"
NEWPW="Bench-$RANDOM$RANDOM-pw!"

login() { # PASSWORD -> token
	api POST /api/v1/session "{\"login\":\"admin\",\"password\":\"$(json_str "$1")\"}" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p'
}
TOKEN=$(login "$PASSWORD") || die "login with the generated password failed"
[[ -n $TOKEN ]] || die "no token in the answer to the login"
api POST /api/v1/me/password \
	"{\"old_password\":\"$(json_str "$PASSWORD")\",\"new_password\":\"$(json_str "$NEWPW")\"}" \
	"$TOKEN" >/dev/null || die "changing the admin password failed"
TOKEN=$(login "$NEWPW") || die "login with the new password failed"
[[ -n $TOKEN ]] || die "no token in the answer to the login"
stop "$ANJIAN_PID"

# ------------------------------------------------------------------ restarts (migrated DB)

STARTS=()
SELF=()
for ((i = 0; i < START_RUNS; i++)); do
	start_anjian
	STARTS+=("$ANJIAN_START_US")
	SELF+=("$(self_reported_ms)")
	((i == START_RUNS - 1)) || stop "$ANJIAN_PID"
done
mapfile -t SORTED < <(printf '%s\n' "${STARTS[@]}" | sort -n)
START_MED=${SORTED[$((START_RUNS / 2))]}
START_MIN=${SORTED[0]}
START_MAX=${SORTED[$((START_RUNS - 1))]}

# The instance that is measured is the last one started.
REGION_PATH=/api/v1/regions/$CODE
mkdir -p "$WWW/api/v1/regions"
api GET "$REGION_PATH" "" "$TOKEN" >"$WWW$REGION_PATH" || die "GET $REGION_PATH failed"
BODY_BYTES=$(stat -c %s "$WWW$REGION_PATH")
chmod 755 "$WWW" "$WWW/api" "$WWW/api/v1" "$WWW/api/v1/regions"
chmod 644 "$WWW$REGION_PATH"
IDLE_RSS=$(rss_kb "$ANJIAN_PID")
IDLE_THREADS=$(threads_of "$ANJIAN_PID")

# ------------------------------------------------------------------ nginx

NGX=$TMP/nginx
mkdir -p "$NGX/tmp"
NGINX_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
user_line=
[[ $(id -u) -eq 0 ]] && user_line="user nobody nogroup;"
cat >"$NGX/nginx.conf" <<EOF
# Generated by bench/run.sh: static copy of GET $REGION_PATH, same bytes, same path.
$user_line
worker_processes $THREADS;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $NGX/tmp/body;
	proxy_temp_path $NGX/tmp/proxy;
	fastcgi_temp_path $NGX/tmp/fastcgi;
	uwsgi_temp_path $NGX/tmp/uwsgi;
	scgi_temp_path $NGX/tmp/scgi;
	types { }
	default_type application/json;
	server {
		listen $HOST:$NGINX_PORT;
		root $WWW;
	}
}
EOF
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" 2>"$NGX/stderr.log" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
for ((i = 0; i < 100; i++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$NGINX_PORT$REGION_PATH" || true)
	[[ $code == 200 ]] && break
	if ! kill -0 "$NGINX_PID" 2>/dev/null; then
		cat "$NGX/error.log" "$NGX/stderr.log" >&2
		die "nginx did not start"
	fi
	sleep 0.05
done
if [[ $code != 200 ]]; then
	cat "$NGX/error.log" "$NGX/stderr.log" >&2
	die "nginx does not serve the file"
fi
NGINX_BYTES=$(curl -s "http://$HOST:$NGINX_PORT$REGION_PATH" | wc -c)
[[ $NGINX_BYTES -eq $BODY_BYTES ]] || die "nginx serves $NGINX_BYTES bytes, anjian $BODY_BYTES"

# A second instance on the same database with the access log off, to show what the log line a
# request costs. It idles while the others are measured. The session token works on both.
A_PID=$ANJIAN_PID
A_PORT=$ANJIAN_PORT
start_anjian --set log.access=false
B_PID=$ANJIAN_PID
B_PORT=$ANJIAN_PORT

# Each login hashes the password with Argon2id (19 MiB by default): how much of that memory
# stays with the process once it is idle again? (Measured on the second instance, so that the
# figures of the default one are not affected.)
LOGINS=5
for ((i = 0; i < LOGINS; i++)); do
	login "$NEWPW" >/dev/null || die "login $((i + 1)) on the second instance failed"
done
nap 1
LOGIN_RSS=$(rss_kb "$B_PID")

# ------------------------------------------------------------------ wrk

WRK_CMD=(wrk "-t$WRK_THREADS" "-c$CONNS" "-d$DURATION" --latency)
AUTH="Authorization: Bearer $TOKEN"
NAMES=("nginx, static copy ($BODY_BYTES bytes)" "anjian /healthz" "anjian regions"
	"anjian regions, log.access=false")
URLS=("http://$HOST:$NGINX_PORT$REGION_PATH" "http://$HOST:$A_PORT/healthz"
	"http://$HOST:$A_PORT$REGION_PATH" "http://$HOST:$B_PORT$REGION_PATH")
HDRS=("" "" "$AUTH" "$AUTH")
NT=${#NAMES[@]}
declare -A RES # [target,round] = "req/s p50_ms p99_ms non2xx socket_errors other_cpu_%"

# CPU accounting over the measured runs, in clock ticks: "all busy steal" from /proc/stat, and
# what this benchmark's own processes used (the servers, nginx's workers, wrk and this shell's
# other children), so that CPU taken by anything else on the machine can be shown.
proc_ticks() { # PID...: utime + stime (+ children's when waited for)
	local pid
	for pid in "$@"; do
		awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat" \
			2>/dev/null || echo 0
	done | awk '{ n += $1 } END { print n + 0 }'
}
own_ticks() { proc_ticks "$A_PID" "$B_PID" "$NGINX_PID" $$ $(pgrep -P "$NGINX_PID"); }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'; }
# OTHER_PCT: the share of the CPUs that other processes used between two samples.
other_pct() { # ALL0 BUSY0 OWN0 ALL1 BUSY1 OWN1
	local o=$(($5 - $2 - ($6 - $3)))
	((o > 0)) || o=0
	pct "$o" $(($4 - $1))
}

# TARGET ROUND: one wrk run, parsed into RES. ROUND -1 is a 2 s warm-up (it also opens the
# per-thread SQLite connections and fills the statement caches), not recorded.
wrk_one() {
	local t=$1 r=$2 out=$TMP/wrk.$1.$2 args=()
	[[ -n ${HDRS[$t]} ]] && args=(-H "${HDRS[$t]}")
	if ((r < 0)); then
		wrk "-t$WRK_THREADS" "-c$CONNS" -d2s "${args[@]}" "${URLS[$t]}" >/dev/null
		return
	fi
	local c0 b0 o0 c1 b1 o1
	read -r c0 b0 _ < <(cpu_stat)
	o0=$(own_ticks)
	"${WRK_CMD[@]}" "${args[@]}" "${URLS[$t]}" >"$out"
	read -r c1 b1 _ < <(cpu_stat)
	o1=$(own_ticks)
	if [[ $RAW == 1 ]]; then
		echo "--- ${NAMES[$t]}, round $((r + 1))"
		cat "$out"
	fi
	RES[$t,$r]=$(awk '
		function to_ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v + 0
		}
		/^Requests\/sec:/ { rps = $2 }
		$1 == "50%" { p50 = to_ms($2) }
		$1 == "99%" { p99 = to_ms($2) }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/Socket errors:/ { err = $4 + $6 + $8 + $10 }
		END { printf "%.0f %.3f %.3f %d %d", rps, p50, p99, bad, err }' "$out")
	RES[$t,$r]+=" $(other_pct "$c0" "$b0" "$o0" "$c1" "$b1" "$o1")"
}

echo "wrk:    ${WRK_CMD[*]} [-H 'Authorization: Bearer TOKEN'] URL"
echo "        $ROUNDS rounds, targets interleaved within each round, after a 2 s warm-up each"
echo "nginx:  $THREADS worker processes (= anjian --threads), access_log off, sendfile, same path"
echo "        (Debian defaults otherwise: no open_file_cache, so open+fstat+close per request)"
echo "anjian: --threads $THREADS; access log (one line a request) to a file, not the terminal"
echo "URL:    GET $REGION_PATH ($BODY_BYTES bytes of JSON), Authorization: Bearer, admin session"
echo

for ((t = 0; t < NT; t++)); do
	wrk_one "$t" -1
done
read -r CPU0 BUSY0 STEAL0 < <(cpu_stat)
OWN0=$(own_ticks)
LOADED_RSS=0
REDONE=0
for ((r = 0; r < ROUNDS; r++)); do
	for ((t = 0; t < NT; t++)); do
		wrk_one "$t" "$r"
		# A run during which other processes took > 10 % of the CPUs is done again, a few
		# times at most (BENCH_RETRIES), so that the whole benchmark stays bounded in time.
		while ((RETRIES > 0)) && awk -v o="${RES[$t,$r]##* }" 'BEGIN { exit !(o > 10) }'; do
			RETRIES=$((RETRIES - 1))
			REDONE=$((REDONE + 1))
			wrk_one "$t" "$r"
		done
		if ((t == 2)); then # right after the load on the default instance
			rss=$(rss_kb "$A_PID")
			((rss > LOADED_RSS)) && LOADED_RSS=$rss
		fi
	done
done
read -r CPU1 BUSY1 STEAL1 < <(cpu_stat)
OWN1=$(own_ticks)
LOADED_HWM=$(hwm_kb "$A_PID")
LOADED_THREADS=$(threads_of "$A_PID")
NOLOG_RSS=$(rss_kb "$B_PID")
STEAL_PCT=$(pct $((STEAL1 - STEAL0)) $((CPU1 - CPU0)))
OTHER_PCT=$(other_pct "$CPU0" "$BUSY0" "$OWN0" "$CPU1" "$BUSY1" "$OWN1")
ACCESS_LINES=$(grep -c 'mod=access' "$TMP"/err.* | awk -F: '{ n += $2 } END { print n }')
stop "$B_PID"
stop "$A_PID"
stop "$NGINX_PID"

# ------------------------------------------------------------------ report

# median COLUMN TARGET: the median over the rounds of one column of RES (1 = req/s, 2 = p50...).
median() {
	local r
	for ((r = 0; r < ROUNDS; r++)); do
		cut -d' ' -f"$1" <<<"${RES[$2,$r]}"
	done | sort -g | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
span() { # COLUMN TARGET: "min-max" over the rounds
	local r
	for ((r = 0; r < ROUNDS; r++)); do
		cut -d' ' -f"$1" <<<"${RES[$2,$r]}"
	done | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}
sum() { # COLUMN TARGET
	local r
	for ((r = 0; r < ROUNDS; r++)); do
		cut -d' ' -f"$1" <<<"${RES[$2,$r]}"
	done | awk '{ n += $1 } END { print n + 0 }'
}

NGINX_RPS=$(median 1 0)
echo "== throughput and latency: $CONNS connections, median of $ROUNDS rounds of $DURATION"
echo "   wrk -t$WRK_THREADS runs on the same $NPROC CPUs as the servers. Over the whole wrk phase"
echo "   other processes used $OTHER_PCT % of the CPUs, hypervisor steal $STEAL_PCT %; $REDONE runs"
echo "   were done again because other processes took > 10 % of the CPUs during them."
echo "   other_cpu: the most that other processes took during a kept run of that target."
printf '%-38s %8s %9s %8s %8s %-15s %-15s %9s %s\n' target req/s vs_nginx p50_ms p99_ms \
	"req/s range" "p99 range" other_cpu notes
for ((t = 0; t < NT; t++)); do
	rps=$(median 1 "$t")
	note=
	bad=$(sum 4 "$t")
	err=$(sum 5 "$t")
	((bad > 0)) && note="$bad non-2xx answers! "
	((err > 0)) && note+="$err socket errors"
	printf '%-38s %8.0f %8.0f%% %8.2f %8.2f %-15s %-15s %8.1f%% %s\n' "${NAMES[$t]}" "$rps" \
		"$(awk -v a="$rps" -v b="$NGINX_RPS" 'BEGIN { print 100 * a / b }')" \
		"$(median 2 "$t")" "$(median 3 "$t")" "$(span 1 "$t")" "$(span 3 "$t")" \
		"$(span 6 "$t" | cut -d- -f2)" "$note"
done
echo
echo "== memory (anjian, --threads $THREADS)"
printf '%-52s %s\n' "idle RSS (started, one request served, before load):" \
	"$(mb "$IDLE_RSS") ($IDLE_THREADS threads)" \
	"loaded RSS (right after a regions run, highest):" \
	"$(mb "$LOADED_RSS") (VmHWM $(mb "$LOADED_HWM"), $LOADED_THREADS threads)" \
	"idle RSS after $LOGINS logins (log.access=false instance):" "$(mb "$LOGIN_RSS")" \
	"RSS of that instance after its load:" "$(mb "$NOLOG_RSS")" \
	"access-log lines written (to files):" "$ACCESS_LINES"
echo
echo "== start-up: exec to the first 200 from /healthz"
echo "first start, fresh DB (migrations, 44k divisions, admin): $(ms "$FIRST_US") ms" \
	"(server's own started_in_ms=$FIRST_SELF)"
echo "restart on the migrated DB, $START_RUNS runs: median $(ms "$START_MED") ms," \
	"min $(ms "$START_MIN"), max $(ms "$START_MAX") (server's own started_in_ms: ${SELF[*]})"
echo

# ------------------------------------------------------------------ aims

REG_RPS=$(median 1 2)
REG_P99=$(median 3 2)
verdict() { if [[ $1 == 1 ]]; then echo met; else echo MISSED; fi; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'; }
RATIO=$(awk -v a="$REG_RPS" -v b="$NGINX_RPS" 'BEGIN { printf "%.0f", 100 * a / b }')
aim() { printf '%-46s %-12s %s\n' "$1" "$2" "$(verdict "$3")"; }
echo "== aims of issue 2 (GET $REGION_PATH, default instance: access log on, --threads $THREADS)"
aim ">= $AIM_RATIO_PCT % of nginx's req/s" "$RATIO %" "$(ge "$RATIO" "$AIM_RATIO_PCT")"
aim "p99 <= $AIM_P99_MS ms at $CONNS connections" "$REG_P99 ms" "$(le "$REG_P99" "$AIM_P99_MS")"
aim "start-up <= $AIM_START_MS ms (migrated DB, median)" "$(ms "$START_MED") ms" \
	"$(le "$START_MED" $((AIM_START_MS * 1000)))"
aim "idle RSS <= $((AIM_IDLE_RSS_KB / 1024)) MB" "$(mb "$IDLE_RSS")" \
	"$(le "$IDLE_RSS" "$AIM_IDLE_RSS_KB")"
aim "idle RSS <= $((AIM_IDLE_RSS_KB / 1024)) MB, after $LOGINS logins" "$(mb "$LOGIN_RSS")" \
	"$(le "$LOGIN_RSS" "$AIM_IDLE_RSS_KB")"
for ((t = 0; t < NT; t++)); do
	bad=$(sum 4 "$t")
	((bad == 0)) ||
		echo "WARNING: $bad non-2xx answers from '${NAMES[$t]}': its figures are not valid"
done

# ------------------------------------------------------------------ issue 3: import, filtered list
#
# 100k generated enterprise rows (valid GB 32100 codes, four counties/towns of 盐城, four industry
# classes) imported over HTTP in one request, against the reference of the sqlite3 shell's
# `.import` of the same CSV into a plain table; then a filtered enterprise list over those 100k
# rows with wrk, against GET /healthz on the same instance in the same run.

IMPORT_ROWS=${BENCH_IMPORT_ROWS:-100000}
LIST_CONNS=${BENCH_LIST_CONNS:-16}
AIM_IMPORT_S=10
AIM_LIST_P99_MS=10
LIST_QUERY=${BENCH_LIST_QUERY:-/api/v1/enterprises?region=320902&industry=26&high_risk=true&limit=50}
command -v sqlite3 >/dev/null || die "'sqlite3' is missing (scripts/deps.sh bench installs it)"

python3 - "$IMPORT_ROWS" "$TMP/enterprises.csv" <<'PY'
import sys
CS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
def uscc(region, body8):
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2)))
    c9 = 11 - s % 11
    first17 = '91' + region + body8 + ('X' if c9 == 10 else '0' if c9 == 11 else str(c9))
    return first17 + CS[(31 - sum(CS.index(c) * pow(3, i, 31) for i, c in enumerate(first17)) % 31) % 31]
n, path = int(sys.argv[1]), sys.argv[2]
regions = ('320902', '320902001', '320903', '320903002')
industries = ('2614', '6513', '3110', '5211')
with open(path, 'w', encoding='utf-8', newline='') as f:
    f.write('统一社会信用代码,企业名称,行业代码,所属区划,地址,纬度,经度,坐标系,法定代表人,法人电话,'
            '安全负责人,安全负责人电话,从业人数,企业规模,标准化等级,经营状态\r\n')
    for i in range(n):
        f.write(f'{uscc(regions[i % 4][:6], f"{i:08d}")},盐城市测试第{i}号企业有限公司,'
                f'{industries[(i // 4) % 4]},{regions[i % 4]},某路{i}号,33.{i % 1000:03d},'
                f'120.{i % 997:03d},CGCS2000,张{i % 100},1381234{i % 10000:04d},李{i % 97},'
                f'1390000{i % 10000:04d},{i % 500},小型,二级,在营\r\n')
PY
CSV_BYTES=$(stat -c %s "$TMP/enterprises.csv")

# Reference: the sqlite3 shell imports the same file into a plain table (no checks, no index).
stamp
t0=$NOW
sqlite3 "$TMP/reference.db" -cmd 'PRAGMA journal_mode=WAL;' '.import --csv '"$TMP/enterprises.csv"' t' >/dev/null
stamp
REF_IMPORT_US=$((NOW - t0))
REF_ROWS=$(sqlite3 "$TMP/reference.db" 'SELECT COUNT(*) FROM t')

start_anjian
C_PID=$ANJIAN_PID
C_PORT=$ANJIAN_PORT
import_once() { # QUERY -> the answer on stdout; IMPORT_US the time
	local t0
	stamp
	t0=$NOW
	curl -sS -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
		--data-binary "@$TMP/enterprises.csv" \
		"http://$HOST:$C_PORT/api/v1/enterprises/import$1" >"$TMP/import.json"
	stamp
	IMPORT_US=$((NOW - t0))
}
import_once '?dry_run=1'
DRY_US=$IMPORT_US
grep -q "\"valid_rows\":$IMPORT_ROWS" "$TMP/import.json" ||
	die "the dry run did not find $IMPORT_ROWS valid rows: $(head -c 400 "$TMP/import.json")"
import_once ''
REAL_US=$IMPORT_US
grep -q "\"imported\":$IMPORT_ROWS" "$TMP/import.json" ||
	die "the import did not write $IMPORT_ROWS rows: $(head -c 400 "$TMP/import.json")"
IMPORT_HWM=$(hwm_kb "$C_PID")
LIST_ITEMS=$(curl -sS -H "Authorization: Bearer $TOKEN" "http://$HOST:$C_PORT$LIST_QUERY" |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')

# wrk: the filtered list and /healthz on the same instance, interleaved, as above.
NAMES+=("anjian /healthz (100k enterprises)" "anjian enterprises, filtered")
URLS+=("http://$HOST:$C_PORT/healthz" "http://$HOST:$C_PORT$LIST_QUERY")
HDRS+=("" "$AUTH")
own_ticks() { proc_ticks "$C_PID" $$; } # this phase's own processes: the server, wrk
# 16 connections: sixteen people pressing "search" at the same instant, a busy county bureau.
CONNS=$LIST_CONNS
WRK_CMD=(wrk "-t$WRK_THREADS" "-c$CONNS" "-d$DURATION" --latency)
T_H=$NT
T_L=$((NT + 1))
wrk_one "$T_H" -1
wrk_one "$T_L" -1
for ((r = 0; r < ROUNDS; r++)); do
	for t in "$T_H" "$T_L"; do
		wrk_one "$t" "$r"
		while ((RETRIES > 0)) && awk -v o="${RES[$t,$r]##* }" 'BEGIN { exit !(o > 10) }'; do
			RETRIES=$((RETRIES - 1))
			REDONE=$((REDONE + 1))
			wrk_one "$t" "$r"
		done
	done
done
stop "$C_PID"

echo
echo "== issue 3: enterprise import and a filtered list over $IMPORT_ROWS enterprises"
echo "file:   $IMPORT_ROWS rows, $CSV_BYTES bytes of UTF-8 CSV (16 columns), generated"
printf '%-58s %10s\n' "reference: sqlite3 .import into a plain table ($REF_ROWS rows)" \
	"$(ms "$REF_IMPORT_US") ms" \
	"POST /api/v1/enterprises/import?dry_run=1 (every row checked)" "$(ms "$DRY_US") ms" \
	"POST /api/v1/enterprises/import (checked, written, audited)" "$(ms "$REAL_US") ms"
echo "        (ratio to the reference: $(awk -v a="$REAL_US" -v b="$REF_IMPORT_US" \
	'BEGIN { printf "%.0f", a / b }')x; the server's peak RSS (VmHWM) $(mb "$IMPORT_HWM"))"
echo "list:   GET $LIST_QUERY ($LIST_ITEMS items a page), wrk -c$CONNS"
printf '%-38s %8s %8s %8s %-15s %9s\n' target req/s p50_ms p99_ms "p99 range" other_cpu
for t in "$T_H" "$T_L"; do
	printf '%-38s %8.0f %8.2f %8.2f %-15s %8.1f%%\n' "${NAMES[$t]}" "$(median 1 "$t")" \
		"$(median 2 "$t")" "$(median 3 "$t")" "$(span 3 "$t")" \
		"$(span 6 "$t" | cut -d- -f2)"
	bad=$(sum 4 "$t")
	((bad == 0)) || echo "WARNING: $bad non-2xx answers from '${NAMES[$t]}'"
done
LIST_P99=$(median 3 "$T_L")
echo
echo "== aims of issue 3"
aim "import of $IMPORT_ROWS rows <= $AIM_IMPORT_S s" "$(ms "$REAL_US") ms" \
	"$(le "$REAL_US" $((AIM_IMPORT_S * 1000000)))"
aim "filtered list p99 <= $AIM_LIST_P99_MS ms at $CONNS connections" "$LIST_P99 ms" \
	"$(le "$LIST_P99" "$AIM_LIST_P99_MS")"

# ------------------------------------------------------------------ issue 4: hidden hazards
#
# 1M hazards over 20k enterprises: filtered lists, statistics, the overdue scan (bench/hazard.sh,
# which also runs alone). BENCH_HAZARDS=0 leaves it out.
if [[ ${BENCH_HAZARDS:-1000000} != 0 ]]; then
	"$ROOT/bench/hazard.sh" "$BIN"
fi
