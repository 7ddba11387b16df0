/*
 * test-legal-periods.c -- the table of legal periods (tests/fixtures/legal-periods.tsv)
 * run through the engine, clock by clock, workflow by workflow.
 *
 * Why this shape: test-period.c checks the counting rules on bare periods; this
 * file checks that each workflow's clocks say what the law says. Each row names a
 * workflow and a clock, the period the law sets, the start, any extension,
 * suspension or exclusion, and the deadline worked out by hand. The clock's period
 * is read from workflows/<procedure>.yaml (a wrong length or unit there fails the
 * row), and the deadline is counted by cf_engine_clock_deadline -- the function
 * every case clock is counted with, and which counts with cf_period_count, as
 * `caseflow period` does (tests/cli/legal-periods.sh runs the same table through
 * the command). A clock counted from the end of another (from_end_of) has that
 * other clock counted first, as the engine does when the clock starts.
 *
 * The calendars are the table's own copies (tests/fixtures/legal-periods/calendars),
 * so the table stands alone; legal_periods_calendars_match checks that they agree
 * day by day with the shipped workflows/calendars. Every failing row is printed
 * (procedure, clock, start, expected, got) before the test fails, so one run shows
 * every discrepancy. Rejected: generating the expected column from a run (it would
 * enshrine whatever the engine does); an independent second implementation of the
 * rules in C (it would share this file's mistakes and the engine's authors').
 *
 *   legal-1.1  every row's clock period matches the workflow and its deadline the law
 *   legal-1.2  the table's calendars are the shipped ones
 *   legal-1.3  a list's 法定期限 in 自然日 is a period in calendar days (a clock with
 *              from_matter counts it), not dropped for the default
 *   legal-1.4  every clock of the nine workflows cites, in its basis, the article that
 *              sets its period and the one that makes its unit working days, and none of
 *              the numbers the rule had before the law was revised
 *              (tests/fixtures/legal-periods-bases.tsv)
 */
#include "../importer/importer-int.h"
#include "core-helpers.h"
#include "engine.h"
#include "period.h"
#include "task.h"
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE         "tests/fixtures/legal-periods.tsv"
#define BASES         "tests/fixtures/legal-periods-bases.tsv"
#define MAX_WORKFLOWS 16

/* ---- helpers ------------------------------------------------------------------ */

/* 1 if relpath (from the source root) can be opened. */
static int exists(const char *relpath)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CF_SOURCE_DIR, relpath);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* The calendar of dir: its YYYY.yaml files from 2024 on, up to the first year
 * missing, and the provisional years after them (R11), as cases count. */
static cf_calendar_t *table_calendar(const char *dir)
{
    cf_calendar_t *cal;
    char path[256];
    ASSERT_EQ(cf_calendar_new(&cal), 0);
    for (int year = 2024; snprintf(path, sizeof(path), "%s/%d.yaml", dir, year) > 0 && exists(path);
         year++) {
        size_t len;
        cf_error_t err;
        char *buf = cf_test_slurp(path, &len);
        if (cf_calendar_load(cal, buf, len, path, &err) != 0)
            CF__FAIL("%s:%d:%d: %s", path, err.line, err.column, err.text);
        free(buf);
    }
    ASSERT_EQ(cf_calendar_set_provisional(cal, CF_CALENDAR_PROVISIONAL_YEARS), 0);
    return cal;
}

/* Workflows by id, parsed once each. */
typedef struct wf_cache_s {
    char id[64];
    cf_workflow_t *wf;
} wf_cache_t;

static cf_workflow_t *workflow_of(wf_cache_t *cache, const char *id)
{
    int i;
    for (i = 0; i < MAX_WORKFLOWS && cache[i].wf; i++)
        if (strcmp(cache[i].id, id) == 0)
            return cache[i].wf;
    ASSERT(i < MAX_WORKFLOWS && strlen(id) < sizeof(cache[i].id));
    char path[128];
    snprintf(path, sizeof(path), "workflows/%s.yaml", id);
    strcpy(cache[i].id, id);
    cache[i].wf = cf_test_workflow(path);
    return cache[i].wf;
}

