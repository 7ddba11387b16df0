/*
 * test-serve-alerts.c -- serve-3.*: the deadline scheduler and alert delivery,
 * on the daemon's injected clock (POST /v1/test/clock answers once every alert
 * due at the new instant was committed and delivered, so no test sleeps).
 *
 * serve-3.1: an alert fires at the injected instant, into the case's chain, on
 *            the event stream, in the alert log, and at a webhook that fails
 *            once (the retry carries the same alert id).
 * serve-3.1b: what is delivered for a fired alert, to the byte: keys, order, values.
 * serve-3.2: alerts that fell due while the daemon was down fire at start,
 *            marked late, exactly once across two more restarts.
 * serve-3.3: the alerts of one instant fire in chunks: each chunk is its own
 *            commit, the first chunk is delivered before the last is written,
 *            every alert exactly once; the test clock is answered after the last.
 * serve-3.4: a reading event-stream client receives a burst of 3,000 alerts on
 *            one instant (more text than the old 1 MiB cap dropped).
 * serve-3.5: a stream that falls further behind than stream_max_pending is ended
 *            with an "overflow" event; the alert log still has every alert.
 * serve-3.6: an act whose events change no clock leaves the alerts index as it
 *            was (not rewritten); one that starts or stops a clock rewrites it.
 * serve-3.7: without --now the daemon's clock starts at the system clock to the
 *            millisecond (not the whole second); with --now at that instant.
 * serve-3.7b: the test clock named an instant it has passed already stays where it is
 *            and answers 200 (a loaded machine may be past the instant a test names).
 * serve-3.8: a moment before an instant with alerts due, the writer reads their
 *            cases ahead (the prefetch counter moves); the alert still fires at
 *            its instant, once.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* serve-3.7 reads the daemon's clock */
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* Number of lines of the file at path holding needle. */
static int lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* The alert events in case id's chain; OUT late (how many are marked late). */
static int alert_events(const td_daemon_t *d, const char *token, long long id, int *late)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(d, token, path);
    size_t i;
    json_t *ev;
    int n = 0;
    *late = 0;
    json_array_foreach(events, i, ev) {
        if (strcmp(json_string_value(json_object_get(ev, "type")), "alert") != 0)
            continue;
        n++;
        *late += json_is_true(json_object_get(ev, "late"));
    }
    json_decref(events);
    return n;
}

/* ---- serve-3.1 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_delivery)
{
    char db[512], log[512], url[128];
    cf_serve_config_t cfg;
    char *token = td_alert_config("alerts.db", "alerts-1.jsonl", T0, db, log, &cfg);
    td_hook_t hook;
    td_hook_start(&hook, 1); /* the first delivery fails: retried with the same id */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", hook.port);
    td_daemon_t d;
    cfg.webhooks[cfg.webhooks_count++] = url;
    td_start(&d, &cfg);
    long long id = td_open_case(&d, token, "penalty-general", "某某大药房");
    /* The filing clock started at open: a warning point and its deadline are pending. */
    json_t *pending = td_get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT(json_array_size(pending) >= 2);
    json_t *first = json_array_get(pending, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(first, "point")), "warning");
    ASSERT_EQ(json_integer_value(json_object_get(first, "case")), id);
    const char *alert_id = json_string_value(json_object_get(first, "alert_id"));
    const char *due = json_string_value(json_object_get(first, "due_at"));
    size_t pending_before = json_array_size(pending);
    td_stream_t stream;
    td_stream_start(&stream, &d, token, 1);
    td_clock(&d, due); /* the injected instant */
    td_stream_finish(&stream);
    /* The stream got it, fired at exactly its due instant, not late. */
    ASSERT_CONTAINS(stream.text, "event: alert\n");
    ASSERT_CONTAINS(stream.text, alert_id);
    ASSERT_CONTAINS(stream.text, "\"late\":false");
    char fired_at[96];
    snprintf(fired_at, sizeof(fired_at), "\"fired_at\":\"%s\"", due);
    ASSERT_CONTAINS(stream.text, fired_at);
    ASSERT_CONTAINS(stream.text, "\"agency\":\"甲局\""); /* read with the case's head */
    ASSERT_CONTAINS(stream.text, "\"workflow\":\"penalty-general\"");
    free(stream.text);
    /* The webhook: one failure, one retry, the same stable id on both. */
    td_hook_wait(&hook, 2);
    ASSERT_STR_EQ(hook.ids[0], alert_id);
    ASSERT_STR_EQ(hook.ids[1], alert_id);
    ASSERT_EQ(hook.attempts[0], 1);
    ASSERT_EQ(hook.attempts[1], 2);
    ASSERT_CONTAINS(hook.bodies[1], alert_id);
    /* The case's chain holds the alert event; the log holds one line. */
    int late;
    ASSERT_EQ(alert_events(&d, token, id, &late), 1);
    ASSERT_EQ(late, 0);
    ASSERT_EQ(lines_with(log, alert_id), 1);
    json_t *still = td_get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT_EQ(json_array_size(still), pending_before - 1);
    json_decref(still);
    json_decref(pending);
    td_stop(&d);
    td_hook_stop(&hook);
    free(token);
    return 0;
}

