/*
 * period.c -- legal periods counted as the law counts them. See period.h for the
 * rules (R1-R10, from LEGAL-PERIODS.md §1).
 *
 * Design: a working-day period walks the calendar day by day from the day after
 * the start (R1), counting working days (R3); a days or months period jumps to
 * its raw last day (plain day arithmetic, or the same-numbered day of the later
 * month, R7) and then walks forward off rest days (R4). Only the days a rule
 * actually needs are asked of the calendar, so a days period over an unloaded
 * year's middle is fine as long as its last day is loaded; any needed day
 * outside the loaded years stops the computation with CF_ERANGE naming it
 * (R10). Walking rather than jumping over whole weeks is what lets --explain
 * show each day examined and why; periods are at most a few hundred days, and a
 * lookup is an index (calendar.c), so the cost is nothing. Hours (R6) never
 * touch the calendar.
 *
 * Rejected: counting working days by week arithmetic plus holiday corrections
 * (fast, but every 调休 Saturday is a special case and nothing can be explained)
 * and libc's mktime/TZ (a process's TZ must never move a deadline; cftime.c
 * fixes the zone at UTC+8).
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
    long long n = *p >= '0' && *p <= '9' ? strtoll(p, &end, 10) : -1;
    cf_unit_t unit;
    if (n < 0)
        return cf_error_set(err, CF_EPARSE, NULL, 1, 1,
                            "'%s' is not a period such as \"7 working_days\" (column 1: a number)",
                            p);
    if (n > CF_PERIOD_AMOUNT_MAX)
        return cf_error_set(err, CF_EPARSE, NULL, 1, 1,
                            "'%s': %lld is too long a period (column 1: at most %d)", p, n,
                            CF_PERIOD_AMOUNT_MAX);
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
    int prov_first, prov_last; /* provisional years consulted, 0 when none */
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

/* Why a day is a rest day or a working day, for an explanation line. */
static const char *kind_text(cf_daykind_t kind, const char *name, char *out, size_t size)
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
    return out;
}

/* "1 month", "30 days", "7 working_days": the period as typed. */
static const char *amount_text(cf_period_t p, char *out, size_t size)
{
    snprintf(out, size, "%lld %s", (long long)p.amount,
             p.amount == 1 ? unit_singular[p.unit] : unit_names[p.unit]);
    return out;
}

static void say_deadline(const explainer_t *x, cf_date_t d, cf_time_t t)
{
    char date[CF_DATE_BUFSZ], when[CF_TIME_BUFSZ];
    cf_date_format(d, date);
    cf_time_format(t, when);
    say(x, "deadline: end of %s (%s)", date, when);
}

/* ---- counting ---------------------------------------------------------------------- */

static int is_working(cf_daykind_t kind)
{
    return kind == CF_DAY_WORKDAY || kind == CF_DAY_ADJUSTED_WORKDAY;
}

/* cf_calendar_day, noting a provisional year consulted (R11) in x. */
static int lookup(const cf_calendar_t *cal, cf_date_t d, cf_daykind_t *kind, const char **name,
                  explainer_t *x, cf_error_t *err)
{
    int rc = cf_calendar_day(cal, d, kind, name, err);
    if (rc == 0 && cf_calendar_is_provisional(cal, d.year)) {
        if (!x->prov_first || d.year < x->prov_first)
            x->prov_first = d.year;
        if (d.year > x->prov_last)
            x->prov_last = d.year;
    }
    return rc;
}

