/*
 * calendar.c -- China's working-day calendar, one year at a time. See calendar.h.
 *
 * Design: each loaded year is a 366-entry table of day kinds plus a parallel
 * table of holiday names, filled from the year's YAML: weekends by the weekday,
 * then the notice's public holidays, then its adjusted working days over them.
 * A lookup is a search over the few loaded years and an index into the table,
 * so counting a period day by day (period.c) stays cheap. Provisional years
 * (R11) are the same tables, filled from lunar.c's computation instead of a
 * file, kept apart from the loaded years and rebuilt whenever a year is loaded
 * or the number of provisional years changes. Rejected: storing the
 * listed ranges and testing each day against them (slower and repeats the
 * weekend rule at every call) and a bitmap (loses the holiday's name, which
 * --explain and `calendar show` print). Cost: about 3.3 KB per year.
 *
 * The YAML is schema-checked by libcyaml (unknown keys and wrong types refused);
 * its error is located by cyaml-err.c, shared with the other loaders (which
 * corrects libcyaml's position for syntax errors and unknown keys). Dates and
 * their consistency are checked here, each problem at the line of its node
 * (yamlpos.c).
 *
 * CALENDAR FILE FORMAT (workflows/calendars/YYYY.yaml; docs/legal-periods.md)
 *   year      unsigned integer 1900..9999: the year the file covers; a calendar
 *             holds each year once.
 *   source    non-empty string: the State Council notice transcribed.
 *   holidays  sequence (may be empty) of public-holiday rest days:
 *               name  non-empty string, e.g. 春节 or 国庆节、中秋节
 *               from  "YYYY-MM-DD", a valid date within `year`
 *               to    "YYYY-MM-DD", within `year`, not before `from`
 *             No day may fall in two holidays.
 *   workdays  optional sequence of adjusted working days (调休上班):
 *               date  "YYYY-MM-DD" within `year`: a Saturday or Sunday that is
 *                     not a holiday, listed once
 *               for   non-empty string: the holiday it makes up for (free
 *                     text; it may name a holiday of another year)
 *   Every other day: Monday to Friday is a working day, Saturday and Sunday a
 *   rest day.
 */
#include "calendar.h"
#include "chain.h"
#include "cyaml-err.h"
#include "lunar.h"
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
    year_doc_t *doc;         /* owns the names; NULL for a provisional year */
    char sha256[65];         /* of the source text; "" for a provisional year */
    unsigned char kind[366]; /* cf_daykind_t by day of year - 1 */
    const char *name[366];   /* borrowed from doc */
} year_t;

struct cf_calendar_s {
    year_t *years; /* ascending */
    size_t years_count;
    int provisional; /* how many years past the last loaded one are provisional */
    year_t *prov;    /* those years, ascending (names are literals) */
    size_t prov_count;
};

#define STR(key, type, member)                                                                     \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER, type, member, 1, CYAML_UNLIMITED)

static const cyaml_schema_field_t holiday_fields[] = {STR("name", holiday_t, name),
                                                      STR("from", holiday_t, from),
                                                      STR("to", holiday_t, to), CYAML_FIELD_END};
static const cyaml_schema_value_t holiday_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, holiday_t, holiday_fields)};
static const cyaml_schema_field_t workday_fields[] = {STR("date", workday_t, date),
                                                      STR("for", workday_t, for_), CYAML_FIELD_END};
static const cyaml_schema_value_t workday_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, workday_t, workday_fields)};
static const cyaml_schema_field_t year_fields[] = {
    CYAML_FIELD_UINT("year", CYAML_FLAG_DEFAULT, year_doc_t, year),
    STR("source", year_doc_t, source),
    CYAML_FIELD_SEQUENCE("holidays", CYAML_FLAG_POINTER, year_doc_t, holidays, &holiday_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("workdays", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, year_doc_t, workdays,
                         &workday_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};
static const cyaml_schema_value_t year_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, year_doc_t, year_fields)};

/* ---- lifecycle of a loaded document ------------------------------------------- */

static void free_doc(year_doc_t *doc)
{
    cyaml_config_t cfg = cf__cyaml_config(NULL);
    if (doc)
        cyaml_free(&cfg, &year_schema, doc, 0);
}

/* ---- checking and filling a year ----------------------------------------------- */

typedef struct check_s {
    const char *source;
    cf__yamlpos_t pos;
    cf_error_t *err;
} check_t;

