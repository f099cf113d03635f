# The two commands: `make run` and `make test` (see README.md).
# Everything is built with Meson into build/ (normal) and build-san/ (ASan+UBSan).

DB ?= var/anjian.db

.PHONY: all build run test bench bench-ingest clean deps

all: build web/dist

deps:
	@scripts/deps.sh build

build: deps
	@[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
	@ninja -C build anjian

build-san/build.ninja:
	meson setup build-san --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null

# The web UI (web/, Vue 3 + Vite): `npm ci` only when node_modules is missing or the lock
# changed, `npm run build` (vue-tsc type check + vite build) only when a source changed.
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/package.json

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build
	@touch $@

run: build web/dist
	./build/anjian serve --db $(DB) --demo

# Reconfigure so that test dependencies installed since the last setup are found.
test:
	@scripts/deps.sh test
	@if [ -f build/build.ninja ]; then meson setup --reconfigure build >/dev/null; \
	 else meson setup build --buildtype=debugoptimized >/dev/null; fi
	@ninja -C build
	@$(MAKE) --no-print-directory build-san/build.ninja
	@meson setup --reconfigure build-san >/dev/null
	@ninja -C build-san
	@$(MAKE) --no-print-directory web/dist || echo "make test: the web UI did not build; the browser tests will fail"
	@meson test -C build --print-errorlogs --num-processes 2 || true
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-san --print-errorlogs --num-processes 2 --timeout-multiplier 4 || true
	@python3 scripts/test_summary.py build build-san

bench:
	@scripts/deps.sh bench
	@[ -f build-rel/build.ninja ] || meson setup build-rel --buildtype=release >/dev/null
	@ninja -C build-rel anjian
	bench/run.sh build-rel/anjian

# Issue 6's ingest benchmark (bench/ingest.sh): mosquitto, InfluxDB and anjian on 127.0.0.1.
bench-ingest:
	@scripts/deps.sh bench
	@[ -f build-rel/build.ninja ] || meson setup build-rel --buildtype=release >/dev/null
	@ninja -C build-rel -t targets all | grep -q '^bench_ingest_load:' || \
		meson setup --reconfigure build-rel >/dev/null
	@ninja -C build-rel anjian bench_monitor bench_ingest_runtime bench_ingest_load \
		$$([ -f src/monitor/payload.h ] && echo bench_decode)
	bench/ingest.sh build-rel

clean:
	rm -rf build build-san build-rel web/dist
