/*
 * test-calendar.c -- China time and the working-day calendar (engine/cftime.h,
 * engine/calendar.h, engine/lunar.h), and the periods counted on provisional
 * calendar years; split from test-period.c, whose "why this shape" holds here too:
 * every expected value worked out by hand, the weekday of each day beside it.
 *
 * Weekday anchors used below: 2024-01-01 Mon, 2025-01-01 Wed, 2026-01-01 Thu.
 *
 * Its divisions, in order:
 *   time-1.*      cftime parse/format round trips and parse errors
 *   calendar-1.*  calendar files: the shipped years, load errors with lines
 *   period-4.*    lunar dates, provisional years (R11) and counting once (R8)
 */
#include "calendar.h"
#include "cftime.h"
#include "lunar.h"
#include "period-helpers.h"
#include "period.h"
#include "task.h"

#include <stdlib.h>
#include <string.h>

/* ---- time-1.*: China time ------------------------------------------------------ */

static void time_round_trips(void)
{
    /* time-1.1: round trips; every instant prints in China time. */
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"2026-09-30T10:00:00+08:00", "2026-09-30T10:00:00+08:00"},
        {"2026-09-30T02:00:00Z", "2026-09-30T10:00:00+08:00"},
        {"2026-09-30T10:00+08:00", "2026-09-30T10:00:00+08:00"},
        {"2026-09-29T21:30:00-05:30", "2026-09-30T11:00:00+08:00"},
        {"2026-09-30", "2026-09-30T00:00:00+08:00"},
        {"2024-02-29T23:59:59+08:00", "2024-02-29T23:59:59+08:00"},
        {"2024-12-31T16:00:00Z", "2025-01-01T00:00:00+08:00"},
        {"1970-01-01T00:00:00Z", "1970-01-01T08:00:00+08:00"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char out[CF_TIME_BUFSZ];
        cf_time_format(tp_at(ok[i].in), out);
        ASSERT_STR_EQ(out, ok[i].out);
        ASSERT_EQ(tp_at(out), tp_at(ok[i].in));
    }
    /* time-1.2: exact values. 2025-10-16 is day 20377 since 1970 (2025-01-01 is
     * 20089, plus 288), so its last second China time is 20377*86400 + 57599. */
    ASSERT_EQ(tp_at("1970-01-01T00:00:00Z"), 0);
    ASSERT_EQ(tp_at("2025-10-16T23:59:59+08:00"), 1760630399);
    ASSERT_EQ(cf_date_end((cf_date_t){2025, 10, 16}), 1760630399);
    ASSERT_EQ(cf_date_start((cf_date_t){2025, 10, 16}), 1760630399 - 86399);
    cf_date_t d = cf_time_china_date(tp_at("2025-09-29T16:30:00Z"));
    ASSERT(d.year == 2025 && d.month == 9 && d.day == 30);
    ASSERT_EQ(cf_date_weekday((cf_date_t){2024, 2, 29}), 4);
    ASSERT_EQ(cf_date_weekday((cf_date_t){2025, 9, 30}), 2);
    ASSERT_EQ(cf_date_weekday((cf_date_t){2026, 1, 4}), 7);
    ASSERT_EQ(cf_date_month_days(2024, 2), 29);
    ASSERT_EQ(cf_date_month_days(2025, 2), 28);
    ASSERT_EQ(cf_date_month_days(2100, 2), 28);
    ASSERT_EQ(cf_date_month_days(2000, 2), 29);
}

static void time_errors(void)
{
    /* time-1.3: errors name the column; the output is untouched. */
    static const struct {
        const char *in;
        int column;
    } bad[] = {
        {"", 1},
        {"26-09-30", 3},
        {"2026-13-01", 6},
        {"2025-02-29T10:00:00Z", 9},
        {"2026-09-30 10:00:00+08:00", 11},
        {"2026-09-30T25:00:00Z", 12},
        {"2026-09-30T10:61:00Z", 15},
        {"2026-09-30T10:00:60Z", 18},
        {"2026-09-30T10:00:00", 20},
        {"2026-09-30T10:00:00+0800", 20},
        {"2026-09-30T10:00:00+08:00x", 26},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cf_time_t t = 12345;
        cf_error_t err;
        ASSERT_EQ(cf_time_parse(bad[i].in, &t, &err), CF_EPARSE);
        ASSERT_EQ(t, 12345);
        if (err.column != bad[i].column)
            CF__FAIL("'%s': column %d, expected %d", bad[i].in, err.column, bad[i].column);
        ASSERT_CONTAINS(err.text, "is not an ISO 8601 time");
    }
    ASSERT_EQ(cf_time_parse("x", &(cf_time_t){0}, NULL), CF_EPARSE);
}

