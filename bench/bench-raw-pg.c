/*
 * bench-raw-pg.c -- `caseflow-bench --pg DIR raw`: the raw PostgreSQL limit
 * (issue 24 item 5), as bench-raw.c is SQLite's. The rows the store wrote in
 * `--pg engine`'s durable_batch run (read back from the database pg_engine_batch)
 * are written again into a fresh database of the same schema (made by
 * cf_store_open) on the same server, by plain prepared statements (libpq,
 * parameters as text) and nothing else. Per transition the rows the daemon writes
 * for one over HTTP: its event rows (INSERT INTO events, the log position as the
 * store assigns it), its case row update (UPDATE cases: state, closed, version,
 * head, updated_at, closed_at, snapshot), the clock index row of each clock event (an
 * upsert of clocks, as store-cases.c write_clocks), the case's summary row (an upsert of
 * case_summary, a body of the daemon's size) and the report's counts the state
 * change moves (stat_counts: the old state less one, the new one more, closed; summed
 * over the transaction, one upsert a key at its COMMIT). A transaction of --batch
 * transitions (the store's batch) at a time. --daemon-rows 0: without the summary and
 * the counts, the rows the store's batch path (`engine`'s durable_batch) writes.
 *
 *   KEY (pg_raw_batch, or --key)  transitions/s so written
 *
 * --pipeline 1 (bench/run.sh's): the statements sent in libpq's pipeline mode, a
 * sync every 100 transitions to read their answers (the transaction's COMMIT the
 * last), as the daemon's driver sends a transaction's writes (db-pg.c): batched.
 * --pipeline 0: one round trip per statement (the limit bench/run.sh judged
 * against before the daemon pipelined). Opening rows are written first, untimed,
 * with each case's opening snapshot and summary.
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

/* ---- writing ------------------------------------------------------------------------------- */

/* How the target is written: one round trip a statement, or pipelined. */
typedef struct raw_writer_s {
    PGconn *c;
    int pipeline;
    int daemon;     /* the daemon's rows (summary, counts), else the store's batch path's */
    long queued;    /* statements sent since the last sync */
    long moved[16]; /* the counts' deltas of this transaction, by state s0..s15 */
    long closed;    /* cases closed in this transaction */
} raw_writer_t;

/* Reads the answers of every statement sent since the last sync (pipeline mode). */
static void sync_now(raw_writer_t *w)
{
    if (!w->pipeline || !w->queued)
        return;
    if (PQpipelineSync(w->c) != 1)
        cf_bench_die("raw", "sync: %s", PQerrorMessage(w->c));
    for (long left = w->queued; left > 0;) {
        PGresult *res = PQgetResult(w->c);
        if (!res) {
            left--;
            continue;
        }
        must(w->c, res, "pipelined statement");
        PQclear(res);
    }
    PGresult *res = PQgetResult(w->c);
    if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC)
        cf_bench_die("raw", "no sync: %s", PQerrorMessage(w->c));
    PQclear(res);
    w->queued = 0;
}

/* Runs prepared statement name: at once, or queued. */
static void run(raw_writer_t *w, const char *name, int n, const char *const *v)
{
    if (w->pipeline) {
        if (PQsendQueryPrepared(w->c, name, n, v, NULL, NULL, 0) != 1)
            cf_bench_die("raw", "%s: %s", name, PQerrorMessage(w->c));
        w->queued++;
        return;
    }
    PGresult *res = PQexecPrepared(w->c, name, n, v, NULL, NULL, 0);
    must(w->c, res, name);
    PQclear(res);
}

static void count_rows(raw_writer_t *w);

/* BEGIN or COMMIT, in the pipeline when pipelined (COMMIT then waits for all). */
static void tx(raw_writer_t *w, const char *sql)
{
    if (strcmp(sql, "COMMIT") == 0)
        count_rows(w);
    if (!w->pipeline) {
        exec(w->c, sql);
        return;
    }
    if (PQsendQueryParams(w->c, sql, 0, NULL, NULL, NULL, NULL, 0) != 1)
        cf_bench_die("raw", "%s: %s", sql, PQerrorMessage(w->c));
    w->queued++;
    if (strcmp(sql, "COMMIT") == 0)
        sync_now(w);
}

