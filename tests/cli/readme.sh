#!/bin/sh
# cli-readme: the README's worked example is exactly examples/penalty-walkthrough.sh,
# and it runs as written, ending with the case archived.
# Usage: readme.sh CASEFLOW_BINARY   (run from the source root)
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
cf_setup
cf_block example README.md > "$tmp/readme"
sed -n '/^# --- example:begin/,/^# --- example:end/p' examples/penalty-walkthrough.sh | sed '1d;$d' > "$tmp/script"
if ! diff -u "$tmp/script" "$tmp/readme"; then
    echo "README example and examples/penalty-walkthrough.sh differ" >&2
    exit 1
fi
mkdir "$tmp/bin"
ln -s "$bin" "$tmp/bin/caseflow"
export CASEFLOW_DB="$tmp/demo.db"
PATH="$tmp/bin:$PATH" sh -e "$tmp/readme" > "$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
grep -q "refused (exit 4)" "$tmp/out" || { cat "$tmp/out"; echo "the refusal step did not refuse" >&2; exit 1; }
grep -q "deadline 2025-10-16T23:59:59+08:00" "$tmp/out" || { cat "$tmp/out"; echo "service deadline missing" >&2; exit 1; }
"$bin" --json case show 1 | grep -q '"state": "archived"' || { echo "case 1 is not archived" >&2; exit 1; }
echo "1 passed, 0 failed"
