/*
 * bench-raw-pg.c -- `caseflow-bench --pg DIR raw`: the raw PostgreSQL limit
 * (issue 24 item 5), as bench-raw.c is SQLite's. The rows the store wrote in
 * `--pg engine`'s durable_batch run (read back from the database pg_engine_batch)
 * are written again into a fresh database of the same schema (made by
 * cf_store_open) on the same server, by plain prepared statements (libpq,
 * PQexecPrepared, parameters as text) and nothing else: per transition its event
 * rows (INSERT INTO events, the log position as the store assigns it) and its case
 * row update (UPDATE cases: state, closed, version, head, updated_at, closed_at,
 * snapshot); a transaction of --batch transitions (the store's batch) at a time.
 *
 *   pg_raw_batch  transitions/s so written
 *
 * One round trip per statement, as the store makes them: the difference to
 * pg_durable_batch is the store's work (the engine, hashing, JSON, the version
 * check, the clock and alert indexes), not the protocol. Opening rows are
 * written first, untimed, with each case's opening snapshot.
 */
#include "bench-raw.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void must(PGconn *c, PGresult *res, const char *what)
{
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        cf_bench_die(what, "%s", PQerrorMessage(c));
}

static void exec(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    must(c, res, sql);
    PQclear(res);
}

static PGconn *connect_db(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK)
        cf_bench_die(uri, "%s", PQerrorMessage(c));
    return c;
}

/* ---- the rows, from the store's database ---------------------------------------------------- */

static void read_rows(PGconn *c, cf_bench_source_t *src)
{
    PGresult *res = PQexec(c, "SELECT case_id, seq, type, at, body, hash FROM events ORDER BY pos");
    must(c, res, "read events");
    int n = PQntuples(res);
    src->rows = calloc((size_t)n + 1, sizeof(cf_bench_row_t));
    for (int i = 0; i < n; i++) {
        cf_bench_row_t *r = &src->rows[src->rows_count++];
        r->case_id = atoll(PQgetvalue(res, i, 0));
        r->seq = atoll(PQgetvalue(res, i, 1));
        r->type = strdup(PQgetvalue(res, i, 2));
        r->at = strdup(PQgetvalue(res, i, 3));
        r->body = strdup(PQgetvalue(res, i, 4));
        r->hash = strdup(PQgetvalue(res, i, 5));
        if (r->case_id > src->cases)
            src->cases = r->case_id;
    }
    PQclear(res);
}

/* The columns an opening fixes, by case id (row i of the result is case i + 1). */
static PGresult *read_openings(PGconn *c, const cf_bench_source_t *src)
{
    PGresult *res = PQexec(c, "SELECT id, workflow_id, workflow_version, workflow_hash, matter_id, "
                              "parent_id, party, algo, opened_at, agency FROM cases ORDER BY id");
    must(c, res, "read cases");
    if (PQntuples(res) != src->cases)
        cf_bench_die("raw", "%d case rows for %lld cases", PQntuples(res), (long long)src->cases);
    return res;
}

/* ---- writing ----------------------------------------------------------------------------------
 */

static void insert_row(PGconn *c, const cf_bench_row_t *r)
{
    char id[24], seq[24];
    snprintf(id, sizeof(id), "%lld", (long long)r->case_id);
    snprintf(seq, sizeof(seq), "%lld", (long long)r->seq);
    const char *v[] = {id, seq, r->type, r->at, r->body, r->hash};
    PGresult *res = PQexecPrepared(c, "ev", 6, v, NULL, NULL, 0);
    must(c, res, "insert event");
    PQclear(res);
}

static void write_group(PGconn *c, const cf_bench_source_t *src, const cf_bench_group_t *g)
{
    const cf_bench_row_t *last = &src->rows[g->first + g->count - 1];
    int closed = strcmp(g->state, "s8") == 0;
    char version[24], updated[24], id[24];
    for (size_t i = 0; i < g->count; i++)
        insert_row(c, &src->rows[g->first + i]);
    snprintf(version, sizeof(version), "%lld", (long long)last->seq);
    snprintf(updated, sizeof(updated), "%zu", g->first); /* a changing integer, as updated_at */
    snprintf(id, sizeof(id), "%lld", (long long)last->case_id);
    const char *v[] = {g->state, closed ? "1" : "0",      version,     last->hash,
                       updated,  closed ? updated : NULL, g->snapshot, id};
    PGresult *res = PQexecPrepared(c, "upd", 8, v, NULL, NULL, 0);
    must(c, res, "update case");
    PQclear(res);
}

