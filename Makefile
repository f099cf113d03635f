# The two commands: `make run` and `make test` (see README.md).
# Everything is built with Meson into build/ (normal) and build-san/ (ASan+UBSan).

DB ?= var/anjian.db

.PHONY: all build run test bench clean deps

all: build

deps:
	@scripts/deps.sh build

build: deps
	@[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
	@ninja -C build anjian

build-san/build.ninja:
	meson setup build-san --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null

run: build
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
	@meson test -C build --print-errorlogs --num-processes 2 || true
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-san --print-errorlogs --num-processes 2 --timeout-multiplier 4 || true
	@python3 scripts/test_summary.py build build-san

bench:
	@scripts/deps.sh bench
	@[ -f build-rel/build.ninja ] || meson setup build-rel --buildtype=release >/dev/null
	@ninja -C build-rel anjian
	bench/run.sh build-rel/anjian

clean:
	rm -rf build build-san build-rel
