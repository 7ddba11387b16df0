/*
 * test-serve-web-reads.c -- serve-web-*: what the workbench reads (issue 22,
 * WEB-CONTRACT.md), each test against a daemon run in-process (serve-helpers.c, whose
 * web_http is the HTTP client with any headers).
 *
 * serve-web-4:   GET /v1/workflows/{id}: typed facts, requires, the main line.
 * serve-web-5:   GET /v1/causes?subject_type=.
 * serve-web-6:   GET /v1/cases/{id}/replay.
 * serve-web-8:   GET /v1/cases/{id}/files/{sha256}: a stored file's bytes, attachment.
 * serve-web-9:   GET /v1/cases?q= (party name, numbers) and sort=deadline, paged.
 * serve-web-10:  GET /v1/cases?power_type= and ?cause=, on the server, paged.
 * serve-web-11:  GET /v1/cases/{id}/export: the bytes `caseflow case export` writes.
 * serve-web-12:  GET /v1/cases/{id}/documents: what `caseflow doc list --json` prints.
 * (The rest of serve-web-* is test-serve-web.c and test-serve-web-alerts.c.)
 *
 * Map: serve-web-4 with by_key; serve-web-5; serve-web-6; serve-web-8 with web_get;
 * serve-web-9 with open_for, act_on and list_ids; serve-web-10; serve-web-11 with cli_export
 * and same_bundle; serve-web-12.
 */
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- serve-web-4: what the workbench reads -------------------------------------------------- */

static const json_t *by_key(const json_t *list, const char *key, const char *value)
{
    size_t i;
    const json_t *o;
    json_array_foreach(list, i, o) {
        if (strcmp(json_string_value(json_object_get(o, key)), value) == 0)
            return o;
    }
    return NULL;
}

TEST_IMPL(serve_web_4_workflow)
{
    char db[512];
    td_db("web-workflow.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    /* serve-web-4.1: the definition with its forms: typed facts, what each action
     * requires, the main line from the first state to a final one */
    json_t *wf = td_get_json(&d, token, "/v1/workflows/penalty-general");
    ASSERT(strcmp(json_string_value(json_object_get(wf, "id")), "penalty-general") == 0);
    ASSERT_EQ(json_integer_value(json_object_get(wf, "version")), 1);
    const json_t *facts = json_object_get(wf, "facts");
    ASSERT(strcmp(json_string_value(json_object_get(by_key(facts, "id", "officers"), "type")),
                  "list") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(by_key(facts, "id", "fine"), "type")),
                  "amount") == 0);
    const json_t *trans = json_object_get(wf, "transitions");
    const json_t *file = by_key(trans, "action", "file");
    ASSERT(file && json_is_true(json_object_get(file, "main")));
    ASSERT(strcmp(json_string_value(json_object_get(file, "label")), "立案") == 0);
    ASSERT(json_array_size(json_object_get(json_object_get(file, "requires"), "documents")) >= 1);
    ASSERT(json_is_false(json_object_get(by_key(trans, "action", "not_file"), "main")));
    const json_t *line = json_object_get(wf, "main_line");
    ASSERT(json_array_size(line) >= 10);
    ASSERT(strcmp(json_string_value(json_array_get(line, 0)),
                  json_string_value(json_object_get(wf, "initial"))) == 0);
    ASSERT(strcmp(json_string_value(json_array_get(line, json_array_size(line) - 1)), "archived") ==
           0);
    const json_t *lead = by_key(json_object_get(wf, "states"), "id", "lead");
    ASSERT(lead && json_string_length(json_object_get(lead, "name")) > 0); /* state_name */
    json_decref(wf);
    /* serve-web-4.2: no such workflow, version, or a path that is not an id */
    td_resp_t r;
    td_http(&d, "GET", "/v1/workflows/nope", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "GET", "/v1/workflows/penalty-general?version=99", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "GET", "/v1/workflows/penalty-general/x", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "GET", "/v1/workflows/penalty-general", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 401);
    td_resp_free(&r);
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-web-5: the 案由 dictionary for the picker, filtered by the party's subject type
 * (by its name or its id), as `cause list --json` gives it. */
