/*
 * period.c -- legal periods counted as the law counts them. See period.h for the
 * rules (R1-R10, from LEGAL-PERIODS.md §1).
 *
 * Every computation walks the calendar day by day rather than jumping: a period is
 * at most a few hundred days, and walking is what lets --explain show each day
 * counted or skipped, and why. A day outside the loaded calendar stops the walk
 * with CF_ERANGE naming it (R10); nothing is ever assumed about an unloaded year.
 */
#include "period.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const unit_names[] = {"hours", "days", "working_days", "months"};
static const char *const unit_singular[] = {"hour", "day", "working_day", "month"};
static const char *const weekdays[] = {"", "周一", "周二", "周三", "周四", "周五", "周六", "周日"};

/* Exported, documented in period.h */
const char *cf_unit_name(cf_unit_t unit)
{
    return (unsigned)unit < 4 ? unit_names[unit] : "unknown";
}

/* Exported, documented in period.h */
int cf_unit_parse(const char *name, cf_unit_t *out)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, unit_names[i]) == 0 || strcmp(name, unit_singular[i]) == 0) {
            *out = (cf_unit_t)i;
            return 0;
        }
    return CF_EINVAL;
}

/* Exported, documented in period.h */
int cf_period_parse(const char *text, cf_period_t *out, cf_error_t *err)
{
    const char *p = text ? text : "";
    char *end;
    long long n = strtoll(p, &end, 10);
    cf_unit_t unit;
    if (end == p || *p < '0' || *p > '9' || n < 0)
        return cf_error_set(err, CF_EPARSE, NULL, 1, 1,
                            "'%s' is not a period such as \"7 working_days\" (column 1: a number)",
                            p);
    const char *u = end;
    while (*u == ' ')
        u++;
    if (u == end || cf_unit_parse(u, &unit) != 0)
        return cf_error_set(err, CF_EPARSE, NULL, 1, (int)(u - p) + 1,
                            "'%s': unknown unit '%s' (column %d); use hours, days, "
                            "working_days or months",
                            p, u, (int)(u - p) + 1);
    out->amount = n;
    out->unit = unit;
    return 0;
}

/* Exported, documented in period.h */
void cf_period_format(cf_period_t p, char *out, size_t size)
{
    snprintf(out, size, "%lld %s", (long long)p.amount, cf_unit_name(p.unit));
}

/* ---- explaining -------------------------------------------------------------------- */

typedef struct explainer_s {
    cf_explain_cb cb;
    void *ctx;
} explainer_t;

static void say(const explainer_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const explainer_t *x, const char *fmt, ...)
{
    if (!x->cb)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    x->cb(x->ctx, line);
}

/* "2025-10-01 周三" into out. */
static const char *day_text(cf_date_t d, char *out, size_t size)
{
    char date[CF_DATE_BUFSZ];
    cf_date_format(d, date);
    snprintf(out, size, "%s %s", date, weekdays[cf_date_weekday(d)]);
    return out;
}

/* Why day d is a rest day or a working day, for an explanation line. */
static void kind_text(cf_daykind_t kind, const char *name, char *out, size_t size)
{
    switch (kind) {
    case CF_DAY_WEEKEND:
        snprintf(out, size, "weekend");
        break;
    case CF_DAY_HOLIDAY:
        snprintf(out, size, "%s holiday", name ? name : "public");
        break;
    case CF_DAY_ADJUSTED_WORKDAY:
        snprintf(out, size, "adjusted working day for %s", name ? name : "a holiday");
        break;
    default:
        snprintf(out, size, "working day");
    }
}

static void say_deadline(const explainer_t *x, cf_date_t d, cf_time_t t)
{
    char date[CF_DATE_BUFSZ], when[CF_TIME_BUFSZ];
    cf_date_format(d, date);
    cf_time_format(t, when);
    say(x, "deadline: end of %s (%s)", date, when);
}

/* ---- counting ---------------------------------------------------------------------- */

