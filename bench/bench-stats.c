/*
 * bench-stats.c -- `caseflow-bench stats`: what a bureau's report costs on a
 * million cases (issue 20 item 4: "1,000,000 cases answer within a second").
 *
 * The database holds N cases of one agency, opened over the 365 days of 2025,
 * each with the rows the report reads, written by SQL in one transaction (as
 * bench-load.c writes its rows; the store's own path, a change at a time, takes
 * minutes for a million cases on this machine): its agency row, one clock in the
 * clock index (5% overdue at the report's "now", 2% due within its 7 days), its
 * people, and the counts, summed over every case's summary by the store's own
 * cf_store_summary_counts (what cf_store_summary_put applies case by case), so
 * they are the rows a bureau's database would hold. The cases' events,
 * snapshots and summary rows are not written: the report never reads them,
 * which is the point being measured.
 *
 * The figure is the median of 5 reports for the whole year (cf_store_stats on a
 * connection opened for it, the first one cold), and the same for one handler's
 * cases; each is printed beside the 1 s target.
 */
#include "bench.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define YEAR0 "2025-01-01T10:00:00+08:00"
#define NOW   "2026-01-15T12:00:00+08:00"

static const char *const power_types[] = {"行政处罚", "行政强制", "行政检查",    "行政确认",
                                          "行政给付", "行政奖励", "其他行政权力"};
static const char *const states[] = {"lead",     "investigating", "reviewing",
                                     "notified", "serving",       "executing",
                                     "closing",  "archived",      "not_filed"};

/* The summary of case id (cf_store_summary_put's JSON) for a deterministic mix. */
static json_t *summary_of(long id, int64_t day0)
{
    char cause[32], h1[16], h2[16], head[16];
    int64_t opened = day0 + id % 365;
    int filed = id % 10 != 0, decided = filed && id % 5 < 2, closed = decided && id % 5 == 0;
    snprintf(cause, sizeof(cause), "案由%ld", id % 30);
    snprintf(h1, sizeof(h1), "承办人%ld", id % 20);
    snprintf(h2, sizeof(h2), "承办人%ld", (id + 7) % 20);
    snprintf(head, sizeof(head), "负责人%ld", id % 4);
    int64_t fine = decided ? (id % 50 + 1) * 100000 : 0;
    json_t *clocks = json_array();
    if (filed)
        json_array_append_new(
            clocks, json_pack("[s, i, I]", "filing", id % 17 != 0, (json_int_t)(opened + 10)));
    if (decided)
        json_array_append_new(
            clocks, json_pack("[s, i, I]", "decision", id % 13 != 0, (json_int_t)(opened + 60)));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:n, s:[s, s], s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
        "s:o}",
        "agency", CF_BENCH_AGENCY, "power_type", power_types[id % 7], "workflow", "bench", "cause",
        cause, "state", states[id % 9], "name", "handlers", h1, h2, "head", head, "opened",
        (json_int_t)opened, "filed", (json_int_t)(filed ? opened + 5 : 0), "decided",
        (json_int_t)(decided ? opened + 60 : 0), "closed", (json_int_t)(closed ? opened + 90 : 0),
        "fine", (json_int_t)fine, "paid", (json_int_t)(fine / 2), "refund",
        (json_int_t)(decided ? 50000 : 0), "recovered", (json_int_t)(decided ? 20000 : 0), "clocks",
        clocks);
}

/* Prepares sql on db, or exits. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        cf_bench_die("stats", "%s: %s", sql, sqlite3_errmsg(db));
    return st;
}

static void step(sqlite3 *db, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        cf_bench_die("stats", "write: %s", sqlite3_errmsg(db));
    sqlite3_reset(st);
}

/* Case id's agency row, its one clock in the clock index (5% overdue by up to 20
 * days, 2% due within the week, the rest later) and its people. */
static void case_rows(sqlite3 *db, sqlite3_stmt *const st[3], long id, const json_t *sum,
                      cf_time_t now)
{
    cf_time_t deadline = id % 20 == 0   ? now - 3600 - (id % 20) * 86400
                         : id % 50 == 1 ? now + 3600 + (id % 6) * 86400
                                        : now + 30 * 86400 + (id % 90) * 86400;
    sqlite3_bind_int64(st[0], 1, id);
    sqlite3_bind_text(st[0], 2, CF_BENCH_AGENCY, -1, SQLITE_STATIC);
    step(db, st[0]);
    sqlite3_bind_int64(st[1], 1, id);
    sqlite3_bind_int64(st[1], 2, deadline);
    step(db, st[1]);
    for (size_t i = 0; i < 3; i++) {
        json_t *who = i < 2 ? json_array_get(json_object_get(sum, "handlers"), i)
                            : json_object_get(sum, "head");
        sqlite3_bind_int64(st[2], 1, id);
        sqlite3_bind_text(st[2], 2, i < 2 ? "handler" : "head", -1, SQLITE_STATIC);
        sqlite3_bind_text(st[2], 3, json_string_value(who), -1, SQLITE_TRANSIENT);
        step(db, st[2]);
    }
}

/* The counts summed over every case (cf_store_summary_counts, as the store
 * applies them case by case), one row each. */
