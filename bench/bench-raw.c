/*
 * bench-raw.c -- `caseflow-bench raw`: the limit the durable figures are set
 * against. The same rows the store wrote in `engine`'s durable_batch run (read
 * back from engine-batch.db) are written again into a fresh database of the
 * same schema (made by cf_store_open) with the same pragmas (WAL,
 * synchronous=FULL), by plain prepared statements and nothing else: per
 * transition its event rows (INSERT INTO events, the bodies and hashes as
 * stored) and its case-row update (UPDATE cases: state, closed, version, head,
 * updated_at, closed_at, snapshot).
 *
 *   raw_batch  transactions of --batch transitions (the batch the store used)
 *   raw_txn    one transaction per transition (the fsync floor of durable_txn)
 *   fsync      first, the disk itself (cf_bench_fsync: 500 commits' worth)
 *
 * What the raw writer does not do, and the store does: decide (the engine),
 * hash and fold, serialize JSON, prepare statements per call, check the
 * version, replace the whole case row (INSERT OR REPLACE rewrites every index
 * of cases) and rewrite the clock index. The gap between the two figures is the
 * cost of those; docs/performance.md says which of them matter. Each update
 * carries the snapshot the store wrote with it (refolded from the events,
 * untimed, before the clock starts). Opening rows are written first, untimed,
 * with each case's opening snapshot.
 */
#include "bench-raw.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        cf_bench_die(what, "%s", sqlite3_errmsg(db));
}

static char *col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

/* The state a transition event moved to, from its stored body. */
static void state_of(const char *body, char *out, size_t size)
{
    json_t *ev = json_loads(body, 0, NULL);
    snprintf(out, size, "%s", json_string_value(json_object_get(ev, "to")));
    json_decref(ev);
}

static void read_rows(sqlite3 *db, cf_bench_source_t *src)
{
    sqlite3_stmt *st;
    size_t cap = 1024;
    src->rows = malloc(cap * sizeof(cf_bench_row_t));
    check(db,
          sqlite3_prepare_v2(db,
                             "SELECT case_id, seq, type, at, body, hash FROM events ORDER BY pos",
                             -1, &st, NULL),
          "read events");
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (src->rows_count == cap)
            src->rows = realloc(src->rows, (cap *= 2) * sizeof(cf_bench_row_t));
        cf_bench_row_t *r = &src->rows[src->rows_count++];
        r->case_id = sqlite3_column_int64(st, 0);
        r->seq = sqlite3_column_int64(st, 1);
        r->type = col(st, 2);
        r->at = col(st, 3);
        r->body = col(st, 4);
        r->hash = col(st, 5);
        if (r->case_id > src->cases)
            src->cases = r->case_id;
    }
    sqlite3_finalize(st);
}

/* Exported, documented in bench-raw.h */
void cf_bench_raw_group(cf_bench_source_t *src)
{
    src->groups = calloc(src->rows_count + 1, sizeof(cf_bench_group_t));
    for (size_t i = 0; i < src->rows_count; i++) {
        cf_bench_row_t *r = &src->rows[i];
        cf_bench_group_t *g = src->groups_count ? &src->groups[src->groups_count - 1] : NULL;
        if (strcmp(r->type, "transition") == 0) {
            g = &src->groups[src->groups_count++];
            g->first = i;
            g->count = 1;
            r->grouped = 1;
            state_of(r->body, g->state, sizeof(g->state));
        } else if (g && src->rows[g->first].case_id == r->case_id && g->first + g->count == i) {
            g->count++;
            r->grouped = 1;
        }
    }
}