TEST_IMPL(serve_web_5_causes)
{
    char db[512];
    td_db("web-causes.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    json_t *all = td_get_json(&d, token, "/v1/causes");
    json_t *providers = td_get_json(
        &d, token,
        "/v1/causes?subject_type=%E5%AE%9A%E7%82%B9%E5%8C%BB%E8%8D%AF%E6%9C%BA%E6%9E%84");
    json_t *by_id = td_get_json(&d, token, "/v1/causes?subject_type=provider");
    ASSERT(json_array_size(providers) > 0);
    ASSERT(json_array_size(all) > json_array_size(providers));
    ASSERT(json_equal(providers, by_id));
    size_t i;
    json_t *c;
    json_array_foreach(providers, i, c) {
        ASSERT(strcmp(json_string_value(json_object_get(json_object_get(c, "subject"), "id")),
                      "provider") == 0);
        ASSERT(strncmp(json_string_value(json_object_get(c, "ref")), "js-2024:", 8) == 0);
    }
    json_decref(all);
    json_decref(providers);
    json_decref(by_id);
    td_resp_t r;
    td_http(&d, "GET", "/v1/causes?subject_type=nobody", token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    ASSERT(strstr(r.body, "nobody"));
    td_resp_free(&r);
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-web-6: the auditor's view: a case's chain verified and replayed over HTTP; an
 * event altered behind caseflow's back is found; another agency's case is 404. */
TEST_IMPL(serve_web_6_replay)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512];
    td_db("web-replay.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "auditor", "审计");
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *stranger = td_token(db, "另一局", "auditor", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    td_resp_t r;
    const char *body = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某药房\",\"type\":"
                       "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}";
    td_http(&d, "POST", "/v1/cases", handler, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/replay", id);
    json_t *rep = td_get_json(&d, token, path);
    ASSERT(json_is_true(json_object_get(rep, "verified")));
    ASSERT(json_is_true(json_object_get(rep, "conformant")));
    ASSERT_EQ(json_array_size(json_object_get(rep, "deviations")), 0);
    ASSERT(strcmp(json_string_value(json_object_get(json_object_get(rep, "workflow"), "id")),
                  "penalty-general") == 0);
    json_decref(rep);
    td_http(&d, "GET", path, stranger, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    /* an event altered in the database: the chain no longer holds */
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    ASSERT_EQ(sqlite3_exec(h,
                           "DROP TRIGGER events_no_update; UPDATE events SET body = "
                           "replace(body, '投诉举报', '上级交办') WHERE seq = 1",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(h);
    rep = td_get_json(&d, token, path);
    ASSERT(json_is_false(json_object_get(rep, "verified")));
    ASSERT(json_is_false(json_object_get(rep, "conformant")));
    json_t *first = json_array_get(json_object_get(rep, "deviations"), 0);
    ASSERT(strcmp(json_string_value(json_object_get(first, "kind")), "chain") == 0);
    json_decref(rep);
    td_stop(&d);
    free(token);
    free(handler);
    free(stranger);
    return 0;
}
/* ---- serve-web-8: a stored file's bytes --------------------------------------------------- */

/* GET path with a bearer token, into r. */
static void web_get(const td_daemon_t *d, const char *token, const char *path, web_resp_t *r)
{
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    web_http(d, "GET", path, h, NULL, r);
}

/* serve-web-8: GET /v1/cases/{id}/files/{sha256} answers the bytes of a document of an
 * action and of an evidence item's file, as an attachment under the stored (Chinese)
 * name; another agency's token, a hash the case does not cite and a bad hash get 404. */
TEST_IMPL(serve_web_8_files)
{
    static const unsigned char pdf[] = "%PDF-1.4\n\0\xff", jpg[] = "\xff\xd8\xff\xe0JFIF";
    char db[512];
    td_db("web-files.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "head", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    td_resp_t r;
    const char *body = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某药房\",\"type\":"
                       "\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}";
    td_http(&d, "POST", "/v1/cases", head, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    char match[32], path[256];
    snprintf(match, sizeof(match), "\"%lld\"",
             (long long)json_integer_value(json_object_get(r.json, "version")));
    td_resp_free(&r);
    const char *act =
        "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
        "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
        "{\"name\": "
        "\"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
        "{\"content_base64\": "
        "\"JVBERi0xLjQKAP8=\", \"file\": \"立案审批表.pdf\"}}}";
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http(&d, "POST", path, head, act, strlen(act), match, &r);
    ASSERT_EQ(r.status, 200);
    td_resp_free(&r);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}, {s:s}], s:{s:s, s:s}}", "kind", "书证",
                           "title", "现场照片", "source", "当事人", "method", "拍照", "officers",
                           "name", "张三", "name", "王五", "file", "name", "现场照片 1.jpg",
                           "content_base64", "/9j/4EpGSUY=");
    snprintf(path, sizeof(path), "/v1/cases/%lld/evidence", id);
    td_http_json(&d, "POST", path, head, ev, NULL, &r);
    json_decref(ev);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);

    char pdf_sha[65], jpg_sha[65], value[512];
    cf_chain_sha256_hex(pdf, sizeof(pdf) - 1, pdf_sha);
    cf_chain_sha256_hex(jpg, sizeof(jpg) - 1, jpg_sha);
    web_resp_t w;
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, pdf_sha);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 200);
    ASSERT_EQ(w.body_len, sizeof(pdf) - 1);
    ASSERT(memcmp(w.body, pdf, w.body_len) == 0);
    ASSERT(header(&w, "content-type", value, sizeof(value)));
    ASSERT(strcmp(value, "application/octet-stream") == 0);
    ASSERT(header(&w, "content-disposition", value, sizeof(value)));
    ASSERT(strcmp(value,
                  "attachment; filename=\"_______________.pdf\"; "
                  "filename*=UTF-8''%E7%AB%8B%E6%A1%88%E5%AE%A1%E6%89%B9%E8%A1%A8.pdf") == 0);
    web_free(&w);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, jpg_sha);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 200);
    ASSERT_EQ(w.body_len, sizeof(jpg) - 1);
    ASSERT(memcmp(w.body, jpg, w.body_len) == 0);
    ASSERT(header(&w, "content-disposition", value, sizeof(value)));
    ASSERT(strstr(value, "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87%201.jpg"));
    web_free(&w);
    /* another agency's token: as if there were no such case */
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, pdf_sha);
    web_get(&d, stranger, path, &w);
    ASSERT_EQ(w.status, 404);
    web_free(&w);
    /* a hash the case does not cite, a hash that is not one */
    char other[65];
    cf_chain_sha256_hex("x", 1, other);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", id, other);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 404);
    ASSERT(strcmp(json_string_value(json_object_get(w.json, "error")), "ENOTFOUND") == 0);
    web_free(&w);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%.63sz", id, pdf_sha);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 404);
    web_free(&w);
    td_stop(&d);
    free(head);
    free(stranger);
    return 0;
}

