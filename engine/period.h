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
 *  R10 a day outside the loaded calendar is refused (CF_ERANGE), never guessed.
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

typedef struct cf_period_s {
    int64_t amount; /* >= 0 */
    cf_unit_t unit;
} cf_period_t;

/* "hours", "days", "working_days", "months". */
const char *cf_unit_name(cf_unit_t unit);
/* Inverse of cf_unit_name; returns 0 or CF_EINVAL (out untouched). */
int cf_unit_parse(const char *name, cf_unit_t *out);

/* Parses "7 working_days", "24 hours", "30 days", "3 months". Returns 0 or
 * CF_EPARSE with err naming the text and column; out untouched on failure. */
int cf_period_parse(const char *text, cf_period_t *out, cf_error_t *err);

/* Formats "7 working_days" into out (size bytes). */
void cf_period_format(cf_period_t p, char *out, size_t size);

/* One line of an explanation: a day counted or skipped, and why, in order. */
typedef void (*cf_explain_cb)(void *ctx, const char *line);

/* The deadline of period p starting at instant from. OUT deadline. If explain is
 * non-NULL it is called once per line of reasoning (each day counted or skipped,
 * with why: weekend, holiday name, adjusted working day, rest-day shift).
 * Returns 0, CF_ERANGE (err names the date outside the calendar) or CF_EINVAL;
 * deadline untouched on failure. */
int cf_period_add(const cf_calendar_t *cal, cf_time_t from, cf_period_t p, cf_time_t *deadline,
                  cf_explain_cb explain, void *ctx, cf_error_t *err);

/* How much of unit elapsed from a to b (a <= b), for moving a deadline by the time
 * a clock was suspended (R8): hours -> whole hours rounded up; days and months ->
 * calendar days between the two China dates; working_days -> working days after
 * a's date up to and including b's date. OUT amount. Returns 0 or CF_ERANGE. */
int cf_period_elapsed(const cf_calendar_t *cal, cf_time_t a, cf_time_t b, cf_unit_t unit,
                      int64_t *amount, cf_error_t *err);

#endif
