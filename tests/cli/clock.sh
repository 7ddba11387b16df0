#!/bin/sh
# cli-clock: `case extend` and `case exclude` on the decision clock of a penalty
# case, and `case show --explain` tracing how the deadline was reached.
# Usage: clock.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="${CASEFLOW_TEST_DB:-$tmp/c.db}" CASEFLOW_NOW=2026-04-10T12:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=3650 # these histories are recorded after the fact, with --at

run init && run case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
    --officer 张三:65010020001 --officer 王五:65010020002 --at 2026-03-02T09:00:00+08:00 &&
run case act 1 file --actor 李四 --role head --at 2026-03-02T15:00:00+08:00 \
    --fact filing_reason=串换药品 --fact cause=js-2024:14 \
    --doc 立案审批表=examples/documents/立案审批表.txt
# 90 days: Mon 2026-06-01 (05-31 is a Sunday).
if grep -q "clock.started decision, deadline 2026-06-01T23:59:59+08:00" "$tmp/out"
then ok; else fail "decision clock started"; fi

# 鉴定 03-10..03-25 is not counted: 90 + 15 = 105 days counted once from 03-02 is
# Mon 06-15 (R8; the count before version 2 added 15 days to the rolled 06-01: 06-16).
if run case exclude 1 --clock decision --from 2026-03-10T09:00:00+08:00 \
        --to 2026-03-25T17:00:00+08:00 --reason 鉴定 --actor 李四 --role head \
        --at 2026-03-26T10:00:00+08:00 &&
    grep -q "clock.excluded decision, deadline 2026-06-15T23:59:59+08:00" "$tmp/out"
then ok; else fail "exclusion moves the deadline"; fi

if ! run case exclude 1 --clock decision --from 2026-03-20T09:00:00+08:00 \
        --to 2026-03-28T17:00:00+08:00 --reason 听证 --role head --at 2026-03-29T10:00:00+08:00 &&
    grep -q "overlaps the exclusion" "$tmp/out"
then ok; else fail "an overlapping exclusion is refused"; fi

# 90 + 15 + 30 = 135 days from 03-02: Wed 07-15.
if run case extend 1 --clock decision --by "30 days" --actor 李四 --role head \
        --reason 案情复杂 --at 2026-04-01T10:00:00+08:00 &&
    grep -q "clock.extended decision, deadline 2026-07-15T23:59:59+08:00" "$tmp/out"
then ok; else fail "extension by the head"; fi

if ! run case extend 1 --clock decision --by "20 days" --role head --at 2026-04-02T10:00:00+08:00 &&
    grep -q "needs a collective discussion" "$tmp/out" &&
    ! run case extend 1 --clock decision --by "10 days" --role handler
then ok; else fail "a second extension without discussion, and a handler's, are refused"; fi

if run case show 1 --explain && grep -q "how each deadline was reached" "$tmp/out" &&
    grep -q "excluded 15 days" "$tmp/out" && grep -q "extended 30 days" "$tmp/out"
then ok; else fail "case show --explain"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
