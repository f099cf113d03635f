#!/usr/bin/env bash
# Ingest benchmark of issue 6 (`make bench-ingest`; figures in docs/benchmarks.md).
#
#   bench/ingest.sh [BUILD_DIR]    (default build-rel: anjian, bench_monitor, bench_decode,
#                                   bench_ingest_runtime, bench_ingest_load)
#
# Everything runs on 127.0.0.1 in a temporary folder removed at the end; every process started
# here is stopped on exit (also on ^C or an error). The same readings are used throughout:
# POINTS points (10k), READINGS readings (2M) round-robin over them, one a second of source time
# per point, values 10.0..14.9 (below every set point: the flood raises no alarm).
#   (a) in process, one thread, readings/s per core of thread CPU time: bench_monitor's
#       alarm_eval over the points, and bench_decode: the MQTT messages below decoded by
#       payload_decode_batch (src/monitor/payload.h) and evaluated by alarm_eval;
#   (b0) the runtime alone: bench_ingest_runtime hands the readings to monitor_ingest() from CONNS
#       threads, BATCH a call (store, evaluation, SOE; no broker, network or decoding);
#   (c1) mosquitto alone, the ceiling: a subscriber (QoS 1) and CONNS publishers sending the
#       readings as the contract's JSON payload (BATCH readings a message, QoS 1); readings/s
#       from the first publication to the subscriber's last message;
#   (c2) InfluxDB 1.x (Debian's influxd, its own config: temp dirs, free 127.0.0.1 ports,
#       reporting off): the same readings as line protocol over HTTP, INFLUX_BATCH lines a
#       request, INFLUX_WRITERS concurrent keep-alive connections; readings/s until the last
#       204; then SELECT count(v) checks they are all there;
#   (b) end to end: `anjian demo load`, the POINTS points (and ALARM_TAGS latency points
#       LAT000..) inserted into monitor_point before start, `anjian serve` subscribed to the
#       bench's mosquitto (--set "$BENCH_MQTT_SETTING"); (1) throughput: the same publishers
#       flooding, readings/s from the first publication until the server's readings counter on
#       /metrics has counted them all (the runtime counts after monitor_ingest: committed);
#       (2) latency: publishers paced to LAT_PCT % of that rate while an alarm publisher sends
#       ALARMS alarm-raising readings (ts = wall clock at publication) and an SSE client on
#       GET /api/v1/monitor/stream records each "alarm" event's arrival: p50/p99 (1 ms
#       resolution: ts is in ms).
# Then one table with all figures and the ratios (b)/InfluxDB and (b)/mosquitto. A part whose
# tool or server feature is missing is skipped with the reason; no figure is made up. Each
# part is bounded by BENCH_INGEST_TIMEOUT seconds.
#
# Settings: BENCH_INGEST_POINTS (10000), BENCH_INGEST_READINGS (2000000), BENCH_INGEST_BATCH
# (200 readings a message), BENCH_INGEST_CONNS (4 MQTT publishers), BENCH_INFLUX_BATCH (5000),
# BENCH_INFLUX_WRITERS (4), BENCH_ALARMS (200), BENCH_ALARM_TAGS (20), BENCH_ALARM_INTERVAL_MS
# (10), BENCH_EVAL_READINGS (20000000), BENCH_INGEST_TIMEOUT (300), BENCH_MQTT_INFLIGHT (100:
# the broker's max_inflight_messages), BENCH_MQTT_SERVER_CONNS (4: anjian's mqtt.connections,
# the shared subscription's members), BENCH_MQTT_SETTING (mqtt.url=mqtt://HOST:PORT),
# BENCH_READINGS_METRIC (the /metrics series counting stored readings,
# anjian_monitor_readings_total), BENCH_LATENCY_LOAD_PCT (50), BENCH_THREADS (nproc).
set -euo pipefail

