/*
 * test-hotpath.c -- what the HTTP transition path was made cheaper with keeps its
 * meaning (docs/performance.md, "Every thread of a transition, counted").
 *
 * hotpath-1: a request's id written by hand is what snprintf's "%x-%llu" wrote,
 *            at the ends of both ranges.
 * hotpath-2: SQLite's memory statistics are off once a connection was opened (every
 *            allocation SQLite makes would otherwise take a process-wide mutex).
 * hotpath-2b: a SQLite connection has no mutex of its own (every call on it took it, and
 *            a connection is used by one thread at a time).
 * hotpath-2c: a JSON string written eight bytes at a time is jansson's text, whatever
 *            byte is escaped, wherever it is.
 * hotpath-2d: an access line's latency_ms written digit by digit is what %.6g wrote.
 * hotpath-3: an instant written digit by digit (cf_time_format) is what snprintf's
 *            "%04d-%02d-%02dT%02d:%02d:%02d+08:00" wrote, over years 0 to 9999 and past.
 * hotpath-4: an object written with its keys sorted is jansson's JSON_SORT_KEYS text,
 *            whatever order its members came in (hotpath_jsonw_sorted).
 * hotpath-5: a transition's event comes from the engine with its members in the canonical
 *            order (hotpath_event_sorted).
 * hotpath-6: a change's answer carries each event as its row stores it, prepared or done
 *            whole (hotpath_answer_stored).
 * hotpath-7: the cases have no index by state, new or migrated, and a list by state still
 *            finds them (hotpath_no_state_index).
 * hotpath-8: the store keeps the stored texts of the events its last case write sealed, for
 *            those events only (hotpath_store_sealed). (docs/performance.md, "http41")
 * hotpath-9: the events' positions counted by the store inside a transaction run 0, 1, 2 ...
 *            in the order written through savepoints released and rolled back, requests
 *            without one, the writer's redo, a transaction rolled back and another
 *            connection's writes; the log is read once a transaction
 *            (hotpath_event_positions). (docs/performance.md, "http10")
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/audit.h"
#include "../storage/db-int.h"
#include "../storage/store-int.h"
#include "core-helpers.h"
#include "cftime.h"
#include "engine.h"
#include "jsonw.h"
#include "serve-helpers.h"
#include "serve-int.h"
#include "store.h"
#include "task.h"

TEST_IMPL(hotpath_request_id)
{
    static const uint32_t boots[] = {0, 1, 0xf, 0x10, 0x6750a2c1u, UINT32_MAX};
    static const uint64_t seqs[] = {0, 1, 9, 10, 4096, 18446744073709551615ull};
    for (size_t b = 0; b < sizeof(boots) / sizeof(boots[0]); b++)
        for (size_t q = 0; q < sizeof(seqs) / sizeof(seqs[0]); q++) {
            char got[CF__REQUEST_ID_MAX], want[64];
            size_t n = cf__http_request_id(got, boots[b], seqs[q]);
            snprintf(want, sizeof(want), "%x-%llu", (unsigned)boots[b],
                     (unsigned long long)seqs[q]);
            ASSERT_STR_EQ(got, want);
            ASSERT_EQ(n, strlen(want));
        }
    return 0;
}

TEST_IMPL(hotpath_sqlite_memstatus)
{
    cf_store_t *s = cf_test_store("memstatus.db");
    sqlite3_int64 used = -1, high = -1;
    ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &high, 0), SQLITE_OK);
    ASSERT_EQ(used, 0); /* not counted: with the statistics on, the open connection's memory */
    cf_store_close(s);
    return 0;
}

TEST_IMPL(hotpath_sqlite_nomutex)
{
    CF_TEST_SQLITE_ONLY("SQLite's connection mutex");
    cf_store_t *s = cf_test_store("nomutex.db"), *r;
    cf_error_t err;
    ASSERT(sqlite3_db_mutex(s->db->lite) == NULL);
    char path[512];
    snprintf(path, sizeof(path), "%s/nomutex.db", cf_test_tmpdir());
    ASSERT_EQ(cf_store_open_readonly(path, &r, &err), 0);
    ASSERT(sqlite3_db_mutex(r->db->lite) == NULL);
    cf_store_close(r);
    cf_store_close(s);
    return 0;
}

