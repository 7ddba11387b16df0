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
. "$(dirname "$0")/lib.sh"
cf_setup fixed
OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'
DOC="立案审批表=$root/examples/documents/立案审批表.txt"

# 1. On 2026-12-06 with 2024-2026 loaded: the 90-day decision clock ends in 2027.
export CASEFLOW_DB="$tmp/a.db" CASEFLOW_NOW=2026-12-06T10:00:00+08:00
run init --workflows "$root/workflows" &&
    run case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
        --fact lead_source=群众举报 --actor 张三 --at 2026-12-06T09:00:00+08:00
# Filed Sun 12-06: day 90 is Sat 2027-03-06, so Mon 03-08 on the provisional 2027.
if run case act 1 file --actor 李四 --role head --at 2026-12-06T10:00:00+08:00 \
        --fact filing_reason=串换药品 --fact cause=js-2024:14 --fact "$OFFICERS" \
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
if run audit replay --case 1 && has ": conformant"
then ok; else fail "a provisional case replays"; fi
# The filing clock (15 working days) is settled: no mark on it.
if run case show 1 && grep "^  filing " "$tmp/out" | grep -qv provisional
then ok; else fail "a settled clock is not marked"; fi

# 3. `calendar load` while the case runs: a test 2027 with a holiday on Mon 03-08 and
# Tue 03-09 moves the deadline to Wed 03-10, with clock.recomputed on the chain.
printf 'year: 2027\nsource: test\nholidays:\n  - {name: 测试假日, from: 2027-03-08, to: 2027-03-09}\n' \
    > "$tmp/2027.yaml"
if run calendar status && has "loaded:      2024–2026" && has "provisional: 2027–2029" &&
    has "provisional deadlines on running clocks: 1" && has "warning: calendar: 2027 not loaded"
then ok; else fail "calendar status before the load"; fi
# Who loads it is named, as for every change (the recount is on the case's record): with
# no --actor, $CASEFLOW_ACTOR nor $USER it is refused, saying how, and nothing is stored.
if ! (unset CASEFLOW_ACTOR USER; run calendar load "$tmp/2027.yaml") &&
    has "who acts is not named" && has "--actor NAME, or set CASEFLOW_ACTOR" &&
    run calendar status && has "provisional deadlines on running clocks: 1"
then ok; else fail "calendar load without an actor is refused, nothing stored"; fi
if run calendar load "$tmp/2027.yaml" --actor 王五 && has "calendar 2027 stored" &&
    has "case 1 clock decision: 2027-03-08T23:59:59+08:00 -> 2027-03-10T23:59:59+08:00"
then ok; else fail "calendar load recounts the provisional deadline"; fi
if run case show 1 && has "decision         running    deadline 2027-03-10T23:59:59+08:00" &&
    ! has "(provisional)" && has "clock.recomputed decision by 王五"
then ok; else fail "case show after the load"; fi
if run audit replay --case 1 && has ": conformant" &&
    has "its provisional deadline 2027-03-08T23:59:59+08:00 became 2027-03-10T23:59:59+08:00"
then ok; else fail "the recomputed case replays, both deadlines noted"; fi
if run calendar status && has "loaded:      2024–2027" && has "provisional deadlines on running clocks: 0" &&
    ! has "warning"
then ok; else fail "calendar status after the load"; fi
# The same file again: nothing; other content: refused unless --replace, which
# recounts (back to Mon 03-08 on weekends only) and records it.
if run calendar load "$tmp/2027.yaml" && has "already loaded with the same content"
then ok; else fail "loading the same year twice"; fi
printf 'year: 2027\nsource: test 2\nholidays: []\n' > "$tmp/2027b.yaml"
if ! run calendar load "$tmp/2027b.yaml" && has "calendar 2027 is already loaded with different content"
then ok; else fail "a different 2027 without --replace"; fi
if run calendar load "$tmp/2027b.yaml" --replace && has "calendar 2027 replaced" &&
    has "2027-03-10T23:59:59+08:00 -> 2027-03-08T23:59:59+08:00" &&
    run audit replay --case 1 && has ": conformant"
then ok; else fail "--replace recounts"; fi
if run case show 1 &&
    has "decision: calendar 2027 moved its deadline earlier, from 2027-03-10T23:59:59+08:00 to 2027-03-08T23:59:59+08:00"
then ok; else fail "case show says a deadline moved earlier"; fi
# A malformed file names its line; a year leaving a gap is refused; nothing written.
printf 'year: 2028\nsource: x\nholidays:\n  - {name: x, from: 2028-02-30, to: 2028-03-01}\n' \
    > "$tmp/bad.yaml"
if ! run calendar load "$tmp/bad.yaml" && has "bad.yaml:4" && has "2028-02-30" &&
    run calendar status && has "loaded:      2024–2027"
then ok; else fail "a malformed calendar names the line"; fi
printf 'year: 2029\nsource: x\nholidays: []\n' > "$tmp/2029.yaml"
if ! run calendar load "$tmp/2029.yaml" && has "load 2028 first"
then ok; else fail "a gap year is refused"; fi

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
        --fact cause=js-2024:14 --fact "$OFFICERS" --doc "$DOC"
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
