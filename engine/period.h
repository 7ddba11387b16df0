/*
 * period.h -- legal periods (期间计算), counted the way the law counts them.
 *
 * Counting rules (docs/legal-periods.md, from LEGAL-PERIODS.md §1):
 *  R1 the starting day is not counted; counting begins the next day;
 *  R3 working_days count only working days of the calendar;
 *  R4 a days or months period ending on a rest day ends on the next working day;
 *  R5 a day-based deadline is the end (23:59:59) of its last day, China time;
 *  R6 hours run from the exact instant, with no calendar adjustment;
 *  R7 months end on the same-numbered day of the later month, or its last day;
 *  R8/R9 extensions, excluded and suspended time are counted once from the start;
 *  R10 a day outside the calendar is refused (CF_ERANGE), never guessed;
 *  R11 a calendar with provisional years answers for them, and the count says
 *      which it used (cf_count_t).
 * Pure: no I/O, no clock reads.
 */
#ifndef CF_PERIOD_H
#define CF_PERIOD_H

#include <stdint.h>

#include "calendar.h"
#include "cftime.h"
#include "error.h"

typedef enum cf_unit_e {
    CF_UNIT_HOURS = 0,
    CF_UNIT_DAYS,
    CF_UNIT_WORKING_DAYS,
    CF_UNIT_MONTHS,
} cf_unit_t;

/* The longest period accepted, in any unit: far beyond any legal period, and
 * small enough that no date or instant arithmetic can overflow. */
#define CF_PERIOD_AMOUNT_MAX 100000

typedef struct cf_period_s {
    int64_t amount; /* 0..CF_PERIOD_AMOUNT_MAX */
    cf_unit_t unit;
} cf_period_t;

/* "hours", "days", "working_days", "months". */
const char *cf_unit_name(cf_unit_t unit);
/* Inverse of cf_unit_name; returns 0 or CF_EINVAL (out untouched). */
int cf_unit_parse(const char *name, cf_unit_t *out);

/* Parses "7 working_days", "24 hours", "30 days", "3 months" (and the singular
 * "1 hour", "1 day", "1 working_day", "1 month"): a decimal amount
 * 0..CF_PERIOD_AMOUNT_MAX, one or more spaces, a unit. Returns 0 or CF_EPARSE
 * with err naming the text and the column (1-based) where it went wrong; out
 * untouched on failure. */
int cf_period_parse(const char *text, cf_period_t *out, cf_error_t *err);

/* Formats "7 working_days" into out (size bytes): always the plural unit name,
 * which cf_period_parse reads back. */
void cf_period_format(cf_period_t p, char *out, size_t size);

/* One line of an explanation: a day counted or skipped, and why, in order. */
typedef void (*cf_explain_cb)(void *ctx, const char *line);

/* The deadline of period p starting at instant from. OUT deadline: for hours,
 * from + amount hours exactly (R6; cal is not used and may be NULL); for days,
 * working_days and months, 23:59:59+08:00 of the last day (R1, R3, R4, R5, R7).
 * If explain is non-NULL it is called once per line of reasoning, in order: the
 * start, each day examined (counted or skipped, with why: weekend, holiday name,
 * adjusted working day; for days and months the raw last day and any R4 move),
 * and last "deadline: ...". Lines already given stay given if the computation
 * then fails. Returns 0; CF_ERANGE when a day the rules need is outside the
 * loaded calendar (err->text names it: "2027-01-04 is outside the loaded
 * calendar (2024–2026): ..."); CF_EINVAL for an amount outside
 * 0..CF_PERIOD_AMOUNT_MAX or an unknown unit. deadline untouched on failure. */
int cf_period_add(const cf_calendar_t *cal, cf_time_t from, cf_period_t p, cf_time_t *deadline,
                  cf_explain_cb explain, void *ctx, cf_error_t *err);

/* One term of a clock's deadline: the period itself, an extension, time
 * excluded or suspended. label (may be NULL) names it in explanations. */
typedef struct cf_period_part_s {
    cf_period_t period;
    const char *label;
} cf_period_part_t;

/* A deadline counted, and whether it needed provisional years (R11). */
typedef struct cf_count_s {
    cf_time_t deadline;
    int provisional_first; /* first and last provisional year consulted; 0 and 0 */
    int provisional_last;  /* when every day counted was a loaded one */
} cf_count_t;

/* The deadline of a clock from scratch (R8, R9, issue 18): the parts (its period,
 * its extensions, the time excluded and suspended) counted once from the day of
 * `from` and rolled off a rest day once, at the end -- never added to an already
 * rolled deadline. Hours parts sum and run from the instant (R6) and cannot be
 * mixed with other units. Otherwise, in this order: the months from the start
 * day (R7), then the days, then the working days after the day reached (R3);
 * when there are no working-day parts the day reached is rolled off rest days
 * (R4). So a working-day extension of a days period counts working days after
 * the unrolled end of the days, and days added to a working-day period are
 * counted from the start as days first. OUT *out: the deadline (23:59:59+08:00
 * of its day, or the exact instant for hours) and the provisional years
 * consulted. explain as in cf_period_add; the first line after the start names
 * the parts. Returns 0; CF_ERANGE (err names the day) when a day is outside
 * the calendar; CF_EINVAL for no parts, an amount out of range (any one or a
 * unit's sum above CF_PERIOD_AMOUNT_MAX), an unknown unit, or hours mixed with
 * other units. *out untouched on failure. */
int cf_period_count(const cf_calendar_t *cal, cf_time_t from, const cf_period_part_t *parts,
                    size_t parts_count, cf_count_t *out, cf_explain_cb explain, void *ctx,
                    cf_error_t *err);

/* How much of unit elapsed from a to b (a <= b), for moving a deadline by the time
 * a clock was suspended (R8): hours -> whole hours rounded up; days and months ->
 * calendar days between the two China dates; working_days -> working days after
 * a's date up to and including b's date (cal is used only for working_days).
 * OUT amount. Returns 0; CF_ERANGE (err names the day) when a working day to
 * count is outside the calendar; CF_EINVAL when b < a or unit is unknown.
 * amount untouched on failure. */
int cf_period_elapsed(const cf_calendar_t *cal, cf_time_t a, cf_time_t b, cf_unit_t unit,
                      int64_t *amount, cf_error_t *err);

#endif