TEST_IMPL(time_parse)
{
    time_round_trips();
    time_errors();
    /* time-1.4: dates alone. */
    cf_date_t date = {1, 2, 3};
    char text[CF_DATE_BUFSZ];
    cf_error_t err;
    ASSERT_EQ(cf_date_parse("2024-02-29", &date, &err), 0);
    cf_date_format(date, text);
    ASSERT_STR_EQ(text, "2024-02-29");
    ASSERT_EQ(cf_date_parse("2026-02-29", &date, &err), CF_EPARSE);
    ASSERT_EQ(err.column, 9);
    ASSERT_EQ(cf_date_parse("2026-1-01", &date, &err), CF_EPARSE);
    ASSERT_EQ(err.column, 7);
    ASSERT_EQ(cf_date_parse("2026-01-01T", &date, &err), CF_EPARSE);
    ASSERT_EQ(err.column, 11);
    ASSERT(date.year == 2024 && date.month == 2 && date.day == 29);
    return 0;
}

/* ---- calendar-1.*: calendar files ---------------------------------------------- */

static void shipped_counts(const cf_calendar_t *cal)
{
    /* calendar-1.2: per year, the holidays falling on Monday-Friday and the
     * adjusted working days, counted from the notices by hand:
     * 2024: 01-01 (1), 02-12..16 (5), 04-04/05 (2), 05-01..03 (3), 06-10 (1),
     *       09-16/17 (2), 10-01..04 and 10-07 (5) = 19; 8 adjusted working days.
     * 2025: 01-01 (1), 01-28..31 and 02-03/04 (6), 04-04 (1), 05-01/02 and 05-05
     *       (3), 06-02 (1), 10-01..03 and 10-06..08 (6) = 18; 5 adjusted.
     * 2026: 01-01/02 (2), 02-16..20 and 02-23 (6), 04-06 (1), 05-01 and 05-04/05
     *       (3), 06-19 (1), 09-25 (1), 10-01/02 and 10-05..07 (5) = 19; 6 adjusted. */
    static const int weekday_holidays[] = {19, 18, 19}, adjusted[] = {8, 5, 6};
    for (int y = 2024; y <= 2026; y++) {
        int n = 0, w = 0;
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= cf_date_month_days(y, m); d++) {
                cf_date_t date = {y, m, d};
                cf_daykind_t kind;
                ASSERT_EQ(cf_calendar_day(cal, date, &kind, NULL, NULL), 0);
                n += kind == CF_DAY_HOLIDAY && cf_date_weekday(date) <= 5;
                w += kind == CF_DAY_ADJUSTED_WORKDAY;
            }
        ASSERT_EQ(n, weekday_holidays[y - 2024]);
        ASSERT_EQ(w, adjusted[y - 2024]);
    }
}