static void insert_row(raw_writer_t *w, const cf_bench_row_t *r)
{
    char id[24], seq[24];
    snprintf(id, sizeof(id), "%lld", (long long)r->case_id);
    snprintf(seq, sizeof(seq), "%lld", (long long)r->seq);
    const char *v[] = {id, seq, r->type, r->at, r->body, r->hash};
    run(w, "ev", 6, v);
}

/* The case's summary row as the daemon's writer keeps it (store-summary.c: its body
 * about this size), and the counts the move from state from to state to makes. */
static void summary_rows(raw_writer_t *w, const char *id, const char *from, const char *to,
                         int closed)
{
    if (!w->daemon)
        return;
    char body[512];
    snprintf(body, sizeof(body),
             "{\"agency\":\"某县医疗保障局\",\"clocks\":[[\"handling\",1,20514]],\"closed\":%d,"
             "\"decided\":0,\"filed\":20514,\"fine\":0,\"handlers\":[\"张三\"],\"head\":"
             "\"李四\",\"name\":\"某某大药房\",\"opened\":20514,\"paid\":0,\"power_type\":"
             "\"处罚\",\"recovered\":0,\"refund\":0,\"state\":\"%s\",\"workflow\":"
             "\"bench-linear\"}",
             closed ? 20515 : 0, to);
    const char *sv[] = {id, "某县医疗保障局", "某某大药房", body};
    run(w, "sum", 4, sv);
    if (from) {
        w->moved[atoi(from + 1) & 15]--;
        w->moved[atoi(to + 1) & 15]++;
        w->closed += closed;
    }
}

/* The counts this transaction moved, one upsert a key, before its COMMIT: folded per
 * transaction (the daemon wrote 2.6 count upserts a transition when this was written;
 * folding them per group commit is under way), so the limit errs high, against the
 * daemon; and no row is updated hundreds of times in one transaction (a chain of dead
 * versions the server walks on every update: per transition, the raw writer ran at
 * 554/s where the store's batch path, writing no counts, ran at 892/s). */
static void count_rows(raw_writer_t *w)
{
    char key[8], n[24];
    for (int i = 0; i < 16; i++) {
        if (!w->moved[i])
            continue;
        snprintf(key, sizeof(key), "s%d", i);
        snprintf(n, sizeof(n), "%ld", w->moved[i]);
        const char *v[] = {"某县医疗保障局", "", "20514", "state", key, n};
        run(w, "cnt", 6, v);
        w->moved[i] = 0;
    }
    if (w->closed) {
        snprintf(n, sizeof(n), "%ld", w->closed);
        const char *v[] = {"某县医疗保障局", "", "20515", "closed", "", n};
        run(w, "cnt", 6, v);
        w->closed = 0;
    }
}

/* The clock index row a clock event changes (store-cases.c write_clocks): its clock
 * named in the body ("clock":"ID"), its state by the event's type. */
static void clock_row(raw_writer_t *w, const cf_bench_row_t *r)
{
    const char *at = strncmp(r->type, "clock.", 6) == 0 ? strstr(r->body, "\"clock\":\"") : NULL;
    if (!at)
        return;
    char id[24], clock[64], deadline[24];
    at += 9;
    size_t n = strcspn(at, "\"");
    snprintf(clock, sizeof(clock), "%.*s", (int)(n < sizeof(clock) ? n : sizeof(clock) - 1), at);
    snprintf(id, sizeof(id), "%lld", (long long)r->case_id);
    snprintf(deadline, sizeof(deadline), "%lld", (long long)(1780000000 + r->seq));
    const char *v[] = {id, clock, strcmp(r->type, "clock.stopped") == 0 ? "stopped" : "running",
                       deadline};
    run(w, "clk", 4, v);
}