static int bad(check_t *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(check_t *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cf__yamlpos_verror(&c->pos, c->err, c->source, path, "calendar: ", fmt, ap);
    va_end(ap);
    return rc;
}

/* Day of year (0-based) of text in year y, or -1 with err set. */
static int day_of(check_t *c, int y, const char *text, const char *path)
{
    cf_date_t d;
    if (cf_date_parse(text, &d, NULL) != 0) {
        bad(c, path, "'%s' is not a date YYYY-MM-DD", text);
        return -1;
    }
    if (d.year != y) {
        bad(c, path, "%s is outside the file's year %d", text, y);
        return -1;
    }
    return (int)(cf_date_to_days(d) - cf_date_to_days((cf_date_t){y, 1, 1}));
}

static const char *day_text(int y, int i, char *out)
{
    cf_date_format(cf_date_from_days(cf_date_to_days((cf_date_t){y, 1, 1}) + i), out);
    return out;
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

/* The notice's public holidays over the weekends: each a range within the year,
 * from <= to, and no day in two holidays. */
static int fill_holidays(check_t *c, year_t *y)
{
    char path[64], date[CF_DATE_BUFSZ];
    for (unsigned i = 0; i < y->doc->holidays_count; i++) {
        const holiday_t *h = &y->doc->holidays[i];
        snprintf(path, sizeof(path), "holidays.%u.from", i);
        int from = day_of(c, y->year, h->from, path);
        snprintf(path, sizeof(path), "holidays.%u.to", i);
        int to = from < 0 ? -1 : day_of(c, y->year, h->to, path);
        if (from < 0 || to < 0)
            return CF_EINVALID;
        if (to < from)
            return bad(c, path, "holiday %s ends (%s) before it starts (%s)", h->name, h->to,
                       h->from);
        for (int d = from; d <= to; d++) {
            snprintf(path, sizeof(path), "holidays.%u", i);
            if (y->kind[d] == CF_DAY_HOLIDAY)
                return bad(c, path, "%s is in two holidays, %s and %s", day_text(y->year, d, date),
                           y->name[d], h->name);
            y->kind[d] = CF_DAY_HOLIDAY;
            y->name[d] = h->name;
        }
    }
    return 0;
}

/* The adjusted working days: each a Saturday or Sunday of the year, listed once,
 * and not also a holiday. */
static int fill_workdays(check_t *c, year_t *y)
{
    static const char *const wd[] = {"", "周一", "周二", "周三", "周四", "周五", "周六", "周日"};
    char path[64];
    for (unsigned i = 0; i < y->doc->workdays_count; i++) {
        const workday_t *w = &y->doc->workdays[i];
        snprintf(path, sizeof(path), "workdays.%u.date", i);
        int d = day_of(c, y->year, w->date, path);
        if (d < 0)
            return CF_EINVALID;
        int weekday =
            cf_date_weekday(cf_date_from_days(cf_date_to_days((cf_date_t){y->year, 1, 1}) + d));
        if (y->kind[d] == CF_DAY_HOLIDAY)
            return bad(c, path, "%s is both a holiday (%s) and an adjusted working day", w->date,
                       y->name[d]);
        if (y->kind[d] == CF_DAY_ADJUSTED_WORKDAY)
            return bad(c, path, "%s is listed twice as an adjusted working day", w->date);
        if (weekday < 6)
            return bad(c, path,
                       "%s is a %s: only a Saturday or Sunday can be an adjusted working day",
                       w->date, wd[weekday]);
        y->kind[d] = CF_DAY_ADJUSTED_WORKDAY;
        y->name[d] = w->for_;
    }
    return 0;
}

/* The year's own checks (range, not loaded yet), then its table. */
static int fill_year(const cf_calendar_t *cal, check_t *c, year_t *y)
{
    y->year = (int)y->doc->year;
    if (y->doc->year < 1900 || y->doc->year > 9999)
        return bad(c, "year", "year %u is out of range (1900-9999)", y->doc->year);
    for (size_t i = 0; i < cal->years_count; i++)
        if (cal->years[i].year == y->year)
            return bad(c, "year", "year %d is already loaded", y->year);
    fill_weekends(y);
    int rc = fill_holidays(c, y);
    return rc ? rc : fill_workdays(c, y);
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
    free(cal->prov);
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

/* ---- provisional years (R11) ---------------------------------------------------- */

/* Marks days [from, from + n) of y (day-of-year indexes) as holiday name; a day
 * already a holiday (中秋节 on 国庆节) keeps its name joined with this one. */
static void mark(year_t *y, int from, int n, const char *name)
{
    for (int d = from; d < from + n; d++) {
        if (d < 0 || d >= 366)
            continue;
        if (y->kind[d] == CF_DAY_HOLIDAY && y->name[d] && strcmp(name, "国庆节") == 0)
            y->name[d] = "国庆节、中秋节";
        else if (y->kind[d] != CF_DAY_HOLIDAY)
            y->name[d] = name;
        y->kind[d] = CF_DAY_HOLIDAY;
    }
}

static int doy(int year, cf_date_t d)
{
    return (int)(cf_date_to_days(d) - cf_date_to_days((cf_date_t){year, 1, 1}));
}

/* The rest days of 全国年节及纪念日放假办法 (2024 amendment) that can be computed
 * ahead, over the weekends: see calendar.h. */
static int fill_provisional(year_t *y)
{
    cf_date_t spring, qingming, duanwu, midautumn;
    int v = y->year;
    if (cf_lunar_date(v, 1, 1, &spring) || cf_solar_term_date(v, 15, &qingming) ||
        cf_lunar_date(v, 5, 5, &duanwu) || cf_lunar_date(v, 8, 15, &midautumn))
        return CF_EINVAL;
    fill_weekends(y);
    mark(y, 0, 1, "元旦");
    mark(y, doy(v, spring) - 1, 4, "春节"); /* 除夕 to 正月初三 */
    mark(y, doy(v, qingming), 1, "清明节");
    mark(y, doy(v, (cf_date_t){v, 5, 1}), 2, "劳动节");
    mark(y, doy(v, duanwu), 1, "端午节");
    mark(y, doy(v, midautumn), 1, "中秋节");
    mark(y, doy(v, (cf_date_t){v, 10, 1}), 3, "国庆节");
    return 0;
}

/* Rebuilds cal->prov for the cal->provisional years after the last loaded one. */
static int build_provisional(cf_calendar_t *cal)
{
    int n = cal->years_count ? cal->provisional : 0;
    int last = cal->years_count ? cal->years[cal->years_count - 1].year : 0;
    year_t *prov = n ? calloc((size_t)n, sizeof(*prov)) : NULL;
    if (n && !prov)
        return CF_ENOMEM;
    for (int i = 0; i < n; i++) {
        prov[i].year = last + 1 + i;
        if (prov[i].year > 2199 || fill_provisional(&prov[i]) != 0) {
            n = i; /* past what lunar.c computes: the horizon stops here */
            break;
        }
    }
    free(cal->prov);
    cal->prov = prov;
    cal->prov_count = (size_t)n;
    return 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_set_provisional(cf_calendar_t *cal, int years)
{
    if (years < 0 || years > 50)
        return CF_EINVAL;
    cal->provisional = years;
    int rc = build_provisional(cal);
    if (rc != 0)
        cal->provisional = 0;
    return rc;
}

/* Exported, documented in calendar.h */
int cf_calendar_is_provisional(const cf_calendar_t *cal, int year)
{
    for (size_t i = 0; i < cal->prov_count; i++)
        if (cal->prov[i].year == year)
            return 1;
    return 0;
}

/* Exported, documented in calendar.h */
void cf_calendar_horizon(const cf_calendar_t *cal, int *last, int *horizon)
{
    *last = cal->years_count ? cal->years[cal->years_count - 1].year : 0;
    *horizon = cal->prov_count ? cal->prov[cal->prov_count - 1].year : *last;
}

/* Exported, documented in calendar.h */
int cf_calendar_load(cf_calendar_t *cal, const char *buf, size_t len, const char *source,
                     cf_error_t *err)
{
    cf__cyaml_log_t log;
    cyaml_config_t cfg = cf__cyaml_config(&log);
    year_t *y = calloc(1, sizeof(*y));
    if (!y)
        return CF_ENOMEM;
    cyaml_err_t crc = cyaml_load_data((const uint8_t *)buf, len, &cfg, &year_schema,
                                      (cyaml_data_t **)&y->doc, NULL);
    int rc = 0;
    if (crc == CYAML_ERR_OOM)
        rc = CF_ENOMEM;
    else if (crc != CYAML_OK)
        rc = cf__cyaml_error(&log, buf, len, source, "calendar", err);
    else if (!y->doc) /* an empty document loads as nothing */
        rc = cf_error_set(err, CF_EPARSE, source, 1, 1, "calendar: the document is empty");
    if (rc == 0) {
        check_t c = {.source = source, .err = err};
        cf__yamlpos_build(&c.pos, buf, len);
        rc = fill_year(cal, &c, y);
        cf__yamlpos_free(&c.pos);
    }
    if (rc == 0)
        rc = cf_chain_sha256_hex(buf, len, y->sha256) == 0 ? insert_year(cal, y) : CF_ENOMEM;
    if (rc != 0)
        free_doc(y->doc);
    free(y);
    if (rc == 0 && cal->provisional && build_provisional(cal) != 0)
        cal->provisional = 0; /* out of memory: no provisional years rather than stale ones */
    return rc;
}

/* ---- queries ------------------------------------------------------------------- */

static const year_t *find_year(const cf_calendar_t *cal, int year)
{
    for (size_t i = 0; i < cal->years_count; i++)
        if (cal->years[i].year == year)
            return &cal->years[i];
    for (size_t i = 0; i < cal->prov_count; i++)
        if (cal->prov[i].year == year)
            return &cal->prov[i];
    return NULL;
}

/* Exported, documented in calendar.h */
void cf_calendar_span(const cf_calendar_t *cal, int *first, int *last)
{
    *first = cal->years_count ? cal->years[0].year : 0;
    *last = cal->years_count ? cal->years[cal->years_count - 1].year : 0;
}

/* The loaded years as ranges, "2024–2026" or "2024, 2026–2027", into out. */
static void years_text(const cf_calendar_t *cal, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < cal->years_count && n < size; i++) {
        size_t j = i;
        while (j + 1 < cal->years_count && cal->years[j + 1].year == cal->years[j].year + 1)
            j++;
        const char *sep = i ? ", " : "";
        if (j == i)
            n += (size_t)snprintf(out + n, size - n, "%s%d", sep, cal->years[i].year);
        else
            n += (size_t)snprintf(out + n, size - n, "%s%d–%d", sep, cal->years[i].year,
                                  cal->years[j].year);
        i = j;
    }
    if (cal->prov_count == 1 && n < size)
        snprintf(out + n, size - n, ", and %d provisional", cal->prov[0].year);
    else if (cal->prov_count && n < size)
        snprintf(out + n, size - n, ", and %d–%d provisional", cal->prov[0].year,
                 cal->prov[cal->prov_count - 1].year);
}

/* Exported, documented in calendar.h */
int cf_calendar_day(const cf_calendar_t *cal, cf_date_t d, cf_daykind_t *kind, const char **name,
                    cf_error_t *err)
{
    char text[CF_DATE_BUFSZ], years[256];
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > cf_date_month_days(d.year, d.month))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%04d-%02d-%02d is not a date", d.year,
                            d.month, d.day);
    const year_t *y = find_year(cal, d.year);
    if (!y) {
        cf_date_format(d, text);
        years_text(cal, years, sizeof(years));
        return cf_error_set(err, CF_ERANGE, NULL, 0, 0,
                            "%s is outside the loaded calendar (%s): load the %d calendar", text,
                            years[0] ? years : "no years loaded", d.year);
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

/* Exported, documented in calendar.h */
int cf_calendar_missing_year(const cf_calendar_t *cal, cf_time_t now)
{
    cf_date_t today = cf_time_china_date(now);
    int last = cal->years_count ? cal->years[cal->years_count - 1].year : 0;
    if (last < today.year)
        return last ? last + 1 : today.year;
    if (today.month >= 11 && last < today.year + 1)
        return today.year + 1;
    return 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_view(const cf_calendar_t *src, int last, cf_calendar_t **out)
{
    cf_calendar_t *cal;
    if (cf_calendar_new(&cal) != 0)
        return CF_ENOMEM;
    size_t n = 0;
    while (n < src->years_count && src->years[n].year <= last)
        n++;
    cal->years = n ? malloc(n * sizeof(*cal->years)) : NULL;
    if (n && !cal->years) {
        free(cal);
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        cal->years[i] = src->years[i];
        cal->years[i].doc = NULL; /* names borrowed from src's documents */
    }
    cal->years_count = n;
    if (cf_calendar_set_provisional(cal, src->provisional) != 0) {
        cf_calendar_free(cal);
        return CF_ENOMEM;
    }
    *out = cal;
    return 0;
}

/* Exported, documented in calendar.h */
int cf_calendar_year_sha256(const cf_calendar_t *cal, int year, char out[65])
{
    for (size_t i = 0; i < cal->years_count; i++)
        if (cal->years[i].year == year) {
            memcpy(out, cal->years[i].sha256, 65);
            return 1;
        }
    out[0] = '\0';
    return 0;
}
