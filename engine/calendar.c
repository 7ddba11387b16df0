/*
 * calendar.c -- China's working-day calendar, one year at a time. See calendar.h.
 *
 * Each year is a 366-entry table of day kinds (and the holiday's name), filled
 * from the year's YAML: weekends by the weekday, then the notice's public
 * holidays and adjusted working days over them. A lookup is an index, so
 * counting a long period day by day stays cheap. The YAML is schema-checked by
 * libcyaml; dates and their consistency are checked here, each problem at its
 * line (yamlpos.c).
 *
 * Calendar file format (workflows/calendars/YYYY.yaml):
 *   year      integer, the year the file covers
 *   source    the State Council notice it transcribes
 *   holidays  [{name, from: YYYY-MM-DD, to: YYYY-MM-DD}]: public-holiday rest days
 *   workdays  [{date: YYYY-MM-DD, for: name}]: weekend days made working days
 */
#include "calendar.h"
#include "yamlpos.h"

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct holiday_s {
    char *name;
    char *from;
    char *to;
} holiday_t;

typedef struct workday_s {
    char *date;
    char *for_;
} workday_t;

typedef struct year_doc_s {
    unsigned year;
    char *source;
    holiday_t *holidays;
    unsigned holidays_count;
    workday_t *workdays;
    unsigned workdays_count;
} year_doc_t;

typedef struct year_s {
    int year;
    year_doc_t *doc;            /* owns the names */
    unsigned char kind[366];    /* cf_daykind_t by day of year - 1 */
    const char *name[366];      /* borrowed from doc */
} year_t;

struct cf_calendar_s {
    year_t *years; /* ascending */
    size_t years_count;
};

#define STR(key, type, member)                                                                     \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, type, member, 1, CYAML_UNLIMITED)

static const cyaml_schema_field_t holiday_fields[] = {
    STR("name", holiday_t, name), STR("from", holiday_t, from), STR("to", holiday_t, to),
    CYAML_FIELD_END};
static const cyaml_schema_value_t holiday_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, holiday_t, holiday_fields)};
static const cyaml_schema_field_t workday_fields[] = {
    STR("date", workday_t, date), STR("for", workday_t, for_), CYAML_FIELD_END};
static const cyaml_schema_value_t workday_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, workday_t, workday_fields)};
static const cyaml_schema_field_t year_fields[] = {
    CYAML_FIELD_UINT("year", CYAML_FLAG_DEFAULT, year_doc_t, year),
    STR("source", year_doc_t, source),
    CYAML_FIELD_SEQUENCE("holidays", CYAML_FLAG_POINTER, year_doc_t, holidays, &holiday_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("workdays", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, year_doc_t,
                         workdays, &workday_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t year_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, year_doc_t, year_fields)};

/* ---- loading ------------------------------------------------------------------- */

typedef struct logbuf_s {
    char text[1024];
    size_t len;
} logbuf_t;

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    logbuf_t *b = ctx;
    (void)level;
    if (b->len + 1 < sizeof(b->text)) {
        int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, args);
        if (n > 0)
            b->len = b->len + (size_t)n < sizeof(b->text) ? b->len + (size_t)n : sizeof(b->text) - 1;
    }
}

static cyaml_config_t config(logbuf_t *log)
{
    cyaml_config_t cfg = {.log_fn = log ? capture_log : NULL, .log_ctx = log, .mem_fn = cyaml_mem,
                          .log_level = CYAML_LOG_ERROR, .flags = CYAML_CFG_DEFAULT};
    return cfg;
}

static void free_doc(year_doc_t *doc)
{
    cyaml_config_t cfg = config(NULL);
    if (doc)
        cyaml_free(&cfg, &year_schema, doc, 0);
}

static int schema_error(const logbuf_t *log, const char *source, cf_error_t *err)
{
    int line = 0, column = 0;
    const char *at = strstr(log->text, "(line: ");
    if (at)
        sscanf(at, "(line: %d, column: %d)", &line, &column);
    const char *msg = strncmp(log->text, "Load: ", 6) == 0 ? log->text + 6 : log->text;
    return cf_error_set(err, CF_EPARSE, source, line, column, "calendar: %.*s",
                        (int)strcspn(msg, "\n"), msg);
}

typedef struct check_s {
    const char *source;
    cf__yamlpos_t pos;
    cf_error_t *err;
} check_t;

static int bad(check_t *c, const char *path, const char *fmt, const char *what)
{
    int line, column;
    cf__yamlpos_find(&c->pos, &line, &column, "%s", path);
    return cf_error_set(c->err, CF_EINVALID, c->source, line, column, fmt, what);
}

/* Day of year (0-based) of text in year y, or -1 with err set. */
static int day_of(check_t *c, int y, const char *text, const char *path)
{
    cf_date_t d;
    if (cf_date_parse(text, &d, NULL) != 0) {
        bad(c, path, "calendar: '%s' is not a date YYYY-MM-DD", text);
        return -1;
    }
    if (d.year != y) {
        bad(c, path, "calendar: %s is not in the file's year", text);
        return -1;
    }
    return (int)(cf_date_to_days(d) - cf_date_to_days((cf_date_t){y, 1, 1}));
}

static void fill_weekends(year_t *y)
{
    int64_t first = cf_date_to_days((cf_date_t){y->year, 1, 1});
    int n = 337 + cf_date_month_days(y->year, 2);
    for (int i = 0; i < 366; i++) {
        int w = cf_date_weekday(cf_date_from_days(first + i));
        y->kind[i] = i < n && w >= 6 ? CF_DAY_WEEKEND : CF_DAY_WORKDAY;
        y->name[i] = NULL;
    }
}

