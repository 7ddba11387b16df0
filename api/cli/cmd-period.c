/*
 * cmd-period.c -- `caseflow period` and `caseflow calendar show`: legal periods
 * and the working-day calendar from the command line, plus the loader of a
 * calendar directory that other commands reuse (calendar-load.h).
 *
 * Design: both commands read the calendar the cases read, the database's
 * (--db, $CASEFLOW_DB, ./caseflow.db) when it exists: one source of truth, so
 * `period` never answers from a file the cases do not use. YAML files are read
 * instead when asked (--calendars DIR or $CASEFLOW_CALENDARS: to try a new
 * year's file before `caseflow calendar load` stores it) or when there is no
 * database yet (./workflows/calendars: a clerk can check a deadline before any
 * case exists). A day past the last year is refused (R10) unless --provisional,
 * which answers as clocks on cases do (R11, calendar.h). The answers are
 * the engine's (period.h, calendar.h); this file only parses options and prints.
 * `period` with an hours period never reads the calendar (R6 needs none), so a
 * missing directory cannot stop it. Rejected: one `period` command per unit, and
 * printing the explanation only after success (when a computation runs off the
 * calendar, the days counted so far are exactly what the user needs to see).
 *
 * Output of `calendar show YYYY-MM` (text): a title, the weekday header
 * 一 二 三 四 五 六 日, one line per week with each day as "%2d" plus a mark
 * ('*' a public-holiday rest day, '+' an adjusted working day) in cells four
 * columns wide (a CJK header character is two columns), then a key and one
 * legend line per marked day with its holiday's name. With --json: {"month",
 * "days": [{"date", "weekday", "kind", "working", "name"?}]}, kind one of
 * workday, weekend, holiday, adjusted_workday.
 */
#include "calendar-load.h"
#include "datadir.h"
#include "period.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const weekday_names[] = {"",     "周一", "周二", "周三",
                                            "周四", "周五", "周六", "周日"};

/* ---- the calendar directory ------------------------------------------------------- */

/* Exported, documented in calendar-load.h */
const char *cf__calendar_dir(int argc, char **argv)
{
    const char *dir = cf__opt_value(argc, argv, "--calendars");
    if (!dir || !*dir)
        dir = getenv("CASEFLOW_CALENDARS");
    return dir && *dir ? dir : cf__datadir_calendars();
}

/* Exported, documented in calendar-load.h */
int cf__calendar_each_file(const char *dir, cf__calendar_file_fn fn, void *ctx, cf_error_t *err)
{
    char **paths = NULL;
    size_t n = 0;
    int rc = cf__dir_yaml(dir, &paths, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *buf = NULL;
        size_t len = 0;
        rc = cf__read_file(paths[i], &buf, &len, err);
        if (rc == 0)
            rc = fn(ctx, paths[i], buf, len, err);
        free(buf);
    }
    cf__dir_free(paths, n);
    return rc;
}

static int load_into(void *cal, const char *path, const char *text, size_t len, cf_error_t *err)
{
    return cf_calendar_load(cal, text, len, path, err);
}

/* Exported, documented in calendar-load.h */
int cf__calendar_load_dir(const char *dir, cf_calendar_t **out, cf_error_t *err)
{
    cf_calendar_t *cal = NULL;
    int rc = cf_calendar_new(&cal);
    if (rc == 0)
        rc = cf__calendar_each_file(dir, load_into, cal, err);
    if (rc == 0)
        *out = cal;
    else
        cf_calendar_free(cal);
    return rc;
}

/* ---- where the calendar comes from ---------------------------------------------- */

/* The calendar for `period` and `calendar show`: see the top of the file. OUT
 * *out; provisional years only when provisional is set. */