/* One row of the table, its fields pointing into the line. */
typedef struct row_s {
    int line;
    char *procedure, *clock, *period, *start, *adjust, *expected, *basis;
} row_t;

/* Splits line (modified) into r's seven tab-separated fields. Returns 0, or -1
 * when a field is missing. */
static int split_row(char *line, row_t *r)
{
    char **fields[] = {&r->procedure, &r->clock,    &r->period, &r->start,
                       &r->adjust,    &r->expected, &r->basis};
    char *p = line;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (!p)
            return -1;
        *fields[i] = p;
        p = strchr(p, '\t');
        if (p)
            *p++ = '\0';
    }
    return 0;
}

static cf_time_t instant(const char *text, int line)
{
    cf_time_t t = 0;
    cf_error_t err;
    if (cf_time_parse(text, &t, &err) != 0)
        CF__FAIL(TABLE ":%d: bad instant '%s': %s", line, text, err.text);
    return t;
}

/* A clock as a case holds it, started at `from` (counted from counted_from when
 * not 0); period_buf holds its period text. */
static void clock_at(const cf_wf_clock_t *def, cf_time_t from, cf_time_t counted_from,
                     char period_buf[64], cf_clock_rt_t *k)
{
    cf_period_format(cf_wf_period(def->period), period_buf, 64);
    memset(k, 0, sizeof(*k));
    k->id = def->id;
    k->state = CF_CLOCK_RUNNING;
    k->started_at = from;
    k->period = period_buf;
    k->counting = 2;
    k->counted_from = counted_from;
}

/* k's deadline with extension ext, as a case counts it (cf_engine_clock_deadline). */
static int deadline_of(const cf_calendar_t *cal, const cf_wf_clock_t *def, const cf_clock_rt_t *k,
                       const cf_period_t *ext, cf_count_t *n, cf_error_t *err)
{
    return cf_engine_clock_deadline(def, cal, k, ext, k->added, n, NULL, NULL, err);
}

/* "plan_ends DATE": an approved plan ending on DATE (行政处罚法 第七十二条第二款): a
 * clock with from_fact counts from the end of that day (cf_engine_date_end: rolled
 * off a rest day) when it is later than where k counts from, as the engine does
 * (cf_engine_clock_from). */
static void plan_ends(const cf_calendar_t *cal, const cf_wf_clock_t *def, const char *text,
                      int line, cf_clock_rt_t *k)
{
    cf_date_t d;
    cf_count_t n;
    cf_error_t err;
    if (!def->from_fact)
        CF__FAIL(TABLE ":%d: clock '%s' has no from_fact: a plan does not move it", line, def->id);
    if (cf_date_parse(text, &d, &err) != 0 || cf_engine_date_end(cal, d, &n, &err) != 0)
        CF__FAIL(TABLE ":%d: plan_ends %s: %s", line, text, err.text);
    cf_time_t from = k->counted_from ? k->counted_from : k->started_at;
    if (n.deadline > from)
        k->counted_from = n.deadline;
}

/* Applies a row's adjust column to k in order: an extension into *ext; time
 * excluded (检测、鉴定 ...) counted as the engine counts an exclusion
 * (cf_period_elapsed, in the clock's unit, days for a month clock); a suspension
 * counted as the engine counts a pause when the clock resumes
 * (cf_engine_pause_counted, which knows pause_from_deadline). */