/* The line of the alert log that delivered alert_id, parsed (key order kept); OUT
 * keys: its keys in order, each followed by a comma. */
static json_t *delivered(const char *log, const char *alert_id, char *keys, size_t size)
{
    FILE *f = fopen(log, "r");
    char line[4096];
    json_t *got = NULL;
    while (!got && f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        json_t *o = json_loads(line, 0, NULL);
        const char *id = json_string_value(json_object_get(o, "alert_id"));
        if (id && strcmp(id, alert_id) == 0) {
            char *again = json_dumps(o, JSON_COMPACT); /* the text json_dumps writes */
            got = again && strcmp(again, line) == 0 ? o : json_null();
            free(again);
        }
        if (got != o)
            json_decref(o);
    }
    if (f)
        fclose(f);
    const char *key;
    json_t *v;
    keys[0] = '\0';
    json_object_foreach(got, key, v) {
        snprintf(keys + strlen(keys), size - strlen(keys), "%s,", key);
    }
    return got;
}

/* The first pending alert's id and due instant. */
static void first_pending(const td_daemon_t *d, const char *token, char *id, char *due)
{
    json_t *pending = td_get_json(d, token, "/v1/alerts?state=pending");
    json_t *first = json_array_get(pending, 0);
    snprintf(id, 160, "%s", json_string_value(json_object_get(first, "alert_id")));
    snprintf(due, 64, "%s", json_string_value(json_object_get(first, "due_at")));
    json_decref(pending);
}

/* serve-3.1b: what is delivered for a fired alert, to the byte: the sealed event's
 * fields (not prev, type, at, actor, role) in their order, then fired_at (the event's
 * at), workflow, agency, level, handlers, to, written as json_dumps(JSON_COMPACT)
 * writes it; its values the chain's own (the same hash, seq, instants). A deadline
 * counted on a provisional calendar year adds provisional after alert_id. Built key
 * by key since the burst's second round (serve-jobs.c alert_json): this pins it. */
