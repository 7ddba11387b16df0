/*
 * test-concurrency.c -- concurrency-*: many clients acting on the same cases at
 * once over HTTP, against a daemon run in-process (serve-helpers.c).
 *
 * concurrency-1.1: rounds in which 8 clients read the same two cases, wait for
 *                  each other (a barrier), then all act on the version they read:
 *                  per case and round exactly one 200, every other answer 409
 *                  naming the new version, and nothing written by the losers.
 * concurrency-1.2: 8 clients each make 6 changes to one case (read, act, read
 *                  again and retry on 409) while the test clock fires its
 *                  alerts: every change answered 200 is in the database with
 *                  the seq and hash it was answered with, no seq twice or
 *                  missing (read with SQL, not through the store), the chain
 *                  verifies, and it all ends in bounded time (no deadlock).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0      "2026-03-02T09:00:00+08:00"
#define CLIENTS 8
#define ROUNDS  8
#define CHANGES 6
#define BOUND_S 50 /* the whole storm, even under valgrind; the runner's alarm is 60 s */

static const char sha[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/* A recusal: allowed in investigating again and again, writes one transition. */
static char *recuse_body(int client, int n)
{
    json_t *b =
        json_pack("{s:s, s:{s:s, s:[{s:s, s:s}, {s:s, s:s}]}, s:{s:{s:s, s:i, s:s}}}", "action",
                  "recuse", "facts", "recusal_reason", "利害关系", "officers", "name", "张三",
                  "cert", "65010020001", "name", "王五", "cert", "65010020002", "documents",
                  "回避决定书", "sha256", sha, "size", 4, "file", "a.pdf");
    char reason[64];
    snprintf(reason, sizeof(reason), "利害关系 %d/%d", client, n);
    json_object_set_new(json_object_get(b, "facts"), "recusal_reason", json_string(reason));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return text;
}

/* Opens a penalty case and files it (head): it is then in investigating. */
static long long filed_case(const td_daemon_t *d, const char *handler, const char *head)
{
    td_resp_t r;
    json_t *body =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s}}", "workflow", "penalty-general", "party", "name",
                  "某某大药房", "type", "定点医药机构", "facts", "lead_source", "投诉举报");
    td_http_json(d, "POST", "/v1/cases", handler, body, NULL, &r);
    json_decref(body);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    body = json_pack("{s:s, s:{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}, s:{s:{s:s, s:i, s:s}}}",
                     "action", "file", "facts", "filing_reason", "涉嫌串换药品", "cause",
                     "js-2024:14", "officers", "name", "张三", "cert", "65010020001", "name",
                     "王五", "cert", "65010020002", "documents", "立案审批表", "sha256", sha,
                     "size", 4, "file", "a.pdf");
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http_json(d, "POST", path, head, body, "\"2\"", &r);
    json_decref(body);
    if (r.status != 200)
        CF__FAIL("file: %ld %s", r.status, r.body);
    td_resp_free(&r);
    return id;
}

static long long version_of(const td_resp_t *r)
{
    return atoll(r->etag + (r->etag[0] == '"'));
}

/* ---- concurrency-1.1 --------------------------------------------------------------------- */

typedef struct round_s {
    const td_daemon_t *d;
    const char *head;
    long long cases[2];
    pthread_barrier_t read, write, done;
    long status[ROUNDS][CLIENTS];
    long long read_version[ROUNDS][CLIENTS], answered_version[ROUNDS][CLIENTS];
} round_t;

typedef struct client_s {
    round_t *rt;
    int index;
} client_t;

static void *round_client(void *arg)
{
    client_t *c = arg;
    round_t *rt = c->rt;
    long long id = rt->cases[c->index % 2];
    char path[64], match[32];
    for (int round = 0; round < ROUNDS; round++) {
        td_resp_t r;
        pthread_barrier_wait(&rt->read);
        snprintf(path, sizeof(path), "/v1/cases/%lld", id);
        td_http(rt->d, "GET", path, rt->head, NULL, 0, NULL, &r);
        ASSERT_EQ(r.status, 200);
        rt->read_version[round][c->index] = version_of(&r);
        td_resp_free(&r);
        pthread_barrier_wait(&rt->write); /* everyone has read before anyone writes */
        char *body = recuse_body(c->index, round);
        snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
        snprintf(match, sizeof(match), "\"%lld\"", rt->read_version[round][c->index]);
        td_http(rt->d, "POST", path, rt->head, body, strlen(body), match, &r);
        free(body);
        rt->status[round][c->index] = r.status;
        rt->answered_version[round][c->index] =
            json_integer_value(json_object_get(r.json, "version"));
        if (r.status == 409)
            ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "error")), "ECONFLICT");
        td_resp_free(&r);
        pthread_barrier_wait(&rt->done);
    }
    return NULL;
}

