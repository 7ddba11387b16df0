/*
 * period-helpers.c -- what the time, calendar and period tests share
 * (period-helpers.h): the shipped calendars, parsing that aborts the test, and
 * explanation lines collected.
 */
#include <stdio.h>
#include <stdlib.h>

#include "period-helpers.h"
#include "task.h"

/* Exported, documented in period-helpers.h */
cf_calendar_t *tp_shipped(void)
{
    const char *const files[] = {"workflows/calendars/2025.yaml", "workflows/calendars/2024.yaml",
                                 "workflows/calendars/2026.yaml"};
    cf_calendar_t *cal;
    ASSERT_EQ(cf_calendar_new(&cal), 0);
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *buf = cf_test_slurp(files[i], &len);
        cf_error_t err;
        int rc = cf_calendar_load(cal, buf, len, files[i], &err);
        if (rc != 0)
            fprintf(stderr, "%s:%d:%d: %s\n", files[i], err.line, err.column, err.text);
        ASSERT_EQ(rc, 0);
        free(buf);
    }
    return cal;
}

/* Exported, documented in period-helpers.h */
cf_time_t tp_at(const char *text)
{
    cf_time_t t = 0;
    cf_error_t err;
    if (cf_time_parse(text, &t, &err) != 0)
        CF__FAIL("cannot parse %s: %s", text, err.text);
    return t;
}

/* Exported, documented in period-helpers.h */
cf_period_t tp_per(const char *text)
{
    cf_period_t p = {0, CF_UNIT_DAYS};
    cf_error_t err;
    if (cf_period_parse(text, &p, &err) != 0)
        CF__FAIL("cannot parse %s: %s", text, err.text);
    return p;
}

/* Exported, documented in period-helpers.h */
void tp_collect(void *ctx, const char *line)
{
    lines_t *l = ctx;
    int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s\n", line);
    ASSERT(n > 0 && (size_t)n < sizeof(l->text) - l->len);
    l->len += (size_t)n;
    l->count++;
}