TEST_IMPL(calendar_shipped)
{
    cf_calendar_t *cal = tp_shipped();
    int first, last;
    cf_calendar_span(cal, &first, &last);
    ASSERT_EQ(first, 2024);
    ASSERT_EQ(last, 2026);

    /* calendar-1.1: one day of each kind per year, names included. */
    static const struct {
        cf_date_t d;
        cf_daykind_t kind;
        const char *name;
    } days[] = {
        {{2024, 2, 9}, CF_DAY_WORKDAY, NULL}, /* 除夕 2024: a Friday worked */
        {{2024, 2, 10}, CF_DAY_HOLIDAY, "春节"},
        {{2024, 2, 18}, CF_DAY_ADJUSTED_WORKDAY, "春节"},
        {{2024, 2, 24}, CF_DAY_WEEKEND, NULL},
        {{2024, 6, 10}, CF_DAY_HOLIDAY, "端午节"},
        {{2024, 9, 14}, CF_DAY_ADJUSTED_WORKDAY, "中秋节"},
        {{2024, 10, 12}, CF_DAY_ADJUSTED_WORKDAY, "国庆节"},
        {{2025, 1, 28}, CF_DAY_HOLIDAY, "春节"}, /* 除夕 2025: a holiday */
        {{2025, 5, 2}, CF_DAY_HOLIDAY, "劳动节"},
        {{2025, 5, 31}, CF_DAY_HOLIDAY, "端午节"},
        {{2025, 10, 8}, CF_DAY_HOLIDAY, "国庆节、中秋节"},
        {{2025, 10, 11}, CF_DAY_ADJUSTED_WORKDAY, "国庆节、中秋节"},
        {{2025, 10, 12}, CF_DAY_WEEKEND, NULL},
        {{2026, 1, 3}, CF_DAY_HOLIDAY, "元旦"},
        {{2026, 1, 4}, CF_DAY_ADJUSTED_WORKDAY, "元旦"},
        {{2026, 2, 23}, CF_DAY_HOLIDAY, "春节"},
        {{2026, 4, 5}, CF_DAY_HOLIDAY, "清明节"},
        {{2026, 9, 20}, CF_DAY_ADJUSTED_WORKDAY, "国庆节"},
        {{2026, 9, 25}, CF_DAY_HOLIDAY, "中秋节"},
        {{2026, 10, 10}, CF_DAY_ADJUSTED_WORKDAY, "国庆节"},
        {{2026, 12, 31}, CF_DAY_WORKDAY, NULL},
    };
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
        cf_daykind_t kind;
        const char *name = "unset";
        ASSERT_EQ(cf_calendar_day(cal, days[i].d, &kind, &name, NULL), 0);
        ASSERT_EQ(kind, days[i].kind);
        if (days[i].name)
            ASSERT_STR_EQ(name, days[i].name);
        else
            ASSERT(name == NULL);
    }
    shipped_counts(cal);
    cf_calendar_free(cal);
    return 0;
}

/* calendar-1.3: each bad file is refused at the right line, and the calendar
 * keeps what it had. */
static const struct {
    const char *yaml;
    int code, line, column;
    const char *text;
} bad_calendars[] = {
    {"", CF_EPARSE, 1, 1, "empty"},
    {"year: 2026\nsource: x\nholidays: []\nfoo: 1\n", CF_EPARSE, 4, 1, "Unexpected key: foo"},
    {"year: 2026\nsource: x\nfoo:\n  - 1\nholidays: []\n", CF_EPARSE, 3, 1, "Unexpected key: foo"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-03-02, to: 2026-03-02}\n"
     "  - {name: b, from: 2026-03-09, to: 2026-03-09, bar: 3}\n",
     CF_EPARSE, 5, 49, "Unexpected key: bar"},
    {"year: abc\nsource: x\nholidays: []\n", CF_EPARSE, 1, 7, "Invalid"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-03-02, to: [1]}\n", CF_EPARSE, 4,
     37, "Expecting STRING"},
    {"year: 2026\nsource: x\nholidays: []\nworkdays:\n  - {date: 2026-03-07}\n", CF_EPARSE, 5, 12,
     "Missing required mapping field: for"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-03-02\n", CF_EPARSE, 5, 1,
     "YAML syntax error"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-02-30, to: 2026-03-02}\n",
     CF_EINVALID, 4, 21, "'2026-02-30' is not a date YYYY-MM-DD"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-3-2, to: 2026-03-02}\n",
     CF_EINVALID, 4, 21, "'2026-3-2' is not a date"},
    {"year: 2026\nsource: x\nholidays:\n  - name: a\n    from: 2025-12-31\n"
     "    to: 2026-01-01\n",
     CF_EINVALID, 5, 11, "2025-12-31 is outside the file's year 2026"},
    {"year: 2026\nsource: x\nholidays:\n  - name: a\n    from: 2026-03-03\n"
     "    to: 2026-03-02\n",
     CF_EINVALID, 6, 9, "holiday a ends (2026-03-02) before it starts (2026-03-03)"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-03-02, to: 2026-03-03}\n"
     "  - {name: b, from: 2026-03-03, to: 2026-03-04}\n",
     CF_EINVALID, 5, 5, "2026-03-03 is in two holidays, a and b"},
    {"year: 2026\nsource: x\nholidays:\n  - {name: a, from: 2026-03-07, to: 2026-03-08}\n"
     "workdays:\n  - {date: 2026-03-08, for: a}\n",
     CF_EINVALID, 6, 12, "2026-03-08 is both a holiday (a) and an adjusted working day"},
    {"year: 2026\nsource: x\nholidays: []\nworkdays:\n  - {date: 2026-03-03, for: a}\n",
     CF_EINVALID, 5, 12, "2026-03-03 is a 周二"},
    {"year: 2026\nsource: x\nholidays: []\nworkdays:\n  - {date: 2026-03-07, for: a}\n"
     "  - {date: 2026-03-07, for: a}\n",
     CF_EINVALID, 6, 12, "listed twice"},
    {"year: 2027\nsource: x\nholidays: []\nworkdays:\n  - {date: 2026-03-07, for: a}\n",
     CF_EINVALID, 5, 12, "2026-03-07 is outside the file's year 2027"},
    {"year: 1800\nsource: x\nholidays: []\n", CF_EINVALID, 1, 7, "out of range"},
    {"year: 2025\nsource: x\nholidays: []\n", CF_EINVALID, 1, 7, "year 2025 is already loaded"},
};