TEST_IMPL(hotpath_jsonw_escape)
{
    /* every ASCII byte (NUL too), at every place of a string up to 24 bytes long (the
     * scan takes 8 at a time), among ASCII and among Chinese; jansson's text the measure */
    static const char *const fill[] = {"a", "中"};
    long checked = 0;
    for (int b = 0; b < 0x80; b++)
        for (size_t f = 0; f < 2; f++)
            for (size_t len = 1; len <= 24; len++)
                for (size_t at = 0; at < len; at++) {
                    char s[128];
                    size_t n = 0;
                    for (size_t i = 0; i < len; i++) {
                        const char *piece = i == at ? (char[]){(char)b, 0} : fill[f];
                        size_t k = i == at ? 1 : strlen(piece);
                        memcpy(s + n, piece, k);
                        n += k;
                    }
                    json_t *str = json_stringn(s, n);
                    ASSERT(str != NULL);
                    char *want = json_dumps(str, JSON_COMPACT | JSON_ENCODE_ANY);
                    cf__jsonw_t w = {0};
                    cf__jsonw_strn(&w, s, n);
                    char *got = cf__jsonw_finish(&w);
                    ASSERT_STR_EQ(got, want);
                    free(got);
                    free(want);
                    json_decref(str);
                    checked++;
                }
    ASSERT_EQ(checked, 128L * 2 * 300);
    return 0;
}

TEST_IMPL(hotpath_latency_ms)
{
    /* every microsecond of the first 20 ms, then a prime step to 2 s and past, and the
     * edges: %.6g of the milliseconds, ".0" when it has no point (put_real's rule) */
    static const int64_t edges[] = {-1000001, -5,      -1,           0,      999,
                                    1000,     99999,   100000,       999999, 1000000,
                                    1000001,  1234567, 86400000000LL};
    long checked = 0;
    for (int64_t k = -(int64_t)(sizeof(edges) / sizeof(edges[0])); k < 2100000; k++) {
        int64_t us = k < 0 ? edges[-k - 1] : k < 20000 ? k : 20000 + (k - 20000) * 997;
        if (k >= 20000 && us > 2100000)
            break;
        char want[64];
        snprintf(want, sizeof(want), "%.6g", (double)us / 1000.0);
        if (!strchr(want, '.') && !strchr(want, 'e'))
            strcat(want, ".0");
        if (strstr(want, "e+")) /* jansson's exponent: no '+', no leading zero */
            continue;
        cf__jsonw_t w = {0};
        cf__log_latency(&w, us);
        char *got = cf__jsonw_finish(&w);
        ASSERT_STR_EQ(got, want);
        free(got);
        checked++;
    }
    ASSERT(checked > 20000);
    return 0;
}

TEST_IMPL(hotpath_time_format)
{
    /* from before year 0 to past 9999, a prime step (every hour and minute and second
     * comes up), and the ends of a day in China time */
    const cf_time_t from = -62300000000LL, to = 253500000000LL, step = 7919LL * 3607LL;
    long checked = 0;
    for (cf_time_t t = from; t < to; t += step)
        for (int k = 0; k < 4; k++) {
            cf_time_t at = t + (cf_time_t[]){0, 1, 59, 86399}[k];
            cf_date_t d = cf_time_china_date(at);
            int64_t secs = at - cf_date_start(d);
            char got[CF_TIME_BUFSZ], want[64];
            snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d+08:00", d.year, d.month,
                     d.day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
            cf_time_format(at, got);
            ASSERT_STR_EQ(got, want);
            checked++;
        }
    ASSERT(checked > 40000);
    return 0;
}

/* hotpath-4: objects written with their keys sorted (cf__jsonw_value, sort_keys 1) are
 * jansson's JSON_SORT_KEYS text, whatever order their members came in: 0 to 40 members
 * (up to 32 put in place as they come, more sorted after), nested, keys that are each
 * other's prefixes. */