static void write_group(raw_writer_t *w, const cf_bench_source_t *src, const cf_bench_group_t *g,
                        const char *from)
{
    const cf_bench_row_t *last = &src->rows[g->first + g->count - 1];
    int closed = strcmp(g->state, "s8") == 0;
    char version[24], updated[24], id[24];
    for (size_t i = 0; i < g->count; i++)
        insert_row(w, &src->rows[g->first + i]);
    for (size_t i = 0; i < g->count; i++)
        clock_row(w, &src->rows[g->first + i]);
    snprintf(version, sizeof(version), "%lld", (long long)last->seq);
    snprintf(updated, sizeof(updated), "%zu", g->first); /* a changing integer, as updated_at */
    snprintf(id, sizeof(id), "%lld", (long long)last->case_id);
    const char *v[] = {g->state, closed ? "1" : "0",      version,     last->hash,
                       updated,  closed ? updated : NULL, g->snapshot, id};
    run(w, "upd", 8, v);
    summary_rows(w, id, from, g->state, closed);
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
    raw_writer_t w = {.c = c, .daemon = 1};
    prepare(
        c, "ev",
        "INSERT INTO events(case_id, seq, type, at, body, hash, pos, agency) VALUES ($1, $2, $3, "
        "$4, $5, $6, (SELECT COALESCE(MAX(pos), -1) + 1 FROM events), (SELECT agency FROM "
        "cases WHERE id = $1))");
    prepare(c, "upd",
            "UPDATE cases SET state = $1, closed = $2, version = $3, head = $4, updated_at = $5, "
            "closed_at = $6, snapshot = $7 WHERE id = $8");
    prepare(c, "clk",
            "INSERT INTO clocks(case_id, clock_id, state, deadline, party, provisional, agency) "
            "VALUES ($1, $2, $3, $4, 0, 0, (SELECT agency FROM cases WHERE id = $1)) ON "
            "CONFLICT(case_id, clock_id, agency) DO UPDATE SET state = excluded.state, deadline "
            "= excluded.deadline, party = excluded.party, provisional = excluded.provisional");
    prepare(c, "sum",
            "INSERT INTO case_summary(case_id, agency, name, body) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT(case_id, agency) DO UPDATE SET name = excluded.name, body = "
            "excluded.body");
    prepare(c, "cnt",
            "INSERT INTO stat_counts(agency, handler, day, dim, key, n, fen) VALUES ($1, $2, $3, "
            "$4, $5, $6, 0) ON CONFLICT(agency, handler, day, dim, key) DO UPDATE SET n = "
            "stat_counts.n + excluded.n, fen = stat_counts.fen + excluded.fen");
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
        char id_text[24];
        snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
        summary_rows(&w, id_text, NULL, "s0", 0);
    }
    for (size_t i = 0; i < src->rows_count; i++)
        if (!src->rows[i].grouped)
            insert_row(&w, &src->rows[i]);
    exec(c, "COMMIT");
}

/* Exported, documented in bench.h */
int cf_bench_raw_pg(cf_bench_env_t *env, int argc, char **argv)
{
    long batch = cf_bench_opt(argc, argv, "--batch", 1000);
    long pipeline = cf_bench_opt(argc, argv, "--pipeline", 0);
    long daemon = cf_bench_opt(argc, argv, "--daemon-rows", 1);
    const char *key = cf_bench_opt_text(argc, argv, "--key", "pg_raw_batch");
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
    raw_writer_t w = {.c = c, .pipeline = pipeline != 0, .daemon = daemon != 0};
    if (w.pipeline && PQenterPipelineMode(c) != 1)
        cf_bench_die("raw", "pipeline mode: %s", PQerrorMessage(c));
    /* each case's state before its transition: from its opening on (s0) */
    const char **state = calloc((size_t)src.cases + 1, sizeof(*state));
    for (int64_t id = 0; id <= src.cases; id++)
        state[id] = "s0";
    long commits = 0;
    double commit_s = 0, t, start = cf_bench_now();
    tx(&w, "BEGIN");
    for (size_t i = 0; i < src.groups_count; i++) {
        const cf_bench_group_t *g = &src.groups[i];
        int64_t id = src.rows[g->first].case_id;
        write_group(&w, &src, g, state[id]);
        state[id] = g->state;
        if ((i + 1) % (size_t)batch == 0 || i + 1 == src.groups_count) {
            t = cf_bench_now();
            tx(&w, "COMMIT");
            commit_s += cf_bench_now() - t;
            commits++;
            if (i + 1 < src.groups_count)
                tx(&w, "BEGIN");
        } else if ((i + 1) % 100 == 0) {
            sync_now(&w); /* read the answers: the server's replies must not fill the socket */
        }
    }
    double secs = cf_bench_now() - start;
    PQfinish(c);
    free(state);
    cf_bench_result(key, (double)src.groups_count / secs,
                    "transitions=%zu rows=%zu commits=%ld seconds=%.3f commit_s=%.3f batch=%ld "
                    "pipeline=%ld daemon_rows=%ld",
                    src.groups_count, src.rows_count, commits, secs, commit_s, batch, pipeline,
                    daemon);
    return 0;
}