/* R3: count amount working days after start. OUT *end, untouched on failure. */
static int count_working_days(const cf_calendar_t *cal, cf_date_t start, int64_t amount,
                              cf_date_t *end, explainer_t *x, cf_error_t *err)
{
    int64_t day = cf_date_to_days(start);
    char text[64], why[128];
    for (int64_t counted = 0; counted < amount;) {
        cf_date_t d = cf_date_from_days(++day);
        cf_daykind_t kind;
        const char *name = NULL;
        int rc = lookup(cal, d, &kind, &name, x, err);
        if (rc != 0)
            return rc;
        day_text(d, text, sizeof(text));
        kind_text(kind, name, why, sizeof(why));
        if (!is_working(kind))
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
 * working day. *end moves forward in place (only on success). */
static int shift_off_rest_days(const cf_calendar_t *cal, cf_date_t *end, explainer_t *x,
                               cf_error_t *err)
{
    char text[64], why[128];
    int64_t day = cf_date_to_days(*end);
    for (int moved = 0;; moved = 1, day++) {
        cf_date_t d = cf_date_from_days(day);
        cf_daykind_t kind;
        const char *name = NULL;
        int rc = lookup(cal, d, &kind, &name, x, err);
        if (rc != 0)
            return rc;
        day_text(d, text, sizeof(text));
        kind_text(kind, name, why, sizeof(why));
        if (!is_working(kind)) {
            say(x, "%s is a rest day (%s): the period moves to the next day (R4)", text, why);
            continue;
        }
        int adjusted = kind == CF_DAY_ADJUSTED_WORKDAY;
        say(x, "%s is a working day%s%s%s: the period ends on it%s", text, adjusted ? " (" : "",
            adjusted ? why : "", adjusted ? ")" : "", moved ? " (R4)" : "");
        *end = d;
        return 0;
    }
}

/* R7: the same-numbered day amount months later, or that month's last day.
 * OUT *clamped: 1 when the later month has no such day. */
static cf_date_t add_months(cf_date_t d, int64_t amount, int *clamped)
{
    int64_t m = (int64_t)d.year * 12 + (d.month - 1) + amount;
    cf_date_t out = {(int)(m / 12), (int)(m % 12) + 1, d.day};
    int last = cf_date_month_days(out.year, out.month);
    *clamped = out.day > last;
    if (out.day > last)
        out.day = last;
    return out;
}

/* The parts' sum in each unit: OUT sums[unit]; OUT *has[unit]: a part of that unit
 * was given (a zero working-day period still counts no days, with no R4). */
static int sum_parts(const cf_period_part_t *parts, size_t n, int64_t sums[4], int has[4],
                     cf_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        cf_period_t p = parts[i].period;
        if (p.amount < 0 || p.amount > CF_PERIOD_AMOUNT_MAX || (unsigned)p.unit > CF_UNIT_MONTHS)
            return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "invalid period %lld %s",
                                (long long)p.amount, cf_unit_name(p.unit));
        sums[p.unit] += p.amount;
        has[p.unit] = 1;
    }
    if (has[CF_UNIT_HOURS] &&
        (has[CF_UNIT_DAYS] || has[CF_UNIT_WORKING_DAYS] || has[CF_UNIT_MONTHS]))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "a period in hours cannot be counted together with days or months");
    for (int u = 0; u < 4; u++)
        if (sums[u] > CF_PERIOD_AMOUNT_MAX)
            return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%lld %s is too long a period",
                                (long long)sums[u], unit_names[u]);
    return 0;
}

/* "90 days + 30 days (extension) + 5 days (excluded)" into out. */
static const char *parts_text(const cf_period_part_t *parts, size_t n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        char amount[64];
        amount_text(parts[i].period, amount, sizeof(amount));
        len += (size_t)snprintf(out + len, size - len, "%s%s%s%s%s", i ? " + " : "", amount,
                                parts[i].label ? " (" : "", parts[i].label ? parts[i].label : "",
                                parts[i].label ? ")" : "");
    }
    return out;
}

/* Days, months and working days, counted once from the start's day: the months
 * (R7), then the days, then the working days after that (R3); a count that ends
 * on a calendar day is rolled off a rest day once, at the end (R4). */