TEST_IMPL(hotpath_jsonw_sorted)
{
    unsigned seed = 12345;
    for (int n = 0; n <= 40; n++)
        for (int round = 0; round < 8; round++) {
            json_t *o = json_object();
            int order[40];
            for (int i = 0; i < n; i++)
                order[i] = i;
            for (int i = n - 1; i > 0; i--) { /* shuffled (round 0: as they sort) */
                seed = seed * 1103515245u + 12345u;
                int k = round ? (int)((seed >> 16) % (unsigned)(i + 1)) : i, t = order[i];
                order[i] = order[k];
                order[k] = t;
            }
            for (int i = 0; i < n; i++) {
                char key[16];
                /* "k", "ka", "kaa", ... and "k0".."k9": prefixes of each other among them */
                snprintf(key, sizeof(key), order[i] % 2 ? "k%d" : "k%.*s",
                         order[i] % 2 ? order[i] : order[i] / 2, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
                json_t *v = order[i] % 5 == 0
                                ? json_pack("{s:i, s:i, s:[i]}", "z", 1, "a", 2, "m", 3)
                                : json_integer(order[i]);
                json_object_set_new(o, key, v);
            }
            cf__jsonw_t w = {0};
            cf__jsonw_value(&w, o, 1);
            char *got = cf__jsonw_finish(&w),
                 *want = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            if (strcmp(got, want) != 0)
                CF__FAIL("%d members, round %d:\n%s\n%s", n, round, got, want);
            free(got);
            free(want);
            json_decref(o);
        }
    return 0;
}

/* hotpath-5: a transition's event comes from the engine with its members in the canonical
 * order (keys sorted): sealing it has nothing to sort but the case id it adds. */
TEST_IMPL(hotpath_event_sorted)
{
    cf_store_t *s = cf_test_store("event-sorted.db");
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_case_t c;
    cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", &c);
    static const char *const steps[] = {"step1", "step2", "step3", "step4",
                                        "step5", "step6", "step7", "step8"};
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        json_t *facts = json_pack("{s:s}", "note", "已核"), *events = NULL;
        cf_act_t req = {.action = steps[k],
                        .actor = "李四",
                        .role = "handler",
                        .facts = facts,
                        .at = cf_test_time("2026-03-02T10:00:00+08:00")};
        cf_refusal_t why;
        ASSERT_EQ(cf_engine_act(wf, cal, &c, &req, &events, &why), 0);
        json_t *ev = json_array_get(events, 0);
        ASSERT_STR_EQ(json_string_value(json_object_get(ev, "type")), "transition");
        const char *key, *last = "";
        json_t *v;
        int members = 0;
        json_object_foreach(ev, key, v) {
            if (strcmp(last, key) >= 0)
                CF__FAIL("%s: \"%s\" after \"%s\"", steps[k], key, last);
            last = key;
            members++;
        }
        ASSERT_EQ(members, k == 7 ? 12 : 11); /* the last step: "terminal" too */
        cf_error_t err;
        ASSERT_EQ(cf_store_case_append(s, &c, events, &err), 0);
        json_decref(events);
        json_decref(facts);
        cf_refusal_dispose(&why);
    }
    cf_case_dispose(&c);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_store_close(s);
    return 0;
}

/* The text of the rows of case id's events from seq on, as an answer's "events" ends:
 * "events":[BODY,BODY]} */
static char *stored_events(const char *db, long long id, long long seq)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_prepare_v2(h, "SELECT body FROM events WHERE case_id = ? AND seq >= ? ORDER BY seq",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, seq);
    cf__jsonw_t w = {0};
    cf__jsonw_text(&w, "\"events\":[");
    for (int n = 0; sqlite3_step(st) == SQLITE_ROW; n++) {
        if (n)
            cf__jsonw_raw(&w, ",", 1);
        cf__jsonw_text(&w, (const char *)sqlite3_column_text(st, 0));
    }
    cf__jsonw_raw(&w, "]}", 2);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return cf__jsonw_finish(&w);
}

/* Ends the test unless answer r ends with case id's events from seq on as stored. */
static void answer_as_stored(const char *db, const td_resp_t *r, long long id, long long seq)
{
    char *want = stored_events(db, id, seq);
    size_t n = strlen(r->body), m = strlen(want);
    if (n < m || strcmp(r->body + n - m, want) != 0)
        CF__FAIL("the answer:\n%s\nthe rows:\n%s", r->body, want);
    free(want);
}

/* hotpath-6: a change's answer carries each event as its row stores it (the text GET
 * .../events gives), byte for byte: an opening, transitions, the last one
 * with the clock's stop; prepared off the writer (their stored texts copied) and done by
 * the writer whole (written the same way). SQLite (the rows read beside the daemon). */