static int fill_year(check_t *c, year_t *y)
{
    char path[64];
    fill_weekends(y);
    for (unsigned i = 0; i < y->doc->holidays_count; i++) {
        const holiday_t *h = &y->doc->holidays[i];
        snprintf(path, sizeof(path), "holidays.%u.from", i);
        int from = day_of(c, y->year, h->from, path);
        snprintf(path, sizeof(path), "holidays.%u.to", i);
        int to = from < 0 ? -1 : day_of(c, y->year, h->to, path);
        if (from < 0 || to < 0)
            return CF_EINVALID;
        if (to < from)
            return bad(c, path, "calendar: holiday %s ends before it starts", h->name);
        for (int d = from; d <= to; d++)
            y->kind[d] = CF_DAY_HOLIDAY, y->name[d] = h->name;
    }
    for (unsigned i = 0; i < y->doc->workdays_count; i++) {
        const workday_t *w = &y->doc->workdays[i];
        snprintf(path, sizeof(path), "workdays.%u.date", i);
        int d = day_of(c, y->year, w->date, path);
        if (d < 0)
            return CF_EINVALID;
        if (y->kind[d] == CF_DAY_HOLIDAY)
            return bad(c, path, "calendar: %s is both a holiday and an adjusted working day",
                       w->date);
        y->kind[d] = CF_DAY_ADJUSTED_WORKDAY;
        y->name[d] = w->for_;
    }
    return 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_new(cf_calendar_t **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : CF_ENOMEM;
}

/* Exported, documented in calendar.h */
void cf_calendar_free(cf_calendar_t *cal)
{
    if (!cal)
        return;
    for (size_t i = 0; i < cal->years_count; i++)
        free_doc(cal->years[i].doc);
    free(cal->years);
    free(cal);
}

static int insert_year(cf_calendar_t *cal, const year_t *y)
{
    year_t *grown = realloc(cal->years, (cal->years_count + 1) * sizeof(*grown));
    if (!grown)
        return CF_ENOMEM;
    cal->years = grown;
    size_t at = cal->years_count;
    while (at > 0 && grown[at - 1].year > y->year) {
        grown[at] = grown[at - 1];
        at--;
    }
    grown[at] = *y;
    cal->years_count++;
    return 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_load(cf_calendar_t *cal, const char *buf, size_t len, const char *source,
                     cf_error_t *err)
{
    logbuf_t log = {.len = 0};
    log.text[0] = '\0';
    cyaml_config_t cfg = config(&log);
    year_t *y = calloc(1, sizeof(*y));
    if (!y)
        return CF_ENOMEM;
    cyaml_err_t crc = cyaml_load_data((const uint8_t *)buf, len, &cfg, &year_schema,
                                      (cyaml_data_t **)&y->doc, NULL);
    int rc = crc == CYAML_OK ? 0 : crc == CYAML_ERR_OOM ? CF_ENOMEM : schema_error(&log, source, err);
    check_t c = {.source = source, .err = err};
    if (rc == 0) {
        y->year = (int)y->doc->year;
        cf__yamlpos_build(&c.pos, buf, len);
        char year[16];
        snprintf(year, sizeof(year), "%d", y->year);
        for (size_t i = 0; i < cal->years_count; i++)
            if (cal->years[i].year == y->year)
                rc = bad(&c, "year", "calendar: year %s is already loaded", year);
        if (rc == 0 && (y->year < 1900 || y->year > 9999))
            rc = bad(&c, "year", "calendar: year %s is out of range", year);
        if (rc == 0)
            rc = fill_year(&c, y);
        cf__yamlpos_free(&c.pos);
    }
    if (rc == 0)
        rc = insert_year(cal, y);
    if (rc != 0)
        free_doc(y->doc);
    free(y);
    return rc;
}

/* ---- queries ------------------------------------------------------------------- */

static const year_t *find_year(const cf_calendar_t *cal, int year)
{
    for (size_t i = 0; i < cal->years_count; i++)
        if (cal->years[i].year == year)
            return &cal->years[i];
    return NULL;
}

/* Exported, documented in calendar.h */
void cf_calendar_span(const cf_calendar_t *cal, int *first, int *last)
{
    *first = cal->years_count ? cal->years[0].year : 0;
    *last = cal->years_count ? cal->years[cal->years_count - 1].year : 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_day(const cf_calendar_t *cal, cf_date_t d, cf_daykind_t *kind, const char **name,
                    cf_error_t *err)
{
    const year_t *y = find_year(cal, d.year);
    if (!y) {
        char text[CF_DATE_BUFSZ];
        int first, last;
        cf_date_format(d, text);
        cf_calendar_span(cal, &first, &last);
        if (!first)
            return cf_error_set(err, CF_ERANGE, NULL, 0, 0,
                                "%s is outside the loaded calendar (no years loaded)", text);
        return cf_error_set(err, CF_ERANGE, NULL, 0, 0,
                            "%s is outside the loaded calendar (%d–%d): add "
                            "workflows/calendars/%d.yaml",
                            text, first, last, d.year);
    }
    int i = (int)(cf_date_to_days(d) - cf_date_to_days((cf_date_t){d.year, 1, 1}));
    *kind = (cf_daykind_t)y->kind[i];
    if (name)
        *name = y->name[i];
    return 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_is_workday(const cf_calendar_t *cal, cf_date_t d, cf_error_t *err)
{
    cf_daykind_t kind;
    int rc = cf_calendar_day(cal, d, &kind, NULL, err);
    if (rc != 0)
        return rc;
    return kind == CF_DAY_WORKDAY || kind == CF_DAY_ADJUSTED_WORKDAY;
}