static int count_days(const cf_calendar_t *cal, cf_date_t start, const cf_period_part_t *parts,
                      size_t n, const int64_t sums[4], const int has[4], cf_date_t *end,
                      explainer_t *x, cf_error_t *err)
{
    char text[64], what[512], date[CF_DATE_BUFSZ];
    int clamped = 0;
    cf_date_t raw = start;
    cf_date_format(start, date);
    parts_text(parts, n, what, sizeof(what));
    if (has[CF_UNIT_MONTHS] && sums[CF_UNIT_MONTHS])
        raw = add_months(start, sums[CF_UNIT_MONTHS], &clamped);
    raw = cf_date_from_days(cf_date_to_days(raw) + sums[CF_UNIT_DAYS]);
    if (has[CF_UNIT_DAYS] || has[CF_UNIT_MONTHS]) {
        day_text(raw, text, sizeof(text));
        if (has[CF_UNIT_MONTHS])
            say(x, "%s after %s: %s (R7: %s)", what, date, text,
                clamped ? "that month has no such day, so its last day" : "the same-numbered day");
        else
            say(x, "%s after %s: %s", what, date, text);
    }
    if (has[CF_UNIT_WORKING_DAYS]) {
        if (has[CF_UNIT_DAYS] || has[CF_UNIT_MONTHS])
            say(x, "then %lld working days after it (R3)", (long long)sums[CF_UNIT_WORKING_DAYS]);
        else if (n > 1)
            say(x, "%s: %lld working days", what, (long long)sums[CF_UNIT_WORKING_DAYS]);
        return count_working_days(cal, raw, sums[CF_UNIT_WORKING_DAYS], end, x, err);
    }
    int rc = shift_off_rest_days(cal, &raw, x, err);
    if (rc == 0)
        *end = raw;
    return rc;
}

static void say_provisional(const explainer_t *x)
{
    if (!x->prov_first)
        return;
    if (x->prov_first == x->prov_last)
        say(x,
            "provisional: %d is not loaded; its days are counted on the provisional calendar "
            "(R11)",
            x->prov_first);
    else
        say(x,
            "provisional: %d–%d are not loaded; their days are counted on the provisional "
            "calendar (R11)",
            x->prov_first, x->prov_last);
}

/* Exported, documented in period.h */
int cf_period_count(const cf_calendar_t *cal, cf_time_t from, const cf_period_part_t *parts,
                    size_t parts_count, cf_count_t *out, cf_explain_cb explain, void *ctx,
                    cf_error_t *err)
{
    explainer_t x = {explain, ctx, 0, 0};
    char when[CF_TIME_BUFSZ], text[64], what[512];
    int64_t sums[4] = {0};
    int has[4] = {0};
    int rc = sum_parts(parts, parts_count, sums, has, err);
    if (rc != 0)
        return rc;
    if (parts_count == 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "no period to count");
    cf_time_format(from, when);
    if (has[CF_UNIT_HOURS]) {
        cf_time_t t = from + sums[CF_UNIT_HOURS] * 3600;
        cf_time_format(t, text);
        say(&x, "start %s: %s run from this instant, with no calendar adjustment (R6)", when,
            parts_text(parts, parts_count, what, sizeof(what)));
        say(&x, "deadline: %s", text);
        *out = (cf_count_t){t, 0, 0};
        return 0;
    }
    cf_date_t start = cf_time_china_date(from), end;
    say(&x, "start %s: %s is not counted (R1)", when, day_text(start, text, sizeof(text)));
    rc = count_days(cal, start, parts, parts_count, sums, has, &end, &x, err);
    if (rc != 0)
        return rc;
    *out = (cf_count_t){cf_date_end(end), x.prov_first, x.prov_last};
    say_deadline(&x, end, out->deadline);
    say_provisional(&x);
    return 0;
}

/* Exported, documented in period.h */
int cf_period_add(const cf_calendar_t *cal, cf_time_t from, cf_period_t p, cf_time_t *deadline,
                  cf_explain_cb explain, void *ctx, cf_error_t *err)
{
    cf_period_part_t part = {p, NULL};
    cf_count_t out;
    int rc = cf_period_count(cal, from, &part, 1, &out, explain, ctx, err);
    if (rc == 0)
        *deadline = out.deadline;
    return rc;
}

/* Exported, documented in period.h */
int cf_period_elapsed(const cf_calendar_t *cal, cf_time_t a, cf_time_t b, cf_unit_t unit,
                      int64_t *amount, cf_error_t *err)
{
    if (b < a || (unsigned)unit > CF_UNIT_MONTHS)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            b < a ? "an interval cannot end before it starts" : "unknown unit");
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