TEST_IMPL(serve_alert_delivered_text)
{
    char db[512], log[512], path[64], keys[512], alert_id[160], due[64];
    cf_serve_config_t cfg;
    char *token = td_alert_config("alerts-text.db", "alerts-text.jsonl", T0, db, log, &cfg);
    td_daemon_t d;
    td_start(&d, &cfg);
    long long id = td_open_case(&d, token, "penalty-general", "某某大药房");
    first_pending(&d, token, alert_id, due);
    td_clock(&d, due);
    json_t *got = delivered(log, alert_id, keys, sizeof(keys));
    ASSERT(json_is_object(got));
    ASSERT_STR_EQ(keys, "seq,clock,point,deadline,due_at,late,alert_id,case,hash,fired_at,"
                        "workflow,agency,level,handlers,to,");
    /* the chain's alert event: the same values */
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(&d, token, path), *ev = NULL, *v;
    size_t i;
    json_array_foreach(events, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "type")), "alert") == 0)
            ev = v;
    }
    ASSERT(ev != NULL);
    static const char *const same[] = {"seq",  "clock",    "point", "deadline", "due_at",
                                       "late", "alert_id", "case",  "hash"};
    for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        ASSERT(json_equal(json_object_get(got, same[i]), json_object_get(ev, same[i])));
    ASSERT(json_equal(json_object_get(got, "fired_at"), json_object_get(ev, "at")));
    ASSERT_STR_EQ(json_string_value(json_object_get(got, "fired_at")), due);
    ASSERT_EQ(json_integer_value(json_object_get(got, "case")), id);
    ASSERT_STR_EQ(json_string_value(json_object_get(got, "workflow")), "penalty-general");
    ASSERT_STR_EQ(json_string_value(json_object_get(got, "agency")), "甲局");
    ASSERT_STR_EQ(json_string_value(json_object_get(got, "level")), "warning");
    ASSERT_STR_EQ(json_string_value(json_object_get(got, "to")), "handlers");
    ASSERT(json_is_array(json_object_get(got, "handlers")));
    json_decref(events);
    json_decref(got);
    /* Late in the year, the next year's calendar not loaded: a provisional deadline
     * (as serve-3.9), its warning delivered with the years. The first case's alerts
     * all fire on the way there. */
    td_clock(&d, "2026-12-20T09:00:00+08:00");
    td_open_case(&d, token, "penalty-general", "某某大药房");
    first_pending(&d, token, alert_id, due);
    td_clock(&d, due);
    got = delivered(log, alert_id, keys, sizeof(keys));
    ASSERT(json_is_object(got));
    ASSERT_STR_EQ(keys, "seq,clock,point,deadline,due_at,late,alert_id,provisional,case,hash,"
                        "fired_at,workflow,agency,level,handlers,to,");
    ASSERT_EQ(json_integer_value(json_array_get(json_object_get(got, "provisional"), 0)), 2027);
    json_decref(got);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-3.2 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_restart)
{
    char db[512], log[512];
    cf_serve_config_t cfg;
    char *token = td_alert_config("restart.db", "alerts-2.jsonl", T0, db, log, &cfg);
    td_daemon_t d;
    td_start(&d, &cfg);
    long long id = td_open_case(&d, token, "penalty-general", "某某大药房");
    json_t *pending = td_get_json(&d, token, "/v1/alerts?state=pending");
    size_t n = json_array_size(pending);
    ASSERT(n >= 2);
    json_decref(pending);
    td_stop(&d);
    /* Down past every due instant; at start they all fire, late, once. */
    td_config(&cfg, db, "2026-06-01T09:00:00+08:00");
    cfg.alert_log = log;
    td_start(&d, &cfg);
    td_clock(&d, "2026-06-01T09:00:00+08:00"); /* queued behind the start's firing */
    int late;
    ASSERT_EQ(alert_events(&d, token, id, &late), (int)n);
    ASSERT_EQ(late, (int)n);
    json_t *fired = td_get_json(&d, token, "/v1/alerts?state=fired");
    ASSERT_EQ(json_array_size(fired), n);
    json_decref(fired);
    pending = td_get_json(&d, token, "/v1/alerts?state=pending");
    ASSERT_EQ(json_array_size(pending), 0);
    json_decref(pending);
    td_stop(&d);
    /* Restart again, later still: nothing fires a second time. */
    td_config(&cfg, db, "2026-07-01T09:00:00+08:00");
    cfg.alert_log = log;
    td_start(&d, &cfg);
    td_clock(&d, "2026-07-01T09:00:00+08:00");
    ASSERT_EQ(alert_events(&d, token, id, &late), (int)n);
    td_stop(&d);
    ASSERT_EQ(lines_with(log, "\"alert_id\""), (int)n);
    free(token);
    return 0;
}