static int open_calendar(cf_cli_t *cli, int argc, char **argv, int provisional, cf_calendar_t **out,
                         cf_error_t *err)
{
    struct stat st;
    const char *env = getenv("CASEFLOW_CALENDARS");
    int from_files = cf__opt_value(argc, argv, "--calendars") || (env && *env) ||
                     (!cf_store_is_pg(cli->db_path) && stat(cli->db_path, &st) != 0);
    cf_calendar_t *cal = NULL;
    int rc;
    if (from_files) {
        rc = cf__calendar_load_dir(cf__calendar_dir(argc, argv), &cal, err);
    } else {
        cf_store_t *store = NULL;
        rc = cf_store_open_existing(cli->db_path, &store, err);
        if (rc == 0)
            rc = cf_store_calendar_load(store, &cal, err);
        cf_store_close(store);
    }
    if (rc == 0)
        rc = cf_calendar_set_provisional(cal, provisional ? CF_CALENDAR_PROVISIONAL_YEARS : 0);
    if (rc != 0) {
        cf_calendar_free(cal);
        return rc;
    }
    *out = cal;
    return 0;
}

/* ---- caseflow period ---------------------------------------------------------- */

#define PERIOD_USAGE                                                                               \
    "period --from TIME --add \"N UNIT\" [--explain] [--provisional] [--calendars DIR]\n"          \
    "  TIME: ISO 8601, e.g. 2026-09-30T10:00:00+08:00 (or a date: 00:00 China time)\n"             \
    "  UNIT: hours, days, working_days or months (singular for 1)"

typedef struct explain_out_s {
    cf_cli_t *cli;
    int print;     /* text mode with --explain: print each line as it comes */
    json_t *lines; /* --json: collect */
} explain_out_t;

static void on_explain(void *ctx, const char *line)
{
    explain_out_t *x = ctx;
    if (x->print)
        fprintf(x->cli->out, "%s\n", line);
    if (x->lines)
        json_array_append_new(x->lines, json_string(line));
}

/* An option's parse error, reported against the option rather than a file: the
 * column stays in the text. */
static int option_fail(cf_cli_t *cli, int rc, const char *option, cf_error_t *err)
{
    snprintf(err->source, sizeof(err->source), "%s", option);
    err->line = err->column = 0;
    return cf__cli_fail(cli, rc, err);
}

/* A day past the loaded years, asked without --provisional: the error says the flag
 * that counts it on the provisional calendar (R11), not only "load the calendar",
 * which cannot be done before the State Council publishes that year's notice. A day
 * before the first loaded year gets no such hint: the provisional calendar only runs
 * on after the last one (R11), so --provisional would fail the same way. The error
 * text starts with the day ("2023-12-29 is outside the loaded calendar ..."). */
static void provisional_hint(const cf_calendar_t *cal, int rc, int provisional, cf_error_t *err)
{
    size_t n = strlen(err->text);
    int first = 0, last = 0, year = atoi(err->text);
    if (cal)
        cf_calendar_span(cal, &first, &last);
    if (rc == CF_ERANGE && !provisional && strstr(err->text, "outside the loaded calendar") &&
        year > last)
        snprintf(err->text + n, sizeof(err->text) - n,
                 ", or add --provisional (weekends and the 放假办法's holidays, without the 调休; "
                 "R11)");
}

static void print_period(cf_cli_t *cli, cf_time_t from, cf_period_t p, const cf_count_t *n,
                         json_t *lines)
{
    char from_text[CF_TIME_BUFSZ], deadline_text[CF_TIME_BUFSZ], period[64];
    cf_time_format(n->deadline, deadline_text);
    if (!cli->json) {
        if (n->provisional_first)
            fprintf(cli->out, "%s (provisional: %d not loaded, R11)\n", deadline_text,
                    n->provisional_first);
        else
            fprintf(cli->out, "%s\n", deadline_text);
        return;
    }
    cf_time_format(from, from_text);
    cf_period_format(p, period, sizeof(period));
    json_t *o = json_pack("{s:s, s:s, s:s, s:O}", "from", from_text, "period", period, "deadline",
                          deadline_text, "explain", lines);
    json_t *years = n->provisional_first ? json_array() : NULL;
    for (int y = n->provisional_first; years && y <= n->provisional_last; y++)
        json_array_append_new(years, json_integer(y));
    if (o && years)
        json_object_set_new(o, "provisional", years);
    cf__print_json(cli, o);
    json_decref(o);
}