static void adjust(const cf_calendar_t *cal, const cf_wf_clock_t *def, const row_t *r,
                   cf_clock_rt_t *k, cf_period_t *ext)
{
    cf_unit_t unit = cf_wf_period(def->period).unit == CF_UNIT_MONTHS
                         ? CF_UNIT_DAYS
                         : cf_wf_period(def->period).unit;
    char buf[256];
    *ext = (cf_period_t){0, CF_UNIT_DAYS};
    if (strcmp(r->adjust, "-") == 0)
        return;
    ASSERT(strlen(r->adjust) < sizeof(buf));
    strcpy(buf, r->adjust);
    for (char *save = NULL, *a = strtok_r(buf, ";", &save); a; a = strtok_r(NULL, ";", &save)) {
        cf_error_t err;
        cf_count_t n;
        int64_t more = 0;
        char *dots;
        while (*a == ' ')
            a++;
        if (strncmp(a, "plan_ends ", 10) == 0) {
            plan_ends(cal, def, a + 10, r->line, k);
            continue;
        }
        if (strncmp(a, "extend ", 7) == 0) {
            if (cf_period_parse(a + 7, ext, &err) != 0)
                CF__FAIL(TABLE ":%d: bad extension '%s': %s", r->line, a + 7, err.text);
            continue;
        }
        if ((strncmp(a, "suspend ", 8) != 0 && strncmp(a, "exclude ", 8) != 0) ||
            !(dots = strstr(a, "..")))
            CF__FAIL(TABLE ":%d: unknown adjustment '%s'", r->line, a);
        *dots = '\0';
        cf_time_t from = instant(a + 8, r->line), to = instant(dots + 2, r->line);
        int rc;
        if (a[0] == 'e') {
            rc = cf_period_elapsed(cal, from, to, unit, &more, &err);
        } else {
            if ((rc = deadline_of(cal, def, k, ext, &n, &err)) == 0) {
                k->deadline = n.deadline;
                k->paused_at = from;
                rc = cf_engine_pause_counted(def, cal, k, to, &more, &err);
            }
        }
        if (rc != 0)
            CF__FAIL(TABLE ":%d: %s", r->line, err.text);
        k->added += more;
    }
}

/* Checks one row; prints what differs and returns 1 when it fails, else 0. */
static int check_row(const cf_calendar_t *cal, wf_cache_t *cache, const row_t *r)
{
    const cf_workflow_t *wf = workflow_of(cache, r->procedure);
    const cf_wf_clock_t *def = cf_workflow_clock(wf, r->clock);
    cf_period_t law, ext;
    cf_error_t err;
    cf_clock_rt_t k;
    cf_count_t n;
    char have[64], want[64], got[CF_TIME_BUFSZ + 16];
    if (!def) {
        fprintf(stderr, TABLE ":%d: %s: no clock '%s'\n", r->line, r->procedure, r->clock);
        return 1;
    }
    if (cf_period_parse(r->period, &law, &err) != 0)
        CF__FAIL(TABLE ":%d: bad period '%s': %s", r->line, r->period, err.text);
    cf_period_format(cf_wf_period(def->period), have, sizeof(have));
    cf_period_format(law, want, sizeof(want));
    if (strcmp(have, want) != 0) {
        fprintf(stderr, TABLE ":%d: %s %s: the workflow's period is %s, the law's %s\n", r->line,
                r->procedure, r->clock, have, want);
        return 1;
    }
    cf_time_t from = instant(r->start, r->line), counted_from = 0;
    if (def->from_end_of) {
        /* counted from the end of the other clock, started by the same event */
        const cf_wf_clock_t *base = cf_workflow_clock(wf, def->from_end_of);
        char base_period[64];
        ASSERT(base != NULL);
        clock_at(base, from, 0, base_period, &k);
        if (deadline_of(cal, base, &k, NULL, &n, &err) != 0)
            CF__FAIL(TABLE ":%d: %s", r->line, err.text);
        counted_from = n.deadline;
    }
    clock_at(def, from, counted_from, have, &k);
    adjust(cal, def, r, &k, &ext);
    if (deadline_of(cal, def, &k, &ext, &n, &err) != 0) {
        fprintf(stderr, TABLE ":%d: %s %s from %s: expected %s, got error: %s\n", r->line,
                r->procedure, r->clock, r->start, r->expected, err.text);
        return 1;
    }
    cf_time_format(n.deadline, got);
    if (n.provisional_first)
        strcat(got, " provisional");
    if (strcmp(got, r->expected) != 0) {
        fprintf(stderr, TABLE ":%d: %s %s from %s%s%s: expected %s, got %s\n", r->line,
                r->procedure, r->clock, r->start, strcmp(r->adjust, "-") ? ", " : "",
                strcmp(r->adjust, "-") ? r->adjust : "", r->expected, got);
        return 1;
    }
    return 0;
}