TEST_IMPL(calendar_load_errors)
{
    cf_calendar_t *cal;
    ASSERT_EQ(cf_calendar_new(&cal), 0);
    size_t len;
    char *y2025 = cf_test_slurp("workflows/calendars/2025.yaml", &len);
    ASSERT_EQ(cf_calendar_load(cal, y2025, len, "2025.yaml", NULL), 0);
    free(y2025);
    for (size_t i = 0; i < sizeof(bad_calendars) / sizeof(bad_calendars[0]); i++) {
        cf_error_t err;
        memset(&err, 0, sizeof(err));
        int rc = cf_calendar_load(cal, bad_calendars[i].yaml, strlen(bad_calendars[i].yaml),
                                  "bad.yaml", &err);
        if (rc != bad_calendars[i].code || err.line != bad_calendars[i].line ||
            err.column != bad_calendars[i].column || !strstr(err.text, bad_calendars[i].text))
            CF__FAIL("case %zu: rc %d at %d:%d \"%s\"; expected %d at %d:%d \"%s\"", i, rc,
                     err.line, err.column, err.text, bad_calendars[i].code, bad_calendars[i].line,
                     bad_calendars[i].column, bad_calendars[i].text);
        ASSERT_STR_EQ(err.source, "bad.yaml");
        int first, last;
        cf_calendar_span(cal, &first, &last);
        ASSERT(first == 2025 && last == 2025);
        ASSERT_EQ(
            cf_calendar_load(cal, bad_calendars[i].yaml, strlen(bad_calendars[i].yaml), NULL, NULL),
            rc);
    }
    /* calendar-1.4: a minimal valid year, without workdays, loads; years sort. */
    const char *y2030 = "year: 2030\nsource: test\nholidays: []\n";
    ASSERT_EQ(cf_calendar_load(cal, y2030, strlen(y2030), NULL, NULL), 0);
    int first, last;
    cf_calendar_span(cal, &first, &last);
    ASSERT(first == 2025 && last == 2030);
    cf_daykind_t kind = CF_DAY_WORKDAY;
    cf_error_t err;
    ASSERT_EQ(cf_calendar_day(cal, (cf_date_t){2030, 1, 1}, &kind, NULL, NULL), 0);
    ASSERT_EQ(kind, CF_DAY_WORKDAY); /* a Tuesday, and no holidays listed */
    ASSERT_EQ(cf_calendar_day(cal, (cf_date_t){2027, 3, 1}, &kind, NULL, &err), CF_ERANGE);
    ASSERT_STR_EQ(err.text,
                  "2027-03-01 is outside the loaded calendar (2025, 2030): load the 2027 calendar");
    ASSERT_EQ(cf_calendar_is_workday(cal, (cf_date_t){2025, 2, 30}, NULL), CF_EINVAL);
    cf_calendar_free(cal);
    cf_calendar_free(NULL);
    return 0;
}

/* ---- period-4.*: provisional years (R11) and counting once (R8) ------------------ */

static const char *date_text(cf_date_t d, char *out)
{
    cf_date_format(d, out);
    return out;
}

static cf_date_t day(const char *text)
{
    cf_date_t d = {0, 0, 0};
    if (cf_date_parse(text, &d, NULL) != 0)
        CF__FAIL("cannot parse %s", text);
    return d;
}