B=${1:-build-rel}
POINTS=${BENCH_INGEST_POINTS:-10000}
READINGS=${BENCH_INGEST_READINGS:-2000000}
BATCH=${BENCH_INGEST_BATCH:-200}
CONNS=${BENCH_INGEST_CONNS:-4}
IBATCH=${BENCH_INFLUX_BATCH:-5000}
IWRITERS=${BENCH_INFLUX_WRITERS:-4}
ALARMS=${BENCH_ALARMS:-200}
ALARM_TAGS=${BENCH_ALARM_TAGS:-20}
ALARM_INTERVAL=${BENCH_ALARM_INTERVAL_MS:-10}
EVAL_READINGS=${BENCH_EVAL_READINGS:-20000000}
TIMEOUT=${BENCH_INGEST_TIMEOUT:-300}
INFLIGHT=${BENCH_MQTT_INFLIGHT:-100}
SCONNS=${BENCH_MQTT_SERVER_CONNS:-4}
LAT_PCT=${BENCH_LATENCY_LOAD_PCT:-50}
THREADS=${BENCH_THREADS:-$(nproc)}
HOST=127.0.0.1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() {
	echo "bench/ingest: $*" >&2
	exit 1
}
B=$(cd "$B" && pwd) || die "no build directory"
BIN=$B/anjian
LOAD=$B/bench_ingest_load
[[ -x $LOAD ]] || die "no $LOAD (ninja -C $B bench_ingest_load; needs libmosquitto-dev)"
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
INFLUXD=$(command -v influxd || echo /usr/bin/influxd)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/anjian-ingest-bench.XXXXXX")
PIDS=()
cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
stop() { # PID
	local pid=$1 i keep=() p
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kv() { sed -n "s/^$1=//p" "$2" | tail -n1; } # KEY FILE
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > a) printf "%.0f", n / ((b - a) / 1e9) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2f", a / b; else printf "-" }'; }
fmt() { [[ -n $1 ]] && printf "%'d" "$1" 2>/dev/null || printf '%s' "${1:--}"; }
MESSAGES=$(((READINGS + BATCH - 1) / BATCH))
LOADT=(timeout "$TIMEOUT" "$LOAD") # every load generator bounded in time
# CPU accounting, so that each figure says what limited it: busy and all clock ticks of the
# machine (/proc/stat), and a process's own (utime + stime of /proc/PID/stat).
HZ=$(getconf CLK_TCK)
cpu_all() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_begin() { # PID... : remember the counters
	CPU0=$(cpu_all)
	CPU_PIDS=("$@")
	CPU_OF0=()
	local p
	for p in "$@"; do CPU_OF0+=("$(cpu_of "$p")"); done
}
cpu_end() { # NAME... (one a PID of cpu_begin): prints the CPU seconds of each and of the machine
	local now i out="" busy all
	now=$(cpu_all)
	for ((i = 0; i < ${#CPU_PIDS[@]}; i++)); do
		out+="${1:-?} $(awk -v a="${CPU_OF0[$i]}" -v b="$(cpu_of "${CPU_PIDS[$i]}")" -v hz="$HZ" \
			'BEGIN { printf "%.1f", (b - a) / hz }') s, "
		shift || true
	done
	read -r busy all < <(echo "$CPU0 $now" | awk '{ print $3 - $1, $4 - $2 }')
	echo "  CPU: ${out}the machine busy $(awk -v b="$busy" -v a="$all" 'BEGIN { if (a > 0) printf "%.0f", 100 * b / a }') %" \
		"($(awk -v b="$busy" -v hz="$HZ" 'BEGIN { printf "%.1f", b / hz }') CPU-s, the rest: load generators and other processes)"
}
# Figures, filled as the parts run ("" = not measured) and why not.
A_EVAL='' A_DECODE='' B_RUNTIME='' C_MOSQ='' C_INFLUX='' B_RATE='' B_LAT_LOAD='' B_P50='' B_P99='' B_MAX='' B_EVENTS=''
declare -A WHY=()

echo
echo "== issue 6: ingest, $(fmt "$READINGS") readings over $(fmt "$POINTS") points ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "source: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown), $(nproc) CPUs," \
	"MQTT $BATCH readings a message over $CONNS publishers, InfluxDB $IBATCH lines a request over $IWRITERS writers"

# ------------------------------------------------------------------ (a) in process
if [[ -x $B/bench_monitor ]]; then
	"$B/bench_monitor" "$EVAL_READINGS" "$POINTS" >"$TMP/a.out"
	cat "$TMP/a.out"
	A_EVAL=$(sed -n 's/^alarm_eval:.*: \([0-9.]*\) M readings\/s per core.*/\1/p' "$TMP/a.out" |
		awk '{ printf "%.0f", $1 * 1e6 }')
else
	WHY[a_eval]="no $B/bench_monitor"
fi
if [[ -x $B/bench_decode ]]; then
	"$B/bench_decode" "$EVAL_READINGS" "$POINTS" "$BATCH" >"$TMP/a2.out" ||
		WHY[a_decode]="bench_decode failed"
	cat "$TMP/a2.out"
	A_DECODE=$(sed -n 's/^decode+eval:.*: \([0-9.]*\) M readings\/s per core.*/\1/p' "$TMP/a2.out" |
		awk '{ printf "%.0f", $1 * 1e6 }')
else
	WHY[a_decode]="no $B/bench_decode: this build has no payload decoder (src/monitor/payload.h)"
fi

# ------------------------------------------------------------------ the runtime alone
# (b) without broker, network and decoding: where the end-to-end figure's time goes.
if [[ -x $B/bench_ingest_runtime ]]; then
	"$B/bench_ingest_runtime" "$READINGS" "$POINTS" "$BATCH" "$CONNS" >"$TMP/rt.out" 2>"$TMP/rt.err" ||
		WHY[rt]="bench_ingest_runtime failed"
	cat "$TMP/rt.out"
	B_RUNTIME=$(sed -n 's/^runtime:.*: \([0-9]*\) readings\/s.*/\1/p' "$TMP/rt.out")
else
	WHY[rt]="no $B/bench_ingest_runtime"
fi

# ------------------------------------------------------------------ mosquitto
MQTT_PORT=
if [[ -x $MOSQUITTO ]]; then
	MQTT_PORT=$(free_port)
	cat >"$TMP/mosquitto.conf" <<EOF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages $INFLIGHT
max_queued_messages 0
log_dest file $TMP/mosquitto.log
EOF
	"$MOSQUITTO" -c "$TMP/mosquitto.conf" >/dev/null 2>&1 &
	MQTT_PID=$!
	PIDS+=("$MQTT_PID")
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/$HOST/$MQTT_PORT") 2>/dev/null && break
		sleep 0.05
	done
	echo "mosquitto $("$MOSQUITTO" -h 2>/dev/null | sed -n 's/^mosquitto version //p' | head -n1) on port $MQTT_PORT"
else
	WHY[mosq]="mosquitto is not installed (scripts/deps.sh bench)"
fi

# ------------------------------------------------------------------ (c1) mosquitto alone
if [[ -n $MQTT_PORT ]]; then
	"$LOAD" sub "$HOST" "$MQTT_PORT" 'anjian/v1/+/readings' "$MESSAGES" "$TIMEOUT" >"$TMP/sub.out" &
	SUB=$!
	PIDS+=("$SUB")
	for ((i = 0; i < 100; i++)); do grep -q '^ready=1' "$TMP/sub.out" && break; sleep 0.05; done
	cpu_begin "$MQTT_PID"
	"${LOADT[@]}" pub "$HOST" "$MQTT_PORT" 911111111111111111 "$POINTS" "$READINGS" "$BATCH" "$CONNS" >"$TMP/pub0.out" ||
		echo "bench/ingest: the publishers failed or timed out" >&2
	if wait "$SUB"; then
		C_MOSQ=$(rate "$READINGS" "$(kv t_start_ns "$TMP/pub0.out")" "$(kv t_last_ns "$TMP/sub.out")")
	else
		WHY[mosq]="the subscriber got $(kv messages "$TMP/sub.out") of $MESSAGES messages"
	fi
	PIDS=("${PIDS[@]/$SUB/}")
	echo "mosquitto alone: publishers $(fmt "$(kv rate "$TMP/pub0.out")") readings/s acknowledged," \
		"publish -> subscriber $(fmt "$C_MOSQ") readings/s"
	cpu_end mosquitto
fi

# ------------------------------------------------------------------ (c2) InfluxDB
if [[ -x $INFLUXD ]]; then
	IPORT=$(free_port)
	RPORT=$(free_port)
	mkdir -p "$TMP/influx"
	cat >"$TMP/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$RPORT"
[meta]
  dir = "$TMP/influx/meta"
[data]
  dir = "$TMP/influx/data"
  wal-dir = "$TMP/influx/wal"
  query-log-enabled = false
[coordinator]
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$IPORT"
  log-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
EOF
	"$INFLUXD" -config "$TMP/influxdb.conf" >"$TMP/influxd.log" 2>&1 &
	IPID=$!
	PIDS+=("$IPID")
	for ((i = 0; i < 200; i++)); do
		[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$IPORT/ping") == 204 ]] && break
		sleep 0.05
	done
	IVER=$(curl -sI "http://$HOST:$IPORT/ping" | sed -n 's/^X-Influxdb-Version: *//Ip' | tr -d '\r')
	curl -sf -XPOST "http://$HOST:$IPORT/query" --data-urlencode 'q=CREATE DATABASE bench' >/dev/null ||
		die "InfluxDB: CREATE DATABASE failed ($TMP/influxd.log)"
	cpu_begin "$IPID"
	if "${LOADT[@]}" influx "$HOST" "$IPORT" bench "$POINTS" "$READINGS" "$IBATCH" "$IWRITERS" >"$TMP/influx.out"; then
		cpu_end influxd
		C_INFLUX=$(kv rate "$TMP/influx.out")
		ICOUNT=$(curl -s -G "http://$HOST:$IPORT/query" --data-urlencode db=bench \
			--data-urlencode 'q=SELECT count(v) FROM r' |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["series"][0]["values"][0][1])' ||
			echo 0)
		if [[ $ICOUNT != "$READINGS" ]]; then
			WHY[influx]="InfluxDB counts $ICOUNT of $READINGS readings"
			C_INFLUX=
		fi
		echo "InfluxDB $IVER: $(fmt "$C_INFLUX") readings/s, SELECT count(v) = $ICOUNT"
	else
		WHY[influx]="the line-protocol writers got errors (see above)"
	fi
	stop "$IPID"
else
	WHY[influx]="influxd is not installed (scripts/deps.sh bench)"
fi

# ------------------------------------------------------------------ (b) end to end
e2e() {
	[[ -x $BIN ]] || { WHY[b]="no $BIN"; return; }
	[[ -n $MQTT_PORT ]] || { WHY[b]="no mosquitto"; return; }
	local db=$TMP/anjian.db setting port='' pw token i j n ent uscc target
	"$BIN" demo load --db "$db" --data-dir "$ROOT/data" >"$TMP/demo.out" 2>"$TMP/demo.err" ||
		{ WHY[b]="anjian demo load failed: $(tail -n1 "$TMP/demo.err")"; return; }
	pw=$(sed -n 's/.*password \/ 密码: *//p' "$TMP/demo.out" | head -n1)
	pw=${pw%$'\r'}
	# The points: one enterprise of the demo, tags B00000.. (pressure, set points 90/95 of
	# 0..100: the flood's 10..15 never alarms) and LAT000.. (set points 40/50, no delays).
	read -r ent uscc < <(python3 - "$db" "$POINTS" "$ALARM_TAGS" <<'EOF'
import sqlite3, sys, time
db, n, lat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
ent, uscc = con.execute("SELECT id, uscc FROM enterprise ORDER BY id LIMIT 1").fetchone()
now = int(time.time() * 1000)
rows = [(ent, "B%05d" % i, "bench point %d" % i, 90.0, 95.0) for i in range(n)]
rows += [(ent, "LAT%03d" % i, "latency point %d" % i, 40.0, 50.0) for i in range(lat)]
con.executemany(
    "INSERT INTO monitor_point (enterprise_id, tag, name, kind, unit, range_lo, range_hi,"
    " high1, high2, deadband, comms_timeout_ms, created_ms, updated_ms)"
    " VALUES (?, ?, ?, 'pressure', 'kPa', 0, 100, ?, ?, 0, 0, %d, %d)" % (now, now), rows)
con.commit()
print(ent, uscc)  # the enterprise id is printed for the log
EOF
	)
	[[ -n ${uscc:-} ]] || { WHY[b]="inserting the bench points into monitor_point failed"; return; }
	echo "points: $POINTS + $ALARM_TAGS latency points of enterprise $ent ($uscc)"
	setting=${BENCH_MQTT_SETTING:-mqtt.url=mqtt://$HOST:$MQTT_PORT}
	"$BIN" serve --db "$db" --data-dir "$ROOT/data" --listen "$HOST" --port 0 \
		--port-file "$TMP/port" --threads "$THREADS" --set log.access=false --set "$setting" --set "mqtt.connections=$SCONNS" \
		>"$TMP/serve.out" 2>"$TMP/serve.err" &
	SPID=$!
	PIDS+=("$SPID")
	for ((i = 0; i < 600; i++)); do
		if [[ -s $TMP/port ]]; then
			port=$(tr -dc 0-9 <"$TMP/port")
			curl -sf "http://$HOST:$port/healthz" >/dev/null && break
		fi
		kill -0 "$SPID" 2>/dev/null || {
			WHY[b]="anjian serve --set $setting did not start: $(tail -n1 "$TMP/serve.err")"
			return
		}
		sleep 0.05
	done
	# The generated admin password must be changed before anything but that (403).
	login() { # PASSWORD -> token
		curl -s "http://$HOST:$port/api/v1/session" -H 'Content-Type: application/json' \
			--data-binary "{\"login\":\"admin\",\"password\":$(json_str "$1")}" |
			sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p'
	}
	json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
	local newpw="Bench-$RANDOM$RANDOM-pw!"
	token=$(login "$pw")
	[[ -n $token ]] || { WHY[b]="admin login failed"; return; }
	curl -s -o /dev/null "http://$HOST:$port/api/v1/me/password" -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' \
		--data-binary "{\"old_password\":$(json_str "$pw"),\"new_password\":$(json_str "$newpw")}"
	token=$(login "$newpw")
	[[ -n $token ]] || { WHY[b]="admin login with the changed password failed"; return; }
	counter() { # the readings counted on /metrics, -1 when not there
		curl -s -H "Authorization: Bearer $token" "http://$HOST:$port/metrics" |
			awk -v want="${BENCH_READINGS_METRIC:-anjian_monitor_readings_total}" '
				$1 == want { v = $NF } END { print (v == "" ? -1 : v) }
			'
	}
	n=$(counter)
	((n >= 0)) || { WHY[b]="no readings counter on /metrics (BENCH_READINGS_METRIC)"; return; }
	local cached
	cached=$(curl -s -H "Authorization: Bearer $token" "http://$HOST:$port/metrics" |
		awk '$1 == "anjian_monitor_points" { print $2 }')
	[[ -z $cached ]] || ((cached >= POINTS + ALARM_TAGS)) ||
		{ WHY[b]="the runtime has $cached points in its cache, not $((POINTS + ALARM_TAGS))"; return; }
	curl -s -o /dev/null "http://$HOST:$port/api/v1/monitor/stream" -m 1 -H "Authorization: Bearer $token" -w '%{http_code}' >"$TMP/sse.code" || true
	local has_sse=1 sse=''
	[[ $(cat "$TMP/sse.code") == 200 ]] ||
		{ WHY[lat]="GET /api/v1/monitor/stream answers $(cat "$TMP/sse.code"): no latency"; has_sse=0; }
	# Subscribed? One reading of LAT000 (0: normal, no transition) until the counter moves.
	local m
	for ((i = 0; i < 60; i++)); do
		"$LOAD" one "$HOST" "$MQTT_PORT" "$uscc" LAT000 0 || true
		for ((j = 0; j < 10; j++)); do
			m=$(counter)
			((m > n)) && break 2
			sleep 0.1
		done
	done
	((m > n)) || { WHY[b]="the server did not count a probe reading published to MQTT within 60 s"; return; }
	# Phase 1, throughput: the flood alone, as fast as the broker takes it.
	n=$(counter)
	cpu_begin "$SPID" "$MQTT_PID"
	"${LOADT[@]}" pub "$HOST" "$MQTT_PORT" "$uscc" "$POINTS" "$READINGS" "$BATCH" "$CONNS" >"$TMP/pub1.out" ||
		{ WHY[b]="the flood's publishers failed or timed out"; return; }
	local t0 t1 deadline=$((SECONDS + TIMEOUT))
	target=$((n + READINGS))
	t0=$(kv t_start_ns "$TMP/pub1.out")
	while (($(counter) < target)) && ((SECONDS < deadline)); do sleep 0.05; done
	t1=$(date +%s%N)
	n=$(counter)
	cpu_end anjian mosquitto
	if ((n >= target)); then
		B_RATE=$(rate "$READINGS" "$t0" "$t1")
	else
		WHY[b]="the server counted $((n - target + READINGS)) of $READINGS readings within $TIMEOUT s"
		return
	fi
	echo "anjian: publishers $(fmt "$(kv rate "$TMP/pub1.out")") readings/s acknowledged by the broker," \
		"committed $(fmt "$B_RATE") readings/s"
	# Phase 2, latency: a load paced at LAT_PCT % of that rate while the alarm publisher runs.
	# (In a flood beyond capacity an alarm waits behind the whole backlog, in the broker and in
	# the runtime's arrival order: its latency is backlog / rate, not a property of the path.)
	((has_sse)) || return 0
	local paced_rate paced_n secs
	paced_rate=$((B_RATE * LAT_PCT / 100))
	secs=$(((ALARMS * 2 * ALARM_INTERVAL + 999) / 1000 + 1))
	paced_n=$((paced_rate * secs / BATCH * BATCH))
	((paced_n >= BATCH)) || paced_n=$BATCH
	"$LOAD" sse "$HOST" "$port" "$token" "$ALARMS" "$TIMEOUT" >"$TMP/sse.out" &
	sse=$!
	PIDS+=("$sse")
	for ((i = 0; i < 100; i++)); do grep -q '^ready=1' "$TMP/sse.out" && break; sleep 0.05; done
	sleep 0.5
	cpu_begin "$SPID" "$MQTT_PID"
	BENCH_PUB_RATE=$paced_rate BENCH_TS_BASE=$(($(kv ts_base_ms "$TMP/pub1.out") + (READINGS / POINTS + 1) * 1000)) \
		"${LOADT[@]}" pub "$HOST" "$MQTT_PORT" "$uscc" "$POINTS" "$paced_n" "$BATCH" "$CONNS" >"$TMP/pub2.out" &
	local paced=$!
	PIDS+=("$paced")
	"${LOADT[@]}" alarms "$HOST" "$MQTT_PORT" "$uscc" "$ALARM_TAGS" "$ALARMS" "$ALARM_INTERVAL" >"$TMP/alarms.out" ||
		WHY[lat]="the alarm publisher failed or timed out"
	wait "$paced" || WHY[lat]="the paced publishers failed or timed out"
	# the last alarms' events have a few seconds more, then the probe stops
	for ((i = 0; i < 50; i++)); do kill -0 "$sse" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$sse" 2>/dev/null || true
	wait "$sse" || true
	cpu_end anjian mosquitto
	B_LAT_LOAD=$(rate "$paced_n" "$(kv t_start_ns "$TMP/pub2.out")" "$(kv t_end_ns "$TMP/pub2.out")")
	B_EVENTS=$(kv alarm_events "$TMP/sse.out")
	B_P50=$(kv p50_ms "$TMP/sse.out")
	B_P99=$(kv p99_ms "$TMP/sse.out")
	B_MAX=$(kv max_ms "$TMP/sse.out")
	echo "anjian: $(fmt "$B_LAT_LOAD") readings/s paced; ${B_EVENTS:-0} of $ALARMS alarms over SSE," \
		"p50 ${B_P50:--} ms, p99 ${B_P99:--} ms, max ${B_MAX:--} ms; serve RSS" \
		"$(awk '/VmHWM/ { printf "%.0f MB peak", $2 / 1024 }' "/proc/$SPID/status" 2>/dev/null)"
	stop "$SPID"
}
e2e

# ------------------------------------------------------------------ the table
row() { printf '%-58s %24s   %s\n' "$1" "$2" "$3"; }
echo
row "figure" "readings/s" "aim / note"
row "(a) alarm_eval alone in process, per core" "$(fmt "$A_EVAL")" "${WHY[a_eval]:-no decoding: for reference}"
row "(a) decode + evaluate in process, per core" "$(fmt "$A_DECODE")" "${WHY[a_decode]:->= 5M/s}"
row "(b) the runtime alone: monitor_ingest from $CONNS threads" "$(fmt "$B_RUNTIME")" "${WHY[rt]:-no broker, network, decoding: for reference}"
row "(b) MQTT -> anjian -> SOE + store committed" "$(fmt "$B_RATE")" "${WHY[b]:->= 1M/s}"
row "(b) alarm latency publish -> SSE p50 / p99 / max (ms)" "${B_P50:--} / ${B_P99:--} / ${B_MAX:--}" "p99 <= 50 ms; ${B_EVENTS:-0} of $ALARMS alarms at $(fmt "$B_LAT_LOAD") readings/s ($LAT_PCT % of (b)) ${WHY[lat]:-}"
row "(c) InfluxDB line protocol over HTTP" "$(fmt "$C_INFLUX")" "${WHY[influx]:-}"
row "(c) mosquitto alone, publish -> subscribe (ceiling)" "$(fmt "$C_MOSQ")" "${WHY[mosq]:-}"
row "ratio (b) / InfluxDB" "$(ratio "$B_RATE" "$C_INFLUX")" ">= 3"
row "ratio (b) / mosquitto ceiling" "$(ratio "$B_RATE" "$C_MOSQ")" ""