/* R3: count amount working days after start. OUT *end. */
static int count_working_days(const cf_calendar_t *cal, cf_date_t start, int64_t amount,
                              cf_date_t *end, const explainer_t *x, cf_error_t *err)
{
    int64_t day = cf_date_to_days(start);
    char text[64], why[128];
    for (int64_t counted = 0; counted < amount;) {
        cf_date_t d = cf_date_from_days(++day);
        cf_daykind_t kind;
        const char *name = NULL;
        int rc = cf_calendar_day(cal, d, &kind, &name, err);
        if (rc != 0)
            return rc;
        kind_text(kind, name, why, sizeof(why));
        day_text(d, text, sizeof(text));
        if (kind == CF_DAY_WEEKEND || kind == CF_DAY_HOLIDAY)
            say(x, "%s skipped: %s", text, why);
        else if (kind == CF_DAY_ADJUSTED_WORKDAY)
            say(x, "%s day %lld (%s)", text, (long long)++counted, why);
        else
            say(x, "%s day %lld", text, (long long)++counted);
    }
    *end = cf_date_from_days(day);
    return 0;
}

/* R4: a days or months period whose last day is a rest day ends on the next
 * working day. *end moves forward in place. */
static int shift_off_rest_days(const cf_calendar_t *cal, cf_date_t *end, const explainer_t *x,
                               cf_error_t *err)
{
    char text[64], why[128];
    for (;;) {
        cf_daykind_t kind;
        const char *name = NULL;
        int rc = cf_calendar_day(cal, *end, &kind, &name, err);
        if (rc != 0)
            return rc;
        if (kind == CF_DAY_WORKDAY || kind == CF_DAY_ADJUSTED_WORKDAY)
            return 0;
        kind_text(kind, name, why, sizeof(why));
        say(x, "%s is a rest day (%s): the period ends on the next working day (R4)",
            day_text(*end, text, sizeof(text)), why);
        *end = cf_date_from_days(cf_date_to_days(*end) + 1);
    }
}

/* R7: the same-numbered day amount months later, or that month's last day. */
static cf_date_t add_months(cf_date_t d, int64_t amount)
{
    int64_t m = (int64_t)d.year * 12 + (d.month - 1) + amount;
    cf_date_t out = {(int)(m / 12), (int)(m % 12) + 1, d.day};
    int last = cf_date_month_days(out.year, out.month);
    if (out.day > last)
        out.day = last;
    return out;
}

/* Exported, documented in period.h */
int cf_period_add(const cf_calendar_t *cal, cf_time_t from, cf_period_t p, cf_time_t *deadline,
                  cf_explain_cb explain, void *ctx, cf_error_t *err)
{
    explainer_t x = {explain, ctx};
    char when[CF_TIME_BUFSZ], text[64], period[64];
    cf_time_format(from, when);
    cf_period_format(p, period, sizeof(period));
    if (p.amount < 0 || (unsigned)p.unit > CF_UNIT_MONTHS)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "invalid period %s", period);
    if (p.unit == CF_UNIT_HOURS) {
        cf_time_t t = from + p.amount * 3600;
        cf_time_format(t, text);
        say(&x, "%s + %s = %s (R6: hours run from the exact instant)", when, period, text);
        *deadline = t;
        return 0;
    }
    cf_date_t start = cf_time_china_date(from), end;
    say(&x, "start %s: %s is not counted (R1)", when, day_text(start, text, sizeof(text)));
    int rc = 0;
    if (p.unit == CF_UNIT_WORKING_DAYS) {
        rc = count_working_days(cal, start, p.amount, &end, &x, err);
    } else {
        end = p.unit == CF_UNIT_DAYS ? cf_date_from_days(cf_date_to_days(start) + p.amount)
                                     : add_months(start, p.amount);
        say(&x, "%s later: %s", period, day_text(end, text, sizeof(text)));
        rc = shift_off_rest_days(cal, &end, &x, err);
    }
    if (rc != 0)
        return rc;
    *deadline = cf_date_end(end);
    say_deadline(&x, end, *deadline);
    return 0;
}

/* Exported, documented in period.h */
int cf_period_elapsed(const cf_calendar_t *cal, cf_time_t a, cf_time_t b, cf_unit_t unit,
                      int64_t *amount, cf_error_t *err)
{
    if (b < a)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "an interval cannot end before it starts");
    if (unit == CF_UNIT_HOURS) {
        *amount = (b - a + 3599) / 3600;
        return 0;
    }
    int64_t first = cf_date_to_days(cf_time_china_date(a));
    int64_t last = cf_date_to_days(cf_time_china_date(b));
    if (unit != CF_UNIT_WORKING_DAYS) {
        *amount = last - first;
        return 0;
    }
    int64_t n = 0;
    for (int64_t d = first + 1; d <= last; d++) {
        int w = cf_calendar_is_workday(cal, cf_date_from_days(d), err);
        if (w < 0)
            return w;
        n += w;
    }
    *amount = n;
    return 0;
}
