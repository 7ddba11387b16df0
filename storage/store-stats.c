/*
 * store-stats.c -- what a bureau reports (issue 20 item 4), read from the summary
 * counts store-summary.c keeps: one range of the stat_counts primary key (agency,
 * handler, day) summed by dimension, then the clocks overdue or due now, counted
 * from the partial index on running clocks. Neither reads an event or a case's
 * snapshot, so the answer's cost grows with the days of the period and the clocks
 * due, not with the number of cases.
 */
#include "store-int.h"

#include <stdio.h>
#include <string.h>

#include "money.h"

/* Exported, documented in store.h */
int64_t cf_store_day(cf_time_t t)
{
    int64_t local = (int64_t)t + 8 * 3600;
    return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}

/* Sets key of o (an object, made under parent when missing) to v. */
static json_t *child(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!o) {
        o = json_object();
        json_object_set_new(parent, key, o);
    }
    return o;
}

static void set_money(json_t *o, const char *key, int64_t fen)
{
    char text[CF_MONEY_BUFSZ];
    json_object_set_new(o, key, json_string(cf_money_format(fen, text)));
}

/* One summed row (dim, key, n, fen) into raw: the breakdowns by key, the clocks
 * by id, the rest as {dim: [n, fen]}. */
static void fold_row(json_t *raw, const char *dim, const char *key, int64_t n, int64_t fen)
{
    static const char *const by[] = {"power_type", "state", "cause", "handler"};
    for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++)
        if (strcmp(dim, by[i]) == 0) {
            if (n)
                json_object_set_new(child(child(raw, "by"), dim), key, json_integer(n));
            return;
        }
    if (strcmp(dim, "met") == 0 || strcmp(dim, "late") == 0)
        json_object_set_new(child(child(raw, "clocks"), key), dim, json_integer(n));
    else
        json_object_set_new(raw, dim, json_pack("[I, I]", (json_int_t)n, (json_int_t)fen));
}

/* Element i of raw's [n, fen] of dim (0 when none). */
static int64_t raw_of(const json_t *raw, const char *dim, size_t i)
{
    return json_integer_value(json_array_get(json_object_get(raw, dim), i));
}

/* The answer, in a fixed order (a CSV or a diff reads the same every time), from
 * the sums fold_row left in raw. */
static json_t *finish(const json_t *raw)
{
    json_t *out = json_object(), *by = json_object_get(raw, "by");
    const char *counts[] = {"opened", "filed", "decided", "closed"};
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(out, counts[i], json_integer(raw_of(raw, counts[i], 0)));
    const char *maps[] = {"power_type", "state", "cause", "handler"};
    for (size_t i = 0; i < 4; i++) {
        char key[32];
        json_t *m = json_object_get(by, maps[i]);
        snprintf(key, sizeof(key), "by_%s", maps[i]);
        json_object_set_new(out, key, m ? json_incref(m) : json_object());
    }
    int64_t fine = raw_of(raw, "decided", 1), paid = raw_of(raw, "paid", 1);
    json_t *fines = child(out, "fines"), *funds = child(out, "funds");
    set_money(fines, "decided", fine);
    set_money(fines, "paid", paid);
    set_money(fines, "outstanding", fine > paid ? fine - paid : 0);
    set_money(funds, "ordered", raw_of(raw, "refund", 1));
    set_money(funds, "recovered", raw_of(raw, "recovered", 1));
    json_t *clocks = child(out, "clocks");
    const char *id;
    json_t *k;
    json_object_foreach(json_object_get(raw, "clocks"), id, k) {
        int64_t met = json_integer_value(json_object_get(k, "met"));
        int64_t late = json_integer_value(json_object_get(k, "late"));
        json_object_set_new(
            clocks, id,
            json_pack("{s:I, s:I, s:o}", "met", (json_int_t)met, "late", (json_int_t)late,
                      "on_time_rate",
                      met + late ? json_real((double)met / (double)(met + late)) : json_null()));
    }
    return out;
}

