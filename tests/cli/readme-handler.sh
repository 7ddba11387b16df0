#!/bin/sh
# cli-readme-handler: README's "What a case handler does" runs as written, from the
# source root on a new database, in one shell: its first block (init to alert
# deliveries) on the day the case is opened, its second (case extend, case exclude) on
# a day after the 鉴定 it records. The clock is fixed (CASEFLOW_NOW, and a `date` that prints it, for the
# block's `date -Iseconds`), so that the result does not depend on today.
# Usage: readme-handler.sh CASEFLOW_BINARY   (run from the source root)
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
. "$(dirname "$0")/lib.sh"
cf_setup
mkdir "$tmp/run" "$tmp/run/build" "$tmp/run/build/api" "$tmp/bin"
ln -s "$bin" "$tmp/run/build/api/caseflow"
ln -s "$src/workflows" "$tmp/run/workflows"
ln -s "$src/examples" "$tmp/run/examples"
# shellcheck disable=SC2016 # the variable is the script's, expanded when it runs
printf '#!/bin/sh\necho "$CASEFLOW_NOW"\n' > "$tmp/bin/date"
chmod +x "$tmp/bin/date"
cf_block handler README.md > "$tmp/handler"
cf_block handler-clocks README.md > "$tmp/clocks"
if ! grep -q "caseflow record add" "$tmp/handler" || ! grep -q "caseflow case exclude" "$tmp/clocks"
then echo "README's handler blocks not found" >&2; exit 1; fi
unset CASEFLOW_DB
export PATH="$tmp/bin:$PATH"
# one shell, as the reader's: the second block uses the first's PATH
{ echo "export CASEFLOW_NOW=2026-12-07T10:00:00+08:00"; cat "$tmp/handler"
  echo "export CASEFLOW_NOW=2026-12-16T09:00:00+08:00"; cat "$tmp/clocks"; } > "$tmp/both"
(cd "$tmp/run" && sh -e "$tmp/both") > "$tmp/out" 2>&1 ||
    { cat "$tmp/out"; echo "README's handler blocks failed" >&2; exit 1; }
if ! grep -q "state investigating" "$tmp/out" || ! grep -q "询问笔录 1" "$tmp/out" ||
    ! grep -q "clock.excluded decision" "$tmp/out"
then cat "$tmp/out"; exit 1; fi
echo "1 passed, 0 failed"