/* ---- serve-web-9: case list search and sort=deadline --------------------------------------- */

/* Acts on case id (at the version it has now) with body; asserts 200. */
static void act_on(const td_daemon_t *d, const char *token, long long id, const char *body)
{
    char path[64], match[32];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    json_t *c = td_get_json(d, token, path);
    snprintf(match, sizeof(match), "\"%lld\"",
             (long long)json_integer_value(json_object_get(c, "version")));
    json_decref(c);
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    td_http(d, "POST", path, token, body, strlen(body), match, &r);
    if (r.status != 200)
        CF__FAIL("POST %s: %ld %s", path, r.status, r.body);
    td_resp_free(&r);
}

/* The ids of GET path's answer, comma-separated, into out; the X-Next-Cursor into cursor
 * ("" when none). */
static void list_ids(const td_daemon_t *d, const char *token, const char *path, char *out,
                     size_t size, char *cursor, size_t csize)
{
    web_resp_t w;
    web_get(d, token, path, &w);
    if (w.status != 200)
        CF__FAIL("GET %s: %ld %s", path, w.status, w.body);
    size_t i, k = 0;
    json_t *row;
    out[0] = '\0';
    json_array_foreach(w.json, i, row)
        k += (size_t)snprintf(out + k, size - k, "%s%lld", i ? "," : "",
                              (long long)json_integer_value(json_object_get(row, "id")));
    if (!header(&w, "x-next-cursor", cursor, csize))
        cursor[0] = '\0';
    web_free(&w);
}