static void count_rows(sqlite3 *db, const json_t *acc)
{
    sqlite3_stmt *st = prepare(db, "INSERT INTO stat_counts(agency, handler, day, dim, key, n, "
                                   "fen) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)acc, k, v) {
        char buf[512];
        snprintf(buf, sizeof(buf), "%s", k);
        char *day = strchr(buf, '\x1f'), *dim = strchr(day + 1, '\x1f');
        char *key = strchr(dim + 1, '\x1f');
        *day++ = *dim++ = *key++ = '\0';
        sqlite3_bind_text(st, 1, CF_BENCH_AGENCY, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, buf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, strtoll(day, NULL, 10));
        sqlite3_bind_text(st, 4, dim, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, json_integer_value(json_array_get(v, 0)));
        sqlite3_bind_int64(st, 7, json_integer_value(json_array_get(v, 1)));
        step(db, st);
    }
    sqlite3_finalize(st);
}

/* Every row the report reads, by SQL in one transaction with synchronous=OFF. */
static void write_rows(const char *path, long cases, int64_t day0, cf_time_t now)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        cf_bench_die("stats", "open: %s", sqlite3_errmsg(db));
    sqlite3_stmt *st[3] = {
        prepare(db, "INSERT INTO case_agency(case_id, agency) VALUES (?, ?)"),
        prepare(db, "INSERT INTO clocks(case_id, clock_id, state, deadline, party, agency) VALUES "
                    "(?1, 'decision', 'running', ?2, 0, '" CF_BENCH_AGENCY "')"),
        prepare(db, "INSERT INTO case_people(case_id, role, name, agency) VALUES (?, ?, ?, "
                    "'" CF_BENCH_AGENCY "')")};
    json_t *acc = json_object();
    for (long id = 1; id <= cases; id++) {
        json_t *sum = summary_of(id, day0);
        if (!sum)
            cf_bench_die("stats", "out of memory");
        case_rows(db, st, id, sum, now);
        cf_store_summary_counts(acc, sum, +1);
        json_decref(sum);
    }
    count_rows(db, acc);
    json_decref(acc);
    for (size_t i = 0; i < 3; i++)
        sqlite3_finalize(st[i]);
    if (sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
        cf_bench_die("stats", "commit: %s", sqlite3_errmsg(db));
    sqlite3_close(db);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The processor time of this process, in seconds. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The median of 5 reports of q, in ms of wall time, and OUT *cpu_ms the median
 * of their processor time (the machine is shared: the two differ by the wait
 * for a processor), on a connection opened for them (the first report is cold).
 * OUT *answer: the last report (new). */
static double report_ms(const char *path, const cf_stats_query_t *q, double *cpu_ms,
                        json_t **answer)
{
    double cpu[5];
    cf_store_t *s;
    cf_error_t err;
    double ms[5];
    if (cf_store_open_readonly(path, &s, &err) != 0)
        cf_bench_die("stats", "open: %s", err.text);
    *answer = NULL;
    for (int i = 0; i < 5; i++) {
        json_decref(*answer);
        double t = cf_bench_now(), c = cpu_now();
        if (cf_store_stats(s, q, answer, &err) != 0)
            cf_bench_die("stats", "report: %s", err.text);
        ms[i] = (cf_bench_now() - t) * 1000;
        cpu[i] = (cpu_now() - c) * 1000;
    }
    cf_store_close(s);
    qsort(ms, 5, sizeof(ms[0]), cmp_double);
    qsort(cpu, 5, sizeof(cpu[0]), cmp_double);
    *cpu_ms = cpu[2];
    return ms[2];
}

/* Exported, documented in bench.h */
int cf_bench_stats(cf_bench_env_t *env, int argc, char **argv)
{
    long cases = cf_bench_opt(argc, argv, "--cases", env->quick ? 100000 : 1000000);
    char path[1024];
    cf_store_t *s;
    cf_time_t now = cf_bench_time(NOW);
    int64_t day0 = cf_store_day(cf_bench_time(YEAR0));
    cf_bench_path(env, "stats.db", path, sizeof(path));
    cf_bench_remove_db(path);
    double start = cf_bench_now();
    cf_bench_new_db(env, path, &s);
    cf_store_close(s);
    write_rows(path, cases, day0, now);
    double built = cf_bench_now() - start;
    cf_stats_query_t q = {.agency = CF_BENCH_AGENCY,
                          .from_day = day0,
                          .to_day = day0 + 365,
                          .now = now,
                          .due_within = 7 * 86400};
    json_t *all, *one;
    double cpu, hcpu, ms = report_ms(path, &q, &cpu, &all);
    q.handler = "承办人3";
    double hms = report_ms(path, &q, &hcpu, &one);
    long opened = (long)json_integer_value(json_object_get(all, "opened"));
    if (opened != cases)
        cf_bench_die("stats", "the report counts %ld cases opened, not %ld", opened, cases);
    cf_bench_result("stats_ms", ms, "cases=%ld cpu_ms=%.1f overdue=%lld due=%lld build_s=%.1f",
                    cases, cpu, (long long)json_integer_value(json_object_get(all, "overdue")),
                    (long long)json_integer_value(json_object_get(all, "due")), built);
    cf_bench_result("stats_handler_ms", hms, "cases=%lld cpu_ms=%.1f",
                    (long long)json_integer_value(json_object_get(one, "opened")), hcpu);
    json_decref(all);
    json_decref(one);
    return 0;
}
