#!/usr/bin/env bash
# Benchmark of issue 4 (hidden hazards): 1M hazards over 20k enterprises.
#
#   bench/hazard.sh [PATH/TO/anjian]      (bench/run.sh calls it last; it also runs alone)
#
# Everything runs on 127.0.0.1 in a temporary folder removed at the end; every process started
# here is stopped on exit. Steps:
#   1. `anjian demo load` into a fresh database (migrations, the demo city: 457 grids, accounts,
#      2 004 enterprises), then bench/hazard_gen.py adds enterprises and hazards up to
#      BENCH_HAZARD_ENTERPRISES (20000) and BENCH_HAZARDS (1000000), timed;
#   2. starts `anjian serve` on it (the scheduler off when this build has the setting
#      hazard.scan_interval_s), changes the printed admin password and probes the endpoints;
#   3. statistics: BENCH_STATS_RUNS (20) sequential requests of GET /api/v1/hazards/stats?by=region
#      (the administrator's: all of it by province), ?by=region&region=320900 (the demo city by
#      county) and /stats/summary over one connection (curl), median and max; the reference is the
#      same grouping done by the sqlite3 module on the same file in the same run;
#   4. filtered lists: bench/list_latency.py (one worker, one connection, N requests a query)
#      over filter mixes, with the enterprise list (issue 3's) as the reference in the same run;
#   5. the overdue scan: `anjian hazard scan --db` timed, twice (the first pass writes the
#      notifications, events and proposals of every overdue hazard; the second finds them
#      written: the steady state the aim is read against), against the raw SQL count of
#      overdue hazards in the same run.
# A measurement whose endpoint or command this build lacks is skipped with a message; no
# figure is made up. Nothing fails when an aim is missed.
#
# Settings: BENCH_HAZARDS (1000000), BENCH_HAZARD_ENTERPRISES (20000), BENCH_LIST_N (200),
# BENCH_STATS_RUNS (20), BENCH_THREADS (nproc).
set -euo pipefail

BIN=${1:-build-rel/anjian}
HAZARDS=${BENCH_HAZARDS:-1000000}
ENTERPRISES=${BENCH_HAZARD_ENTERPRISES:-20000}
LIST_N=${BENCH_LIST_N:-200}
STATS_RUNS=${BENCH_STATS_RUNS:-20}
THREADS=${BENCH_THREADS:-$(nproc)}
HOST=127.0.0.1
AIM_LIST_P99_MS=20
AIM_STATS_MS=100
AIM_SCAN_MS=1000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() {
	echo "bench/hazard: $*" >&2
	exit 1
}
[[ -x $BIN ]] || die "no executable '$BIN' (run 'make bench', which builds build-rel/anjian)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
command -v curl >/dev/null || die "'curl' is missing"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/anjian-hazard-bench.XXXXXX")
PID=
cleanup() {
	trap - EXIT INT TERM
	if [[ -n $PID ]]; then
		kill -TERM "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DB=$TMP/hazard.db
ms_since() { # START_NS -> milliseconds since, one decimal
	awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'
}
verdict() { if [[ $1 == 1 ]]; then echo met; else echo MISSED; fi; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a <= b) ? 1 : 0 }'; }

echo
echo "== issue 4: hidden hazards, $HAZARDS over $ENTERPRISES enterprises ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "source: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)," \
	"binary $BIN"

# ------------------------------------------------------------------ 1. data
t0=$(date +%s%N)
"$BIN" demo load --db "$DB" --data-dir "$ROOT/data" >"$TMP/demo.out" 2>"$TMP/demo.err" ||
	{ cat "$TMP/demo.err" >&2; die "demo load failed"; }
DEMO_MS=$(ms_since "$t0")
PASSWORD=$(sed -n 's/.*password \/ 密码: *//p' "$TMP/demo.out" | head -n1)
PASSWORD=${PASSWORD%$'\r'}
[[ -n $PASSWORD ]] || die "no generated admin password on the demo load's stdout"
t0=$(date +%s%N)
python3 "$ROOT/bench/hazard_gen.py" "$DB" "$HAZARDS" "$ENTERPRISES" | tee "$TMP/gen.out"
GEN_MS=$(ms_since "$t0")
echo "data:   demo load $DEMO_MS ms, generator $GEN_MS ms (python3 bench/hazard_gen.py DB" \
	"$HAZARDS $ENTERPRISES), database $(du -m "$DB" | cut -f1) MB"

