#!/bin/sh
# cli-legal-periods: the table of legal periods (tests/fixtures/legal-periods.tsv) run
# through `caseflow period`, on the table's own calendars with later years provisional.
# The unit test legal_periods_table runs the same rows through the case clocks'
# counting; this runs them through the command a clerk checks a deadline with, so the
# two paths cannot drift apart. A row with an extension in the clock's own unit adds
# it to the period (counted once from the start, R8/R9); a row with a suspension or
# exclusion is left to the unit test (the command takes one period). A
# court_application row counts from the end of the 6-month suit period (行政强制法
# 第五十三条), a court_application_after_review row from the end of the 15 days after a
# 复议决定 (行政诉讼法 第四十五条): the command is run for that first, then from its
# deadline. A row "plan_ends DATE" (行政处罚法 第七十二条第二款) counts from the end of
# the approved plan instead when it is later: `caseflow period --from DATE --add "0 days"` gives
# that day rolled off a rest day (R4).
# Every failing row is printed: procedure, clock, start, expected, got.
# Usage: legal-periods.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
table=tests/fixtures/legal-periods.tsv
cals=tests/fixtures/legal-periods/calendars
. "$(dirname "$0")/lib.sh"
cf_setup
unset CASEFLOW_CALENDARS
export CASEFLOW_DB="$tmp/none.db" # no database: the calendar files are read
tab=$(printf '\t')

# deadline FROM PERIOD: the deadline `caseflow period` prints, " provisional"
# appended when it says the count used a provisional year.
deadline() {
    out=$("$bin" period --from "$1" --add "$2" --calendars "$cals" --provisional) || return 1
    case $out in
    *"(provisional"*) echo "${out%% *} provisional" ;;
    *) echo "$out" ;;
    esac
}

skipped=0
grep -v '^#' "$table" | grep -v '^$' > "$tmp/rows"
while IFS="$tab" read -r proc clock period start adjust expected basis; do
    n=${period%% *}
    unit=${period#* }
    plan=
    case $adjust in
    -) ;;
    *";"*) # several adjustments (a plan and a review): the command takes one period
        skipped=$((skipped + 1))
        continue ;;
    "plan_ends "*) plan=${adjust#plan_ends } ;;
    "extend $(printf '%s' "${adjust#extend }" | cut -d' ' -f1) $unit")
        n=$((n + $(printf '%s' "${adjust#extend }" | cut -d' ' -f1))) ;;
    *)
        skipped=$((skipped + 1))
        continue ;;
    esac
    from=$start
    if [ "$clock" = court_application ]; then
        from=$(deadline "$start" "6 months" | cut -d' ' -f1) || from=error
    elif [ "$clock" = court_application_after_review ]; then
        # after a 复议 or a judgment: from the end of the 15 days (行政诉讼法 第四十五条)
        from=$(deadline "$start" "15 days" | cut -d' ' -f1) || from=error
    fi
    if [ -n "$plan" ]; then
        # the plan's last day, rolled off a rest day ("0 days" from it, R4), when later
        ends=$(deadline "$plan" "0 days" | cut -d' ' -f1) || ends=error
        if [ "$ends" = error ] || [ "$ends" \> "$from" ]; then from=$ends; fi
    fi
    got=$(deadline "$from" "$n $unit" 2>&1) || got="error: $got"
    if [ "$got" = "$expected" ]; then
        passed=$((passed + 1))
    else
        echo "not ok: $proc $clock from $start ($adjust): expected $expected, got $got" >&2
        failed=$((failed + 1))
    fi
done < "$tmp/rows"

echo "legal-periods: $passed passed, $failed failed, $skipped left to the unit test"
[ "$passed" -ge 60 ] || { echo "not ok: only $passed rows run" >&2; exit 1; }
[ "$failed" -eq 0 ]