/* ---- serve-3.3 ---------------------------------------------------------------------------------
 */

/* What the writer's commits saw: called at every fault point of the writer's
 * connection, on the writer thread; at "commit" it counts the alert log's lines. */
typedef struct commits_s {
    pthread_mutex_t mu;
    const char *log;
    int count;
    int lines[256]; /* the alert log's lines at each commit */
} commits_t;

static int on_fault_point(void *ctx, const char *point)
{
    commits_t *c = ctx;
    if (strcmp(point, "commit") != 0)
        return 0;
    int lines = lines_with(c->log, "\"alert_id\"");
    pthread_mutex_lock(&c->mu);
    if (c->count < 256)
        c->lines[c->count] = lines;
    c->count++;
    pthread_mutex_unlock(&c->mu);
    return 0; /* observe only */
}

/* The due_at of the filing clock's deadline alert of case id (pending). */
static void filing_deadline(const td_daemon_t *d, const char *token, char *iso, size_t size)
{
    json_t *pending = td_get_all(d, token, "/v1/alerts?state=pending");
    size_t i;
    json_t *a;
    iso[0] = '\0';
    json_array_foreach(pending, i, a)
        if (strcmp(json_string_value(json_object_get(a, "point")), "deadline") == 0)
            snprintf(iso, size, "%s", json_string_value(json_object_get(a, "due_at")));
    json_decref(pending);
    ASSERT(iso[0] != '\0');
}

TEST_IMPL(serve_alert_chunks)
{
    char db[512], log[512], due[64], body[128];
    cf_serve_config_t cfg;
    char *token = td_alert_config("chunks.db", "alerts-3.jsonl", T0, db, log, &cfg);
    commits_t seen = {.log = log};
    pthread_mutex_init(&seen.mu, NULL);
    td_daemon_t d;
    cfg.fire_chunk = 2;
    cfg.store_fault = on_fault_point;
    cfg.store_fault_ctx = &seen;
    td_start(&d, &cfg);
    long long ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = td_open_case(&d, token, "penalty-general", "某某大药房");
    /* Three cases opened at the same instant: at the filing deadline, three warnings and
     * three deadlines are due at once: six alerts, chunks of at most two. */
    filing_deadline(&d, token, due, sizeof(due));
    pthread_mutex_lock(&seen.mu);
    seen.count = 0;
    pthread_mutex_unlock(&seen.mu);
    td_resp_t r;
    snprintf(body, sizeof(body), "{\"now\":\"%s\"}", due);
    td_http(&d, "POST", "/v1/test/clock", NULL, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 200);
    /* Answered once, after the last chunk, with the total. */
    ASSERT_EQ(json_integer_value(json_object_get(r.json, "fired")), 6);
    td_resp_free(&r);
    pthread_mutex_lock(&seen.mu);
    int commits = seen.count, last = commits > 0 ? seen.lines[commits - 1] : -1;
    pthread_mutex_unlock(&seen.mu);
    /* At least three commits (a chunk may end sooner on its time budget), and when the
     * last one was written the first chunk was already in the log. */
    ASSERT(commits >= 3);
    ASSERT(last >= 1);
    ASSERT(last < 6);
    /* Each alert exactly once: in the log, in its case's chain, no longer pending. */
    ASSERT_EQ(lines_with(log, "\"alert_id\""), 6);
    json_t *fired = td_get_json(&d, token, "/v1/alerts?state=fired");
    ASSERT_EQ(json_array_size(fired), 6);
    size_t i;
    json_t *a;
    json_array_foreach(fired, i, a) {
        ASSERT_EQ(lines_with(log, json_string_value(json_object_get(a, "alert_id"))), 1);
    }
    json_decref(fired);
    for (int k = 0; k < 3; k++) {
        int late;
        ASSERT_EQ(alert_events(&d, token, ids[k], &late), 2);
        ASSERT_EQ(late, 1); /* the warning, days after its instant */
    }
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 6);
    td_stop(&d);
    pthread_mutex_destroy(&seen.mu);
    free(token);
    return 0;
}

