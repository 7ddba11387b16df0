#!/bin/sh
# fuzz/run.sh BUILD RUNS [TARGET...] -- runs each libFuzzer target of the build
# tree BUILD (configured with -DCF_FUZZ=ON) for RUNS executions (libFuzzer's
# -runs: the seeds' first pass included), one target after another, and prints
# one line per target: executions, seconds, corpus size, findings.
#
# TARGET is workflow, import, catalog, request or period (default: all five).
# The seeds are made afresh from the project's files (fuzz/seeds.sh). The
# corpus each target grows is kept in $FUZZ_WORK/corpus/TARGET (default
# BUILD/fuzz-work), so a long run continues where the last one stopped; with
# FUZZ_FRESH=1 it starts empty and is removed afterwards (the short CI run).
# A finding is written to $FUZZ_WORK/artifacts/TARGET/ and the whole log is
# kept in $FUZZ_WORK/TARGET.log. FUZZ_JOBS=N runs N processes per target
# (libFuzzer -jobs/-workers; -runs then applies to each). Exits 1 if any target
# found something.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: fuzz/run.sh BUILD RUNS [TARGET...]}" && pwd)
RUNS=${2:?usage: fuzz/run.sh BUILD RUNS [TARGET...]}
shift 2
TARGETS=${*:-workflow import catalog request period}
WORK=${FUZZ_WORK:-$BUILD/fuzz-work}
# the importer's readers are in the document module, built beside the caseflow binary
export CASEFLOW_DOCS_MODULE=${CASEFLOW_DOCS_MODULE:-$BUILD/api/caseflow-docs.so}
mkdir -p "$WORK"
cd "$WORK" || exit 2 # -jobs writes its fuzz-N.log files here
sh "$SRC/fuzz/seeds.sh" "$WORK/seeds" || exit 2
failed=0
for t in $TARGETS; do
    bin="$BUILD/fuzz/fuzz-$t"
    if [ ! -x "$bin" ]; then
        echo "fuzz-$t: not built ($bin)"
        exit 2
    fi
    case $t in
    import | catalog) maxlen=100000 ;;
    workflow) maxlen=40000 ;;
    request) maxlen=4096 ;;
    *) maxlen=256 ;;
    esac
    corpus="$WORK/corpus/$t"
    [ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$corpus"
    mkdir -p "$corpus" "$WORK/artifacts/$t"
    dict=""
    [ -f "$WORK/seeds/$t.dict" ] && dict="-dict=$WORK/seeds/$t.dict"
    jobs=""
    [ -n "${FUZZ_JOBS:-}" ] && jobs="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
    rm -f "$WORK"/fuzz-*.log
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$bin" -runs="$RUNS" -max_len=$maxlen -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$WORK/artifacts/$t/" $dict $jobs "$corpus" "$WORK/seeds/$t" \
        > "$WORK/$t.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    execs=$(grep -h 'stat::number_of_executed_units' "$WORK/$t.log" "$WORK"/fuzz-*.log 2>/dev/null |
        awk '{ s += $2 } END { print s + 0 }')
    size=$(find "$corpus" -type f | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz-$t: $execs executions in ${secs}s, corpus $size, no findings"
    else
        failed=1
        echo "fuzz-$t: FINDING after ${secs}s (exit $rc): $(ls "$WORK/artifacts/$t" | head -3)"
        grep -E 'ERROR|SUMMARY|property broken|runtime error' "$WORK/$t.log" | head -5
        echo "  log: $WORK/$t.log"
    fi
    [ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$corpus"
done
exit $failed
