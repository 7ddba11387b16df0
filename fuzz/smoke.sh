#!/bin/sh
# fuzz/smoke.sh DIR -- the short fuzz run of the normal test suite (ctest
# fuzz_smoke): if clang with libFuzzer is here, configures DIR as a CF_FUZZ=ON
# build tree, builds the five targets and runs each for FUZZ_SMOKE_RUNS (2000)
# executions from the seeds. Without clang it says so and exits 77, which ctest
# reports as skipped (`scripts/install-deps.sh fuzz` installs clang and
# libclang-rt-14-dev). The long runs are `make fuzz`.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:?usage: fuzz/smoke.sh DIR}
CC_FUZZ=${CF_FUZZ_CC:-clang}
if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
    echo "fuzz_smoke: skipped: $CC_FUZZ not found (scripts/install-deps.sh fuzz installs it)"
    exit 77
fi
probe=$(mktemp -d)
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
    > "$probe/p.c"
if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
    rm -rf "$probe"
    echo "fuzz_smoke: skipped: $CC_FUZZ cannot link libFuzzer (install libclang-rt-14-dev)"
    exit 77
fi
rm -rf "$probe"
JOBS=$(nproc 2>/dev/null || echo 2)
if [ ! -f "$DIR/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$DIR" -DCF_FUZZ=ON -DCMAKE_C_COMPILER="$CC_FUZZ" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
fi
cmake --build "$DIR" --target fuzz-all -j "$JOBS" >"$DIR/build.log" 2>&1 || {
    tail -30 "$DIR/build.log"
    exit 1
}
FUZZ_FRESH=1 exec sh "$SRC/fuzz/run.sh" "$DIR" "${FUZZ_SMOKE_RUNS:-2000}"