TEST_IMPL(concurrency_same_version)
{
    char db[512];
    td_db("same-version.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    char *head = td_token(db, "甲局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    round_t *rt = calloc(1, sizeof(*rt));
    rt->d = &d;
    rt->head = head;
    rt->cases[0] = filed_case(&d, handler, head);
    rt->cases[1] = filed_case(&d, handler, head);
    pthread_barrier_init(&rt->read, NULL, CLIENTS);
    pthread_barrier_init(&rt->write, NULL, CLIENTS);
    pthread_barrier_init(&rt->done, NULL, CLIENTS);
    pthread_t threads[CLIENTS];
    client_t clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (client_t){rt, i};
        ASSERT_EQ(pthread_create(&threads[i], NULL, round_client, &clients[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++)
        ASSERT_EQ(pthread_join(threads[i], NULL), 0);
    for (int round = 0; round < ROUNDS; round++)
        for (int k = 0; k < 2; k++) {
            int won = 0, lost = 0;
            long long v = rt->read_version[round][k], w = 0;
            for (int i = k; i < CLIENTS; i += 2) {
                ASSERT_EQ(rt->read_version[round][i], v); /* all read the same */
                won += rt->status[round][i] == 200;
                lost += rt->status[round][i] == 409;
                if (rt->status[round][i] == 200)
                    w = rt->answered_version[round][i];
            }
            ASSERT_EQ(won, 1);
            ASSERT_EQ(lost, CLIENTS / 2 - 1);
            ASSERT_EQ(w, v + 1);                 /* one recusal: one transition event */
            for (int i = k; i < CLIENTS; i += 2) /* each loser is told the winner's version */
                ASSERT_EQ(rt->answered_version[round][i], w);
        }
    /* each case holds what it held before the rounds, plus one recusal per round */
    for (int k = 0; k < 2; k++) {
        char path[64];
        td_resp_t r;
        snprintf(path, sizeof(path), "/v1/cases/%lld/events", rt->cases[k]);
        td_http(&d, "GET", path, head, NULL, 0, NULL, &r);
        ASSERT_EQ(json_array_size(r.json), rt->read_version[0][k] + ROUNDS);
        td_resp_free(&r);
    }
    pthread_barrier_destroy(&rt->read);
    pthread_barrier_destroy(&rt->write);
    pthread_barrier_destroy(&rt->done);
    free(rt);
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}

/* ---- concurrency-1.2 --------------------------------------------------------------------- */

typedef struct storm_s {
    const td_daemon_t *d;
    const char *head;
    long long id;
    pthread_mutex_t mu;
    json_t *acked; /* [[seq, hash], ...] of every event answered 200 */
    int conflicts;
    int done;
} storm_t;

typedef struct storm_client_s {
    storm_t *st;
    int index;
} storm_client_t;

static void *storm_client(void *arg)
{
    storm_client_t *c = arg;
    storm_t *st = c->st;
    char path[64], match[32];
    for (int n = 0; n < CHANGES;) {
        td_resp_t r;
        snprintf(path, sizeof(path), "/v1/cases/%lld", st->id);
        td_http(st->d, "GET", path, st->head, NULL, 0, NULL, &r);
        ASSERT_EQ(r.status, 200);
        snprintf(match, sizeof(match), "\"%lld\"", version_of(&r));
        td_resp_free(&r);
        char *body = recuse_body(c->index, n);
        snprintf(path, sizeof(path), "/v1/cases/%lld/actions", st->id);
        td_http(st->d, "POST", path, st->head, body, strlen(body), match, &r);
        free(body);
        if (r.status != 200 && r.status != 409)
            CF__FAIL("recuse: %ld %s", r.status, r.body);
        pthread_mutex_lock(&st->mu);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(r.json, "events"), i, ev)
            json_array_append_new(st->acked, json_pack("[O, O]", json_object_get(ev, "seq"),
                                                       json_object_get(ev, "hash")));
        st->conflicts += r.status == 409;
        pthread_mutex_unlock(&st->mu);
        n += r.status == 200;
        td_resp_free(&r);
    }
    return NULL;
}

/* The test clock, a day at a time: alerts fire on the case while the clients write. */
static void *storm_clock(void *arg)
{
    storm_t *st = arg;
    cf_time_t t;
    ASSERT_EQ(cf_time_parse(T0, &t, NULL), 0);
    for (int day = 1; day <= 30 && !__atomic_load_n(&st->done, __ATOMIC_SEQ_CST); day++) {
        char iso[CF_TIME_BUFSZ];
        cf_time_format(t + day * 86400, iso);
        td_clock(st->d, iso);
    }
    return NULL;
}

/* Reads the case's events with SQL: (seq, hash) by seq; asserts no seq twice. */
static json_t *stored_events(const char *db, long long id)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h,
                                 "SELECT case_id, seq, COUNT(*) FROM events GROUP BY case_id, seq "
                                 "HAVING COUNT(*) > 1",
                                 -1, &q, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_DONE); /* no duplicated sequence number, any case */
    sqlite3_finalize(q);
    ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT seq, hash FROM events WHERE case_id = ? ORDER BY seq",
                                 -1, &q, NULL),
              SQLITE_OK);
    sqlite3_bind_int64(q, 1, id);
    json_t *out = json_object();
    long long expect = 1;
    while (sqlite3_step(q) == SQLITE_ROW) {
        ASSERT_EQ(sqlite3_column_int64(q, 0), expect++); /* 1..n, no gap */
        char key[32];
        snprintf(key, sizeof(key), "%lld", (long long)sqlite3_column_int64(q, 0));
        json_object_set_new(out, key, json_string((const char *)sqlite3_column_text(q, 1)));
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    return out;
}