TEST_IMPL(lunar_known_dates)
{
    /* period-4.1: the computed 春节 (正月初一), 端午 (五月初五), 中秋 (八月十五) and
     * 清明 against dates published in the State Council's notices (2024-2026, and
     * 2020-2023 from those years' notices) and in printed lunar calendars for
     * 2027-2030 (checked against Debian's python3-lunardate table when written;
     * see the commit). 2020 and 2023 have a leap month before 端午 (闰四月, 闰二月),
     * 2033 a leap 11th month, which moves 春节 2034 to the third new moon after
     * the solstice. */
    static const struct {
        int year;
        const char *spring, *duanwu, *midautumn, *qingming;
    } rows[] = {
        {2020, "2020-01-25", "2020-06-25", "2020-10-01", "2020-04-04"},
        {2023, "2023-01-22", "2023-06-22", "2023-09-29", "2023-04-05"},
        {2024, "2024-02-10", "2024-06-10", "2024-09-17", "2024-04-04"},
        {2025, "2025-01-29", "2025-05-31", "2025-10-06", "2025-04-04"},
        {2026, "2026-02-17", "2026-06-19", "2026-09-25", "2026-04-05"},
        {2027, "2027-02-06", "2027-06-09", "2027-09-15", "2027-04-05"},
        {2028, "2028-01-26", "2028-05-28", "2028-10-03", "2028-04-04"},
        {2029, "2029-02-13", "2029-06-16", "2029-09-22", "2029-04-04"},
        {2030, "2030-02-03", "2030-06-05", "2030-09-12", "2030-04-05"},
        {2034, "2034-02-19", "2034-06-20", "2034-09-27", "2034-04-05"},
    };
    char text[CF_DATE_BUFSZ];
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cf_date_t d;
        ASSERT_EQ(cf_lunar_date(rows[i].year, 1, 1, &d), 0);
        ASSERT_STR_EQ(date_text(d, text), rows[i].spring);
        ASSERT_EQ(cf_lunar_date(rows[i].year, 5, 5, &d), 0);
        ASSERT_STR_EQ(date_text(d, text), rows[i].duanwu);
        ASSERT_EQ(cf_lunar_date(rows[i].year, 8, 15, &d), 0);
        ASSERT_STR_EQ(date_text(d, text), rows[i].midautumn);
        ASSERT_EQ(cf_solar_term_date(rows[i].year, 15, &d), 0);
        ASSERT_STR_EQ(date_text(d, text), rows[i].qingming);
    }
    /* 冬至 2026 (Dec 22) and bad arguments. */
    cf_date_t d = {1, 1, 1};
    ASSERT_EQ(cf_solar_term_date(2026, 270, &d), 0);
    ASSERT_STR_EQ(date_text(d, text), "2026-12-22");
    ASSERT_EQ(cf_lunar_date(2027, 11, 1, &d), CF_EINVAL);
    ASSERT_EQ(cf_lunar_date(1800, 1, 1, &d), CF_EINVAL);
    ASSERT_EQ(cf_solar_term_date(2027, 7, &d), CF_EINVAL);
    ASSERT_STR_EQ(date_text(d, text), "2026-12-22"); /* untouched */
    return 0;
}

/* A calendar of the shipped files up to and including year `last`, answering for
 * `prov` provisional years after it. */
static cf_calendar_t *shipped_through(int last, int prov)
{
    cf_calendar_t *cal;
    ASSERT_EQ(cf_calendar_new(&cal), 0);
    for (int y = 2024; y <= last; y++) {
        char path[64];
        size_t len;
        snprintf(path, sizeof(path), "workflows/calendars/%d.yaml", y);
        char *buf = cf_test_slurp(path, &len);
        ASSERT_EQ(cf_calendar_load(cal, buf, len, path, NULL), 0);
        free(buf);
    }
    ASSERT_EQ(cf_calendar_set_provisional(cal, prov), 0);
    return cal;
}

