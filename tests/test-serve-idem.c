/*
 * test-serve-idem.c -- idem-*: the Idempotency-Key of POST /v1/cases (api/http/http-write.c,
 * storage/store-idem.c; docs/api.md "Retrying"): a client whose answer to an opening was
 * lost sends it again with the same key and gets the first answer, not a second case.
 *
 * idem-1: the same key and body, sent again (its members in another order, with spaces),
 *         is answered the first answer byte for byte: 201, the same case id and Location,
 *         header Idempotent-Replayed: true; the agency has one case; an opening without a
 *         key is not replayed.
 * idem-2: the same key with another body is 422 EIDEMPOTENCY naming the key (header,
 *         text) and the case it opened; nothing is opened.
 * idem-3: keys are the token holder's: another holder of the same agency with the same
 *         key and body opens a case of its own.
 * idem-4: a key is kept 24 hours: a retry 23:59:59 after is replayed, one 24 hours after
 *         opens a new case (and the key then answers that one).
 * idem-5: refused with 400 naming the header: an empty key, one of 256 characters, one
 *         with a space or non-ASCII, two Idempotency-Key headers, a key on another POST
 *         (actions: If-Match is theirs); a quoted key ("k") is the same key as k.
 * idem-6: the key is written in the case's transaction: when writing the key fails, the
 *         case is not opened either (the answer an error), and the retry opens one case.
 * idem-8: a key past its 24 hours is deleted (its row gone) by the agency's next keyed
 *         opening; a fresh key's row is kept.
 */
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve-helpers.h"
#include "task.h"

#define OPEN_BODY                                                                                  \
    "{\"workflow\": \"penalty-general\", \"party\": {\"name\": \"某大药房\", \"type\": "       \
    "\"定点医药机构\"}}"
/* The same JSON written another way: members in another order, no spaces. */
#define OPEN_BODY_AGAIN                                                                              \
    "{\"party\":{\"type\":\"定点医药机构\",\"name\":\"某大药房\"},\"workflow\":\"penalty-" \
    "general\"}"
#define OTHER_BODY                                                                                 \
    "{\"workflow\": \"penalty-general\", \"party\": {\"name\": \"另一家药房\", \"type\": "    \
    "\"定点医药机构\"}}"

/* POST /v1/cases with body as token, with header line key (NULL: none). */
static void open_keyed(const td_daemon_t *d, const char *token, const char *key, const char *body,
                       td_resp_t *r)
{
    const char *headers[] = {key, NULL};
    td_http_h(d, "POST", "/v1/cases", token, body, strlen(body), NULL, key ? headers : NULL, r);
}