# ------------------------------------------------------------------ 2. server, account
PORT=
start() { # extra serve arguments; 0 when it answers /healthz
	rm -f "$TMP/port"
	"$BIN" serve --db "$DB" --data-dir "$ROOT/data" --listen "$HOST" --port 0 \
		--port-file "$TMP/port" --threads "$THREADS" --set log.access=false "$@" \
		>"$TMP/serve.out" 2>"$TMP/serve.err" &
	PID=$!
	for ((i = 0; i < 600; i++)); do
		if [[ -s $TMP/port ]]; then
			PORT=$(tr -dc 0-9 <"$TMP/port")
			curl -sf "http://$HOST:$PORT/healthz" >/dev/null && return 0
		fi
		kill -0 "$PID" 2>/dev/null || { PID=; return 1; }
		sleep 0.05
	done
	die "anjian did not answer /healthz within 30 s"
}
stop_server() {
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=
}
SERVE_ARGS=(--set hazard.scan_interval_s=0)
if ! start "${SERVE_ARGS[@]}"; then
	grep -q "hazard.scan_interval_s" "$TMP/serve.err" ||
		{ cat "$TMP/serve.err" >&2; die "anjian serve failed to start"; }
	echo "note:   this build has no setting hazard.scan_interval_s (no scheduler to turn off)"
	SERVE_ARGS=()
	start || { cat "$TMP/serve.err" >&2; die "anjian serve failed to start"; }