/* serve-web-9: GET /v1/cases?q= finds cases by a substring of the party's name or of the
 * 案号, other agencies' cases never; sort=deadline puts the nearest running deadline first
 * and cases without one last, paged by offset; both page with X-Next-Cursor. */
TEST_IMPL(serve_web_9_search)
{
    char db[512];
    td_db("web-search.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "head", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long a = open_case(&d, head, "某大药房"), b = open_case(&d, head, "某诊所"),
              c = open_case(&d, head, "另一医院"), x = open_case(&d, stranger, "某大药房分店");
    (void)x;
    /* a is filed (its decision clock: 90 days), c not filed (no clock); b keeps the filing
     * clock (15 working days), the nearest */
    act_on(&d, head, a,
           "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
           "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
           "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
           "{\"content_base64\": \"eA==\", \"file\": \"a.pdf\"}}}");
    act_on(&d, head, c,
           "{\"action\": \"not_file\", \"facts\": {\"not_filing_reason\": \"不符合立案条件\"}, "
           "\"documents\": {\"不予立案审批表\": {\"content_base64\": \"eA==\", \"file\": "
           "\"c.pdf\"}}}");
    char ids[128], cursor[32], path[256], want[128];
    list_ids(&d, head, "/v1/cases?q=%E8%8D%AF%E6%88%BF", ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", a); /* 药房: not the other agency's 分店 */
    ASSERT(strcmp(ids, want) == 0);
    list_ids(&d, head, "/v1/cases?q=%E6%9F%90&limit=1", ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", a); /* 某: a and b, a page of one */
    ASSERT(strcmp(ids, want) == 0);
    ASSERT(cursor[0]);
    snprintf(path, sizeof(path), "/v1/cases?q=%%E6%%9F%%90&limit=1&cursor=%s", cursor);
    list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", b);
    ASSERT(strcmp(ids, want) == 0);
    /* the 案号 given at filing, by a part of it */
    json_t *row = td_get_json(&d, head, "/v1/cases?q=%E5%A4%A7%E8%8D%AF%E6%88%BF");
    const char *number = json_string_value(json_object_get(json_array_get(row, 0), "number"));
    ASSERT(number && strlen(number) > 4);
    char *enc = curl_easy_escape(NULL, number + 3, 0);
    snprintf(path, sizeof(path), "/v1/cases?q=%s", enc);
    curl_free(enc);
    json_decref(row);
    list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld", a);
    ASSERT(strcmp(ids, want) == 0);
    list_ids(&d, head, "/v1/cases?q=%E6%B2%A1%E6%9C%89", ids, sizeof(ids), cursor, sizeof(cursor));
    ASSERT(strcmp(ids, "") == 0); /* 没有: nothing matches */
    /* sort=deadline: b (filing clock), a (decision clock), c (none); by id it is a, b, c */
    list_ids(&d, head, "/v1/cases?sort=deadline", ids, sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld,%lld", b, a, c);
    ASSERT(strcmp(ids, want) == 0);
    ASSERT(!cursor[0]);
    char seen[512] = "";
    snprintf(path, sizeof(path), "/v1/cases?sort=deadline&limit=2");
    for (int page = 0; page < 3; page++) {
        list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s", page ? "," : "", ids);
        if (!cursor[0])
            break;
        snprintf(path, sizeof(path), "/v1/cases?sort=deadline&limit=2&cursor=%s", cursor);
    }
    ASSERT(strcmp(seen, want) == 0);
    list_ids(&d, head, "/v1/cases?sort=deadline&q=%E6%9F%90", ids, sizeof(ids), cursor,
             sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld", b, a);
    ASSERT(strcmp(ids, want) == 0);
    web_resp_t w;
    web_get(&d, head, "/v1/cases?sort=name", &w);
    ASSERT_EQ(w.status, 400);
    web_free(&w);
    td_stop(&d);
    free(head);
    free(stranger);
    return 0;
}

/* ---- serve-web-10: the worklist's filters on the server ------------------------------------ */

/* serve-web-10: GET /v1/cases?power_type= and ?cause= are answered by the server over every
 * case of the agency (not a page filtered afterwards): a page of one walks exactly the
 * matching cases, with the other filters and sort=deadline alike. */
TEST_IMPL(serve_web_10_filters)
{
    char db[512];
    td_db("web-filters.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long a = open_case(&d, head, "某大药房"), b = open_case(&d, head, "某诊所");
    long long i = td_open_case(&d, head, "inspection", "某医院");
    long long e = open_case(&d, head, "另一药房"); /* after the inspection case, by id */
    act_on(&d, head, a,
           "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
           "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
           "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
           "{\"content_base64\": \"eA==\", \"file\": \"a.pdf\"}}}");
    char ids[128], cursor[32], path[256], want[128], seen[256] = "";
    /* serve-web-10.1: power type 行政处罚 (penalty-general): a, b, e, never the inspection */
    list_ids(&d, head, "/v1/cases?power_type=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A", ids,
             sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld,%lld", a, b, e);
    ASSERT_STR_EQ(ids, want);
    list_ids(&d, head, "/v1/cases?power_type=%E8%A1%8C%E6%94%BF%E6%A3%80%E6%9F%A5", ids,
             sizeof(ids), cursor, sizeof(cursor)); /* 行政检查 */
    snprintf(want, sizeof(want), "%lld", i);
    ASSERT_STR_EQ(ids, want);
    /* serve-web-10.2: pages of one over 行政处罚 with sort=deadline: each exactly once */
    snprintf(path, sizeof(path),
             "/v1/cases?power_type=%%E8%%A1%%8C%%E6%%94%%BF%%E5%%A4%%84%%E7%%BD%%9A&sort="
             "deadline&limit=1");
    int pages = 0;
    for (; pages < 5; pages++) {
        list_ids(&d, head, path, ids, sizeof(ids), cursor, sizeof(cursor));
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s", pages ? "," : "", ids);
        if (!cursor[0])
            break;
        snprintf(path, sizeof(path),
                 "/v1/cases?power_type=%%E8%%A1%%8C%%E6%%94%%BF%%E5%%A4%%84%%E7%%BD%%9A&sort="
                 "deadline&limit=1&cursor=%s",
                 cursor);
    }
    ASSERT_EQ(pages, 2); /* three pages: 0, 1, 2 */
    ASSERT(strstr(seen, ",") && !strstr(seen, ",,"));
    long long x[3];
    ASSERT_EQ(sscanf(seen, "%lld,%lld,%lld", &x[0], &x[1], &x[2]), 3);
    ASSERT(x[0] != i && x[1] != i && x[2] != i);
    ASSERT(x[0] != x[1] && x[1] != x[2] && x[0] != x[2]);
    /* serve-web-10.3: 案由 by a part of its name: only the filed case has one */
    list_ids(&d, head, "/v1/cases?cause=%E5%9F%BA%E9%87%91", ids, sizeof(ids), cursor,
             sizeof(cursor)); /* 基金 */
    snprintf(want, sizeof(want), "%lld", a);
    ASSERT_STR_EQ(ids, want);
    list_ids(&d, head,
             "/v1/cases?cause=%E5%9F%BA%E9%87%91&power_type=%E8%A1%8C%E6%94%BF%E6%A3%80%E6%9F%A5",
             ids, sizeof(ids), cursor, sizeof(cursor));
    ASSERT_STR_EQ(ids, ""); /* 基金 and 行政检查: none */
    /* serve-web-10.4: with the handler and the state filters */
    list_ids(&d, head, "/v1/cases?power_type=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A&state=lead", ids,
             sizeof(ids), cursor, sizeof(cursor));
    snprintf(want, sizeof(want), "%lld,%lld", b, e);
    ASSERT_STR_EQ(ids, want);
    list_ids(&d, head, "/v1/cases?handler=%E7%8E%8B%E4%BA%94&cause=%E8%BF%9D%E5%8F%8D", ids,
             sizeof(ids), cursor, sizeof(cursor)); /* 王五, 违反 */
    snprintf(want, sizeof(want), "%lld", a);
    ASSERT_STR_EQ(ids, want);
    td_stop(&d);
    free(head);
    return 0;
}

/* ---- serve-web-11: a case's bundle ---------------------------------------------------------- */

/* `caseflow --db db case export ID [a] [b] [c]` at T0: its whole output (malloc'd, OUT *len);
 * fails the test unless it succeeds (td_cli keeps only 64 KiB, and a bundle holds more). */
static char *cli_export(const char *db, long long id, const char *a, const char *b, const char *c,
                        size_t *len)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", id);
    char *argv[] = {"caseflow", "--db",    (char *)db, "case",    "export",
                    num,        (char *)a, (char *)b,  (char *)c, NULL};
    setenv("CASEFLOW_NOW", T0, 1);
    FILE *o = tmpfile(), *e = tmpfile();
    ASSERT(o && e);
    int argc = 6 + (a != NULL) + (a && b) + (a && b && c);
    ASSERT_EQ(cf_cli_main(argc, argv, o, e), 0);
    long n = ftell(o);
    char *text = malloc((size_t)n + 1);
    rewind(o);
    ASSERT_EQ(fread(text, 1, (size_t)n, o), (size_t)n);
    text[n] = '\0';
    fclose(o);
    fclose(e);
    *len = (size_t)n;
    return text;
}

/* GET path as token: fails unless 200 application/json with exactly want (len bytes). */
static void same_bundle(const td_daemon_t *d, const char *token, const char *path, const char *want,
                        size_t len)
{
    web_resp_t w;
    char value[128];
    web_get(d, token, path, &w);
    if (w.status != 200)
        CF__FAIL("GET %s: %ld %s", path, w.status, w.body);
    ASSERT(header(&w, "content-type", value, sizeof(value)));
    ASSERT(strcmp(value, "application/json; charset=utf-8") == 0);
    ASSERT_EQ(w.body_len, len);
    ASSERT(memcmp(w.body, want, len) == 0);
    web_free(&w);
}

/* serve-web-11: GET /v1/cases/{id}/export answers byte for byte what `caseflow case export`
 * writes for the same case at the same instant: unsigned from a daemon without export_key,
 * signed with it (Ed25519 signs deterministically, exported_at is the shared clock's), with
 * ?documents=bytes as --with-documents; `bundle verify` accepts the daemon's bundle; HEAD
 * answers without the body; another agency's token, a case that is not there: 404 JSON. */
TEST_IMPL(serve_web_11_export)
{
    char db[512], key[512], file[512], path[128];
    td_db("web-export.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "head", "王五");
    snprintf(key, sizeof(key), "%s/export.pem", cf_test_tmpdir());
    ASSERT_EQ(td_cli(db, T0, "audit", "keygen", "--out", key, NULL), 0);
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long id = td_open_case(&d, head, "penalty-general", "某药房");
    act_on(&d, head, id,
           "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
           "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
           "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
           "{\"content_base64\": \"JVBERi0xLjQKAP8=\", \"file\": \"立案审批表.pdf\"}}}");
    size_t len;
    char *want = cli_export(db, id, NULL, NULL, NULL, &len);
    ASSERT(strstr(want, "\"format\": \"caseflow-bundle/1\"") && !strstr(want, "\"signature\""));
    snprintf(path, sizeof(path), "/v1/cases/%lld/export", id);
    same_bundle(&d, head, path, want, len); /* no export_key: unsigned, as without --sign */
    free(want);
    td_stop(&d);

    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.export_key = key;
    td_start(&d, &cfg);
    want = cli_export(db, id, "--sign", key, NULL, &len);
    same_bundle(&d, head, path, want, len);
    free(want);
    want = cli_export(db, id, "--sign", key, "--with-documents", &len);
    ASSERT(strstr(want, "\"document_bytes\""));
    snprintf(path, sizeof(path), "/v1/cases/%lld/export?documents=bytes", id);
    same_bundle(&d, head, path, want, len);
    td_file("api-bundle.json", want, file, sizeof(file)); /* the daemon's bytes, checked equal */
    free(want);
    ASSERT_EQ(td_cli(db, T0, "bundle", "verify", file, NULL), 0);
    ASSERT(strstr(td_out, "signature OK"));
    ASSERT(strstr(td_out, "1 document(s) carried"));

    web_resp_t w;
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", head);
    const char *h[] = {auth, NULL};
    snprintf(path, sizeof(path), "/v1/cases/%lld/export", id);
    web_http(&d, "HEAD", path, h, NULL, &w);
    ASSERT_EQ(w.status, 200);
    ASSERT_EQ(w.body_len, 0);
    web_free(&w);
    web_get(&d, stranger, path, &w); /* another agency's case: as if there were none */
    ASSERT_EQ(w.status, 404);
    ASSERT(strcmp(json_string_value(json_object_get(w.json, "error")), "ENOTFOUND") == 0);
    web_free(&w);
    web_get(&d, head, "/v1/cases/999/export", &w);
    ASSERT_EQ(w.status, 404);
    ASSERT(strcmp(json_string_value(json_object_get(w.json, "error")), "ENOTFOUND") == 0);
    web_free(&w);
    snprintf(path, sizeof(path), "/v1/cases/%lld/export?documents=zip", id);
    web_get(&d, head, path, &w);
    ASSERT_EQ(w.status, 400);
    web_free(&w);
    td_stop(&d);
    free(head);
    free(stranger);
    return 0;
}

/* ---- serve-web-12: a case's 文书 --------------------------------------------------------------
 */

/* serve-web-12: GET /v1/cases/{id}/documents answers the list `caseflow doc list --json` prints
 * (the documents the open actions need, with template and attached, then those held); another
 * agency's token and a case that is not there: 404 JSON. */
TEST_IMPL(serve_web_12_doc_list)
{
    char db[512], path[128], num[32];
    td_db("web-docs.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    char *stranger = td_token(db, "另一局", "head", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long id = td_open_case(&d, head, "penalty-general", "某药房");
    act_on(&d, head, id,
           "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"涉嫌串换药品\", \"cause\": "
           "\"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, "
           "{\"name\": \"王五\", \"cert\": \"65010020002\"}]}, \"documents\": {\"立案审批表\": "
           "{\"content_base64\": \"JVBERi0xLjQKAP8=\", \"file\": \"立案审批表.pdf\"}}}");
    snprintf(path, sizeof(path), "/v1/cases/%lld/documents", id);
    json_t *api = td_get_json(&d, head, path);
    snprintf(num, sizeof(num), "%lld", id);
    ASSERT_EQ(td_cli(db, T0, "--json", "doc", "list", num, NULL), 0);
    json_t *cli = json_loads(td_out, 0, NULL);
    ASSERT(cli != NULL);
    ASSERT(json_array_size(api) > 1);
    ASSERT(json_equal(api, cli));
    size_t i;
    json_t *row;
    int held = 0;
    json_array_foreach(api, i, row) {
        held |= strcmp(json_string_value(json_object_get(row, "name")), "立案审批表") == 0 &&
                json_is_null(json_object_get(row, "action")) &&
                json_string_length(json_object_get(row, "attached")) == 64;
    }
    ASSERT(held);
    json_decref(api);
    json_decref(cli);
    web_resp_t w;
    web_get(&d, stranger, path, &w);
    ASSERT_EQ(w.status, 404);
    ASSERT(strcmp(json_string_value(json_object_get(w.json, "error")), "ENOTFOUND") == 0);
    web_free(&w);
    web_get(&d, head, "/v1/cases/999/documents", &w);
    ASSERT_EQ(w.status, 404);
    ASSERT(strcmp(json_string_value(json_object_get(w.json, "error")), "ENOTFOUND") == 0);
    web_free(&w);
    td_stop(&d);
    free(head);
    free(stranger);
    return 0;
}