TEST_IMPL(concurrency_retry_storm)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (stored_events)");
    char db[512];
    td_db("storm.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    char *head = td_token(db, "甲局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    storm_t st = {.d = &d, .head = head, .acked = json_array()};
    pthread_mutex_init(&st.mu, NULL);
    st.id = filed_case(&d, handler, head);
    time_t start = time(NULL);
    pthread_t threads[CLIENTS], clock;
    storm_client_t clients[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (storm_client_t){&st, i};
        ASSERT_EQ(pthread_create(&threads[i], NULL, storm_client, &clients[i]), 0);
    }
    ASSERT_EQ(pthread_create(&clock, NULL, storm_clock, &st), 0);
    for (int i = 0; i < CLIENTS; i++)
        ASSERT_EQ(pthread_join(threads[i], NULL), 0);
    __atomic_store_n(&st.done, 1, __ATOMIC_SEQ_CST);
    ASSERT_EQ(pthread_join(clock, NULL), 0);
    ASSERT(time(NULL) - start < BOUND_S);
    ASSERT(st.conflicts > 0); /* they did collide */
    /* The database: every acknowledged event at its seq with its hash. */
    json_t *stored = stored_events(db, st.id);
    size_t i;
    json_t *a;
    json_array_foreach(st.acked, i, a) {
        char key[32];
        snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_array_get(a, 0)));
        ASSERT_STR_EQ(json_string_value(json_object_get(stored, key)),
                      json_string_value(json_array_get(a, 1)));
    }
    ASSERT_EQ(json_array_size(st.acked), CLIENTS * CHANGES); /* one event per recusal */
    /* The chain verifies, and the recusals are all there, each once. */
    cf_store_t *s;
    cf_error_t err;
    cf_case_t c;
    json_t *events;
    cf_audit_t audit;
    ASSERT_EQ(cf_store_open_existing(db, &s, &err), 0);
    ASSERT_EQ(cf_store_case_get(s, st.id, &c, &err), 0);
    ASSERT_EQ(cf_store_case_events(s, st.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_init(&audit, st.id), 0);
    ASSERT_EQ(cf_audit_verify(events, c.algo, c.head, &audit), 0);
    ASSERT_EQ(audit.items_count, 0);
    ASSERT_EQ(c.version, (long long)json_object_size(stored));
    int recusals = 0;
    json_t *ev;
    json_array_foreach(events, i, ev)
        recusals += json_is_string(json_object_get(ev, "action")) &&
                    strcmp(json_string_value(json_object_get(ev, "action")), "recuse") == 0;
    ASSERT_EQ(recusals, CLIENTS * CHANGES);
    fprintf(stderr, "  %d changes by %d clients, %d conflicts (409), %d events, %lds\n",
            CLIENTS * CHANGES, CLIENTS, st.conflicts, (int)json_object_size(stored),
            (long)(time(NULL) - start));
    cf_audit_dispose(&audit);
    json_decref(events);
    cf_case_dispose(&c);
    cf_store_close(s);
    json_decref(stored);
    json_decref(st.acked);
    pthread_mutex_destroy(&st.mu);
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}
