/*
 * ops-stats.c -- what a bureau reports (issue 20 item 4), for `caseflow stats` and
 * GET /v1/stats alike: the period and the agency checked, the counts read
 * (cf_store_stats: summary rows, never the events), the answer as JSON, and the
 * same figures as CSV (one line per figure: measure, key, value), so a
 * spreadsheet reads either front end's answer the same way.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The day of date text "YYYY-MM-DD" (China time). CF_EINVAL naming what. */
static int day_of_date(const char *what, const char *text, int64_t *day, cf_error_t *err)
{
    char iso[40];
    cf_time_t t;
    cf_error_t ignored;
    int y, m, d;
    char tail;
    if (!text || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%s '%s' is not a date (2026-01-31)", what,
                            text ? text : "");
    snprintf(iso, sizeof(iso), "%sT00:00:00+08:00", text);
    if (cf_time_parse(iso, &t, &ignored) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%s '%s' is not a date (2026-01-31)", what,
                            text);
    *day = cf_store_day(t);
    return 0;
}

/* The date of day as "YYYY-MM-DD" into out. */
static void date_of_day(int64_t day, char out[CF_TIME_BUFSZ])
{
    cf_time_format((cf_time_t)(day * 86400 - 8 * 3600), out);
    out[10] = '\0';
}

/* The agency asked for: given, else the database's default, else "" (cases
 * opened without one). OUT agency (size bytes). */
static int stats_agency(cf_store_t *store, const char *given, char *agency, size_t size,
                        cf_error_t *err)
{
    if (given) {
        snprintf(agency, size, "%s", given);
        return 0;
    }
    int rc = cf_store_setting_get(store, CF_SETTING_AGENCY, agency, size, err);
    if (rc == CF_ENOTFOUND)
        agency[0] = '\0';
    return rc == CF_ENOTFOUND ? 0 : rc;
}

/* Exported, documented in ops.h */
int cf_ops_stats(cf_store_t *store, const cf_ops_stats_t *in, json_t **out, cf_error_t *err)
{
    char agency[128], from[CF_TIME_BUFSZ], to[CF_TIME_BUFSZ];
    int64_t today = cf_store_day(in->now);
    char year[CF_TIME_BUFSZ];
    date_of_day(today, year);
    memcpy(year + 5, "01-01", 6); /* the period defaults to this year, up to today */
    cf_stats_query_t q = {.handler = in->handler && *in->handler ? in->handler : NULL,
                          .now = in->now,
                          .due_within = in->due_within > 0 ? in->due_within : 7 * 86400};
    int64_t last = today;
    int rc = day_of_date("from", in->from ? in->from : year, &q.from_day, err);
    if (rc == 0 && in->to)
        rc = day_of_date("to", in->to, &last, err);
    if (rc == 0 && last < q.from_day)
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "the period ends (%s) before it begins (%s)",
                          in->to, in->from ? in->from : year);
    if (rc == 0)
        rc = stats_agency(store, in->agency, agency, sizeof(agency), err);
    q.agency = agency;
    q.to_day = last + 1;
    json_t *o = NULL;
    if (rc == 0)
        rc = cf_store_stats(store, &q, &o, err);
    if (rc != 0)
        return rc;
    date_of_day(q.from_day, from);
    date_of_day(last, to);
    json_t *head = json_pack("{s:s, s:o, s:s, s:s, s:I}", "agency", agency, "handler",
                             q.handler ? json_string(q.handler) : json_null(), "from", from, "to",
                             to, "due_within_days", (json_int_t)(q.due_within / 86400));
    if (!head || json_object_update(head, o) != 0) { /* the period first, then the figures */
        json_decref(head);
        json_decref(o);
        return CF_ENOMEM;
    }
    json_decref(o);
    *out = head;
    return 0;
}

/* 1 when v is a plain decimal number ("-3", "0.5000"). */
static int csv_number(const char *v)
{
    v += *v == '-';
    if (*v < '0' || *v > '9')
        return 0;
    v += strspn(v, "0123456789");
    if (*v == '.')
        v += 1 + strspn(v + 1, "0123456789");
    return *v == '\0';
}

/* Appends one CSV field, quoted when it holds a comma, a quote or a line break. A
 * field that is not a number and starts with = + - @, a tab or a carriage return
 * (a handler named "=cmd|' /C calc'!A0") gets a leading apostrophe, so a spreadsheet
 * opening the file shows it as text and never runs it as a formula (CSV injection;
 * the names come from what users typed). */
static void csv_field(FILE *f, const char *v, const char *sep)
{
    int quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (*v && strchr("=+-@\t\r", *v) && !csv_number(v))
        fputc('\'', f);
    if (quote) {
        for (; *v; v++)
            *v == '"' ? fputs("\"\"", f) : fputc(*v, f);
        fputc('"', f);
    } else {
        fputs(v, f);
    }
    fputs(sep, f);
}

static void csv_value(FILE *f, const char *measure, const char *key, const json_t *v)
{
    char num[64];
    const char *text = json_string_value(v);
    if (json_is_integer(v))
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)), text = num;
    else if (json_is_real(v))
        snprintf(num, sizeof(num), "%.4f", json_real_value(v)), text = num;
    csv_field(f, measure, ",");
    csv_field(f, key, ",");
    csv_field(f, text ? text : "", "\r\n");
}

/* Exported, documented in ops.h */
char *cf_ops_stats_csv(const json_t *stats)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs("measure,key,value\r\n", f);
    const char *key, *k2, *k3;
    json_t *v, *v2, *v3;
    json_object_foreach((json_t *)stats, key, v) {
        if (!json_is_object(v)) {
            csv_value(f, key, "", v);
            continue;
        }
        json_object_foreach(v, k2, v2) {
            if (!json_is_object(v2)) {
                csv_value(f, key, k2, v2);
                continue;
            }
            char measure[256]; /* clocks.<id>: met, late, on_time_rate */
            snprintf(measure, sizeof(measure), "%s.%s", key, k2);
            json_object_foreach(v2, k3, v3)
                csv_value(f, measure, k3, v3);
        }
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