/* ---- serve-3.4 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_stream_burst)
{
    /* On PostgreSQL a third of the cases: the burst reaches the stream through the
     * follower there (the path this run adds), and opening and firing 3,000 alerts took
     * most of the runner's 60 s under ASan on a loaded machine; the stream's cap is the
     * same code on both, passed on SQLite. */
    int cases = cf_test_pg() ? 500 : 1500, alerts = 2 * cases;
    char db[512], due[64];
    td_db("burst.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_open_spread(db, "甲局", cf_test_time(T0), 0, cases);
    td_daemon_t d;
    td_start_at(&d, db, T0);
    filing_deadline(&d, token, due, sizeof(due));
    td_stream_t stream;
    td_stream_start(&stream, &d, token, alerts);
    td_clock(&d, due); /* every warning and deadline at once: 3,000 alerts (PG: 1,000) */
    ASSERT_EQ(td_metric(&d, "caseflow_stream_overflows_total"), 0);
    /* Stopping ends the stream after what it holds was sent: a stream that had
     * dropped events would end short instead of hanging the test. */
    td_stop(&d);
    td_stream_finish(&stream);
    ASSERT_EQ(stream.alerts, alerts);
    ASSERT(cf_test_pg() || stream.len > (1u << 20)); /* more than the old cap */
    ASSERT(strstr(stream.text, "event: overflow") == NULL);
    free(stream.text);
    free(token);
    return 0;
}

/* ---- serve-3.5 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_stream_overflow)
{
    char db[512], log[512], due[64];
    cf_serve_config_t cfg;
    char *token = td_alert_config("overflow.db", "alerts-5.jsonl", T0, db, log, &cfg);
    td_daemon_t d;
    cfg.stream_max_pending = 64; /* less than one alert: the first one overflows it */
    td_start(&d, &cfg);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    td_open_case(&d, token, "penalty-general", "某某大药房");
    filing_deadline(&d, token, due, sizeof(due));
    td_stream_t stream;
    td_stream_start(&stream, &d, token, 1000);
    td_clock(&d, due);
    /* a daemon sharing its database (PostgreSQL) hands its streams the alerts from the
     * log, at its follower's next turn (serve-follow.c): not before td_clock returns */
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_stream_overflows_total") != 0);
    ASSERT_EQ(td_metric(&d, "caseflow_stream_overflows_total"), 1);
    td_stream_finish(&stream); /* returns: the daemon ended the stream */
    ASSERT_CONTAINS(stream.text, "event: overflow\n");
    ASSERT_CONTAINS(stream.text, "EOVERFLOW");
    ASSERT_EQ(stream.alerts, 0);
    ASSERT_EQ(td_metric(&d, "caseflow_stream_clients"), 0);
    ASSERT_EQ(lines_with(log, "\"alert_id\""), 4); /* nothing lost but the stream */
    free(stream.text);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-3.6 ---------------------------------------------------------------------------------
 */

/* POST an action on case id as token (If-Match: its current version); expects 200. */
static void act(const td_daemon_t *d, const char *token, long long id, const char *action,
                json_t *facts, const char *document)
{
    char path[64];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    char etag[32];
    snprintf(etag, sizeof(etag), "%s", r.etag);
    td_resp_free(&r);
    json_t *body = json_pack("{s:s, s:o, s:{s:{s:s, s:i, s:s}}}", "action", action, "facts", facts,
                             "documents", document, "sha256",
                             "0000000000000000000000000000000000000000000000000000000000000000",
                             "size", 1, "file", "x.pdf");
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http_json(d, "POST", path, token, body, etag, &r);
    json_decref(body);
    if (r.status != 200)
        CF__FAIL("%s: %ld %s", action, r.status, r.body);
    td_resp_free(&r);
}

