/*
 * test-period.c -- China time, the working-day calendar and legal periods
 * (engine/cftime.h, engine/calendar.h, engine/period.h).
 *
 * Why this shape: the deadline rules are data-heavy, so most cases sit in one
 * table (period-1.*) of (start, period, expected deadline) rows over the shipped
 * 2024-2026 calendars; then one test per counting rule of LEGAL-PERIODS.md §1
 * (period-2.*), with the checks a table cannot express (error codes, outputs left
 * untouched, explanations). Every expected value was worked out by hand from the
 * rules and the State Council's notices, with the weekday of each day written
 * next to it -- never pasted from a run -- so a wrong calendar entry or a wrong
 * rule shows up as a mismatch rather than being enshrined.
 *
 * Weekday anchors used below: 2024-01-01 Mon, 2025-01-01 Wed, 2026-01-01 Thu.
 *
 * Its divisions, in order:
 *   period-1.*    the table of computations
 *   period-2.*    one test per counting rule (R1-R7, R10)
 *   period-3.*    explanations, elapsed time, period text
 * China time, the calendar files and provisional years (time-1.*, calendar-1.*,
 * period-4.*) are in test-calendar.c; the helpers both use in period-helpers.c.
 */
#include "calendar.h"
#include "cftime.h"
#include "period-helpers.h"
#include "period.h"
#include "task.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------ */

/* The deadline of text period p from instant `from`, as ISO text into out. */
static int deadline_of(const cf_calendar_t *cal, const char *from, const char *p, char *out,
                       cf_error_t *err)
{
    cf_time_t d = 0;
    int rc = cf_period_add(cal, tp_at(from), tp_per(p), &d, NULL, NULL, err);
    if (rc == 0)
        cf_time_format(d, out);
    return rc;
}

#define ASSERT_DEADLINE(cal, from, p, expect)                                                      \
    do {                                                                                           \
        char got_[CF_TIME_BUFSZ];                                                                  \
        cf_error_t e_;                                                                             \
        int rc_ = deadline_of(cal, from, p, got_, &e_);                                            \
        if (rc_ != 0)                                                                              \
            CF__FAIL("%s + %s: error %d: %s", from, p, rc_, e_.text);                              \
        if (strcmp(got_, expect) != 0)                                                             \
            CF__FAIL("%s + %s: got %s, expected %s", from, p, got_, expect);                       \
    } while (0)

/* ---- period-1.*: the table ----------------------------------------------------- */

/* Each row: start, period, deadline; the comment gives the reasoning, with
 * H = public-holiday rest day, W = adjusted working day, dN = working day N. */