/* ---- legal-1.*: the table ------------------------------------------------------ */

TEST_IMPL(legal_periods_table)
{
    /* legal-1.1: every row, every failure printed before the test fails. */
    size_t len;
    char *text = cf_test_slurp(TABLE, &len);
    cf_calendar_t *cal = table_calendar("tests/fixtures/legal-periods/calendars");
    wf_cache_t cache[MAX_WORKFLOWS];
    int rows = 0, failed = 0, line = 0;
    memset(cache, 0, sizeof(cache));
    for (char *l = text, *next; l && *l; l = next) {
        row_t r;
        next = strchr(l, '\n');
        if (next)
            *next++ = '\0';
        line++;
        if (l[0] == '#' || l[0] == '\0')
            continue;
        if (split_row(l, &r) != 0)
            CF__FAIL(TABLE ":%d: fewer than 7 tab-separated fields", line);
        r.line = line;
        rows++;
        failed += check_row(cal, cache, &r);
    }
    if (failed)
        CF__FAIL("%d of %d legal-period rows differ from the law (listed above)", failed, rows);
    ASSERT(rows >= 60);
    for (int i = 0; i < MAX_WORKFLOWS && cache[i].wf; i++)
        cf_workflow_free(cache[i].wf);
    cf_calendar_free(cal);
    free(text);
    return 0;
}

TEST_IMPL(legal_periods_calendars_match)
{
    /* legal-1.2: the table's copies are the shipped calendar files, year for year
     * and day for day, so the table tests the calendar cases count on. A year
     * shipped but not copied (the next State Council notice) fails here: copy it
     * into tests/fixtures/legal-periods/calendars and rework the rows that were
     * provisional. */
    cf_calendar_t *mine = table_calendar("tests/fixtures/legal-periods/calendars");
    cf_calendar_t *shipped = table_calendar("workflows/calendars");
    int mine_first, mine_last, first_year, last_year;
    cf_calendar_span(mine, &mine_first, &mine_last);
    cf_calendar_span(shipped, &first_year, &last_year);
    if (mine_first != first_year || mine_last != last_year)
        CF__FAIL("the table's calendars hold %d-%d, workflows/calendars %d-%d", mine_first,
                 mine_last, first_year, last_year);
    int64_t first = cf_date_to_days((cf_date_t){first_year, 1, 1});
    int64_t last = cf_date_to_days((cf_date_t){last_year, 12, 31});
    for (int64_t day = first; day <= last; day++) {
        cf_date_t d = cf_date_from_days(day);
        cf_daykind_t a, b;
        ASSERT_EQ(cf_calendar_day(mine, d, &a, NULL, NULL), 0);
        ASSERT_EQ(cf_calendar_day(shipped, d, &b, NULL, NULL), 0);
        if (a != b)
            CF__FAIL("%04d-%02d-%02d: the table's calendar says %d, workflows/calendars %d", d.year,
                     d.month, d.day, (int)a, (int)b);
    }
    cf_calendar_free(mine);
    cf_calendar_free(shipped);
    return 0;
}