/* The pending alert ids of the agency, one string "id id ..." (OUT buf). */
static void pending_ids(const td_daemon_t *d, const char *token, char *buf, size_t size)
{
    json_t *pending = td_get_all(d, token, "/v1/alerts?state=pending");
    size_t i, len = 0;
    json_t *a;
    buf[0] = '\0';
    json_array_foreach(pending, i, a)
        len += (size_t)snprintf(buf + len, size - len, "%s ",
                                json_string_value(json_object_get(a, "alert_id")));
    json_decref(pending);
}

static void exec_sql(const char *db, const char *sql)
{
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        CF__FAIL("%s: %s", sql, msg);
    sqlite3_close(h);
}

TEST_IMPL(serve_alert_sync_clock_only)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (exec_sql)");
    char db[512], sql[256], before[2048], after[2048];
    td_db("sync.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    char *head = td_token(db, "甲局", "head", "李四");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long id = td_open_case(&d, handler, "penalty-general", "某某大药房");
    /* 立案 stops the filing clock and starts the decision clock: the index follows. */
    pending_ids(&d, handler, before, sizeof(before));
    ASSERT_CONTAINS(before, ":filing:deadline:");
    act(&d, head, id, "file",
        json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "filing_reason", "涉嫌串换药品",
                  "cause", "js-2024:14", "officers", "name", "张三", "cert", "65010020001", "name",
                  "王五", "cert", "65010020002"),
        "立案审批表");
    pending_ids(&d, handler, before, sizeof(before));
    ASSERT(strstr(before, ":filing:") == NULL);
    ASSERT_CONTAINS(before, ":decision:deadline:");
    /* A row the daemon did not write: an act that rewrites the case's index drops it. */
    snprintf(sql, sizeof(sql),
             "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline, "
             "fired_at, agency) SELECT '%lld:decision:probe:21000101T080000+0800', %lld, "
             "'decision', 'warning', 4102444800, 4102444800, NULL, agency FROM cases WHERE id = "
             "%lld",
             id, id, id);
    exec_sql(db, sql);
    pending_ids(&d, handler, before, sizeof(before));
    ASSERT_CONTAINS(before, ":decision:probe:");
    /* 调查终结 (investigating -> reviewing) starts and stops no clock, nor does adding
     * evidence: the index is left exactly as it was, the probe row included. */
    td_evidence(&d, handler, id);
    act(&d, handler, id, "submit_review", json_pack("{s:s}", "findings", "串换药品30000元"),
        "调查终结报告");
    pending_ids(&d, handler, after, sizeof(after));
    ASSERT_STR_EQ(after, before);
    /* 送法制审核 starts the legal-review clock: the index is rewritten, probe gone. */
    act(&d, handler, id, "submit_legal_review",
        json_pack("{s:b, s:s}", "serious", 1, "review_opinion", "事实清楚"), "案件审查报告");
    pending_ids(&d, handler, after, sizeof(after));
    ASSERT(strstr(after, ":decision:probe:") == NULL);
    ASSERT_CONTAINS(after, ":legal_review:deadline:");
    ASSERT_CONTAINS(after, ":decision:deadline:");
    td_stop(&d);
    free(handler);
    free(head);
    return 0;
}

/* ---- serve-3.7 ---------------------------------------------------------------------------------
 */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST_IMPL(serve_clock_ms)
{
    char db[512];
    td_db("clock.db", db, sizeof(db));
    cf_serve_config_t cfg;
    cf_serve_t *srv;
    cf_error_t err;
    td_config(&cfg, db, NULL); /* no --now: the system clock */
    /* Opened, not yet run: the loop's time has not moved since open. The old base,
     * time(NULL) in whole seconds, was below `from` unless opened on a whole second. */
    int64_t from = wall_ms();
    ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), 0);
    int64_t to = wall_ms();
    int64_t now = cf__serve_now_ms(srv);
    ASSERT(now >= from);
    ASSERT(now <= to);
    cf_serve_free(srv);
    /* --now: exactly that instant, whole seconds, as the tests above rely on. */
    td_config(&cfg, db, T0);
    ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), 0);
    ASSERT_EQ(cf__serve_now_ms(srv), (int64_t)cfg.now * 1000);
    cf_serve_free(srv);
    return 0;
}

