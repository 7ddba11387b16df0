/*
 * calendar.h -- China's working-day calendar, one year at a time.
 *
 * Weekends are rest days unless the State Council's notice for that year lists
 * them as adjusted working days (调休上班); public-holiday rest days are listed too.
 * Each year is data (workflows/calendars/YYYY.yaml, format in docs/legal-periods.md);
 * adding next year is adding one file. A question about a day of a year that was not
 * loaded is refused with CF_ERANGE naming the date (LEGAL-PERIODS R10), never guessed.
 *
 * Provisional years (R11): a calendar may be told to answer for a few years past
 * its last loaded one (cf_calendar_set_provisional). Such a year is computed, not
 * loaded: weekends, plus the rest days that 全国年节及纪念日放假办法 (as amended
 * 2024-11, in force 2025-01-01) fixes and that can be computed ahead -- 元旦 1-1;
 * 春节 除夕 to 正月初三 (4 days); 清明节 (the 清明 solar term); 劳动节 5-1, 5-2;
 * 端午节 (五月初五); 中秋节 (八月十五); 国庆节 10-1 to 10-3 (lunar.h) -- without
 * the 调休 swaps and make-up days only the yearly notice sets. Clocks on cases
 * use such a calendar; `caseflow period` does only when asked (--provisional).
 * Loading a year replaces its provisional table.
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
 * CF_DAY_ADJUSTED_WORKDAY (borrowed, lives as long as cal or until the next
 * load), NULL otherwise; name may be NULL. Returns 0; CF_ERANGE when d's year
 * is neither loaded nor provisional, err->text naming the date and the loaded
 * years ("2027-01-04 is outside the loaded calendar (2024–2026): load the 2027
 * calendar", and for a year past the provisional horizon "... (2024–2026, and
 * 2027–2029 provisional): load the 2030 calendar"); CF_EINVAL when d is not a
 * valid date. Outputs untouched on failure. */
int cf_calendar_day(const cf_calendar_t *cal, cf_date_t d, cf_daykind_t *kind, const char **name,
                    cf_error_t *err);

/* 1 if d is a working day, 0 if a rest day, or an error as cf_calendar_day. */
int cf_calendar_is_workday(const cf_calendar_t *cal, cf_date_t d, cf_error_t *err);

/* The loaded years, ascending: OUT first and last (0 and 0 when none). */
void cf_calendar_span(const cf_calendar_t *cal, int *first, int *last);

/* How many years past the last loaded one the provisional calendar answers for,
 * unless told otherwise (docs/legal-periods.md). */
#define CF_CALENDAR_PROVISIONAL_YEARS 3

/* Makes cal answer for the `years` years after its last loaded year (0: none,
 * the default; at most 50) with provisional days (above); kept across later
 * loads, which recompute the provisional years from the new last year. A
 * calendar with no year loaded has no provisional years. Returns 0, CF_EINVAL
 * for years out of range, CF_ENOMEM (cal then has no provisional years). */
int cf_calendar_set_provisional(cf_calendar_t *cal, int years);

/* 1 if year is answered from the provisional calendar, 0 otherwise. */
int cf_calendar_is_provisional(const cf_calendar_t *cal, int year);

/* OUT last: the last loaded year (0 when none); OUT horizon: the last year cal
 * answers for, provisional ones included (== last when it has none). */
void cf_calendar_horizon(const cf_calendar_t *cal, int *last, int *horizon);

/* A copy of src as it stood when `last` was its last loaded year: its loaded
 * years up to last, with src's number of provisional years after it (for an
 * audit judging an act by the calendar in force when it was taken, R12). OUT
 * *out (free with cf_calendar_free before src: its holiday names are borrowed
 * from src). Returns 0 or CF_ENOMEM. */
int cf_calendar_view(const cf_calendar_t *src, int last, cf_calendar_t **out);

/* OUT out: the SHA-256 (hex) of the text year was loaded from; returns 1, or 0
 * (out "") when year is not loaded. */
int cf_calendar_year_sha256(const cf_calendar_t *cal, int year, char out[65]);

/* The year that should be loaded by now and is not, or 0: the current year (in
 * China time) when it is past the last loaded one, else, from 1 November, next
 * year when it is not loaded (the State Council publishes it in November or
 * December). Pure: now is an argument. */
int cf_calendar_missing_year(const cf_calendar_t *cal, cf_time_t now);

#endif
