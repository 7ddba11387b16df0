#!/bin/sh
# cli-provisional (issue 16): a case opened and filed when its clocks reach past
# the last loaded calendar year gets provisional deadlines (R11), marked on the
# chain, in `case show`, `case list` and `--json`; and, on the real clock (no
# CASEFLOW_NOW, no --at), filing a penalty case today is never refused for the
# calendar, whatever the day the test runs.
# Usage: provisional.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
run() { "$bin" "$@" > "$tmp/out" 2>&1; }
has() { grep -qF -- "$1" "$tmp/out"; }
OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'
DOC="立案审批表=$root/examples/documents/立案审批表.txt"

# 1. On 2026-12-06 with 2024-2026 loaded: the 90-day decision clock ends in 2027.
export CASEFLOW_DB="$tmp/a.db" CASEFLOW_NOW=2026-12-06T10:00:00+08:00
run init --workflows "$root/workflows" &&
    run case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
        --fact lead_source=群众举报 --actor 张三 --at 2026-12-06T09:00:00+08:00
# Filed Sun 12-06: day 90 is Sat 2027-03-06, so Mon 03-08 on the provisional 2027.
if run case act 1 file --actor 李四 --role head --at 2026-12-06T10:00:00+08:00 \
        --fact filing_reason=串换药品 --fact cause=违反医疗保障基金使用规定 --fact "$OFFICERS" \
        --doc "$DOC" &&
    has "clock.started decision, deadline 2027-03-08T23:59:59+08:00 (provisional, R11)"
then ok; else fail "filing past the calendar gets a provisional deadline"; fi
if run case show 1 && has "deadline 2027-03-08T23:59:59+08:00" && has "(provisional)" &&
    has "provisional: 1 deadline(s) counted on the provisional calendar"
then ok; else fail "case show marks the provisional deadline"; fi
if run case show 1 --json && has '"provisional": [' && has '2027'
then ok; else fail "case show --json: clocks[].provisional"; fi
if run case list && has "(provisional deadline)"
then ok; else fail "case list marks the case"; fi
if run audit replay 1 && has ": conformant"
then ok; else fail "a provisional case replays"; fi
# The filing clock (15 working days) is settled: no mark on it.
if run case show 1 && grep "^  filing " "$tmp/out" | grep -qv provisional
then ok; else fail "a settled clock is not marked"; fi

# 2. The real clock. The calendars loaded end the year before this one (the shipped
# files plus weekend-only test years up to last year), as on a day when next
# year's notice is not yet loaded; any running deadline past the last loaded year
# must be provisional.
unset CASEFLOW_NOW
export CASEFLOW_DB="$tmp/b.db"
mkdir -p "$tmp/wf" && cp -r "$root/workflows/." "$tmp/wf/"
year=$(date -u +%Y)
last=2026
y=2027
while [ "$y" -lt "$year" ]; do
    printf 'year: %d\nsource: test (weekends only)\nholidays: []\n' "$y" > "$tmp/wf/calendars/$y.yaml"
    last=$y
    y=$((y + 1))
done
if run init --workflows "$tmp/wf" &&
    run case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
        --fact lead_source=群众举报 --actor 张三 &&
    run case act 1 file --actor 李四 --role head --fact filing_reason=串换药品 \
        --fact cause=违反医疗保障基金使用规定 --fact "$OFFICERS" --doc "$DOC"
then ok; else fail "filing on the real clock is not refused"; fi
run case show 1
# Every running clock: a deadline year after $last goes with "(provisional)".
if awk -v last="$last" '
    /^clocks:/ { on = 1; next }
    on && /^$/ { on = 0 }
    on && $2 == "running" { n++; if (substr($4, 1, 4) + 0 > last && $0 !~ /\(provisional\)/) bad++ }
    END { exit (n > 0 && bad == 0) ? 0 : 1 }' "$tmp/out"
then ok; else fail "deadlines past $last are provisional"; fi

echo "cli-provisional: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