/* Exported, documented in bench-raw.h */
void cf_bench_raw_fold(cf_bench_source_t *src)
{
    cf_case_t *cases = calloc((size_t)src->cases + 1, sizeof(cf_case_t));
    src->snapshots = calloc((size_t)src->cases + 1, sizeof(char *));
    src->open_versions = calloc((size_t)src->cases + 1, sizeof(int64_t));
    if (!cases || !src->snapshots || !src->open_versions)
        cf_bench_die("raw", "out of memory");
    for (int64_t id = 1; id <= src->cases; id++)
        if (cf_case_init(&cases[id]) != 0)
            cf_bench_die("raw", "out of memory");
    size_t next_group = 0;
    for (size_t i = 0; i < src->rows_count; i++) {
        cf_bench_row_t *r = &src->rows[i];
        cf_case_t *c = &cases[r->case_id];
        json_t *ev = json_loads(r->body, 0, NULL);
        cf_error_t err;
        if (!ev || cf_case_apply(c, ev, &err) != 0)
            cf_bench_die("raw", "case %lld event %lld does not fold", (long long)r->case_id,
                         (long long)r->seq);
        json_decref(ev);
        char *snap = cf_case_snapshot_text(c);
        while (next_group < src->groups_count &&
               src->groups[next_group].first + src->groups[next_group].count <= i)
            next_group++;
        cf_bench_group_t *g = next_group < src->groups_count ? &src->groups[next_group] : NULL;
        if (g && g->first <= i && i + 1 == g->first + g->count) {
            g->snapshot = snap;
        } else if (!r->grouped) {
            free(src->snapshots[r->case_id]);
            src->snapshots[r->case_id] = snap;
            src->open_versions[r->case_id] = c->version;
        } else {
            free(snap);
        }
    }
    for (int64_t id = 1; id <= src->cases; id++)
        cf_case_dispose(&cases[id]);
    free(cases);
}

static void read_source(const char *path, cf_bench_source_t *src)
{
    sqlite3 *db;
    memset(src, 0, sizeof(*src));
    src->path = path;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        cf_bench_die(path, "%s (run `caseflow-bench engine` first)", sqlite3_errmsg(db));
    read_rows(db, src);
    cf_bench_raw_group(src);
    sqlite3_close(db);
    cf_bench_raw_fold(src);
}

/* ---- writing --------------------------------------------------------------------------------- */

typedef struct writer_s {
    sqlite3 *db;
    sqlite3_stmt *ev, *upd, *open_case;
} writer_t;

static void insert_row(writer_t *w, const cf_bench_row_t *r)
{
    sqlite3_stmt *st = w->ev;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->case_id);
    sqlite3_bind_int64(st, 2, r->seq);
    sqlite3_bind_text(st, 3, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->body, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->hash, -1, SQLITE_STATIC);
    check(w->db, sqlite3_step(st), "insert event");
}

static void write_group(writer_t *w, const cf_bench_source_t *src, const cf_bench_group_t *g)
{
    const cf_bench_row_t *last = &src->rows[g->first + g->count - 1];
    int closed = strcmp(g->state, "s8") == 0;
    for (size_t i = 0; i < g->count; i++)
        insert_row(w, &src->rows[g->first + i]);
    sqlite3_stmt *st = w->upd;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, g->state, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, closed);
    sqlite3_bind_int64(st, 3, last->seq);
    sqlite3_bind_text(st, 4, last->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (int64_t)g->first); /* a changing integer, as updated_at */
    closed ? sqlite3_bind_int64(st, 6, (int64_t)g->first) : sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, g->snapshot, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, last->case_id);
    check(w->db, sqlite3_step(st), "update case");
}

