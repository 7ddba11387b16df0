#!/bin/sh
# startup-cost.sh -- what a start of `caseflow` costs before it does its work, counted
# (not timed: the counts do not depend on the machine's load). For three commands:
#   --version           the binary loaded and nothing else
#   case show 1         a command line that reads one case
#   serve               `caseflow serve` from exec to its first answer (GET /healthz)
# each: the shared libraries loaded (LD_DEBUG=statistics's objects, i.e. ldd's
# list plus what the command dlopens), the dynamic linker's relocations, and the
# instructions (valgrind --tool=callgrind), all of them and the dynamic linker's
# own (the functions in ld-linux). The serve figure is callgrind's dump taken just
# before the first access line is written (--dump-before=log_access).
# Usage: bench/startup-cost.sh CASEFLOW_BINARY [DB]   (from the source root; DB: a
#        database to serve instead of a fresh one holding one case)
# docs/performance.md ("Restart after downtime") has the figures it printed.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2> /dev/null; rm -rf "$tmp"' EXIT
if [ $# -ge 2 ]; then
    db=$2
else
    db=$tmp/cost.db
    CASEFLOW_DB=$db "$bin" init --workflows "$src/workflows" > /dev/null || exit 1
    CASEFLOW_DB=$db "$bin" case open --workflow supervision --party 甲医院 > /dev/null || exit 1
fi

# objects loaded and relocations: LD_DEBUG=statistics ARGS (on standard error)
linker() {
    LD_DEBUG=statistics LD_DEBUG_OUTPUT=$tmp/ld "$@" > /dev/null 2>&1
    f=$(find "$tmp" -name "ld.*" | head -n 1)
    rel=$(sed -n 's/.*final number of relocations: *\([0-9]*\).*/\1/p' "$f" | tail -n 1)
    rm -f "$tmp"/ld.*
    # the objects: the process's maps hold each once it is loaded; count them with
    # LD_DEBUG=files's "calling init" lines (one per object initialized, the main
    # program not counted)
    LD_DEBUG=files LD_DEBUG_OUTPUT=$tmp/ld "$@" > /dev/null 2>&1
    objs=$(cat "$tmp"/ld.* | grep -c 'calling init:')
    rm -f "$tmp"/ld.*
    echo "libraries $objs relocations $rel"
}

# instructions of callgrind file $1: all, and those of the dynamic linker's functions
instr() {
    total=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$1" | head -n 1)
    ld=$(callgrind_annotate --threshold=100 "$1" 2> /dev/null |
        awk '/ld-linux/ { gsub(",", "", $1); s += $1 } END { printf "%d", s }')
    echo "instructions $total dynamic_linker $ld"
}

cg() {
    out=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > /dev/null 2>&1
}

echo "--version: $(linker "$bin" --version) $(cg "$tmp/v.out" "$bin" --version && instr "$tmp/v.out")"
export CASEFLOW_DB="$db"
echo "case show: $(linker "$bin" case show 1) $(cg "$tmp/s.out" "$bin" case show 1 && instr "$tmp/s.out")"

# serve: to the first answer, under callgrind; then the same without it for the
# linker's figures (the daemon stopped by SIGTERM once it answered)
serve_first() {
    : > "$tmp/serve.out" # before the daemon's shell opens it: polled below
    "$@" serve --listen 127.0.0.1:0 > "$tmp/serve.out" 2> "$tmp/serve.err" &
    pid=$!
    port=""
    for _ in $(seq 1 600); do
        port=$(sed -n 's/^caseflow: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/serve.out")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$tmp/serve.err" >&2; echo "the daemon did not start" >&2; exit 1; }
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz"
}
serve_first valgrind --tool=callgrind --callgrind-out-file="$tmp/d.out" \
    --dump-before=log_access "$bin"
for _ in $(seq 1 300); do
    [ -s "$tmp/d.out.1" ] && break
    sleep 0.1
done
kill "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
pid=""
sleep 0.5
d=$(instr "$tmp/d.out.1")
serve_first env LD_DEBUG=statistics,files LD_DEBUG_OUTPUT="$tmp/ld" "$bin"
kill "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
pid=""
rel=$(cat "$tmp"/ld.* | sed -n 's/.*final number of relocations: *\([0-9]*\).*/\1/p' | tail -n 1)
objs=$(cat "$tmp"/ld.* | grep -c 'calling init:')
echo "serve: libraries $objs relocations $rel $d"