TEST_IMPL(hotpath_answer_stored)
{
    CF_TEST_SQLITE_ONLY("the rows read beside the daemon");
    for (int whole = 0; whole < 2; whole++) {
        char db[512], path[64], etag[32];
        cf_serve_config_t cfg;
        td_db(whole ? "answer-whole.db" : "answer-prepared.db", db, sizeof(db));
        cf_store_t *s;
        ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
        cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
        ASSERT_EQ(cf_store_workflow_put(s, wf, NULL, NULL, NULL), 0);
        cf_workflow_free(wf);
        cf_store_close(s);
        td_config(&cfg, db, "2026-03-02T09:00:00+08:00");
        char *token = td_token(db, "某县医疗保障局", "handler", "张三");
        cfg.prepare = whole ? CF_SERVE_PREPARE_NEVER : CF_SERVE_PREPARE_ALWAYS;
        td_daemon_t d;
        td_start(&d, &cfg);
        td_resp_t r;
        json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "workflow", "bench-linear", "party", "type",
                                 "定点医药机构", "name", "某某大药房");
        td_http_json(&d, "POST", "/v1/cases", token, body, NULL, &r);
        json_decref(body);
        ASSERT_EQ(r.status, 201);
        long long id = json_integer_value(json_object_get(r.json, "id"));
        answer_as_stored(db, &r, id, 1);
        td_resp_free(&r);
        snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
        for (int n = 1; n <= 8; n++) {
            char action[16];
            snprintf(action, sizeof(action), "step%d", n);
            body = json_pack("{s:{s:s}, s:s}", "facts", "note", "已核 \"引号\"", "action", action);
            long long version = td_scalar(db, "SELECT MAX(version) FROM cases");
            snprintf(etag, sizeof(etag), "%lld", version);
            td_http_json(&d, "POST", path, token, body, etag, &r);
            json_decref(body);
            if (r.status != 200)
                CF__FAIL("%s: %ld %s", action, r.status, r.body);
            answer_as_stored(db, &r, id, version + 1);
            td_resp_free(&r);
        }
        long long used = (long long)td_metric(&d, "caseflow_transitions_prepared_written_total");
        ASSERT_EQ(used, whole ? 0 : 8);
        td_stop(&d);
        free(token);
    }
    return 0;
}

/* 1 if the store's database has an index named cases_state */
static int has_cases_state(cf_store_t *s)
{
    cf_db_stmt_t *st;
    cf_error_t err;
    ASSERT_EQ(cf__store_prepare(
                  s,
                  cf_db_pick(s->db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'cases_state'",
                             "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'cases_state'"),
                  &st, &err),
              0);
    ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
    int n = (int)cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    return n;
}

/* hotpath-7: the cases have no index by state (SQLite schema 24, PostgreSQL 26): a new
 * database has none, and a SQLite database of schema 23 that has one loses it when opened
 * (every row kept). A case list filtered by state still finds its cases. */
TEST_IMPL(hotpath_no_state_index)
{
    cf_store_t *s = cf_test_store("no-state-index.db");
    ASSERT_EQ(has_cases_state(s), 0);
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_case_t c;
    cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", &c);
    ASSERT_EQ(cf_test_act(s, wf, cal, &c, "step1", "handler", "2026-03-02T10:00:00+08:00", NULL,
                          NULL, NULL),
              0);
    cf_case_filter_t f = {.state = "s1"};
    json_t *list = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_list(s, &f, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 1);
    json_decref(list);
    if (!cf_test_pg()) {
        ASSERT_EQ(
            cf__store_exec(s, "CREATE INDEX cases_state ON cases(state); PRAGMA user_version = 23",
                           &err),
            0);
        cf_store_close(s);
        char path[512];
        snprintf(path, sizeof(path), "%s/no-state-index.db", cf_test_tmpdir());
        ASSERT_EQ(cf_store_open(path, &s, &err), 0); /* migrates */
        ASSERT_EQ(has_cases_state(s), 0);
        ASSERT_EQ(td_scalar(path, "PRAGMA user_version"), cf__store_schema_version);
        ASSERT_EQ(td_scalar(path, "SELECT COUNT(*) FROM cases WHERE state = 's1'"), 1);
    }
    cf_case_dispose(&c);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_store_close(s);
    return 0;
}

/* hotpath-8: the store keeps the stored texts of the events its last case write sealed
 * (cf_store_sealed), the rows' bodies byte for byte, for those events only: not for
 * another array, nor for the same events with a hash changed, nor after the next write. */