TEST_IMPL(legal_periods_natural_days)
{
    /* legal-1.3: lists write calendar days as 自然日 (济南's 零售药店申请定点协议管理:
     * "法定办结时限 90 自然日"); read as days, the matter's period replaces a clock's
     * default (from_matter) instead of being lost. */
    static const struct {
        const char *text;
        long long amount;
        const char *unit;
    } cases[] = {{"90 自然日", 90, "days"},
                 {"不超过30个自然日", 30, "days"},
                 {"30個自然日內", 30, "days"},
                 {"15个工作日", 15, "working_days"},
                 {"十五日", 15, "days"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *arr = json_array();
        ASSERT_EQ(cf__time_limits(arr, cases[i].text, "time_limit", 1), 0);
        if (json_array_size(arr) != 1)
            CF__FAIL("'%s': %zu time limits, expected 1", cases[i].text, json_array_size(arr));
        json_t *t = json_array_get(arr, 0);
        ASSERT_EQ(json_integer_value(json_object_get(t, "amount")), cases[i].amount);
        ASSERT_STR_EQ(json_string_value(json_object_get(t, "unit")), cases[i].unit);
        json_decref(arr);
    }
    return 0;
}

/* ---- legal-1.4: the articles the clocks cite ----------------------------------- */

/* 1 unless every "; "-separated item of list is (want 1) or is not (want 0) in basis;
 * prints each one that is not as it should be. */
static int cites(const char *basis, const char *list, int want, const char *what, int line,
                 const char *procedure, const char *clock)
{
    char buf[512];
    int bad = 0;
    if (strcmp(list, "-") == 0)
        return 0;
    ASSERT(strlen(list) < sizeof(buf));
    strcpy(buf, list);
    for (char *save = NULL, *a = strtok_r(buf, ";", &save); a; a = strtok_r(NULL, ";", &save)) {
        while (*a == ' ')
            a++;
        if ((strstr(basis, a) != NULL) != want) {
            fprintf(stderr, BASES ":%d: %s %s: the basis %s '%s': %s\n", line, procedure, clock,
                    what, a, basis);
            bad = 1;
        }
    }
    return bad;
}

TEST_IMPL(legal_periods_bases)
{
    /* legal-1.4: 行政处罚法 (2021) and 行政复议法 (2023) renumbered their articles: a
     * basis copied from an older source cites 第四十二条 for the hearing (now 第六十四条)
     * or 第九条 for the sixty days of review (now 第二十条). Each clock's basis must
     * cite the article that sets the period, and where the unit is working days the
     * article that makes it so: 行政处罚法 第八十五条 ("本法中“二日”“三日”“五日”“七日”的
     * 规定是指工作日，不含法定节假日"), 行政强制法 第六十九条 ("本法中十日以内期限的规定是指
     * 工作日，不含法定节假日"). Every clock of every workflow with a row must have one. */
    static const char *procedures[] = {"penalty-general", "penalty-summary", "coercion",
                                       "confirmation",    "inspection",      "supervision",
                                       "benefit",         "other-power",     "reward"};
    size_t len;
    char *text = cf_test_slurp(BASES, &len);
    wf_cache_t cache[MAX_WORKFLOWS];
    int rows = 0, failed = 0, line = 0, clocks = 0;
    memset(cache, 0, sizeof(cache));
    for (char *l = text, *next; l && *l; l = next) {
        char *f[5], *p = l;
        next = strchr(l, '\n');
        if (next)
            *next++ = '\0';
        line++;
        if (l[0] == '#' || l[0] == '\0')
            continue;
        for (int i = 0; i < 5; i++) {
            if (!p)
                CF__FAIL(BASES ":%d: fewer than 5 tab-separated fields", line);
            f[i] = p;
            if ((p = strchr(p, '\t')) != NULL)
                *p++ = '\0';
        }
        const cf_wf_clock_t *def = cf_workflow_clock(workflow_of(cache, f[0]), f[1]);
        rows++;
        if (!def || !def->basis) {
            fprintf(stderr, BASES ":%d: %s: no clock '%s' with a basis\n", line, f[0], f[1]);
            failed++;
            continue;
        }
        failed += cites(def->basis, f[2], 1, "does not cite", line, f[0], f[1]) |
                  cites(def->basis, f[3], 0, "cites", line, f[0], f[1]);
    }
    for (size_t i = 0; i < sizeof(procedures) / sizeof(procedures[0]); i++)
        clocks += (int)workflow_of(cache, procedures[i])->doc->clocks_count;
    if (failed)
        CF__FAIL("%d of %d clock bases do not cite the law's article (listed above)", failed, rows);
    if (rows != clocks)
        CF__FAIL(BASES " has %d rows, the nine workflows %d clocks: add a row for each new clock",
                 rows, clocks);
    for (int i = 0; i < MAX_WORKFLOWS && cache[i].wf; i++)
        cf_workflow_free(cache[i].wf);
    free(text);
    return 0;
}