TEST_IMPL(calendar_provisional_in_shipped)
{
    /* period-4.2: every rest day the 放假办法 fixes, computed for 2025 and 2026 as
     * the provisional calendar would (only 2024 loaded), is a holiday in the
     * notice of that year: the computation agrees with what was published. */
    cf_calendar_t *prov = shipped_through(2024, 2), *cal = tp_shipped();
    int holidays = 0;
    for (int64_t i = cf_date_to_days(day("2025-01-01")); i <= cf_date_to_days(day("2026-12-31"));
         i++) {
        cf_date_t d = cf_date_from_days(i);
        cf_daykind_t pk, k;
        const char *name = NULL;
        ASSERT_EQ(cf_calendar_is_provisional(prov, d.year), 1);
        ASSERT_EQ(cf_calendar_day(prov, d, &pk, &name, NULL), 0);
        ASSERT_EQ(cf_calendar_day(cal, d, &k, NULL, NULL), 0);
        if (pk == CF_DAY_HOLIDAY) {
            holidays++;
            char text[CF_DATE_BUFSZ];
            if (k != CF_DAY_HOLIDAY)
                CF__FAIL("%s (%s) is a rest day of the 放假办法 but not of the notice",
                         date_text(d, text), name);
        }
    }
    /* 13 days a year: 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3. */
    ASSERT_EQ(holidays, 26);
    cf_calendar_free(prov);
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(calendar_provisional)
{
    /* period-4.3: past the last loaded year (2026), three provisional years. */
    cf_calendar_t *cal = shipped_through(2026, CF_CALENDAR_PROVISIONAL_YEARS);
    int last, horizon;
    cf_calendar_horizon(cal, &last, &horizon);
    ASSERT_EQ(last, 2026);
    ASSERT_EQ(horizon, 2029);
    ASSERT_EQ(cf_calendar_is_provisional(cal, 2026), 0);
    ASSERT_EQ(cf_calendar_is_provisional(cal, 2027), 1);
    static const struct {
        const char *date;
        cf_daykind_t kind;
        const char *name;
    } rows[] = {
        {"2027-01-01", CF_DAY_HOLIDAY, "元旦"},   /* Fri */
        {"2027-02-05", CF_DAY_HOLIDAY, "春节"},   /* 除夕, Fri */
        {"2027-02-08", CF_DAY_HOLIDAY, "春节"},   /* 初三, Mon */
        {"2027-02-09", CF_DAY_WORKDAY, NULL},     /* 初四, Tue: no 调休 is guessed */
        {"2027-02-06", CF_DAY_HOLIDAY, "春节"},   /* 初一, a Saturday: still the holiday */
        {"2027-04-05", CF_DAY_HOLIDAY, "清明节"}, /* Mon */
        {"2027-05-03", CF_DAY_WORKDAY, NULL},     /* only 5-1 and 5-2 are fixed */
        {"2027-06-09", CF_DAY_HOLIDAY, "端午节"}, /* Wed */
        {"2027-09-15", CF_DAY_HOLIDAY, "中秋节"}, /* Wed */
        {"2027-10-04", CF_DAY_WORKDAY, NULL},     /* Mon: 国庆 is 10-1..10-3 */
        {"2027-03-06", CF_DAY_WEEKEND, NULL},     /* Sat */
        {"2028-10-03", CF_DAY_HOLIDAY, "国庆节、中秋节"}, /* 中秋 on 国庆 */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cf_daykind_t k;
        const char *name = "x";
        ASSERT_EQ(cf_calendar_day(cal, day(rows[i].date), &k, &name, NULL), 0);
        ASSERT_EQ(k, rows[i].kind);
        if (rows[i].name)
            ASSERT_STR_EQ(name, rows[i].name);
    }
    /* Past the horizon: refused, naming the date and the provisional years. */
    cf_error_t err;
    cf_daykind_t k = CF_DAY_WEEKEND;
    ASSERT_EQ(cf_calendar_day(cal, day("2030-01-02"), &k, NULL, &err), CF_ERANGE);
    ASSERT_STR_EQ(err.text, "2030-01-02 is outside the loaded calendar (2024–2026, and "
                            "2027–2029 provisional): load the 2030 calendar");
    ASSERT_EQ(k, CF_DAY_WEEKEND);
    /* Loading 2027 moves the horizon; switching provisional off refuses 2027 (R10). */
    const char *y2027 = "year: 2027\nsource: test\nholidays: []\n";
    ASSERT_EQ(cf_calendar_load(cal, y2027, strlen(y2027), "2027", NULL), 0);
    cf_calendar_horizon(cal, &last, &horizon);
    ASSERT_EQ(last, 2027);
    ASSERT_EQ(horizon, 2030);
    ASSERT_EQ(cf_calendar_day(cal, day("2027-02-08"), &k, NULL, NULL), 0);
    ASSERT_EQ(k, CF_DAY_WORKDAY); /* the loaded year wins */
    ASSERT_EQ(cf_calendar_set_provisional(cal, 0), 0);
    ASSERT_EQ(cf_calendar_day(cal, day("2028-01-03"), &k, NULL, &err), CF_ERANGE);
    ASSERT_STR_EQ(err.text, "2028-01-03 is outside the loaded calendar (2024–2027): load the "
                            "2028 calendar");
    ASSERT_EQ(cf_calendar_set_provisional(cal, -1), CF_EINVAL);
    cf_calendar_free(cal);
    return 0;
}

TEST_IMPL(period_provisional)
{
    /* period-4.4: a count that reaches a provisional year says which. */
    cf_calendar_t *cal = shipped_through(2026, CF_CALENDAR_PROVISIONAL_YEARS);
    cf_period_part_t p = {tp_per("90 days"), NULL};
    cf_count_t n;
    char text[CF_TIME_BUFSZ];
    lines_t l = {.len = 0};
    /* Filed Sun 2026-12-06: day 90 is Sat 2027-03-06, so Mon 03-08 (R4). */
    ASSERT_EQ(
        cf_period_count(cal, tp_at("2026-12-06T10:00:00+08:00"), &p, 1, &n, tp_collect, &l, NULL),
        0);
    cf_time_format(n.deadline, text);
    ASSERT_STR_EQ(text, "2027-03-08T23:59:59+08:00");
    ASSERT_EQ(n.provisional_first, 2027);
    ASSERT_EQ(n.provisional_last, 2027);
    ASSERT_CONTAINS(l.text, "provisional: 2027 is not loaded");
    /* Filed Thu 2026-11-12: day 90 is Wed 2027-02-10, after 春节 (02-05..02-08). 85
     * days: Fri 02-05 (除夕) .. Mon 02-08 are holidays: Tue 02-09. */
    p.period = tp_per("85 days");
    ASSERT_EQ(cf_period_count(cal, tp_at("2026-11-12T10:00:00+08:00"), &p, 1, &n, NULL, NULL, NULL),
              0);
    cf_time_format(n.deadline, text);
    ASSERT_STR_EQ(text, "2027-02-09T23:59:59+08:00");
    /* Within the loaded years: nothing provisional. */
    p.period = tp_per("10 days");
    ASSERT_EQ(cf_period_count(cal, tp_at("2026-03-02T10:00:00+08:00"), &p, 1, &n, NULL, NULL, NULL),
              0);
    ASSERT_EQ(n.provisional_first, 0);
    /* Past the horizon: refused as R10. */
    cf_error_t err;
    p.period = tp_per("1200 days");
    ASSERT_EQ(cf_period_count(cal, tp_at("2026-12-06T10:00:00+08:00"), &p, 1, &n, NULL, NULL, &err),
              CF_ERANGE);
    ASSERT_CONTAINS(err.text, "provisional): load the 2030 calendar");
    cf_calendar_free(cal);
    return 0;
}

/* The deadline of parts counted once from `from`, as text. */
static const char *count_text(const cf_calendar_t *cal, const char *from,
                              const cf_period_part_t *parts, size_t n, char *out)
{
    cf_count_t c;
    cf_error_t err;
    if (cf_period_count(cal, tp_at(from), parts, n, &c, NULL, NULL, &err) != 0)
        CF__FAIL("count from %s: %s", from, err.text);
    cf_time_format(c.deadline, out);
    return out;
}

TEST_IMPL(period_count_once)
{
    /* period-4.5 (issue 18 item 1): the period, extensions, excluded and suspended
     * time counted once from the start, rolled once at the end. Worked by hand on
     * the shipped 2025 and 2026 calendars. */
    cf_calendar_t *cal = tp_shipped();
    char text[CF_TIME_BUFSZ];
    cf_period_part_t parts[3] = {{tp_per("90 days"), NULL}};
    /* Filed Mon 2025-09-15: day 90 is Sun 12-14, so Mon 12-15 (R4). */
    ASSERT_STR_EQ(count_text(cal, "2025-09-15T10:00:00+08:00", parts, 1, text),
                  "2025-12-15T23:59:59+08:00");
    /* + 5 days of 鉴定 excluded: day 95 is Fri 12-19, a working day (the count
     * before version 2 added 5 days to the rolled 12-15: Sat 12-20, then 12-22). */
    parts[1] = (cf_period_part_t){tp_per("5 days"), "excluded"};
    ASSERT_STR_EQ(count_text(cal, "2025-09-15T10:00:00+08:00", parts, 2, text),
                  "2025-12-19T23:59:59+08:00");
    /* 5 days suspended (中止) count the same. */
    parts[1].label = "suspended";
    ASSERT_STR_EQ(count_text(cal, "2025-09-15T10:00:00+08:00", parts, 2, text),
                  "2025-12-19T23:59:59+08:00");
    /* 90 + 30 extended: day 120 is Tue 2026-01-13 (not 01-14: 12-15 + 30). */
    parts[1] = (cf_period_part_t){tp_per("30 days"), "extension"};
    ASSERT_STR_EQ(count_text(cal, "2025-09-15T10:00:00+08:00", parts, 2, text),
                  "2026-01-13T23:59:59+08:00");
    /* 90 + 30 + 5: day 125 is Sun 01-18, so Mon 01-19. */
    parts[2] = (cf_period_part_t){tp_per("5 days"), "excluded"};
    ASSERT_STR_EQ(count_text(cal, "2025-09-15T10:00:00+08:00", parts, 3, text),
                  "2026-01-19T23:59:59+08:00");
    /* Sealing from Fri 2025-09-26, 30 + 30 days: day 60 is Tue 11-25 (the old count:
     * day 30 Sun 10-26 rolled to Mon 10-27, + 30 = Wed 11-26). */
    parts[0] = (cf_period_part_t){tp_per("30 days"), NULL};
    parts[1] = (cf_period_part_t){tp_per("30 days"), "extension"};
    ASSERT_STR_EQ(count_text(cal, "2025-09-26T10:00:00+08:00", parts, 2, text),
                  "2025-11-25T23:59:59+08:00");
    cf_time_t old;
    ASSERT_EQ(cf_period_add(cal, tp_at("2025-09-26T10:00:00+08:00"), tp_per("30 days"), &old, NULL,
                            NULL, NULL),
              0);
    ASSERT_EQ(cf_period_add(cal, old, tp_per("30 days"), &old, NULL, NULL, NULL), 0);
    cf_time_format(old, text);
    ASSERT_STR_EQ(text, "2025-11-26T23:59:59+08:00");
    /* Days then working days: 10 days from Tue 2025-09-30 is Fri 10-10 (a holiday
     * day? no: 10-01..10-08 are), unrolled; 2 working days after it: Sat 10-11 (调休
     * working day) d1, Mon 10-13 d2. */
    parts[0] = (cf_period_part_t){tp_per("10 days"), NULL};
    parts[1] = (cf_period_part_t){tp_per("2 working_days"), "extension"};
    ASSERT_STR_EQ(count_text(cal, "2025-09-30T10:00:00+08:00", parts, 2, text),
                  "2025-10-13T23:59:59+08:00");
    /* Months then days: 1 month from 2025-01-31 is 02-28 (R7), + 3 days Mon 03-03. */
    parts[0] = (cf_period_part_t){tp_per("1 month"), NULL};
    parts[1] = (cf_period_part_t){tp_per("3 days"), "excluded"};
    ASSERT_STR_EQ(count_text(cal, "2025-01-31T10:00:00+08:00", parts, 2, text),
                  "2025-03-03T23:59:59+08:00");
    /* Hours add up; hours and days do not mix. */
    parts[0] = (cf_period_part_t){tp_per("24 hours"), NULL};
    parts[1] = (cf_period_part_t){tp_per("3 hours"), "excluded"};
    ASSERT_STR_EQ(count_text(cal, "2025-10-01T10:00:00+08:00", parts, 2, text),
                  "2025-10-02T13:00:00+08:00");
    parts[1] = (cf_period_part_t){tp_per("3 days"), "excluded"};
    cf_count_t c = {42, 0, 0};
    cf_error_t err;
    ASSERT_EQ(
        cf_period_count(cal, tp_at("2025-10-01T10:00:00+08:00"), parts, 2, &c, NULL, NULL, &err),
        CF_EINVAL);
    ASSERT_EQ(c.deadline, 42);
    ASSERT_EQ(
        cf_period_count(cal, tp_at("2025-10-01T10:00:00+08:00"), parts, 0, &c, NULL, NULL, &err),
        CF_EINVAL);
    /* The explanation names the parts. */
    lines_t l = {.len = 0};
    parts[0] = (cf_period_part_t){tp_per("90 days"), NULL};
    parts[1] = (cf_period_part_t){tp_per("5 days"), "excluded"};
    ASSERT_EQ(cf_period_count(cal, tp_at("2025-09-15T10:00:00+08:00"), parts, 2, &c, tp_collect, &l,
                              NULL),
              0);
    ASSERT_CONTAINS(l.text, "90 days + 5 days (excluded) after 2025-09-15: 2025-12-19 周五");
    cf_calendar_free(cal);
    return 0;
}