static void prepare(PGconn *c, const char *name, const char *sql)
{
    PGresult *res = PQprepare(c, name, sql, 0, NULL);
    must(c, res, sql);
    PQclear(res);
}

/* The target's statements, and its opening rows (untimed). */
static void open_target(PGconn *c, const cf_bench_source_t *src, PGresult *openings)
{
    prepare(
        c, "ev",
        "INSERT INTO events(case_id, seq, type, at, body, hash, pos, agency) VALUES ($1, $2, $3, "
        "$4, $5, $6, (SELECT COALESCE(MAX(pos), -1) + 1 FROM events), (SELECT agency FROM "
        "cases WHERE id = $1))");
    prepare(c, "upd",
            "UPDATE cases SET state = $1, closed = $2, version = $3, head = $4, updated_at = $5, "
            "closed_at = $6, snapshot = $7 WHERE id = $8");
    prepare(
        c, "open",
        "INSERT INTO cases(id, workflow_id, workflow_version, workflow_hash, matter_id, "
        "parent_id, party, algo, opened_at, state, closed, version, head, updated_at, "
        "snapshot, agency) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11::jsonb->>'state', 0, "
        "$10, $11::jsonb->>'head', $9, $11, $12)");
    exec(c, "BEGIN");
    for (int64_t id = 1; id <= src->cases; id++) {
        if (!src->snapshots[id])
            continue;
        int i = (int)(id - 1);
        char version[24];
        snprintf(version, sizeof(version), "%lld", (long long)src->open_versions[id]);
        const char *v[12];
        for (int k = 0; k < 9; k++)
            v[k] = PQgetisnull(openings, i, k) ? NULL : PQgetvalue(openings, i, k);
        v[9] = version;
        v[10] = src->snapshots[id];
        v[11] = PQgetvalue(openings, i, 9);
        PGresult *res = PQexecPrepared(c, "open", 12, v, NULL, NULL, 0);
        must(c, res, "open case");
        PQclear(res);
    }
    for (size_t i = 0; i < src->rows_count; i++)
        if (!src->rows[i].grouped)
            insert_row(c, &src->rows[i]);
    exec(c, "COMMIT");
}

/* Exported, documented in bench.h */
int cf_bench_raw_pg(cf_bench_env_t *env, int argc, char **argv)
{
    long batch = cf_bench_opt(argc, argv, "--batch", 1000);
    char from[1024], to[1024];
    cf_bench_source_t src;
    cf_store_t *s;
    memset(&src, 0, sizeof(src));
    snprintf(from, sizeof(from), "postgresql:///pg_engine_batch?host=%s&user=postgres", env->pg);
    src.path = from;
    PGconn *c = connect_db(from);
    read_rows(c, &src);
    PGresult *openings = read_openings(c, &src);
    PQfinish(c);
    cf_bench_raw_group(&src);
    cf_bench_raw_fold(&src);
    if (!src.groups_count)
        cf_bench_die(from, "no transitions to replay (run `caseflow-bench --pg DIR engine` first)");
    cf_bench_db(env, "pg-raw-batch", to, sizeof(to));
    cf_bench_new_db(env, to, &s);
    cf_store_close(s);
    c = connect_db(to);
    open_target(c, &src, openings);
    PQclear(openings);
    long commits = 0;
    double commit_s = 0, t, start = cf_bench_now();
    exec(c, "BEGIN");
    for (size_t i = 0; i < src.groups_count; i++) {
        write_group(c, &src, &src.groups[i]);
        if ((i + 1) % (size_t)batch == 0 || i + 1 == src.groups_count) {
            t = cf_bench_now();
            exec(c, "COMMIT");
            commit_s += cf_bench_now() - t;
            commits++;
            if (i + 1 < src.groups_count)
                exec(c, "BEGIN");
        }
    }
    double secs = cf_bench_now() - start;
    PQfinish(c);
    cf_bench_result("pg_raw_batch", (double)src.groups_count / secs,
                    "transitions=%zu rows=%zu commits=%ld seconds=%.3f commit_s=%.3f batch=%ld",
                    src.groups_count, src.rows_count, commits, secs, commit_s, batch);
    return 0;
}