/* The agency's cases, as token sees them. */
static size_t cases_seen(const td_daemon_t *d, const char *token)
{
    json_t *all = td_get_all(d, token, "/v1/cases");
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

/* db: TD_PATH bytes, kept while the daemon runs (its config names it) */
static void start(td_daemon_t *d, const char *name, char *db, char **token)
{
    td_db(name, db, TD_PATH);
    *token = td_token(db, "甲局", "handler", "张三");
    td_start_at(d, db, "2026-03-02T09:00:00+08:00");
}

TEST_IMPL(idem_1_replay)
{
    td_daemon_t d;
    char *tok, db[TD_PATH];
    td_resp_t first, again, plain;
    start(&d, "idem1", db, &tok);
    open_keyed(&d, tok, "Idempotency-Key: 5f1c2a9e-open-1", OPEN_BODY, &first);
    ASSERT_EQ(first.status, 201);
    ASSERT_STR_EQ(first.replayed, "");
    long long id = json_integer_value(json_object_get(first.json, "id"));
    ASSERT(id > 0);
    open_keyed(&d, tok, "Idempotency-Key: 5f1c2a9e-open-1", OPEN_BODY_AGAIN, &again);
    ASSERT_EQ(again.status, 201);
    ASSERT_STR_EQ(again.body, first.body); /* the first answer, byte for byte */
    ASSERT_STR_EQ(again.location, first.location);
    ASSERT_STR_EQ(again.replayed, "true");
    ASSERT_EQ(cases_seen(&d, tok), 1);
    open_keyed(&d, tok, NULL, OPEN_BODY, &plain); /* without a key: a case of its own */
    ASSERT_EQ(plain.status, 201);
    ASSERT_STR_EQ(plain.replayed, "");
    ASSERT(json_integer_value(json_object_get(plain.json, "id")) != id);
    ASSERT_EQ(cases_seen(&d, tok), 2);
    td_resp_free(&first);
    td_resp_free(&again);
    td_resp_free(&plain);
    td_stop(&d);
    free(tok);
    return 0;
}

TEST_IMPL(idem_2_other_body)
{
    td_daemon_t d;
    char *tok, db[TD_PATH];
    td_resp_t first, other;
    start(&d, "idem2", db, &tok);
    open_keyed(&d, tok, "Idempotency-Key: key-2", OPEN_BODY, &first);
    ASSERT_EQ(first.status, 201);
    open_keyed(&d, tok, "Idempotency-Key: key-2", OTHER_BODY, &other);
    ASSERT_EQ(other.status, 422);
    ASSERT_STR_EQ(json_string_value(json_object_get(other.json, "error")), "EIDEMPOTENCY");
    ASSERT_STR_EQ(json_string_value(json_object_get(other.json, "header")), "Idempotency-Key");
    ASSERT(strstr(json_string_value(json_object_get(other.json, "text")), "\"key-2\"") != NULL);
    ASSERT_EQ(json_integer_value(json_object_get(other.json, "case")),
              json_integer_value(json_object_get(first.json, "id")));
    ASSERT_EQ(cases_seen(&d, tok), 1);
    td_resp_free(&first);
    td_resp_free(&other);
    td_stop(&d);
    free(tok);
    return 0;
}

TEST_IMPL(idem_3_holder)
{
    td_daemon_t d;
    char db[512];
    td_resp_t mine, theirs;
    td_db("idem3", db, sizeof(db));
    char *tok = td_token(db, "甲局", "handler", "张三"),
         *other = td_token(db, "甲局", "handler", "李四");
    td_start_at(&d, db, "2026-03-02T09:00:00+08:00");
    open_keyed(&d, tok, "Idempotency-Key: 1", OPEN_BODY, &mine);
    open_keyed(&d, other, "Idempotency-Key: 1", OPEN_BODY, &theirs);
    ASSERT_EQ(mine.status, 201);
    ASSERT_EQ(theirs.status, 201);
    ASSERT_STR_EQ(theirs.replayed, "");
    ASSERT(json_integer_value(json_object_get(mine.json, "id")) !=
           json_integer_value(json_object_get(theirs.json, "id")));
    ASSERT_EQ(cases_seen(&d, tok), 2);
    td_resp_free(&mine);
    td_resp_free(&theirs);
    td_stop(&d);
    free(tok);
    free(other);
    return 0;
}

TEST_IMPL(idem_4_kept_a_day)
{
    td_daemon_t d;
    char *tok, db[TD_PATH];
    td_resp_t first, within, after, later;
    start(&d, "idem4", db, &tok);
    td_clock(&d, "2026-03-02T10:00:00+08:00");
    open_keyed(&d, tok, "Idempotency-Key: day", OPEN_BODY, &first);
    ASSERT_EQ(first.status, 201);
    long long id = json_integer_value(json_object_get(first.json, "id"));
    td_clock(&d, "2026-03-03T09:59:59+08:00");
    open_keyed(&d, tok, "Idempotency-Key: day", OPEN_BODY, &within);
    ASSERT_STR_EQ(within.replayed, "true");
    ASSERT_EQ(json_integer_value(json_object_get(within.json, "id")), id);
    td_clock(&d, "2026-03-03T10:00:00+08:00");
    open_keyed(&d, tok, "Idempotency-Key: day", OPEN_BODY, &after);
    ASSERT_EQ(after.status, 201);
    ASSERT_STR_EQ(after.replayed, "");
    long long id2 = json_integer_value(json_object_get(after.json, "id"));
    ASSERT(id2 != id);
    open_keyed(&d, tok, "Idempotency-Key: day", OPEN_BODY, &later); /* now the new case's */
    ASSERT_STR_EQ(later.replayed, "true");
    ASSERT_EQ(json_integer_value(json_object_get(later.json, "id")), id2);
    ASSERT_EQ(cases_seen(&d, tok), 2);
    td_resp_free(&first);
    td_resp_free(&within);
    td_resp_free(&after);
    td_resp_free(&later);
    td_stop(&d);
    free(tok);
    return 0;
}

/* POST path with header line(s) h as tok: fails unless 400 naming the header. */
static void refused(const td_daemon_t *d, const char *tok, const char *path, const char *const *h,
                    const char *if_match, const char *body)
{
    td_resp_t r;
    td_http_h(d, "POST", path, tok, body, strlen(body), if_match, h, &r);
    const char *named = json_string_value(json_object_get(r.json, "header"));
    if (r.status != 400 || !named || strcmp(named, "Idempotency-Key") != 0)
        CF__FAIL("%s with %s: %ld %s", path, h[0], r.status, r.body);
    td_resp_free(&r);
}

TEST_IMPL(idem_5_refused)
{
    td_daemon_t d;
    char *tok, long_key[300], db[TD_PATH];
    start(&d, "idem5", db, &tok);
    snprintf(long_key, sizeof(long_key), "Idempotency-Key: %0256d", 7);
    const char *bad[][3] = {{"Idempotency-Key: \"\"", NULL},
                            {long_key, NULL},
                            {"Idempotency-Key: a b", NULL},
                            {"Idempotency-Key: 药房-1", NULL},
                            {"Idempotency-Key: k1", "Idempotency-Key: k2", NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refused(&d, tok, "/v1/cases", bad[i], NULL, OPEN_BODY);
    ASSERT_EQ(cases_seen(&d, tok), 0);
    td_resp_t r, q;
    open_keyed(&d, tok, "Idempotency-Key: k1", OPEN_BODY, &r);
    ASSERT_EQ(r.status, 201);
    open_keyed(&d, tok, "Idempotency-Key: \"k1\"", OPEN_BODY, &q); /* the draft's quoted form */
    ASSERT_STR_EQ(q.replayed, "true");
    char path[64], etag[32];
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions",
             (long long)json_integer_value(json_object_get(r.json, "id")));
    snprintf(etag, sizeof(etag), "\"%lld\"",
             (long long)json_integer_value(json_object_get(r.json, "version")));
    const char *on_action[] = {"Idempotency-Key: k9", NULL};
    refused(&d, tok, path, on_action, etag, "{\"action\": \"file\"}");
    ASSERT_EQ(cases_seen(&d, tok), 1);
    td_resp_free(&r);
    td_resp_free(&q);
    td_stop(&d);
    free(tok);
    return 0;
}

/* The store fault of idem-6: the key's write fails while armed. */
static atomic_int key_fails;
static int fail_key(void *ctx, const char *point)
{
    (void)ctx;
    return atomic_load(&key_fails) && strcmp(point, "idempotency_key") == 0 ? SQLITE_IOERR : 0;
}

TEST_IMPL(idem_6_one_transaction)
{
    td_daemon_t d;
    char db[512];
    cf_serve_config_t cfg;
    td_resp_t failed, retried;
    td_db("idem6", db, sizeof(db));
    char *tok = td_token(db, "甲局", "handler", "张三");
    td_config(&cfg, db, "2026-03-02T09:00:00+08:00");
    cfg.store_fault = fail_key;
    td_start(&d, &cfg);
    atomic_store(&key_fails, 1);
    open_keyed(&d, tok, "Idempotency-Key: crash-1", OPEN_BODY, &failed);
    atomic_store(&key_fails, 0);
    ASSERT(failed.status >= 500);
    ASSERT_EQ(cases_seen(&d, tok), 0); /* no case without its key */
    open_keyed(&d, tok, "Idempotency-Key: crash-1", OPEN_BODY, &retried);
    ASSERT_EQ(retried.status, 201);
    ASSERT_STR_EQ(retried.replayed, "");
    td_resp_free(&failed);
    open_keyed(&d, tok, "Idempotency-Key: crash-1", OPEN_BODY, &failed);
    ASSERT_STR_EQ(failed.replayed, "true");
    ASSERT_EQ(cases_seen(&d, tok), 1);
    td_resp_free(&failed);
    td_resp_free(&retried);
    td_stop(&d);
    free(tok);
    return 0;
}

/* The rows of idempotency_keys with key k in the SQLite file db. */
static int key_rows(const char *db, const char *k)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT count(*) FROM idempotency_keys WHERE key = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

TEST_IMPL(idem_8_expired_deleted)
{
    CF_TEST_SQLITE_ONLY("counts the rows of idempotency_keys in the file");
    td_daemon_t d;
    char *tok, db[TD_PATH];
    td_resp_t r;
    start(&d, "idem8", db, &tok);
    td_clock(&d, "2026-03-02T10:00:00+08:00");
    open_keyed(&d, tok, "Idempotency-Key: old", OPEN_BODY, &r);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);
    td_clock(&d, "2026-03-03T09:00:00+08:00");
    open_keyed(&d, tok, "Idempotency-Key: fresh", OTHER_BODY, &r);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);
    ASSERT_EQ(key_rows(db, "old"), 1); /* 23 hours: kept */
    td_clock(&d, "2026-03-03T10:00:00+08:00");
    open_keyed(&d, tok, "Idempotency-Key: newest", OPEN_BODY, &r);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);
    ASSERT_EQ(key_rows(db, "old"), 0); /* 24 hours: deleted */
    ASSERT_EQ(key_rows(db, "fresh"), 1);
    ASSERT_EQ(key_rows(db, "newest"), 1);
    td_stop(&d);
    free(tok);
    return 0;
}
