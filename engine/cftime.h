/*
 * cftime.h -- instants and civil dates, China time.
 *
 * An instant is cf_time_t: whole seconds since 1970-01-01T00:00:00Z. The law counts
 * days in China time (UTC+8, no daylight saving), so a "day" here is always a civil
 * date in that zone, whatever offset a timestamp was written with (LEGAL-PERIODS R5).
 * Pure functions: no clock reads, no I/O. The caller supplies "now".
 */
#ifndef CF_TIME_H
#define CF_TIME_H

#include <stdint.h>

#include "error.h"

typedef int64_t cf_time_t;

#define CF_CHINA_UTC_OFFSET (8 * 3600)
/* "2026-09-30T10:00:00+08:00" plus NUL, with room to spare. */
#define CF_TIME_BUFSZ 32
#define CF_DATE_BUFSZ 16

typedef struct cf_date_s {
    int year;  /* e.g. 2026 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
} cf_date_t;

/* Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)" or a bare date
 * "YYYY-MM-DD" (taken as 00:00:00 China time). Returns 0, or CF_EPARSE with err
 * naming the text and the column where it went wrong; *out untouched on failure. */
int cf_time_parse(const char *text, cf_time_t *out, cf_error_t *err);

/* Writes t as "YYYY-MM-DDTHH:MM:SS+08:00" into out (at least CF_TIME_BUFSZ bytes). */
void cf_time_format(cf_time_t t, char *out);

/* Writes t in ISO 8601 basic format, "YYYYMMDDTHHMMSS+0800", into out (at least
 * CF_TIME_BUFSZ bytes): the form used inside identifiers (an alert's id), where
 * colons already separate the fields. */
void cf_time_format_basic(cf_time_t t, char *out);

/* Parses the basic format cf_time_format_basic writes ("YYYYMMDDTHHMMSS" and
 * "+HHMM", "-HHMM" or "Z"). Returns 0, or CF_EPARSE (err names the text); *out
 * untouched on failure. */
int cf_time_parse_basic(const char *text, cf_time_t *out, cf_error_t *err);

/* The civil date on which instant t falls, China time. */
cf_date_t cf_time_china_date(cf_time_t t);

/* The last second of date d, China time (23:59:59+08:00): a day-based deadline. */
cf_time_t cf_date_end(cf_date_t d);

/* The first second of date d, China time (00:00:00+08:00). */
cf_time_t cf_date_start(cf_date_t d);

/* Days since 1970-01-01 for a civil date, and back (proleptic Gregorian). */
int64_t cf_date_to_days(cf_date_t d);
cf_date_t cf_date_from_days(int64_t days);

/* Day of the week: 1 = Monday ... 7 = Sunday (ISO 8601). */
int cf_date_weekday(cf_date_t d);

/* Days in the given month of the given year (leap years included). */
int cf_date_month_days(int year, int month);

/* Parses "YYYY-MM-DD" strictly (valid month and day). Returns 0 or CF_EPARSE. */
int cf_date_parse(const char *text, cf_date_t *out, cf_error_t *err);

/* Writes d as "YYYY-MM-DD" into out (at least CF_DATE_BUFSZ bytes). */
void cf_date_format(cf_date_t d, char *out);

#endif
