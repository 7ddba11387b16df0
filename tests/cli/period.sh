#!/bin/sh
# cli-period: `caseflow period` and `caseflow calendar show` on the shipped
# 2024-2026 calendars: exact deadlines, the worked example's explanation, JSON,
# a month grid, --calendars and $CASEFLOW_CALENDARS, and every error exit.
# Every expected output below was written by hand from LEGAL-PERIODS.md.
# Usage: period.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(pwd)
. "$(dirname "$0")/lib.sh"
cf_setup exits apart
unset CASEFLOW_CALENDARS
export CASEFLOW_DB="$tmp/none.db" # no database until section 8: the calendar files are read
# same FILE: stdout equals the expected text in $tmp/FILE exactly.
same() { diff -u "$tmp/$1" "$tmp/out" >&2; }

# 1. the deadline alone on one line: Wed 2026-09-30, 10-01..10-07 holidays, Thu
#    10-08 day 1, Fri day 2, Sat 10-10 (adjusted) day 3, Mon 10-12..Thu 10-15 4-7.
printf '2026-10-15T23:59:59+08:00\n' > "$tmp/want1"
if run 0 period --from 2026-09-30T10:00:00+08:00 --add "7 working_days" && same want1 &&
    [ ! -s "$tmp/err" ]
then ok; else fail "period 7 working_days"; fi

# 2. --explain: the worked example of a decision made on Tue 2025-09-30.
cat > "$tmp/want2" <<'EOF'
start 2025-09-30T10:00:00+08:00: 2025-09-30 周二 is not counted (R1)
2025-10-01 周三 skipped: 国庆节、中秋节 holiday
2025-10-02 周四 skipped: 国庆节、中秋节 holiday
2025-10-03 周五 skipped: 国庆节、中秋节 holiday
2025-10-04 周六 skipped: 国庆节、中秋节 holiday
2025-10-05 周日 skipped: 国庆节、中秋节 holiday
2025-10-06 周一 skipped: 国庆节、中秋节 holiday
2025-10-07 周二 skipped: 国庆节、中秋节 holiday
2025-10-08 周三 skipped: 国庆节、中秋节 holiday
2025-10-09 周四 day 1
2025-10-10 周五 day 2
2025-10-11 周六 day 3 (adjusted working day for 国庆节、中秋节)
2025-10-12 周日 skipped: weekend
2025-10-13 周一 day 4
2025-10-14 周二 day 5
2025-10-15 周三 day 6
2025-10-16 周四 day 7
deadline: end of 2025-10-16 (2025-10-16T23:59:59+08:00)
2025-10-16T23:59:59+08:00
EOF
if run 0 period --from 2025-09-30T10:00:00+08:00 --add "7 working_days" --explain && same want2
then ok; else fail "period --explain"; fi

# 3. --json: from (in China time), period (canonical), deadline, explain.
cat > "$tmp/want3" <<'EOF'
{
  "from": "2025-09-30T22:30:00+08:00",
  "period": "24 hours",
  "deadline": "2025-10-01T22:30:00+08:00",
  "explain": [
    "start 2025-09-30T22:30:00+08:00: 24 hours run from this instant, with no calendar adjustment (R6)",
    "deadline: 2025-10-01T22:30:00+08:00"
  ]
}
EOF
if run 0 --json period --from 2025-09-30T14:30:00Z --add "24 hours" && same want3
then ok; else fail "period --json (hours)"; fi
if run 0 --json period --from 2025-09-30T10:00:00+08:00 --add "7 working_days" &&
    has out '"period": "7 working_days",' &&
    has out '"deadline": "2025-10-16T23:59:59+08:00",' &&
    has out '"2025-10-11 周六 day 3 (adjusted working day for 国庆节、中秋节)",' &&
    [ "$(grep -c ' skipped: ' "$tmp/out")" -eq 9 ]
then ok; else fail "period --json (working days)"; fi