/* Exported, documented in cli.h */
int cf__cmd_period(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {"--explain", "--provisional", NULL};
    const char *from_text = cf__opt_value(argc, argv, "--from");
    const char *add_text = cf__opt_value(argc, argv, "--add");
    if (!from_text || !add_text || cf__opt_positional(argc, argv, 0, flags))
        return cf__cli_usage(cli, PERIOD_USAGE);
    cf_error_t err;
    cf_error_clear(&err);
    cf_time_t from;
    cf_period_t p;
    int rc = cf_time_parse(from_text, &from, &err);
    if (rc != 0)
        return option_fail(cli, rc, "--from", &err);
    if ((rc = cf_period_parse(add_text, &p, &err)) != 0)
        return option_fail(cli, rc, "--add", &err);
    cf_calendar_t *cal = NULL;
    if (p.unit != CF_UNIT_HOURS &&
        (rc = open_calendar(cli, argc, argv, cf__opt_flag(argc, argv, "--provisional"), &cal,
                            &err)) != 0)
        return cf__cli_fail(cli, rc, &err);
    explain_out_t x = {.cli = cli,
                       .print = !cli->json && cf__opt_flag(argc, argv, "--explain"),
                       .lines = cli->json ? json_array() : NULL};
    cf_period_part_t part = {p, NULL};
    cf_count_t n;
    rc = cf_period_count(cal, from, &part, 1, &n, x.print || x.lines ? on_explain : NULL, &x, &err);
    if (rc == 0)
        print_period(cli, from, p, &n, x.lines);
    else {
        provisional_hint(cal, rc, cf__opt_flag(argc, argv, "--provisional"), &err);
        cf__cli_fail(cli, rc, &err);
    }
    json_decref(x.lines);
    cf_calendar_free(cal);
    return cf__cli_exit_code(rc);
}

/* ---- caseflow calendar show ----------------------------------------------------- */

#define SHOW_USAGE "calendar show YYYY-MM [--provisional] [--calendars DIR]"

static const char *kind_name(cf_daykind_t kind)
{
    switch (kind) {
    case CF_DAY_WEEKEND:
        return "weekend";
    case CF_DAY_HOLIDAY:
        return "holiday";
    case CF_DAY_ADJUSTED_WORKDAY:
        return "adjusted_workday";
    default:
        return "workday";
    }
}

/* One month's days, looked up once. */
typedef struct month_s {
    int year, month, days;
    cf_daykind_t kind[31];
    const char *name[31];
} month_t;

/* Parses "YYYY-MM" strictly into m (year and month). Returns 0 or CF_EPARSE. */
static int parse_month(const char *text, month_t *m, cf_error_t *err)
{
    char date[16];
    cf_date_t d;
    if (strlen(text) != 7 || text[4] != '-')
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0, "'%s' is not a month YYYY-MM", text);
    snprintf(date, sizeof(date), "%s-01", text);
    if (cf_date_parse(date, &d, NULL) != 0)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0, "'%s' is not a month YYYY-MM", text);
    m->year = d.year;
    m->month = d.month;
    m->days = cf_date_month_days(d.year, d.month);
    return 0;
}