static const struct {
    const char *from, *period, *deadline;
} table[] = {
    /* Working days over National Day. */
    /* Tue 09-30; 10-01..10-08 H; Thu 10-09 d1, Fri d2, Sat 10-11 W d3, Sun 10-12
     * skipped, Mon 10-13..Thu 10-16 d4-d7 (the worked example). */
    {"2025-09-30T10:00:00+08:00", "7 working_days", "2025-10-16T23:59:59+08:00"},
    /* Wed 09-30; 10-01..10-07 H; Thu 10-08 d1, Fri d2, Sat 10-10 W d3, Sun skipped,
     * Mon 10-12 d4 .. Thu 10-15 d7. */
    {"2026-09-30T10:00:00+08:00", "7 working_days", "2026-10-15T23:59:59+08:00"},
    /* Mon 09-30; 10-01..10-07 H; Tue 10-08 d1 .. Fri 10-11 d4, Sat 10-12 W d5. */
    {"2024-09-30T09:00:00+08:00", "5 working_days", "2024-10-12T23:59:59+08:00"},
    /* Year ends. Fri 12-27; Sat, Sun; Mon 12-30 d1, Tue 12-31 d2; 01-01 H; Thu d3. */
    {"2024-12-27T16:00:00+08:00", "3 working_days", "2025-01-02T23:59:59+08:00"},
    /* Tue 12-31; 01-01 H; Thu 01-02 d1. */
    {"2024-12-31T15:00:00+08:00", "1 working_day", "2025-01-02T23:59:59+08:00"},
    /* Tue 12-30; Wed 12-31 d1; 01-01..01-03 H; Sun 01-04 W d2; Mon d3 .. Wed 01-07 d5. */
    {"2025-12-30T09:00:00+08:00", "5 working_days", "2026-01-07T23:59:59+08:00"},
    /* Wed 12-31; 01-01..01-03 H; Sun 01-04 W d1; Mon 01-05 d2. */
    {"2025-12-31T18:00:00+08:00", "2 working_days", "2026-01-05T23:59:59+08:00"},
    /* Spring Festival 2024. Thu 02-08; Fri 02-09 (除夕, worked) d1; 02-10..02-17 H;
     * Sun 02-18 W d2; Mon 02-19 d3. */
    {"2024-02-08T10:00:00+08:00", "3 working_days", "2024-02-19T23:59:59+08:00"},
    /* Fri 02-02; Sat skipped; Sun 02-04 W d1; Mon 02-05 d2. */
    {"2024-02-02T10:00:00+08:00", "2 working_days", "2024-02-05T23:59:59+08:00"},
    /* Spring Festival 2025. Fri 01-24; Sat; Sun 01-26 W d1; Mon d2; 01-28..02-04 H;
     * Wed 02-05 d3. */
    {"2025-01-24T10:00:00+08:00", "3 working_days", "2025-02-05T23:59:59+08:00"},
    /* Mon 01-27; 01-28..02-04 H; Wed 02-05 d1, Thu d2, Fri d3, Sat 02-08 W d4, Sun
     * skipped, Mon 02-10 d5. */
    {"2025-01-27T10:00:00+08:00", "5 working_days", "2025-02-10T23:59:59+08:00"},
    /* Spring Festival 2026. Fri 02-13; Sat 02-14 W d1; 02-15..02-23 H; Tue 02-24 d2. */
    {"2026-02-13T10:00:00+08:00", "2 working_days", "2026-02-24T23:59:59+08:00"},
    /* Tue 02-24; Wed d1, Thu d2, Fri d3, Sat 02-28 W d4. */
    {"2026-02-24T10:00:00+08:00", "4 working_days", "2026-02-28T23:59:59+08:00"},
    /* Thu 02-12; Fri d1; Sat 02-14 W d2; 02-15..02-23 H; Tue 02-24..Fri 02-27 d3-d6;
     * Sat 02-28 W d7; Sun skipped; Mon 03-02 d8, Tue d9, Wed 03-04 d10. */
    {"2026-02-12T10:00:00+08:00", "10 working_days", "2026-03-04T23:59:59+08:00"},
    /* Labour Day 2025. Fri 04-25; Sat; Sun 04-27 W d1; Mon-Wed 04-28..30 d2-d4;
     * 05-01..05-05 H; Tue 05-06..Fri 05-09 d5-d8; Mon 05-12..Fri 05-16 d9-d13;
     * Mon 05-19 d14, Tue 05-20 d15. */
    {"2025-04-25T10:00:00+08:00", "15 working_days", "2025-05-20T23:59:59+08:00"},
    /* Fri 2024-05-10; Sat 05-11 W d1. */
    {"2024-05-10T10:00:00+08:00", "1 working_day", "2024-05-11T23:59:59+08:00"},
    /* Mid-Autumn 2024. Fri 09-13; Sat 09-14 W d1; 09-15..09-17 H; Wed 09-18 d2. */
    {"2024-09-13T10:00:00+08:00", "2 working_days", "2024-09-18T23:59:59+08:00"},
    /* Dragon Boat 2025. Fri 05-30; 05-31..06-02 H; Tue 06-03 d1. */
    {"2025-05-30T10:00:00+08:00", "1 working_day", "2025-06-03T23:59:59+08:00"},
    /* Dragon Boat 2026. Thu 06-18; 06-19..06-21 H; Mon 06-22 d1. */
    {"2026-06-18T10:00:00+08:00", "1 working_day", "2026-06-22T23:59:59+08:00"},
    /* Fri 2026-09-18; Sat; Sun 09-20 W d1; Mon-Thu 09-21..24 d2-d5. */
    {"2026-09-18T10:00:00+08:00", "5 working_days", "2026-09-24T23:59:59+08:00"},
    /* Qingming 2024. Wed 04-03; 04-04..04-06 H; Sun 04-07 W d1. */
    {"2024-04-03T10:00:00+08:00", "1 working_day", "2024-04-07T23:59:59+08:00"},
    /* The leap day. Wed 02-28; Thu 02-29 d1. */
    {"2024-02-28T10:00:00+08:00", "1 working_day", "2024-02-29T23:59:59+08:00"},
    /* Thu 02-29; Fri 03-01 d1; Sat, Sun; Mon 03-04 d2. */
    {"2024-02-29T10:00:00+08:00", "2 working_days", "2024-03-04T23:59:59+08:00"},

    /* Calendar days, with R4. */
    /* 02-28 + 1 = Thu 02-29, a working day. */
    {"2024-02-28T10:00:00+08:00", "1 day", "2024-02-29T23:59:59+08:00"},
    /* 01-30 + 30 = 02-29 (01-31 is day 1), Thu. */
    {"2024-01-30T10:00:00+08:00", "30 days", "2024-02-29T23:59:59+08:00"},
    /* 09-30 + 7 = 10-07 H; 10-08 H; Thu 10-09. */
    {"2025-09-30T10:00:00+08:00", "7 days", "2025-10-09T23:59:59+08:00"},
    /* 09-30 + 15 = Wed 10-15. */
    {"2025-09-30T10:00:00+08:00", "15 days", "2025-10-15T23:59:59+08:00"},
    /* Sat 12-27 + 5 = 2026-01-01 H; 01-02, 01-03 H; Sun 01-04 is W: ends there. */
    {"2025-12-27T10:00:00+08:00", "5 days", "2026-01-04T23:59:59+08:00"},
    /* Sun 2024-12-22 + 10 = 2025-01-01 H; Thu 01-02. */
    {"2024-12-22T10:00:00+08:00", "10 days", "2025-01-02T23:59:59+08:00"},
    /* Sat 01-18 + 10 = 01-28 H .. 02-04 H; Wed 02-05. */
    {"2025-01-18T10:00:00+08:00", "10 days", "2025-02-05T23:59:59+08:00"},
    /* Wed 05-20 + 10 = Sat 05-30; Sun 05-31; Mon 06-01. */
    {"2026-05-20T10:00:00+08:00", "10 days", "2026-06-01T23:59:59+08:00"},
    /* Fri 10-10 + 1 = Sat 10-11, W: no move. */
    {"2025-10-10T10:00:00+08:00", "1 day", "2025-10-11T23:59:59+08:00"},
    /* 03-02 + 90: 03-31 is +29, 04-30 +59, 05-31 +90, a Sunday; Mon 06-01. */
    {"2026-03-02T10:00:00+08:00", "90 days", "2026-06-01T23:59:59+08:00"},
    /* Sun 2024-09-01 + 15 = 09-16 H; 09-17 H; Wed 09-18. */
    {"2024-09-01T10:00:00+08:00", "15 days", "2024-09-18T23:59:59+08:00"},
    /* Sat 2025-08-02 + 60: 08-31 +29, 09-30 +59, 10-01 +60 H .. 10-08 H; Thu 10-09. */
    {"2025-08-02T10:00:00+08:00", "60 days", "2025-10-09T23:59:59+08:00"},

    /* Months (R7), then R4. */
    /* 2024-01-31 + 1 month: February 2024 has 29 days; Thu 02-29. */
    {"2024-01-31T10:00:00+08:00", "1 month", "2024-02-29T23:59:59+08:00"},
    /* 2025-01-31 + 1 month: Fri 2025-02-28. */
    {"2025-01-31T10:00:00+08:00", "1 month", "2025-02-28T23:59:59+08:00"},
    /* 2026-01-31 + 1 month: Sat 2026-02-28, W: no move. */
    {"2026-01-31T10:00:00+08:00", "1 month", "2026-02-28T23:59:59+08:00"},
    /* 03-31 + 1 month: Wed 04-30. */
    {"2025-03-31T10:00:00+08:00", "1 month", "2025-04-30T23:59:59+08:00"},
    /* 2024-08-31 + 1 month: Mon 09-30. */
    {"2024-08-31T10:00:00+08:00", "1 month", "2024-09-30T23:59:59+08:00"},
    /* 2024-10-31 + 3 months: Fri 2025-01-31 H; 02-01..02-04 H; Wed 02-05. */
    {"2024-10-31T10:00:00+08:00", "3 months", "2025-02-05T23:59:59+08:00"},
    /* 2025-06-01 + 4 months: 10-01 H .. 10-08 H; Thu 10-09. */
    {"2025-06-01T10:00:00+08:00", "4 months", "2025-10-09T23:59:59+08:00"},
    /* 2024-02-29 + 12 months: 2025 has no 02-29; Fri 2025-02-28. */
    {"2024-02-29T10:00:00+08:00", "12 months", "2025-02-28T23:59:59+08:00"},
    /* 2025-10-04 + 6 months: Sat 2026-04-04 H; 04-05, 04-06 H; Tue 04-07. */
    {"2025-10-04T10:00:00+08:00", "6 months", "2026-04-07T23:59:59+08:00"},
    /* 2024-07-14 + 2 months: Sat 09-14, W: no move. */
    {"2024-07-14T10:00:00+08:00", "2 months", "2024-09-14T23:59:59+08:00"},
    /* Sun 2024-11-10 + 6 months: Sat 2025-05-10; Sun; Mon 05-12. */
    {"2024-11-10T10:00:00+08:00", "6 months", "2025-05-12T23:59:59+08:00"},
    /* A bare date is 00:00 China time: 2024-02-29 + 1 month = Fri 03-29. */
    {"2024-02-29", "1 month", "2024-03-29T23:59:59+08:00"},

    /* Hours (R6): exact, holidays and midnight ignored. */
    {"2025-09-30T22:30:00+08:00", "24 hours", "2025-10-01T22:30:00+08:00"},
    {"2024-12-31T20:00:00+08:00", "6 hours", "2025-01-01T02:00:00+08:00"},
    {"2026-02-14T23:00:00+08:00", "48 hours", "2026-02-16T23:00:00+08:00"},
    {"2024-02-28T12:00:00+08:00", "24 hours", "2024-02-29T12:00:00+08:00"},
    /* 2025-06-30T20:00Z + 24h = 2025-07-01T20:00Z = 07-02 04:00 China time. */
    {"2025-06-30T20:00:00Z", "24 hours", "2025-07-02T04:00:00+08:00"},

    /* Timestamps in other zones: the day is the China date (R5). */
    /* 2025-09-29T16:30Z is 09-30 00:30 China time: the worked example again (from
     * the UTC date, Mon 09-29, it would end on 10-15). */
    {"2025-09-29T16:30:00Z", "7 working_days", "2025-10-16T23:59:59+08:00"},
    /* 2025-01-02T16:00Z is Fri 01-03 00:00 China time; Sat, Sun; Mon 01-06 d1 (from
     * the UTC date, 01-02, it would be Fri 01-03). */
    {"2025-01-02T16:00:00Z", "1 working_day", "2025-01-06T23:59:59+08:00"},
    /* 2026-02-13T17:00Z is Sat 02-14 01:00 China time (W); 02-15..02-23 H; Tue
     * 02-24 d1 (from the UTC date it would be 02-14). */
    {"2026-02-13T17:00:00Z", "1 working_day", "2026-02-24T23:59:59+08:00"},
    /* 2025-10-10T20:00-04:00 is 10-11T00:00Z, Sat 10-11 08:00 China time (W); Sun
     * skipped; Mon 10-13 d1 (from the local date, 10-10, it would be 10-11). */
    {"2025-10-10T20:00:00-04:00", "1 working_day", "2025-10-13T23:59:59+08:00"},
    /* 2024-12-31T16:30Z is Wed 2025-01-01 00:30 China time; + 1 day = Thu 01-02
     * (from the UTC date, + 1 day = 01-01 H, also moved to 01-02: same answer, but
     * through R4); + 2 days = Fri 01-03. */
    {"2024-12-31T16:30:00Z", "2 days", "2025-01-03T23:59:59+08:00"},
};