TEST_IMPL(hotpath_store_sealed)
{
    cf_store_t *s = cf_test_store("store-sealed.db");
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_case_t c;
    cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", &c);
    json_t *facts = json_pack("{s:s}", "note", "已核"), *events = NULL, *first = NULL;
    cf_error_t err;
    cf_refusal_t why;
    for (int k = 0; k < 2; k++) {
        cf_act_t req = {.action = k ? "step2" : "step1",
                        .actor = "李四",
                        .role = "handler",
                        .facts = facts,
                        .at = cf_test_time("2026-03-02T10:00:00+08:00")};
        ASSERT_EQ(cf_engine_act(wf, cal, &c, &req, &events, &why), 0);
        cf_refusal_dispose(&why);
        ASSERT_EQ(cf_store_case_append(s, &c, events, &err), 0);
        char *const *texts = cf_store_sealed(s, events);
        ASSERT(texts != NULL);
        cf_db_stmt_t *st;
        ASSERT_EQ(cf__store_prepare(s, "SELECT body FROM events WHERE case_id = ? AND seq = ?", &st,
                                    &err),
                  0);
        cf_db_bind_int64(st, 1, c.id);
        cf_db_bind_int64(st, 2, c.version);
        ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
        ASSERT_STR_EQ(texts[0], (const char *)cf_db_column_text(st, 0));
        cf__store_release(s, st);
        if (k == 0) {
            first = events;
            continue;
        }
        ASSERT(cf_store_sealed(s, first) == NULL); /* the write before */
        json_t *other = json_deep_copy(events);
        json_object_set_new(json_array_get(other, 0), "hash", json_string("00"));
        ASSERT(cf_store_sealed(s, other) == NULL);
        json_array_append_new(other, json_object());
        ASSERT(cf_store_sealed(s, other) == NULL);
        json_decref(other);
        json_decref(events);
    }
    json_decref(first);
    json_decref(facts);
    cf_case_dispose(&c);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_store_close(s);
    return 0;
}

/* hotpath-9: the position an event takes in the log, counted by the store inside a write
 * transaction from one reading of the log (store-cases.c, next_position), is the one the
 * log's MAX gave: 0, 1, 2 ... in the order written, no gap and none twice, through
 * savepoints released and rolled back, a request run without one and kept, a request that
 * wrote and failed (the writer's redo: the whole transaction rolled back and run again), a
 * whole transaction rolled back, and another connection's events between two transactions. */

/* The next step of case c (step1 from s0, step2 from s1 ... of bench-linear) decided and written
 * inside the caller's transaction. keep 0: on a copy of c, which is dropped (the caller rolls
 * back). */
static void pos_step(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c,
                     int keep)
{
    cf_case_t work;
    ASSERT_EQ(cf_case_copy(&work, c), 0);
    char action[16];
    snprintf(action, sizeof(action), "step%d", atoi(work.state + 1) + 1); /* s0 -step1-> s1 */
    cf_act_t req = {.action = action,
                    .actor = "李四",
                    .role = "handler",
                    .facts = NULL,
                    .at = cf_test_time("2026-03-02T10:00:00+08:00")};
    json_t *events = NULL;
    cf_refusal_t why;
    cf_error_t err;
    if (cf_engine_act(wf, cal, &work, &req, &events, &why) != 0)
        CF__FAIL("%s refused: %s", action, why.text);
    cf_refusal_dispose(&why);
    if (cf_store_case_append_tx(s, &work, events, &err) != 0)
        CF__FAIL("%s: %s", action, err.text);
    json_decref(events);
    if (keep) {
        cf_case_dispose(c);
        *c = work;
    } else {
        cf_case_dispose(&work);
    }
}

/* The log's positions as cases in order: ASSERTs they run 0 .. count-1 (none twice: the
 * index is UNIQUE), and writes the case of each into cases (its first n). */
static int64_t pos_log(const char *path, int64_t *cases, int64_t n)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT pos, case_id FROM events ORDER BY pos", -1, &st, NULL),
              SQLITE_OK);
    int64_t count = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ASSERT_EQ(sqlite3_column_int64(st, 0), count);
        if (count < n)
            cases[count] = sqlite3_column_int64(st, 1);
        count++;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return count;
}

