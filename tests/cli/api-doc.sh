#!/bin/sh
# cli-api-doc: docs/api.md's quick start runs as written (on another port), the
# stale If-Match is answered 409, and the daemon exits 0 on SIGTERM.
# Usage: api-doc.sh CASEFLOW_BINARY   (run from the source root)
# Exits 77 (skipped) when the curl command is not installed.
set -eu
command -v curl >/dev/null 2>&1 || { echo "curl is not installed: skipped"; exit 77; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
. "$(dirname "$0")/lib.sh"
cf_setup
mkdir "$tmp/bin"
ln -s "$bin" "$tmp/bin/caseflow"
# The example listens on a fixed address: a port another program holds at that moment is
# tried again with the next one (the example itself waits for /healthz forever).
for try in 1 2 3 4 5; do
    port=$(cf_port "$try")
    cf_block api-example docs/api.md | sed "s/127\.0\.0\.1:8080/127.0.0.1:$port/g" > "$tmp/example"
    grep -q "caseflow serve" "$tmp/example" || { echo "no example found in docs/api.md" >&2; exit 1; }
    rm -rf "$tmp/run"
    mkdir "$tmp/run"
    ln -s "$src/workflows" "$tmp/run/workflows"
    (cd "$tmp/run" && export PATH="$tmp/bin:$PATH" && exec timeout 60 sh -e "$tmp/example") > "$tmp/out" 2>&1 &
    ex=$!
    while kill -0 "$ex" 2> /dev/null && ! grep -q "address already in use" "$tmp/out"; do sleep 0.1; done
    if grep -q "address already in use" "$tmp/out"; then
        kill "$ex" 2> /dev/null
        wait "$ex" 2> /dev/null || :
        continue
    fi
    wait "$ex" || { cat "$tmp/out"; exit 1; }
    break
done
grep -qx 409 "$tmp/out" || { cat "$tmp/out"; echo "the stale version was not refused" >&2; exit 1; }
grep -q '"state":"investigating"' "$tmp/out" || { cat "$tmp/out"; echo "not filed" >&2; exit 1; }
grep -q '^caseflow_commits_total ' "$tmp/out" || { cat "$tmp/out"; echo "no metrics" >&2; exit 1; }
echo "1 passed, 0 failed"
