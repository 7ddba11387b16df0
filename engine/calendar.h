/*
 * calendar.h -- China's working-day calendar, one year at a time.
 *
 * Weekends are rest days unless the State Council's notice for that year lists
 * them as adjusted working days (调休上班); public-holiday rest days are listed too.
 * Each year is data (workflows/calendars/YYYY.yaml, format in docs/legal-periods.md);
 * adding next year is adding one file. A question about a day of a year that was not
 * loaded is refused with CF_ERANGE naming the date (LEGAL-PERIODS R10), never guessed.
 */
#ifndef CF_CALENDAR_H
#define CF_CALENDAR_H

#include <stddef.h>

#include "cftime.h"
#include "error.h"

typedef struct cf_calendar_s cf_calendar_t;

typedef enum cf_daykind_e {
    CF_DAY_WORKDAY = 0,      /* Monday to Friday, not a holiday */
    CF_DAY_WEEKEND,          /* Saturday or Sunday, rest day */
    CF_DAY_HOLIDAY,          /* public-holiday rest day of the notice */
    CF_DAY_ADJUSTED_WORKDAY, /* weekend day made a working day (调休上班) */
} cf_daykind_t;

/* Allocates an empty calendar into *out. Returns 0 or CF_ENOMEM. */
int cf_calendar_new(cf_calendar_t **out);
void cf_calendar_free(cf_calendar_t *cal);

/* Parses one year's YAML (buf, len; format in calendar.c and docs/legal-periods.md)
 * and adds it. source names the file for errors (may be NULL). Returns 0;
 * CF_EPARSE (err with line and column) for YAML that is malformed, empty, or
 * does not fit the schema (an unknown key, a wrong type, a missing field);
 * CF_EINVALID (err with line and column) for a bad date, a date outside the
 * file's year, a holiday ending before it starts, a day in two holidays, an
 * adjusted working day that is a holiday, not a Saturday or Sunday, or listed
 * twice, a year out of 1900..9999 or already loaded; CF_ENOMEM. On failure the
 * calendar is unchanged. */
int cf_calendar_load(cf_calendar_t *cal, const char *buf, size_t len, const char *source,
                     cf_error_t *err);

/* OUT kind, and OUT name: the holiday's name for CF_DAY_HOLIDAY and
 * CF_DAY_ADJUSTED_WORKDAY (borrowed, lives as long as cal), NULL otherwise; name
 * may be NULL. Returns 0; CF_ERANGE when d's year is not loaded, err->text
 * naming the date and the loaded years ("2027-01-04 is outside the loaded
 * calendar (2024–2026): load the 2027 calendar"); CF_EINVAL when d is not a
 * valid date. Outputs untouched on failure. */
int cf_calendar_day(const cf_calendar_t *cal, cf_date_t d, cf_daykind_t *kind, const char **name,
                    cf_error_t *err);

/* 1 if d is a working day, 0 if a rest day, or an error as cf_calendar_day. */
int cf_calendar_is_workday(const cf_calendar_t *cal, cf_date_t d, cf_error_t *err);

/* The loaded years, ascending: OUT first and last (0 and 0 when none). */
void cf_calendar_span(const cf_calendar_t *cal, int *first, int *last);

#endif