static int sum_counts(cf_store_t *s, const cf_stats_query_t *q, json_t *out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    /* the deltas this connection's open transaction keeps in memory: written first */
    int rc = cf__store_counts_flush(s, err);
    if (rc == 0)
        rc = cf__store_prepare(s,
                               "SELECT dim, key, SUM(n), SUM(fen) FROM stat_counts WHERE agency "
                               "= ? AND handler = ? AND day >= ? AND day < ? GROUP BY dim, key "
                               "ORDER BY dim, key",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, q->agency, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, q->handler ? q->handler : "", -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 3, q->from_day);
    cf_db_bind_int64(st, 4, q->to_day);
    int step;
    while ((step = cf_db_step(st)) == CF_DB_ROW)
        fold_row(out, (const char *)cf_db_column_text(st, 0),
                 (const char *)cf_db_column_text(st, 1), cf_db_column_int64(st, 2),
                 cf_db_column_int64(st, 3));
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "sum the counts", err);
}

/* Cases of the agency (and handler) with a running clock of the agency's own
 * whose deadline lies in (lo, hi]. CROSS JOIN keeps the clocks outermost, read as a
 * range of the partial index clocks_due (deadline, party, case_id of the running
 * clocks: no lookup of the clock's row; 40% less time than through clocks_running,
 * which the planner prefers without statistics); joined the other way round,
 * SQLite walks every case of the agency (a second at a million cases). A
 * handler is checked per clock in the range (case_people's primary key), not by
 * walking the handler's cases. */
static int count_due(cf_store_t *s, const cf_stats_query_t *q, int64_t lo, int64_t hi, int64_t *n,
                     cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        cf_db_pick(s->db, /* INDEXED BY and CROSS JOIN ... ON (the join order) are SQLite's */
                   "SELECT COUNT(DISTINCT k.case_id) FROM clocks k INDEXED BY clocks_due CROSS "
                   "JOIN case_agency a ON a.case_id = k.case_id AND a.agency = ?1 WHERE k.state "
                   "= 'running' AND k.party = 0 AND k.deadline > ?2 AND k.deadline <= ?3 AND (?4 "
                   "IS NULL OR EXISTS (SELECT 1 FROM case_people p WHERE p.case_id = k.case_id "
                   "AND p.role = 'handler' AND p.name = ?4))",
                   "SELECT COUNT(DISTINCT k.case_id) FROM clocks k JOIN case_agency a ON "
                   "a.case_id = k.case_id AND a.agency = ?1 WHERE k.state = 'running' AND "
                   "k.party = 0 AND k.deadline > ?2 AND k.deadline <= ?3 AND (?4 IS NULL OR "
                   "EXISTS (SELECT 1 FROM case_people p WHERE p.case_id = k.case_id AND p.role = "
                   "'handler' AND p.name = ?4))"),
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, q->agency, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 2, lo);
    cf_db_bind_int64(st, 3, hi);
    cf__store_bind_text(st, 4, q->handler);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *n = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "count the clocks due", err);
}

/* Exported, documented in store.h */
int cf_store_stats(cf_store_t *s, const cf_stats_query_t *q, json_t **out, cf_error_t *err)
{
    json_t *raw = json_object();
    int64_t overdue = 0, due = 0;
    int rc = raw ? sum_counts(s, q, raw, err) : CF_ENOMEM;
    if (rc == 0)
        rc = count_due(s, q, INT64_MIN, q->now - 1, &overdue, err);
    if (rc == 0 && q->due_within > 0)
        rc = count_due(s, q, q->now, q->now + q->due_within, &due, err);
    json_t *o = rc == 0 ? finish(raw) : NULL;
    json_decref(raw);
    if (rc != 0)
        return rc;
    if (!o)
        return CF_ENOMEM;
    json_object_set_new(o, "overdue", json_integer(overdue));
    json_object_set_new(o, "due", json_integer(due));
    *out = o;
    return 0;
}