/* serve-3.7b */
TEST_IMPL(serve_clock_behind)
{
    char db[512];
    td_db("clock-behind.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    td_daemon_t d;
    td_start(&d, &cfg);
    td_clock(&d, "2026-03-02T09:01:00+08:00");
    int64_t ahead = cf__serve_now_ms(d.srv);
    ASSERT(ahead >= (int64_t)(cfg.now + 60) * 1000);
    td_clock(&d, "2026-03-02T09:00:30+08:00"); /* passed already: answered 200 (td_clock) */
    ASSERT(cf__serve_now_ms(d.srv) >= ahead);  /* and not moved back */
    td_stop(&d);
    return 0;
}

/* ---- serve-3.8 ---------------------------------------------------------------------------------
 */

TEST_IMPL(serve_alert_prefetch)
{
    char db[512], log[512];
    cf_serve_config_t cfg;
    char *token = td_alert_config("prefetch.db", "alerts-8.jsonl", T0, db, log, &cfg);
    td_daemon_t d;
    td_start(&d, &cfg);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    json_t *pending = td_get_json(&d, token, "/v1/alerts?state=pending");
    json_t *first = json_array_get(pending, 0);
    const char *alert_id = json_string_value(json_object_get(first, "alert_id"));
    cf_time_t due;
    cf_error_t err;
    ASSERT_EQ(cf_time_parse(json_string_value(json_object_get(first, "due_at")), &due, &err), 0);
    ASSERT_EQ(td_metric(&d, "caseflow_alert_cases_prefetched_total"), 0);
    /* The clock three seconds before the instant: it runs on in real time, the cases
     * are read ahead 0.3 s before it, and the alert fires at it (three, not one: a
     * loaded machine may hold the loop up for most of a second, past the read ahead). */
    char before[CF_TIME_BUFSZ];
    cf_time_format(due - 3, before);
    td_stream_t stream;
    td_stream_start(&stream, &d, token, 1);
    td_clock(&d, before);
    td_stream_finish(&stream);
    ASSERT_EQ(td_metric(&d, "caseflow_alert_cases_prefetched_total"), 1);
    ASSERT_CONTAINS(stream.text, alert_id);
    ASSERT_EQ(lines_with(log, alert_id), 1);
    ASSERT_EQ(td_metric(&d, "caseflow_alerts_fired_total"), 1);
    free(stream.text);
    json_decref(pending);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-3.9 (issue 16): a calendar year loaded while the daemon runs ------------------------
 */

/* Waits (CF_TEST_WAIT_UNTIL) until metric name reaches at least want. */
static void wait_metric(const td_daemon_t *d, const char *name, long long want)
{
    CF_TEST_WAIT_UNTIL(td_metric(d, name) >= want);
    ASSERT(td_metric(d, name) >= want);
}

/* The deadline alerts in case id's chain; OUT late. */
static int deadline_alerts(const td_daemon_t *d, const char *token, long long id, int *late)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(d, token, path);
    size_t i;
    json_t *ev;
    int n = 0;
    *late = 0;
    json_array_foreach(events, i, ev) {
        if (strcmp(json_string_value(json_object_get(ev, "type")), "alert") != 0 ||
            strcmp(json_string_value(json_object_get(ev, "point")), "deadline") != 0)
            continue;
        n++;
        *late += json_is_true(json_object_get(ev, "late"));
    }
    json_decref(events);
    return n;
}

/* serve-3.9: a case opened on 2026-12-20 has a provisional filing deadline (15
 * working days: 12-21..12-31 are 9, 2027-01-01 元旦 is a provisional holiday, Mon
 * 01-04..Mon 01-11 the other 6). The daemon reports it (/metrics, /readyz). A 2027
 * calendar is loaded by another connection while the daemon's clock is at
 * 2027-01-10 12:00: it makes Sat 01-09 an adjusted working day, so the deadline
 * becomes 01-09, already past. The daemon notices the new calendar version,
 * re-arms, and fires that deadline alert at once, late, exactly once. */
TEST_IMPL(serve_calendar_pickup)
{
    char db[512];
    td_db("calendar-pickup.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, "2026-12-20T09:00:00+08:00");
    cfg.calendar_poll_ms = 20;
    int64_t started = cf_test_ms(); /* the daemon's clock runs on from its start */
    td_start(&d, &cfg);
    long long id = td_open_case(&d, token, "penalty-general", "某某大药房");
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    json_t *c = td_get_json(&d, token, path);
    json_t *k = json_array_get(json_object_get(c, "clocks"), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(k, "deadline")), "2027-01-11T23:59:59+08:00");
    ASSERT_EQ(json_integer_value(json_array_get(json_object_get(k, "provisional"), 0)), 2027);
    json_decref(c);
    ASSERT_EQ(td_metric(&d, "caseflow_clocks_provisional"), 1);
    /* 2026-12-20 09:00 to the end of 2026: 11 days 14 h 59 min 59 s, less the whole
     * seconds the daemon's clock has run since its start (more than one on a slow run) */
    long long horizon = td_metric(&d, "caseflow_calendar_horizon_seconds");
    long long ran = (cf_test_ms() - started) / 1000 + 1;
    ASSERT(horizon <= 11 * 86400 + 14 * 3600 + 3599);
    ASSERT(horizon >= 11 * 86400 + 14 * 3600 + 3599 - ran);
    td_resp_t r;
    td_http(&d, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "\"ready\"");
    ASSERT_CONTAINS(r.body, "calendar: next year not loaded (2027)");
    td_resp_free(&r);
    td_clock(&d, "2027-01-10T12:00:00+08:00");
    int late;
    ASSERT_EQ(deadline_alerts(&d, token, id, &late), 0);
    /* The warnings that fell due meanwhile say their deadline is provisional. */
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(&d, token, path), *ev;
    size_t i;
    int provisional_alerts = 0;
    json_array_foreach(events, i, ev)
        provisional_alerts +=
            !strcmp(json_string_value(json_object_get(ev, "type")), "alert") &&
            json_integer_value(json_array_get(json_object_get(ev, "provisional"), 0)) == 2027;
    json_decref(events);
    ASSERT(provisional_alerts >= 1);
    /* Another process loads 2027. */
    const char *y2027 = "year: 2027\nsource: test\nholidays:\n"
                        "  - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n"
                        "workdays:\n  - {date: 2027-01-09, for: 元旦}\n";
    cf_store_t *s;
    cf_error_t err;
    cf_calendar_install_t out;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_store_calendar_install(s, y2027, strlen(y2027), "2027.yaml", 0,
                                        cf_test_time("2027-01-10T12:00:00+08:00"), "test", &out,
                                        &err),
              0);
    ASSERT_EQ(out.recomputed, 1);
    json_decref(out.changes);
    cf_store_close(s);
    wait_metric(&d, "caseflow_calendar_reloads_total", 1);
    CF_TEST_WAIT_UNTIL(deadline_alerts(&d, token, id, &late) > 0);
    ASSERT_EQ(deadline_alerts(&d, token, id, &late), 1);
    ASSERT_EQ(late, 1);
    ASSERT_EQ(td_metric(&d, "caseflow_clocks_provisional"), 0);
    td_http(&d, "GET", "/readyz", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "\"warnings\":[]");
    td_resp_free(&r);
    /* Nothing fires twice. */
    td_clock(&d, "2027-01-12T12:00:00+08:00");
    ASSERT_EQ(deadline_alerts(&d, token, id, &late), 1);
    td_stop(&d);
    free(token);
    return 0;
}