TEST_IMPL(hotpath_event_positions)
{
    CF_TEST_SQLITE_ONLY("the positions counted by the store are SQLite's");
    char path[512];
    snprintf(path, sizeof(path), "%s/event-positions.db", cf_test_tmpdir());
    cf_store_t *s = cf_test_store("event-positions.db"), *other = NULL;
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_case_t c[4];
    for (int i = 0; i < 4; i++)
        cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", &c[i]);
    int64_t opened = pos_log(path, NULL, 0), order[64];
    cf_error_t err;

    /* one transaction: a savepoint released, one rolled back, a request without one */
    uint64_t reads = s->pos_reads;
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    pos_step(s, wf, cal, &c[0], 1);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    pos_step(s, wf, cal, &c[1], 1);
    ASSERT_EQ(cf_store_savepoint_release(s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    pos_step(s, wf, cal, &c[2], 0);
    pos_step(s, wf, cal, &c[3], 0);
    cf_store_savepoint_rollback(s); /* their two positions given back */
    pos_step(s, wf, cal, &c[2], 1);
    ASSERT_EQ(cf_store_unsaved_begin(s), 0);
    pos_step(s, wf, cal, &c[3], 1);
    ASSERT_EQ(cf_store_unsaved_end(s, 1), 0);
    pos_step(s, wf, cal, &c[0], 1);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    /* the log read once, and once again after the savepoint rolled back */
    ASSERT_EQ(s->pos_reads - reads, 2);
    ASSERT_EQ(pos_log(path, order, 64), opened + 5);
    static const int64_t first[] = {0, 1, 2, 3, 0};
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(order[opened + i], c[first[i]].id);

    /* the writer's redo: a request wrote and failed, the transaction rolled back, run again */
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_unsaved_begin(s), 0);
    pos_step(s, wf, cal, &c[1], 0);
    ASSERT_EQ(cf_store_unsaved_end(s, 1), 0);
    ASSERT_EQ(cf_store_unsaved_begin(s), 0);
    pos_step(s, wf, cal, &c[2], 0);
    ASSERT_EQ(cf_store_unsaved_end(s, 0), 1); /* it wrote: the whole transaction goes */
    cf_store_tx_rollback(s);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    pos_step(s, wf, cal, &c[1], 1);
    ASSERT_EQ(cf_store_savepoint_release(s, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(pos_log(path, order, 64), opened + 6);
    ASSERT_EQ(order[opened + 5], c[1].id);

    /* a transaction rolled back whole, then another connection's event before the next */
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    pos_step(s, wf, cal, &c[3], 0);
    cf_store_tx_rollback(s);
    ASSERT_EQ(cf_store_open(path, &other, &err), 0);
    ASSERT_EQ(cf_store_tx_begin(other, &err), 0);
    pos_step(other, wf, cal, &c[2], 1);
    ASSERT_EQ(cf_store_tx_commit(other, &err), 0);
    cf_store_close(other);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    pos_step(s, wf, cal, &c[3], 1);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(pos_log(path, order, 64), opened + 8);
    ASSERT_EQ(order[opened + 6], c[2].id);
    ASSERT_EQ(order[opened + 7], c[3].id);

    for (int i = 0; i < 4; i++)
        cf_case_dispose(&c[i]);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_store_close(s);
    return 0;
}

/* The events' table as SQLite schema 24 had it (step 18): a rowid of its own, the key
 * (case_id, seq, agency) as primary key, events_pos. */
static const char events_24[] =
    "CREATE TABLE events_24(case_id INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, "
    "at TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, pos INTEGER, agency TEXT NOT "
    "NULL, PRIMARY KEY(case_id, seq, agency));"
    "INSERT INTO events_24 SELECT case_id, seq, type, at, body, hash, pos, agency FROM events "
    "ORDER BY pos;"
    "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TABLE events;"
    "ALTER TABLE events_24 RENAME TO events;"
    "CREATE UNIQUE INDEX events_pos ON events(pos, agency);"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "PRAGMA user_version = 24";

/* Every event's columns, in the log's order, as one text (new; the caller frees it). */
static char *events_text(cf_store_t *s)
{
    cf_db_stmt_t *st;
    cf_error_t err;
    ASSERT_EQ(cf__store_prepare(s,
                                "SELECT group_concat(pos || '|' || case_id || '|' || seq || '|' "
                                "|| type || '|' || at || '|' || body || '|' || hash || '|' || "
                                "agency, char(10)) FROM (SELECT * FROM events ORDER BY pos)",
                                &st, &err),
              0);
    ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
    char *text = strdup((const char *)cf_db_column_text(st, 0));
    cf__store_release(s, st);
    return text;
}

/* 1 if the events are keyed by position as schema 25 keeps them: pos the rowid, no
 * events_pos, every row's rowid its pos. */
static int events_by_position(const char *path)
{
    return td_scalar(path, "SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = "
                           "'pos' AND pk = 1 AND type = 'INTEGER'") == 1 &&
           td_scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_pos'") == 0 &&
           td_scalar(path, "SELECT COUNT(*) FROM events WHERE rowid IS NOT pos") == 0;
}

/* The chain of c as stored verifies up to its head. */
static void chain_verifies(cf_store_t *s, const cf_case_t *c)
{
    cf_case_t got;
    cf_error_t err;
    json_t *events;
    ASSERT_EQ(cf_store_case_get(s, c->id, &got, &err), 0);
    ASSERT_STR_EQ(got.head, c->head);
    ASSERT_EQ(cf_store_case_events(s, c->id, &events, &err), 0);
    ASSERT_EQ(json_array_size(events), (size_t)c->version);
    cf_audit_t audit;
    ASSERT_EQ(cf_audit_init(&audit, c->id), 0);
    ASSERT_EQ(cf_audit_verify(events, got.algo, got.head, &audit), 0);
    ASSERT_EQ(audit.items_count, 0);
    cf_audit_dispose(&audit);
    json_decref(events);
    cf_case_dispose(&got);
}

/* hotpath-10: the events keyed by their place in the log (SQLite schema 25): a new
 * database has them so; one of schema 24 is rebuilt so when opened, every event's columns
 * kept, each chain verifying; an event written after takes the next place, and the log
 * stays append-only and unique by case and seq. */
TEST_IMPL(hotpath_events_by_position)
{
    CF_TEST_SQLITE_ONLY("rewinds the SQLite schema");
    char path[512];
    snprintf(path, sizeof(path), "%s/events-by-position.db", cf_test_tmpdir());
    cf_store_t *s = cf_test_store("events-by-position.db");
    ASSERT(events_by_position(path));
    cf_workflow_t *wf = cf_test_workflow("bench/workflows/bench-linear.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_case_t c[3];
    static const char *const steps[] = {"step1", "step2", "step3"};
    for (int i = 0; i < 3; i++)
        cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", &c[i]);
    for (int k = 0; k < 3; k++) /* interleaved, so the log's order is not the cases' */
        for (int i = 2; i >= k; i--)
            ASSERT_EQ(cf_test_act(s, wf, cal, &c[i], steps[k], "handler",
                                  "2026-03-02T10:00:00+08:00", NULL, NULL, NULL),
                      0);
    cf_error_t err;
    ASSERT_EQ(cf__store_exec(s, events_24, &err), 0);
    ASSERT(!events_by_position(path));
    char *before = events_text(s);
    cf_store_close(s);

    ASSERT_EQ(cf_store_open(path, &s, &err), 0); /* migrates */
    ASSERT_EQ(td_scalar(path, "PRAGMA user_version"), cf__store_schema_version);
    ASSERT(events_by_position(path));
    char *after = events_text(s);
    ASSERT_STR_EQ(after, before);
    for (int i = 0; i < 3; i++)
        chain_verifies(s, &c[i]);

    long long end = td_scalar(path, "SELECT MAX(pos) FROM events");
    ASSERT_EQ(cf_test_act(s, wf, cal, &c[0], "step2", "handler", "2026-03-02T11:00:00+08:00", NULL,
                          NULL, NULL),
              0);
    ASSERT_EQ(td_scalar(path, "SELECT MAX(pos) FROM events"), end + 1); /* the next place */
    ASSERT_EQ(td_scalar(path, "SELECT case_id FROM events ORDER BY pos DESC LIMIT 1"), c[0].id);
    chain_verifies(s, &c[0]);
    ASSERT(cf__store_exec(s, "UPDATE events SET type = 'x'", &err) != 0);
    ASSERT(cf__store_exec(s, "DELETE FROM events", &err) != 0);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO events(case_id, seq, type, at, body, hash, pos, agency) SELECT "
             "case_id, seq, type, at, body, hash, %lld, agency FROM events WHERE pos = 0",
             end + 100);
    ASSERT(cf__store_exec(s, sql, &err) != 0); /* (case_id, seq, agency) still unique */
    free(before);
    free(after);
    for (int i = 0; i < 3; i++)
        cf_case_dispose(&c[i]);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_store_close(s);
    return 0;
}