static int read_month(const cf_calendar_t *cal, month_t *m, cf_error_t *err)
{
    for (int i = 0; i < m->days; i++) {
        int rc = cf_calendar_day(cal, (cf_date_t){m->year, m->month, i + 1}, &m->kind[i],
                                 &m->name[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static char mark_of(cf_daykind_t kind)
{
    return kind == CF_DAY_HOLIDAY ? '*' : kind == CF_DAY_ADJUSTED_WORKDAY ? '+' : ' ';
}

/* Writes the line buffer without its trailing spaces, and a newline. */
static void put_trimmed(FILE *f, char *line, size_t len)
{
    while (len > 0 && line[len - 1] == ' ')
        len--;
    fprintf(f, "%.*s\n", (int)len, line);
}

static void print_grid(FILE *f, const month_t *m)
{
    char line[64];
    size_t len = 0;
    int first = cf_date_weekday((cf_date_t){m->year, m->month, 1});
    fprintf(f, "%d年%d月\n一  二  三  四  五  六  日\n", m->year, m->month);
    for (int w = 1; w < first; w++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, "    ");
    for (int i = 0; i < m->days; i++) {
        len +=
            (size_t)snprintf(line + len, sizeof(line) - len, "%2d%c ", i + 1, mark_of(m->kind[i]));
        if ((first + i) % 7 == 0 || i + 1 == m->days) {
            put_trimmed(f, line, len);
            len = 0;
        }
    }
}

static void print_legend(FILE *f, const month_t *m)
{
    int marked = 0;
    fprintf(f, "\n* public-holiday rest day, + adjusted working day (调休上班); "
               "六 and 日 are rest days unless marked +\n");
    for (int i = 0; i < m->days; i++) {
        cf_date_t d = {m->year, m->month, i + 1};
        const char *wd = weekday_names[cf_date_weekday(d)];
        const char *name = m->name[i] ? m->name[i] : "?";
        if (m->kind[i] == CF_DAY_HOLIDAY)
            fprintf(f, "%04d-%02d-%02d %s * %s holiday\n", d.year, d.month, d.day, wd, name);
        else if (m->kind[i] == CF_DAY_ADJUSTED_WORKDAY)
            fprintf(f, "%04d-%02d-%02d %s + adjusted working day for %s\n", d.year, d.month, d.day,
                    wd, name);
        else
            continue;
        marked++;
    }
    if (!marked)
        fprintf(f, "(no public holidays or adjusted working days this month)\n");
}

static json_t *month_json(const month_t *m)
{
    json_t *days = json_array();
    for (int i = 0; days && i < m->days; i++) {
        cf_date_t d = {m->year, m->month, i + 1};
        char date[CF_DATE_BUFSZ];
        cf_date_format(d, date);
        int working = m->kind[i] == CF_DAY_WORKDAY || m->kind[i] == CF_DAY_ADJUSTED_WORKDAY;
        json_array_append_new(days, json_pack("{s:s, s:s, s:s, s:b, s:s*}", "date", date, "weekday",
                                              weekday_names[cf_date_weekday(d)], "kind",
                                              kind_name(m->kind[i]), "working", working, "name",
                                              m->name[i]));
    }
    char month[16];
    snprintf(month, sizeof(month), "%04d-%02d", m->year, m->month);
    return json_pack("{s:s, s:o}", "month", month, "days", days);
}

/* Exported, documented in cli.h */
int cf__cmd_calendar_show(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {"--provisional", NULL};
    const char *text = cf__opt_positional(argc, argv, 0, flags);
    if (!text || cf__opt_positional(argc, argv, 1, flags))
        return cf__cli_usage(cli, SHOW_USAGE);
    cf_error_t err;
    cf_error_clear(&err);
    month_t m;
    cf_calendar_t *cal = NULL;
    int rc = parse_month(text, &m, &err);
    if (rc == 0)
        rc = open_calendar(cli, argc, argv, cf__opt_flag(argc, argv, "--provisional"), &cal, &err);
    if (rc == 0)
        rc = read_month(cal, &m, &err);
    if (rc != 0) {
        provisional_hint(cal, rc, cf__opt_flag(argc, argv, "--provisional"), &err);
        cf_calendar_free(cal);
        return cf__cli_fail(cli, rc, &err);
    }
    if (cli->json) {
        json_t *o = month_json(&m);
        if (o && cf_calendar_is_provisional(cal, m.year))
            json_object_set_new(o, "provisional", json_true());
        cf__print_json(cli, o);
        json_decref(o);
    } else {
        print_grid(cli->out, &m);
        print_legend(cli->out, &m);
        if (cf_calendar_is_provisional(cal, m.year))
            fprintf(cli->out,
                    "provisional: %d is not loaded; these are the rest days the "
                    "放假办法 fixes, without the 调休 of that year's notice (R11)\n",
                    m.year);
    }
    cf_calendar_free(cal); /* last: the names in m are borrowed from it */
    return CF_EXIT_OK;
}