TEST_IMPL(period_table)
{
    cf_calendar_t *cal = tp_shipped();
    size_t n = sizeof(table) / sizeof(table[0]);
    ASSERT(n >= 40);
    for (size_t i = 0; i < n; i++)
        ASSERT_DEADLINE(cal, table[i].from, table[i].period, table[i].deadline);
    cf_calendar_free(cal);
    return 0;
}

/* ---- period-2.*: one test per rule --------------------------------------------- */

TEST_IMPL(period_r1_start_day_not_counted)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.1: Mon 2025-03-03, at its first or its last second: day 1 is Tue
     * 03-04 either way, never 03-03 itself. */
    ASSERT_DEADLINE(cal, "2025-03-03T00:00:00+08:00", "1 working_day", "2025-03-04T23:59:59+08:00");
    ASSERT_DEADLINE(cal, "2025-03-03T23:59:59+08:00", "1 working_day", "2025-03-04T23:59:59+08:00");
    ASSERT_DEADLINE(cal, "2025-03-03T08:00:00+08:00", "1 day", "2025-03-04T23:59:59+08:00");
    ASSERT_DEADLINE(cal, "2025-03-03T08:00:00+08:00", "1 month", "2025-04-03T23:59:59+08:00");
    /* The start day need not be in the calendar: Sun 2023-12-31 is not loaded, but
     * only 2024-01-01 (H) and Tue 01-02 (d1) are asked. */
    ASSERT_DEADLINE(cal, "2023-12-31T10:00:00+08:00", "1 working_day", "2024-01-02T23:59:59+08:00");
    lines_t l = {.len = 0};
    cf_time_t d;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-03-03T08:00:00+08:00"), tp_per("1 working_day"), &d,
                            tp_collect, &l, NULL),
              0);
    ASSERT_CONTAINS(l.text, "start 2025-03-03T08:00:00+08:00: 2025-03-03 周一 is not counted (R1)\n"
                            "2025-03-04 周二 day 1\n");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r2_short_periods_working_days)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.2: the worked example of LEGAL-PERIODS.md: a decision on Tue
     * 2025-09-30 served within 7 working days ends with 2025-10-16; the naive
     * "+7 days" lands on 10-07, mid-holiday (R4 would move it to 10-09). */
    ASSERT_DEADLINE(cal, "2025-09-30T16:00:00+08:00", "7 working_days",
                    "2025-10-16T23:59:59+08:00");
    ASSERT_DEADLINE(cal, "2025-09-30T16:00:00+08:00", "7 days", "2025-10-09T23:59:59+08:00");
    /* 行政处罚法 第六十四条: a hearing requested within 5 working days of the
     * notice served on Thu 2026-09-24: Fri 09-25..Sun 09-27 H (中秋节), Mon 09-28 d1,
     * Tue d2, Wed 09-30 d3, 10-01..10-07 H, Thu 10-08 d4, Fri 10-09 d5. */
    ASSERT_DEADLINE(cal, "2026-09-24T15:00:00+08:00", "5 working_days",
                    "2026-10-09T23:59:59+08:00");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r3_working_day_counting)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.3: Monday to Friday, minus holidays, plus adjusted working days. */
    static const struct {
        cf_date_t d;
        int working;
    } days[] = {
        {{2025, 3, 3}, 1},   /* plain Monday */
        {{2025, 3, 8}, 0},   /* plain Saturday */
        {{2025, 3, 9}, 0},   /* plain Sunday */
        {{2024, 2, 9}, 1},   /* 除夕 2024, a Friday worked */
        {{2025, 1, 28}, 0},  /* 除夕 2025, a holiday */
        {{2025, 5, 2}, 0},   /* 05-02 a holiday from 2025 */
        {{2026, 1, 4}, 1},   /* Sunday worked for 元旦 */
        {{2026, 1, 3}, 0},   /* Saturday in 元旦 */
        {{2024, 10, 12}, 1}, /* Saturday worked for 国庆节 */
        {{2024, 10, 7}, 0},  /* Monday in 国庆节 */
        {{2026, 2, 28}, 1},  /* Saturday worked for 春节 */
    };
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
        if (cf_calendar_is_workday(cal, days[i].d, NULL) != days[i].working)
            CF__FAIL("%d-%02d-%02d: expected working=%d", days[i].d.year, days[i].d.month,
                     days[i].d.day, days[i].working);
    /* 10 working days over Spring Festival 2026: Mon 02-09 d1..Fri 02-13 d5, Sat
     * 02-14 W d6, 02-15..02-23 H, Tue 02-24..Fri 02-27 d7-d10. */
    ASSERT_DEADLINE(cal, "2026-02-06T10:00:00+08:00", "10 working_days",
                    "2026-02-27T23:59:59+08:00");
    /* 0 working days: the start day itself. */
    ASSERT_DEADLINE(cal, "2025-03-03T10:00:00+08:00", "0 working_days",
                    "2025-03-03T23:59:59+08:00");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r4_end_on_rest_day)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.4: days ending on a weekend, a holiday, an adjusted working day. */
    /* Mon 2025-03-03 + 5 = Sat 03-08; Sun; Mon 03-10. */
    ASSERT_DEADLINE(cal, "2025-03-03T10:00:00+08:00", "5 days", "2025-03-10T23:59:59+08:00");
    /* + 4 = Fri 03-07: no move. */
    ASSERT_DEADLINE(cal, "2025-03-03T10:00:00+08:00", "4 days", "2025-03-07T23:59:59+08:00");
    /* Sat 2025-09-27 + 1 = Sun 09-28, W: no move. */
    ASSERT_DEADLINE(cal, "2025-09-27T10:00:00+08:00", "1 day", "2025-09-28T23:59:59+08:00");
    /* Months too: 2025-09-05 + 1 month = Sun 10-05 H; .. 10-08 H; Thu 10-09. */
    ASSERT_DEADLINE(cal, "2025-09-05T10:00:00+08:00", "1 month", "2025-10-09T23:59:59+08:00");
    /* Hours never move: Fri 2025-03-07 10:00 + 24 h is Sat 10:00. */
    ASSERT_DEADLINE(cal, "2025-03-07T10:00:00+08:00", "24 hours", "2025-03-08T10:00:00+08:00");

    /* The explanation names the raw end and each move. */
    lines_t l = {.len = 0};
    cf_time_t d;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-30T10:00:00+08:00"), tp_per("7 days"), &d,
                            tp_collect, &l, NULL),
              0);
    ASSERT_STR_EQ(l.text,
                  "start 2025-09-30T10:00:00+08:00: 2025-09-30 周二 is not counted (R1)\n"
                  "7 days after 2025-09-30: 2025-10-07 周二\n"
                  "2025-10-07 周二 is a rest day (国庆节、中秋节 holiday): the period moves "
                  "to the next day (R4)\n"
                  "2025-10-08 周三 is a rest day (国庆节、中秋节 holiday): the period moves "
                  "to the next day (R4)\n"
                  "2025-10-09 周四 is a working day: the period ends on it (R4)\n"
                  "deadline: end of 2025-10-09 (2025-10-09T23:59:59+08:00)\n");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r5_end_of_day_china_time)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.5: the deadline is 23:59:59+08:00 = 15:59:59Z of the last day;
     * 1760630399 is 2025-10-16T15:59:59Z (see time_parse). */
    cf_time_t d = 0;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-30T10:00:00+08:00"), tp_per("7 working_days"), &d,
                            NULL, NULL, NULL),
              0);
    ASSERT_EQ(d, 1760630399);
    /* The same instant written in UTC gives the same deadline. */
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-30T02:00:00Z"), tp_per("7 working_days"), &d, NULL,
                            NULL, NULL),
              0);
    ASSERT_EQ(d, 1760630399);
    /* 2025-03-02T23:30Z (a Sunday in UTC) is Mon 03-03 07:30 China time: 1 day is
     * Tue 03-04 (from the UTC date it would be Mon 03-03). */
    ASSERT_DEADLINE(cal, "2025-03-02T23:30:00Z", "1 day", "2025-03-04T23:59:59+08:00");
    /* 15:59:59Z is still the same China day, 16:00:00Z the next. */
    ASSERT_DEADLINE(cal, "2025-03-03T15:59:59Z", "1 day", "2025-03-04T23:59:59+08:00");
    ASSERT_DEADLINE(cal, "2025-03-03T16:00:00Z", "1 day", "2025-03-05T23:59:59+08:00");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r6_hours)
{
    /* period-2.6: hours run from the instant; no calendar is needed or asked. */
    cf_time_t d = 0;
    ASSERT_EQ(cf_period_add(NULL, tp_at("2025-09-30T10:15:30+08:00"), tp_per("24 hours"), &d, NULL,
                            NULL, NULL),
              0);
    ASSERT_EQ(d, tp_at("2025-10-01T10:15:30+08:00"));
    /* Far outside any loaded calendar: still no CF_ERANGE. */
    cf_calendar_t *cal = tp_shipped();
    ASSERT_DEADLINE(cal, "2031-12-31T23:00:00+08:00", "2 hours", "2032-01-01T01:00:00+08:00");
    ASSERT_DEADLINE(cal, "2025-10-01T10:00:00+08:00", "0 hours", "2025-10-01T10:00:00+08:00");
    /* 72 hours over Spring Festival 2026 eve: exactly three days later. */
    ASSERT_DEADLINE(cal, "2026-02-14T18:00:00+08:00", "72 hours", "2026-02-17T18:00:00+08:00");
    lines_t l = {.len = 0};
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-30T22:30:00Z"), tp_per("24 hours"), &d, tp_collect,
                            &l, NULL),
              0);
    ASSERT_STR_EQ(l.text, "start 2025-10-01T06:30:00+08:00: 24 hours run from this instant, "
                          "with no calendar adjustment (R6)\n"
                          "deadline: 2025-10-02T06:30:00+08:00\n");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r7_months)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.7: the same-numbered day, or the month's last day. */
    /* 2024-03-15 + 1 month = Mon 04-15. */
    ASSERT_DEADLINE(cal, "2024-03-15T10:00:00+08:00", "1 month", "2024-04-15T23:59:59+08:00");
    /* 2024-01-15 + 1 month = Thu 02-15, in 春节 (02-10..02-17 H); Sun 02-18 is W. */
    ASSERT_DEADLINE(cal, "2024-01-15T10:00:00+08:00", "1 month", "2024-02-18T23:59:59+08:00");
    /* 2024-01-31 + 1 month = Thu 02-29 (leap); 2025-01-31 + 1 month = Fri 02-28. */
    ASSERT_DEADLINE(cal, "2024-01-31T10:00:00+08:00", "1 month", "2024-02-29T23:59:59+08:00");
    ASSERT_DEADLINE(cal, "2025-01-31T10:00:00+08:00", "1 month", "2025-02-28T23:59:59+08:00");
    /* 2024-01-31 + 2 months = Sun 03-31 (a day the month has); Mon 04-01 (R4). */
    ASSERT_DEADLINE(cal, "2024-01-31T10:00:00+08:00", "2 months", "2024-04-01T23:59:59+08:00");
    /* 2024-05-31 + 6 months = 11-30, a Saturday; Mon 12-02. */
    ASSERT_DEADLINE(cal, "2024-05-31T10:00:00+08:00", "6 months", "2024-12-02T23:59:59+08:00");
    /* Over a year end: 2025-11-15 + 3 months = Sun 2026-02-15 H .. 02-23 H; Tue 02-24. */
    ASSERT_DEADLINE(cal, "2025-11-15T10:00:00+08:00", "3 months", "2026-02-24T23:59:59+08:00");
    lines_t l = {.len = 0};
    cf_time_t d;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-01-31T10:00:00+08:00"), tp_per("1 month"), &d,
                            tp_collect, &l, NULL),
              0);
    ASSERT_CONTAINS(l.text, "1 month after 2025-01-31: 2025-02-28 周五 (R7: that month has no "
                            "such day, so its last day)\n"
                            "2025-02-28 周五 is a working day: the period ends on it\n");
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_r10_outside_calendar)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-2.8: a needed day outside 2024-2026 is refused, and the deadline left
     * as it was. Thu 2026-12-31 + 4 days = 2027-01-04. */
    static const struct {
        const char *from, *period, *text;
    } cases[] = {
        {"2026-12-31T10:00:00+08:00", "4 days",
         "2027-01-04 is outside the loaded calendar (2024–2026)"},
        /* Thu 12-24: Fri 12-25 d1, Mon 12-28..Thu 12-31 d2-d5, then 2027-01-01. */
        {"2026-12-24T10:00:00+08:00", "7 working_days",
         "2027-01-01 is outside the loaded calendar (2024–2026)"},
        {"2026-12-15T10:00:00+08:00", "1 month",
         "2027-01-15 is outside the loaded calendar (2024–2026)"},
        {"2023-12-01T10:00:00+08:00", "1 day",
         "2023-12-02 is outside the loaded calendar (2024–2026)"},
        /* 2026-12-30T16:00Z is already 12-31 in China: + 1 day needs 2027-01-01. */
        {"2026-12-30T16:00:00Z", "1 day", "2027-01-01 is outside the loaded calendar"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cf_time_t d = 4242;
        cf_error_t err;
        lines_t l = {.len = 0};
        int rc = cf_period_add(cal, tp_at(cases[i].from), tp_per(cases[i].period), &d, tp_collect,
                               &l, &err);
        ASSERT_EQ(rc, CF_ERANGE);
        ASSERT_EQ(d, 4242);
        ASSERT_CONTAINS(err.text, cases[i].text);
        ASSERT(!strstr(l.text, "deadline:"));
    }
    /* The days inside the calendar still work right up to its end: Thu 12-31. */
    ASSERT_DEADLINE(cal, "2026-12-30T10:00:00+08:00", "1 day", "2026-12-31T23:59:59+08:00");
    /* No calendar at all. */
    cf_calendar_t *empty;
    ASSERT_EQ(cf_calendar_new(&empty), 0);
    cf_time_t d = 4242;
    cf_error_t err;
    ASSERT_EQ(cf_period_add(empty, tp_at("2025-03-03T10:00:00+08:00"), tp_per("1 day"), &d, NULL,
                            NULL, &err),
              CF_ERANGE);
    ASSERT_STR_EQ(err.text, "2025-03-04 is outside the loaded calendar (no years loaded): load "
                            "the 2025 calendar");
    ASSERT_EQ(d, 4242);
    int64_t n = 99;
    ASSERT_EQ(cf_period_elapsed(cal, tp_at("2026-12-30T10:00:00+08:00"),
                                tp_at("2027-01-05T10:00:00+08:00"), CF_UNIT_WORKING_DAYS, &n, &err),
              CF_ERANGE);
    ASSERT_EQ(n, 99);
    ASSERT_CONTAINS(err.text, "2027-01-01 is outside");
    cf_calendar_free(empty);
    cf_calendar_free(cal);
    return 0;
}

