# Convenience wrapper around CMake. The two commands a newcomer needs:
#   make run    install what is missing, build, run the worked example on SQLite, then serve
#               it for the workbench until Ctrl-C (CASEFLOW_RUN_SERVE=0: the example only)
#   make test   build and run the whole test suite
# Others: make sanitize (tests under ASan+UBSan), make format, make check-format (lists
# what make format would change; exit 1 if anything), make clean.
BUILD ?= build
SAN_BUILD ?= build-san
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test sanitize format check-format clean deb install

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: deps build
	CASEFLOW=$(BUILD)/api/caseflow examples/penalty-walkthrough.sh

test: deps build
	cd $(BUILD) && ctest --output-on-failure

sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure

# OPERATE (docs/operations.md): make install (PREFIX=/usr/local unless given) and
# make deb (caseflow_VERSION_ARCH.deb in DEB_OUT, built with dpkg-deb from $(BUILD))
PREFIX ?= /usr/local
DEB_OUT ?= .
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

deb: deps build
	scripts/make-deb.sh $(BUILD) $(DEB_OUT)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	scripts/check-format.sh

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

# Reliability (docs/reliability.md), none of them part of make test:
#   make fuzz      clang + libFuzzer: each target FUZZ_RUNS executions (long; FUZZ_TARGETS picks)
#   make crash     the crash test's long form: CRASH_CYCLES SIGKILLs, result into the doc
#   make crash-pg  three nodes on PostgreSQL: CRASH_PG_CYCLES cycles (a node killed, the
#                  database restarted), result into the doc
#   make valgrind  the daemon tests (serve-*, concurrency-*, fuzz-*) under memcheck
.PHONY: fuzz crash crash-pg valgrind
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS ?= 1000000
FUZZ_TARGETS ?=
fuzz:
	@scripts/install-deps.sh fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCF_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz-all
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_RUNS) $(FUZZ_TARGETS)

CRASH_CYCLES ?= 100
crash: deps build
	tests/crash/crash.sh --cycles $(CRASH_CYCLES) --record docs/reliability.md \
	  $(BUILD)/api/caseflow $(BUILD)/tests/crash/caseflow-crash

CRASH_PG_CYCLES ?= 12
crash-pg: deps build
	tests/crash/crash-pg.sh --cycles $(CRASH_PG_CYCLES) --record docs/reliability.md \
	  $(BUILD)/api/caseflow $(BUILD)/tests/crash/caseflow-crash

VG_BUILD ?= build-vg
valgrind:
	@scripts/install-deps.sh valgrind
	cmake -S . -B $(VG_BUILD) -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(VG_BUILD) -j $(JOBS)
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  --show-leak-kinds=definite --suppressions=tests/valgrind.supp $(VG_BUILD)/tests/caseflow-tests \
	  $$($(VG_BUILD)/tests/caseflow-tests --list | grep -E '^(serve|concurrency|fuzz)_')

# make bench: the benchmark of docs/performance.md (about ten minutes; BENCH_FLAGS=--quick
# for a short trial run). Its own build directory; never part of make test.
BENCH_BUILD ?= build-bench
.PHONY: bench
bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCF_BENCH=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target caseflow caseflow-bench
	bench/run.sh $(BENCH_FLAGS) $(BENCH_BUILD)
