/*
 * fuzz-period.c -- the period and time parsers and the deadline arithmetic over
 * the shipped calendars (workflows/calendars/2024..2026.yaml).
 *
 * Input: up to four lines (split at '\n'; a missing line is empty):
 *   1. a period for cf_period_parse         "7 working_days"
 *   2. an instant for cf_time_parse         "2026-03-02T09:00:00+08:00"
 *   3. a second instant for cf_time_parse   (the end for cf_period_elapsed)
 *   4. a date for cf_date_parse             "2026-10-01"
 *
 * Properties checked:
 *   - a parsed period formats (cf_period_format) and parses back equal;
 *   - a parsed instant formats (cf_time_format) and parses back equal, and a
 *     parsed date formats (cf_date_format) and parses back equal;
 *   - failures leave their outputs untouched;
 *   - cf_period_add: a deadline is never before its start; in hours it is the
 *     start plus the hours exactly (R6); a day-based one is 23:59:59 China time
 *     (R5); every explanation line is a non-empty string;
 *   - cf_period_elapsed from the earlier instant to the later is never negative,
 *     and from later to earlier is refused.
 */
#include "fuzz.h"

#include <string.h>

#include "calendar.h"
#include "cftime.h"
#include "period.h"

#define LINE_MAX_BYTES 256

/* Copies the index-th line of data (NUL-terminated, at most size - 1 bytes). */
static void line_of(const uint8_t *data, size_t len, int index, char *out, size_t size)
{
    size_t i = 0;
    for (int n = 0; n < index && i < len; i++)
        if (data[i] == '\n')
            n++;
    size_t j = 0;
    for (; i < len && data[i] != '\n' && j + 1 < size; i++)
        out[j++] = (char)data[i];
    out[j] = '\0';
}

static void on_explain(void *ctx, const char *line)
{
    CF_FUZZ_CHECK(line != NULL && line[0] != '\0');
    (*(unsigned *)ctx)++;
}

static void check_period(const char *text, cf_period_t *out, int *ok)
{
    cf_period_t p = {.amount = -7, .unit = CF_UNIT_DAYS}, back;
    cf_error_t err;
    *ok = cf_period_parse(text, &p, &err) == 0;
    if (!*ok) {
        CF_FUZZ_CHECK(p.amount == -7 && p.unit == CF_UNIT_DAYS);
        return;
    }
    CF_FUZZ_CHECK(p.amount >= 0);
#ifdef CF_PERIOD_AMOUNT_MAX
    CF_FUZZ_CHECK(p.amount <= CF_PERIOD_AMOUNT_MAX);
#endif
    char buf[64];
    cf_period_format(p, buf, sizeof(buf));
    CF_FUZZ_CHECK(cf_period_parse(buf, &back, &err) == 0);
    CF_FUZZ_CHECK(back.amount == p.amount && back.unit == p.unit);
    *out = p;
}

static int check_time(const char *text, cf_time_t *out)
{
    cf_time_t t = 42, back;
    cf_error_t err;
    if (cf_time_parse(text, &t, &err) != 0) {
        CF_FUZZ_CHECK(t == 42);
        return 0;
    }
    char buf[CF_TIME_BUFSZ];
    cf_time_format(t, buf);
    if (cf_time_parse(buf, &back, &err) != 0)
        fprintf(stderr, "\"%s\" -> %lld -> \"%s\" does not parse: %s\n", text, (long long)t, buf,
                err.text);
    CF_FUZZ_CHECK(cf_time_parse(buf, &back, &err) == 0);
    CF_FUZZ_CHECK(back == t);
    *out = t;
    return 1;
}

static void check_date(const cf_calendar_t *cal, const char *text)
{
    cf_date_t d = {.year = -1}, back;
    cf_error_t err;
    if (cf_date_parse(text, &d, &err) != 0) {
        CF_FUZZ_CHECK(d.year == -1);
        return;
    }
    char buf[CF_DATE_BUFSZ];
    cf_date_format(d, buf);
    CF_FUZZ_CHECK(cf_date_parse(buf, &back, &err) == 0);
    CF_FUZZ_CHECK(back.year == d.year && back.month == d.month && back.day == d.day);
    cf_daykind_t kind;
    const char *name = NULL;
    int rc = cf_calendar_day(cal, d, &kind, &name, &err);
    CF_FUZZ_CHECK(rc == 0 || rc == CF_ERANGE || rc == CF_EINVAL);
    CF_FUZZ_CHECK(cf_date_to_days(cf_date_from_days(cf_date_to_days(d))) == cf_date_to_days(d));
}

static void check_add(const cf_calendar_t *cal, cf_time_t from, cf_period_t p)
{
    cf_time_t deadline = 42;
    unsigned lines = 0;
    cf_error_t err;
    int rc = cf_period_add(cal, from, p, &deadline, on_explain, &lines, &err);
    if (rc != 0) {
        CF_FUZZ_CHECK(rc == CF_ERANGE || rc == CF_EINVAL);
        CF_FUZZ_CHECK(deadline == 42);
        return;
    }
    CF_FUZZ_CHECK(deadline >= from);
    if (p.unit == CF_UNIT_HOURS)
        CF_FUZZ_CHECK(deadline == from + p.amount * 3600);
    else
        CF_FUZZ_CHECK(cf_date_end(cf_time_china_date(deadline)) == deadline);
}

static void check_elapsed(const cf_calendar_t *cal, cf_time_t a, cf_time_t b)
{
    static const cf_unit_t units[] = {CF_UNIT_HOURS, CF_UNIT_DAYS, CF_UNIT_WORKING_DAYS,
                                      CF_UNIT_MONTHS};
    cf_time_t lo = a < b ? a : b, hi = a < b ? b : a;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        int64_t n = -42;
        cf_error_t err;
        int rc = cf_period_elapsed(cal, lo, hi, units[i], &n, &err);
        CF_FUZZ_CHECK(rc == 0 || rc == CF_ERANGE);
        CF_FUZZ_CHECK(rc == 0 ? n >= 0 : n == -42);
        if (lo != hi) {
            n = -42;
            CF_FUZZ_CHECK(cf_period_elapsed(cal, hi, lo, units[i], &n, &err) != 0);
            CF_FUZZ_CHECK(n == -42);
        }
    }
}

/* Exported, documented in fuzz.h */
int cf_fuzz_period(const uint8_t *data, size_t size)
{
    const cf_calendar_t *cal = cf_fuzz_calendar();
    char text[4][LINE_MAX_BYTES];
    for (int i = 0; i < 4; i++)
        line_of(data, size, i, text[i], sizeof(text[i]));
    cf_period_t p = {0};
    cf_time_t from = 0, to = 0;
    int have_p;
    check_period(text[0], &p, &have_p);
    int have_from = check_time(text[1], &from);
    int have_to = check_time(text[2], &to);
    check_date(cal, text[3]);
    if (have_p && have_from)
        check_add(cal, from, p);
    if (have_from && have_to)
        check_elapsed(cal, from, to);
    return 0;
}

CF_FUZZ_ENTRY(cf_fuzz_period)