/* ---- period-3.*: explanations, elapsed, text ----------------------------------- */

TEST_IMPL(period_explain)
{
    cf_calendar_t *cal = tp_shipped();
    /* period-3.1: the worked example, line by line. */
    lines_t l = {.len = 0};
    cf_time_t d;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-30T10:00:00+08:00"), tp_per("7 working_days"), &d,
                            tp_collect, &l, NULL),
              0);
    ASSERT_STR_EQ(l.text, "start 2025-09-30T10:00:00+08:00: 2025-09-30 周二 is not counted (R1)\n"
                          "2025-10-01 周三 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-02 周四 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-03 周五 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-04 周六 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-05 周日 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-06 周一 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-07 周二 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-08 周三 skipped: 国庆节、中秋节 holiday\n"
                          "2025-10-09 周四 day 1\n"
                          "2025-10-10 周五 day 2\n"
                          "2025-10-11 周六 day 3 (adjusted working day for 国庆节、中秋节)\n"
                          "2025-10-12 周日 skipped: weekend\n"
                          "2025-10-13 周一 day 4\n"
                          "2025-10-14 周二 day 5\n"
                          "2025-10-15 周三 day 6\n"
                          "2025-10-16 周四 day 7\n"
                          "deadline: end of 2025-10-16 (2025-10-16T23:59:59+08:00)\n");
    ASSERT_EQ(l.count, 18);
    /* No callback, same answer. */
    cf_time_t quiet;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-30T10:00:00+08:00"), tp_per("7 working_days"),
                            &quiet, NULL, NULL, NULL),
              0);
    ASSERT_EQ(quiet, d);
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_elapsed)
{
    cf_calendar_t *cal = tp_shipped();
    int64_t n = -1;
    /* period-3.2: hours round up; 0 for no time at all. */
    ASSERT_EQ(cf_period_elapsed(cal, tp_at("2025-10-01T10:00:00+08:00"),
                                tp_at("2025-10-01T12:00:01+08:00"), CF_UNIT_HOURS, &n, NULL),
              0);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(cf_period_elapsed(NULL, tp_at("2025-10-01T10:00:00+08:00"),
                                tp_at("2025-10-01T10:00:00+08:00"), CF_UNIT_HOURS, &n, NULL),
              0);
    ASSERT_EQ(n, 0);
    /* Days: China dates apart. 2025-09-30 23:00 to 10-01 01:00 is one day; the same
     * two instants in UTC (15:00Z, 17:00Z) are one UTC date apart too, but 09-30
     * 01:00 to 09-30 23:00 China time is none. */
    ASSERT_EQ(cf_period_elapsed(cal, tp_at("2025-09-30T23:00:00+08:00"),
                                tp_at("2025-10-01T01:00:00+08:00"), CF_UNIT_DAYS, &n, NULL),
              0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(cf_period_elapsed(cal, tp_at("2025-09-29T17:00:00Z"), tp_at("2025-09-30T15:00:00Z"),
                                CF_UNIT_DAYS, &n, NULL),
              0);
    ASSERT_EQ(n, 0);
    /* Months are counted in days: 2024-02-01 to 2024-03-01 is 29 days. */
    ASSERT_EQ(cf_period_elapsed(cal, tp_at("2024-02-01T09:00:00+08:00"),
                                tp_at("2024-03-01T09:00:00+08:00"), CF_UNIT_MONTHS, &n, NULL),
              0);
    ASSERT_EQ(n, 29);
    /* Working days after a's date up to b's date: Tue 2025-09-30 to Thu 10-16 is
     * the worked example's 7; to Sat 10-11 (W) is 3; to Sun 10-12 still 3. */
    static const struct {
        const char *b;
        int64_t n;
    } wd[] = {{"2025-10-16T09:00:00+08:00", 7},
              {"2025-10-11T09:00:00+08:00", 3},
              {"2025-10-12T09:00:00+08:00", 3},
              {"2025-10-08T09:00:00+08:00", 0},
              {"2025-09-30T18:00:00+08:00", 0}};
    for (size_t i = 0; i < sizeof(wd) / sizeof(wd[0]); i++) {
        ASSERT_EQ(cf_period_elapsed(cal, tp_at("2025-09-30T10:00:00+08:00"), tp_at(wd[i].b),
                                    CF_UNIT_WORKING_DAYS, &n, NULL),
                  0);
        ASSERT_EQ(n, wd[i].n);
    }
    /* b before a: refused, n untouched. */
    n = 77;
    cf_error_t err;
    ASSERT_EQ(cf_period_elapsed(cal, tp_at("2025-10-02T00:00:00+08:00"),
                                tp_at("2025-10-01T00:00:00+08:00"), CF_UNIT_DAYS, &n, &err),
              CF_EINVAL);
    ASSERT_EQ(n, 77);
    cf_calendar_free(cal);
    return 0;
}

static void period_parse_ok(void)
{
    /* period-3.3: the accepted forms, and errors with their column. */
    static const struct {
        const char *text;
        int64_t amount;
        cf_unit_t unit;
        const char *canonical;
    } ok[] = {
        {"7 working_days", 7, CF_UNIT_WORKING_DAYS, "7 working_days"},
        {"1 working_day", 1, CF_UNIT_WORKING_DAYS, "1 working_days"},
        {"24 hours", 24, CF_UNIT_HOURS, "24 hours"},
        {"1 hour", 1, CF_UNIT_HOURS, "1 hours"},
        {"30 days", 30, CF_UNIT_DAYS, "30 days"},
        {"1 day", 1, CF_UNIT_DAYS, "1 days"},
        {"3 months", 3, CF_UNIT_MONTHS, "3 months"},
        {"1 month", 1, CF_UNIT_MONTHS, "1 months"},
        {"0 days", 0, CF_UNIT_DAYS, "0 days"},
        {"15  days", 15, CF_UNIT_DAYS, "15 days"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cf_period_t p = {-1, CF_UNIT_HOURS};
        char text[64];
        ASSERT_EQ(cf_period_parse(ok[i].text, &p, NULL), 0);
        ASSERT_EQ(p.amount, ok[i].amount);
        ASSERT_EQ(p.unit, ok[i].unit);
        cf_period_format(p, text, sizeof(text));
        ASSERT_STR_EQ(text, ok[i].canonical);
    }
}

static void period_parse_errors(void)
{
    static const struct {
        const char *text;
        int column;
    } bad[] = {
        {"", 1},          {"days", 1},           {"-3 days", 1},
        {"+3 days", 1},   {" 3 days", 1},        {"7", 2},
        {"7days", 2},     {"7 weeks", 3},        {"7 Days", 3},
        {"7 days ", 3},   {"7 working days", 3}, {"3 months later", 3},
        {"0x10 days", 2}, {"1000001 hours", 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cf_period_t p = {42, CF_UNIT_MONTHS};
        cf_error_t err;
        ASSERT_EQ(cf_period_parse(bad[i].text, &p, &err), CF_EPARSE);
        if (err.column != bad[i].column)
            CF__FAIL("'%s': column %d, expected %d (%s)", bad[i].text, err.column, bad[i].column,
                     err.text);
        ASSERT(p.amount == 42 && p.unit == CF_UNIT_MONTHS);
    }
}

TEST_IMPL(period_parse)
{
    period_parse_ok();
    period_parse_errors();
    /* The limit itself is accepted; beyond it cf_period_add refuses too. */
    cf_period_t p;
    ASSERT_EQ(cf_period_parse("100000 hours", &p, NULL), 0);
    cf_time_t d = 5;
    p.amount = CF_PERIOD_AMOUNT_MAX + 1;
    ASSERT_EQ(cf_period_add(NULL, 0, p, &d, NULL, NULL, NULL), CF_EINVAL);
    p.amount = -1;
    ASSERT_EQ(cf_period_add(NULL, 0, p, &d, NULL, NULL, NULL), CF_EINVAL);
    ASSERT_EQ(d, 5);
    cf_unit_t u = CF_UNIT_HOURS;
    ASSERT_EQ(cf_unit_parse("working_days", &u), 0);
    ASSERT_EQ(u, CF_UNIT_WORKING_DAYS);
    ASSERT_EQ(cf_unit_parse("weeks", &u), CF_EINVAL);
    ASSERT_STR_EQ(cf_unit_name(CF_UNIT_MONTHS), "months");
    return 0;
}