fi
api() { # METHOD PATH [BODY] [TOKEN]
	local args=(-sS -X "$1" "http://$HOST:$PORT$2")
	[[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	[[ -n ${4:-} ]] && args+=(-H "Authorization: Bearer $4")
	curl "${args[@]}"
}
json_esc() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
token_of() { sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p'; }
TOKEN=$(api POST /api/v1/session "{\"login\":\"admin\",\"password\":$(json_esc "$PASSWORD")}" |
	token_of)
[[ -n $TOKEN ]] || die "login with the generated admin password failed"
NEWPW="Bench-$RANDOM$RANDOM-pw!"
api POST /api/v1/me/password "{\"old_password\":$(json_esc "$PASSWORD"),\"new_password\":$(json_esc "$NEWPW")}" \
	"$TOKEN" >/dev/null
TOKEN=$(api POST /api/v1/session "{\"login\":\"admin\",\"password\":$(json_esc "$NEWPW")}" |
	token_of)
[[ -n $TOKEN ]] || die "login with the new admin password failed"
status_of() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	"http://$HOST:$PORT$1"; }

# ------------------------------------------------------------------ 3. statistics
# A county grid and an enterprise with many hazards, for the list mixes below.
read -r GRID ENT < <(python3 - "$DB" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
g = con.execute("SELECT grid_id FROM hazard WHERE grid_id IS NOT NULL GROUP BY grid_id "
                "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
e = con.execute("SELECT enterprise_id FROM hazard GROUP BY enterprise_id "
                "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
print(g, e)
PY
)
# The reference: the same counts per county by the sqlite3 module, and the overdue count.
TODAY=$(TZ=Asia/Shanghai date +%F)
python3 - "$DB" "$TODAY" >"$TMP/ref.out" <<'PY'
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
today = sys.argv[2]
def timed(sql, *args):
    best = None
    for _ in range(5):
        t0 = time.perf_counter()
        rows = con.execute(sql, args).fetchall()
        t = (time.perf_counter() - t0) * 1e3
        best = t if best is None or t < best else best
    return rows, best
rows, t = timed("SELECT substr(region_code, 1, 6), COUNT(*), SUM(state NOT IN ('closed', "
                "'dismissed')), SUM(state = 'closed'), SUM(state IN ('rectifying', "
                "'submitted') AND deadline < ?) FROM hazard GROUP BY 1", today)
print(f"stats_ref_ms {t:.1f} {len(rows)}")
rows, t = timed("SELECT COUNT(*) FROM hazard WHERE state IN ('confirmed', 'rectifying', "
                "'submitted') AND deadline < ?", today)
print(f"overdue_ref_ms {t:.2f} {rows[0][0]}")
PY
STATS_REF=$(awk '/^stats_ref_ms/ { print $2 " ms (" $3 " counties)" }' "$TMP/ref.out")
OVERDUE_REF_MS=$(awk '/^overdue_ref_ms/ { print $2 }' "$TMP/ref.out")
OVERDUE_N=$(awk '/^overdue_ref_ms/ { print $3 }' "$TMP/ref.out")

stats_run() { # PATH -> "median max" in ms over STATS_RUNS requests on one connection
	local urls=() i
	for ((i = 0; i < STATS_RUNS + 2; i++)); do
		urls+=(-o /dev/null "http://$HOST:$PORT$1") # -o applies to the URL after it
	done
	curl -s -H "Authorization: Bearer $TOKEN" -w '%{time_total}\n' "${urls[@]}" |
		tail -n +3 | sort -g | awk '{ v[NR] = $1 * 1000 }
			END { printf "%.1f %.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'
}
echo
echo "-- statistics ($STATS_RUNS sequential requests after 2 of warm-up, one connection, --threads $THREADS)"
echo "reference: the same per-county counts by python3's sqlite3 on the file: $STATS_REF (best of 5)"
STATS_BY_REGION=
for path in "/api/v1/hazards/stats?by=region" "/api/v1/hazards/stats?by=region&region=320900" \
	"/api/v1/hazards/stats/summary"; do
	code=$(status_of "$path")
	if [[ $code != 200 ]]; then
		printf '%-40s SKIPPED: status %s (endpoint absent in this build?)\n' "GET $path" "$code"
		continue
	fi
	read -r med max < <(stats_run "$path")
	printf '%-40s median %7s ms   max %7s ms\n' "GET $path" "$med" "$max"
	# The aim is read against the slower of the two by-region answers.
	if [[ $path == *by=region* ]] && { [[ -z $STATS_BY_REGION ]] ||
		awk -v a="$med" -v b="$STATS_BY_REGION" 'BEGIN { exit !(a > b) }'; }; then
		STATS_BY_REGION=$med
	fi
done
stop_server

# ------------------------------------------------------------------ 4. lists
echo
echo "-- filtered lists: bench/list_latency.py (one worker, one connection, $LIST_N requests a query)"
QUERIES=(
	"/api/v1/hazards?region=320902&state=rectifying&limit=50"
	"/api/v1/hazards?grid=$GRID&limit=50"
	"/api/v1/hazards?deadline_state=overdue&limit=50"
	"/api/v1/hazards?deadline_state=overdue_30&region=320903&sort=deadline&limit=50"
	"/api/v1/hazards?enterprise_id=$ENT&limit=50"
	"/api/v1/hazards?level=major&state=open&limit=50"
	"/api/v1/hazards?limit=50"
	"/api/v1/enterprises?limit=50"
)
BENCH_SERVE_ARGS="${SERVE_ARGS[*]}" python3 "$ROOT/bench/list_latency.py" "$BIN" "$DB" admin \
	"$NEWPW" "$LIST_N" "${QUERIES[@]}" | tee "$TMP/list.out"
LIST_P99=$(grep '^/api/v1/hazards' "$TMP/list.out" | grep -v SKIPPED |
	sed -n 's/.*p99= *\([0-9.]*\) ms.*/\1/p' | sort -g | tail -n1 || true)

# ------------------------------------------------------------------ 5. the overdue scan
echo
echo "-- overdue scan of the whole table: anjian hazard scan --db DB"
echo "reference: SELECT COUNT(*) of open hazards past their deadline by python3's sqlite3:" \
	"$OVERDUE_REF_MS ms ($OVERDUE_N hazards; best of 5)"
SCAN_MS=
if "$BIN" hazard scan --help >/dev/null 2>&1; then
	for pass in first second; do
		t0=$(date +%s%N)
		if "$BIN" hazard scan --db "$DB" --data-dir "$ROOT/data" >"$TMP/scan.out" 2>"$TMP/scan.err"; then
			took=$(ms_since "$t0")
			echo "$pass pass: $took ms: $(tr '\n' ' ' <"$TMP/scan.out" | cut -c1-200)"
			[[ $pass == second ]] && SCAN_MS=$took
			[[ $pass == first ]] && FIRST_SCAN_MS=$took
		else
			echo "$pass pass FAILED: $(tail -n3 "$TMP/scan.err")"
		fi
	done
else
	echo "SKIPPED: this build has no 'anjian hazard scan' command"
fi

# ------------------------------------------------------------------ aims
echo
echo "== aims of issue 4"
aim() {
	if [[ -z $2 ]]; then
		printf '%-52s %-12s %s\n' "$1" "-" "not measured (absent in this build)"
	else
		printf '%-52s %-12s %s\n' "$1" "$2 ms" "$(verdict "$(le "$2" "$3")")"
	fi
}
aim "filtered list p99 <= $AIM_LIST_P99_MS ms (worst of the mixes)" "$LIST_P99" "$AIM_LIST_P99_MS"
aim "statistics by region <= $AIM_STATS_MS ms (median, slower query)" "$STATS_BY_REGION" "$AIM_STATS_MS"
# The aim is the daily pass over the whole table (docs/benchmarks.md "Hidden hazards": the
# scheduler's pass escalates only what fell due since the last one); the first pass over a
# freshly generated table escalates three years' backlog at once and is reported, not judged.
aim "overdue scan of the whole table <= $AIM_SCAN_MS ms (steady-state pass)" "$SCAN_MS" \
	"$AIM_SCAN_MS"
printf '%-52s %-12s %s\n' "overdue scan, first pass (the generated backlog)" \
	"${FIRST_SCAN_MS:--} ms" "reported, no aim"