# 4. other units and zones. 2025-09-29T16:30Z is 09-30 00:30 in China: the worked
#    example again. 2024-01-31 + 1 month is the leap day. Sat 2025-12-27 + 5 days
#    is 2026-01-01 (元旦), moved over 01-02 and 01-03 to Sun 01-04, a working day.
for case in "2025-09-29T16:30:00Z|7 working_days|2025-10-16T23:59:59+08:00" \
    "2024-01-31T09:00:00+08:00|1 month|2024-02-29T23:59:59+08:00" \
    "2025-12-27T09:00:00+08:00|5 days|2026-01-04T23:59:59+08:00" \
    "2024-02-08|1 working_day|2024-02-09T23:59:59+08:00"; do
    from=${case%%|*}
    rest=${case#*|}
    add=${rest%%|*}
    expect=${rest#*|}
    if run 0 period --from "$from" --add "$add" && [ "$(cat "$tmp/out")" = "$expect" ]
    then ok; else fail "period $from + $add"; fi
done

# 5. calendar show: October 2026 starts on a Thursday.
cat > "$tmp/want5" <<'EOF'
2026年10月
一  二  三  四  五  六  日
             1*  2*  3*  4*
 5*  6*  7*  8   9  10+ 11
12  13  14  15  16  17  18
19  20  21  22  23  24  25
26  27  28  29  30  31

* public-holiday rest day, + adjusted working day (调休上班); 六 and 日 are rest days unless marked +
2026-10-01 周四 * 国庆节 holiday
2026-10-02 周五 * 国庆节 holiday
2026-10-03 周六 * 国庆节 holiday
2026-10-04 周日 * 国庆节 holiday
2026-10-05 周一 * 国庆节 holiday
2026-10-06 周二 * 国庆节 holiday
2026-10-07 周三 * 国庆节 holiday
2026-10-10 周六 + adjusted working day for 国庆节
EOF
if run 0 calendar show 2026-10 && same want5
then ok; else fail "calendar show 2026-10"; fi
# February 2024: 除夕 (Fri 02-09) was a working day; Sundays 02-04 and 02-18 worked.
if run 0 calendar show 2024-02 && has out ' 5   6   7   8   9  10* 11*' &&
    has out '12* 13* 14* 15* 16* 17* 18+' && has out '2024-02-04 周日 + adjusted working day for 春节' &&
    ! has out '2024-02-09'
then ok; else fail "calendar show 2024-02"; fi
if run 0 --json calendar show 2026-10 && has out '"month": "2026-10",' &&
    has out '"date": "2026-10-10",' && has out '"kind": "adjusted_workday",' &&
    [ "$(grep -c '"kind": "holiday"' "$tmp/out")" -eq 7 ] &&
    [ "$(grep -c '"date": ' "$tmp/out")" -eq 31 ]
then ok; else fail "calendar show --json"; fi

# 6. errors: usage (1), bad input and days outside the calendar (2), no stdout.
if run 2 period --from 2026-13-30T10:00:00+08:00 --add "7 working_days" &&
    has err "caseflow: --from: '2026-13-30T10:00:00+08:00' is not an ISO 8601 time" &&
    has err "(column 6)" && [ ! -s "$tmp/out" ]
then ok; else fail "bad --from"; fi
if run 2 period --from 2026-09-30T10:00:00+08:00 --add "7 weeks" &&
    has err "unknown unit 'weeks' (column 3)"
then ok; else fail "unknown unit"; fi
# Thu 2026-12-24: Fri 12-25 day 1, Mon 12-28..Thu 12-31 days 2-5, then 2027.
if run 2 period --from 2026-12-24T10:00:00+08:00 --add "7 working_days" &&
    has err "2027-01-01 is outside the loaded calendar (2024–2026)" && [ ! -s "$tmp/out" ]
then ok; else fail "outside the calendar"; fi
if run 2 --json period --from 2026-12-31T10:00:00+08:00 --add "4 days" &&
    has out '"error": "ERANGE"' && has out '2027-01-04 is outside the loaded calendar (2024–2026)'
then ok; else fail "outside the calendar, --json"; fi
# Before the first loaded year: refused, naming the year to load, and no --provisional
# hint (the provisional calendar runs only after the last loaded year, R11). Thu
# 2023-12-28: day 1 would be Fri 12-29.
if run 2 period --from 2023-12-28T10:00:00+08:00 --add "2 working_days" &&
    has err "2023-12-29 is outside the loaded calendar (2024–2026): load the 2023 calendar" &&
    ! has err "provisional" && [ ! -s "$tmp/out" ]
then ok; else fail "before the first year: no --provisional hint"; fi
if run 2 calendar show 2023-12 && has err "2023-12-01 is outside the loaded calendar" &&
    ! has err "provisional"
then ok; else fail "calendar show before the first year: no --provisional hint"; fi
if run 1 period --from 2026-09-30T10:00:00+08:00 && has err "usage: caseflow period"
then ok; else fail "missing --add"; fi
if run 1 period --from 2026-09-30T10:00:00+08:00 --add "1 day" stray && has err "usage:"
then ok; else fail "stray word"; fi
if run 2 calendar show 2027-01 && has err "2027-01-01 is outside the loaded calendar" &&
    has err "or add --provisional"
then ok; else fail "calendar show outside, naming --provisional"; fi
if run 2 calendar show 2026-13 && has err "'2026-13' is not a month YYYY-MM"
then ok; else fail "calendar show bad month"; fi
if run 1 calendar show && has err "usage: caseflow calendar show"
then ok; else fail "calendar show usage"; fi

# 7. --calendars and $CASEFLOW_CALENDARS; hours never read the calendar.
mkdir "$tmp/cal"
cp "$root/workflows/calendars/2025.yaml" "$tmp/cal/"
if run 2 period --calendars "$tmp/cal" --from 2026-09-30T10:00:00+08:00 --add "1 day" &&
    has err "2026-10-01 is outside the loaded calendar (2025)"
then ok; else fail "--calendars"; fi
export CASEFLOW_CALENDARS="$tmp/cal"
if run 0 period --from 2025-09-30T10:00:00+08:00 --add "1 day" &&
    [ "$(cat "$tmp/out")" = "2025-10-09T23:59:59+08:00" ]
then ok; else fail "\$CASEFLOW_CALENDARS"; fi
unset CASEFLOW_CALENDARS
printf 'year: 2026\nsource: test\nholidays: []\nworkday:\n  - {date: 2026-01-04, for: x}\n' \
    > "$tmp/cal/2026.yaml"
if run 2 calendar show 2025-10 --calendars "$tmp/cal" &&
    has err "caseflow: $tmp/cal/2026.yaml:4:1: calendar: Unexpected key: workday"
then ok; else fail "bad calendar file"; fi
if run 6 period --calendars "$tmp/nowhere" --from 2025-09-30T10:00:00+08:00 --add "1 day" &&
    has err "$tmp/nowhere: cannot open directory"
then ok; else fail "missing directory"; fi
if run 0 period --calendars "$tmp/nowhere" --from 2025-09-30T10:00:00+08:00 --add "2 hours" &&
    [ "$(cat "$tmp/out")" = "2025-09-30T12:00:00+08:00" ]
then ok; else fail "hours without a calendar"; fi

# 8. With a database, `period` and `calendar show` read its calendars, the ones the
# cases count on (from $tmp, where there is no workflows/calendars to fall back
# on); past its last year they refuse (R10) unless --provisional (R11).
export CASEFLOW_DB="$tmp/cf.db"
(cd "$tmp" && "$bin" init --workflows "$root/workflows" > /dev/null 2>&1)
cd "$tmp"
if run 0 period --from 2025-09-30T10:00:00+08:00 --add "7 working_days" &&
    [ "$(cat "$tmp/out")" = "2025-10-16T23:59:59+08:00" ]
then ok; else fail "period reads the database"; fi
# Filed Sun 2026-12-06: day 90 is Sat 2027-03-06.
if run 2 period --from 2026-12-06T10:00:00+08:00 --add "90 days" &&
    has err "2027-03-06 is outside the loaded calendar (2024–2026): load the 2027 calendar" &&
    has err "or add --provisional"
then ok; else fail "period past the database's years (R10), naming --provisional"; fi
if run 0 period --provisional --from 2026-12-06T10:00:00+08:00 --add "90 days" &&
    [ "$(cat "$tmp/out")" = "2027-03-08T23:59:59+08:00 (provisional: 2027 not loaded, R11)" ]
then ok; else fail "period --provisional"; fi
if run 0 period --provisional --json --from 2026-12-06T10:00:00+08:00 --add "90 days" &&
    has out '"provisional": [' && has out '2027'
then ok; else fail "period --provisional --json"; fi
# 2027-02-05 (除夕) is a Friday: a rest day of the 放假办法, computed.
if run 0 calendar show 2027-02 --provisional && has out "2027-02-05 周五 * 春节 holiday" &&
    has out "provisional: 2027 is not loaded"
then ok; else fail "calendar show --provisional"; fi
if run 2 period --provisional --from 2029-12-20T10:00:00+08:00 --add "20 days" &&
    has err "2030-01-09 is outside the loaded calendar (2024–2026, and 2027–2029 provisional)"
then ok; else fail "period --provisional past the horizon"; fi
cd "$root"

echo "cli-period: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
