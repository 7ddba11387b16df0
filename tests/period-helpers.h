/*
 * period-helpers.h -- what the time, calendar and period tests share (test-period.c,
 * test-calendar.c): the shipped calendars 2024-2026, instants and periods parsed or
 * the test aborted, and explanation lines collected.
 */
#ifndef CF_PERIOD_HELPERS_H
#define CF_PERIOD_HELPERS_H

#include "calendar.h"
#include "cftime.h"
#include "period.h"

/* The shipped calendars, 2024-2026 (workflows/calendars); the caller frees it. */
cf_calendar_t *tp_shipped(void);

/* Instant text parsed (cf_time_parse); aborts the test when it is not one. */
cf_time_t tp_at(const char *text);

/* Period text parsed (cf_period_parse); aborts the test when it is not one. */
cf_period_t tp_per(const char *text);

/* Explanation lines collected into one buffer, one per line. */
typedef struct lines_s {
    char text[8192];
    size_t len;
    int count;
} lines_t;

/* An explanation callback: appends line and a newline to the lines_t at ctx. */
void tp_collect(void *ctx, const char *line);

#endif