/* A fresh database of the store's schema, the opening rows written (untimed). */
static void open_writer(const cf_bench_env_t *env, const char *name, const cf_bench_source_t *src,
                        writer_t *w)
{
    char path[1024];
    cf_store_t *s;
    cf_bench_path(env, name, path, sizeof(path));
    cf_bench_new_db(env, path, &s);
    cf_store_close(s);
    if (sqlite3_open(path, &w->db) != SQLITE_OK)
        cf_bench_die(path, "%s", sqlite3_errmsg(w->db));
    check(w->db,
          sqlite3_exec(w->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL),
          "pragmas");
    check(w->db,
          sqlite3_prepare_v2(
              w->db,
              "INSERT INTO events(case_id, seq, type, at, body, hash, pos, "
              "agency) VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(pos), -1) "
              "+ 1 FROM events), COALESCE((SELECT agency FROM cases WHERE id = ?1), ''))",
              -1, &w->ev, NULL),
          "prepare");
    check(w->db,
          sqlite3_prepare_v2(w->db,
                             "UPDATE cases SET state = ?, closed = ?, version = ?, head = ?, "
                             "updated_at = ?, closed_at = ?, snapshot = ? WHERE id = ?",
                             -1, &w->upd, NULL),
          "prepare");
    /* The opening rows as the store wrote them: the columns an opening fixes
     * from the source database, the rest as they were after the opening. */
    char attach[1200];
    snprintf(attach, sizeof(attach), "ATTACH '%s' AS src", src->path);
    check(w->db, sqlite3_exec(w->db, attach, NULL, NULL, NULL), "attach");
    check(w->db,
          sqlite3_prepare_v2(w->db,
                             "INSERT INTO cases(id, workflow_id, workflow_version, workflow_hash, "
                             "matter_id, parent_id, party, state, closed, version, head, algo, "
                             "opened_at, updated_at, snapshot, agency) SELECT id, workflow_id, "
                             "workflow_version, workflow_hash, matter_id, parent_id, party, "
                             "json_extract(?3, '$.state'), 0, ?2, json_extract(?3, '$.head'), "
                             "algo, opened_at, opened_at, ?3, agency FROM src.cases WHERE id = ?1",
                             -1, &w->open_case, NULL),
          "prepare");
    sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL);
    for (int64_t id = 1; id <= src->cases; id++) {
        if (!src->snapshots[id])
            continue;
        sqlite3_reset(w->open_case);
        sqlite3_bind_int64(w->open_case, 1, id);
        sqlite3_bind_int64(w->open_case, 2, src->open_versions[id]);
        sqlite3_bind_text(w->open_case, 3, src->snapshots[id], -1, SQLITE_STATIC);
        check(w->db, sqlite3_step(w->open_case), "open case");
    }
    for (size_t i = 0; i < src->rows_count; i++)
        if (!src->rows[i].grouped)
            insert_row(w, &src->rows[i]);
    check(w->db, sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL), "commit");
    check(w->db, sqlite3_exec(w->db, "DETACH src", NULL, NULL, NULL), "detach");
}

static void close_writer(writer_t *w)
{
    sqlite3_finalize(w->ev);
    sqlite3_finalize(w->upd);
    sqlite3_finalize(w->open_case);
    sqlite3_close(w->db);
}

/* Commits and begins again (unless last); adds the time the commit took. */
static void commit(writer_t *w, int again, double *commit_s)
{
    double t = cf_bench_now();
    check(w->db, sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL), "commit");
    *commit_s += cf_bench_now() - t;
    if (again)
        check(w->db, sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL), "begin");
}

/* Writes groups [0, n) committing every batch; returns the seconds taken.
 * OUT *commit_s: how many of them went to committing (the fsync, the WAL). */
static double write_groups(writer_t *w, const cf_bench_source_t *src, size_t n, long batch,
                           long *commits, double *commit_s)
{
    double start = cf_bench_now();
    *commits = 0;
    *commit_s = 0;
    check(w->db, sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL), "begin");
    for (size_t i = 0; i < n; i++) {
        write_group(w, src, &src->groups[i]);
        if ((long)((i + 1) % (size_t)batch) == 0 && i + 1 < n) {
            commit(w, 1, commit_s);
            (*commits)++;
        }
    }
    commit(w, 0, commit_s);
    (*commits)++;
    return cf_bench_now() - start;
}

/* Exported, documented in bench.h */
int cf_bench_raw(cf_bench_env_t *env, int argc, char **argv)
{
    long batch = cf_bench_opt(argc, argv, "--batch", 1000);
    long txn = cf_bench_opt(argc, argv, "--txn", env->quick ? 2400 : 4000);
    char path[1024];
    cf_bench_source_t src;
    writer_t w;
    long commits;
    double commit_s;
    cf_bench_fsync(env, "fsync", 500);
    cf_bench_path(env, "engine-batch.db", path, sizeof(path));
    read_source(path, &src);
    if (!src.groups_count)
        cf_bench_die(path, "no transitions to replay");
    open_writer(env, "raw-batch.db", &src, &w);
    double s = write_groups(&w, &src, src.groups_count, batch, &commits, &commit_s);
    close_writer(&w);
    cf_bench_result("raw_batch", (double)src.groups_count / s,
                    "transitions=%zu rows=%zu commits=%ld seconds=%.3f commit_s=%.3f batch=%ld",
                    src.groups_count, src.rows_count, commits, s, commit_s, batch);
    size_t n = (size_t)txn < src.groups_count ? (size_t)txn : src.groups_count;
    open_writer(env, "raw-txn.db", &src, &w);
    s = write_groups(&w, &src, n, 1, &commits, &commit_s);
    close_writer(&w);
    cf_bench_result("raw_txn", (double)n / s, "transitions=%zu commits=%ld seconds=%.3f", n,
                    commits, s);
    return 0;
}
