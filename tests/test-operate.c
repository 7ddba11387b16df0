/*
 * test-operate.c -- running caseflow in a bureau (issue 23): a token's life
 * (expiry, revocation, last use, the list without secrets) in the store and
 * as the daemon sees it.
 *
 * operate-1.*: the store's token functions, errors leaving outputs untouched.
 * operate-2.*: the daemon refuses a revoked or an expired token within its token
 *              cache time, and records a token's last use.
 * operate-4.*: SIGHUP makes the daemon pick up a calendar change at once.
 * operate-5.*: the operator's log: a JSON line per request, the silent failures
 *              (a webhook given up) and the shutdown with its reason; /livez.
 * operate-3.*: the auditor's HTML report: no development notes in the bases, the
 *              kinds and ids named in Chinese, the context first, deviations
 *              before conformant cases, a summary-only mode and a kind filter.
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit-report.h"
#include "chain.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

static const char hash_a[] = "aaaa0000000000000000000000000000000000000000000000000000000000aa";
static const char hash_b[] = "aaaa1111000000000000000000000000000000000000000000000000000000bb";

/* ---- operate-1: the store ------------------------------------------------------------------ */

TEST_IMPL(operate_1_token_store)
{
    char db[512];
    td_db("op-tokens.db", db, sizeof(db));
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    cf_principal_t p = {"甲局", "handler", "张三"}, got = {"x", "y", "z"};
    ASSERT_EQ(cf_store_token_put(s, hash_a, &p, 1000, &err), 0);
    ASSERT_EQ(cf_store_token_put(s, hash_b, &p, 2000, &err), 0);
    ASSERT_EQ(cf_store_token_expire_at(s, hash_a, 5000, &err), 0);
    ASSERT_EQ(cf_store_token_expire_at(s, "ffff", 5000, &err), CF_ENOTFOUND);
    /* operate-1.1: valid before its expiry, refused at and after it (outputs untouched) */
    ASSERT_EQ(cf_store_token_check(s, hash_a, 4999, &got, &err), 0);
    ASSERT_STR_EQ(got.name, "张三");
    cf_principal_t before = got;
    ASSERT_EQ(cf_store_token_check(s, hash_a, 5000, &got, &err), CF_ENOTFOUND);
    ASSERT(memcmp(&before, &got, sizeof(got)) == 0);
    /* operate-1.2: revoked by id; the id must be hex and name one token */
    ASSERT_EQ(cf_store_token_revoke(s, "aaaa", 3000, &err), CF_EINVAL);     /* too short */
    ASSERT_EQ(cf_store_token_revoke(s, "AAAA0000", 3000, &err), CF_EINVAL); /* not lowercase */
    ASSERT_EQ(cf_store_token_revoke(s, "aaaa00001", 3000, &err), CF_ENOTFOUND);
    ASSERT_EQ(cf_store_token_revoke(s, "aaaa00", 3000, &err), 0); /* names hash_a only */
    ASSERT_EQ(cf_store_token_revoke(s, "aaaa00", 3001, &err), CF_EEXIST);
    ASSERT_EQ(cf_store_token_check(s, hash_a, 1000, &got, &err), CF_ENOTFOUND);
    ASSERT_EQ(cf_store_token_check(s, hash_b, 999999, &got, &err), 0);
    ASSERT_EQ(cf_store_token_put(s, "aaaa0000ff", &p, 2000, &err), 0);
    ASSERT_EQ(cf_store_token_revoke(s, "aaaa0000", 3000, &err), CF_EINVALID); /* two tokens */
    /* operate-1.3: last use only moves forward */
    ASSERT_EQ(cf_store_token_touch(s, hash_b, 7000, &err), 0);
    ASSERT_EQ(cf_store_token_touch(s, hash_b, 6000, &err), 0);
    /* operate-1.4: the list: ids of 12 digits, every time field, never the hash */
    json_t *list = NULL;
    ASSERT_EQ(cf_store_token_list(s, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 3);
    /* by creation time, then hash: hash_a, "aaaa0000ff", hash_b */
    json_t *a = json_array_get(list, 0), *b = json_array_get(list, 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(a, "id")), "aaaa00000000");
    ASSERT_STR_EQ(json_string_value(json_object_get(a, "role")), "handler");
    ASSERT_STR_EQ(json_string_value(json_object_get(a, "agency")), "甲局");
    ASSERT(json_is_string(json_object_get(a, "expires_at")));
    ASSERT(json_is_string(json_object_get(a, "revoked_at")));
    ASSERT(json_is_null(json_object_get(a, "last_used_at")));
    ASSERT(json_is_null(json_object_get(b, "expires_at")));
    ASSERT(json_is_null(json_object_get(b, "revoked_at")));
    char when[CF_TIME_BUFSZ];
    cf_time_format(7000, when);
    ASSERT_STR_EQ(json_string_value(json_object_get(b, "last_used_at")), when);
    char *text = json_dumps(list, 0);
    ASSERT(strstr(text, hash_a) == NULL && strstr(text, hash_b) == NULL);
    free(text);
    json_decref(list);
    cf_store_close(s);
    return 0;
}

/* ---- operate-2: the daemon ----------------------------------------------------------------- */

static long status_of(const td_daemon_t *d, const char *token)
{
    td_resp_t r;
    td_http(d, "GET", "/v1/cases", token, NULL, 0, NULL, &r);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

/* The stored last use of token (text), 0 when none. */
static int64_t last_used(const char *db, const char *token)
{
    char digest[65], sql[200];
    ASSERT_EQ(cf_chain_sha256_hex(token, strlen(token), digest), 0);
    snprintf(sql, sizeof(sql), "SELECT coalesce(last_used_at, 0) FROM tokens WHERE hash = '%s'",
             digest);
    sqlite3 *conn;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    sqlite3_busy_timeout(conn, 5000);
    ASSERT_EQ(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    int64_t t = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return t;
}

TEST_IMPL(operate_2_token_daemon)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (last_used)");
    char db[512], digest[65];
    td_db("op-daemon.db", db, sizeof(db));
    char *kept = td_token(db, "甲局", "head", "李四");
    char *revoked = td_token(db, "甲局", "head", "王五");
    char *expiring = td_token(db, "甲局", "auditor", "赵六");
    cf_time_t t0;
    cf_error_t err;
    ASSERT_EQ(cf_time_parse(T0, &t0, &err), 0);
    cf_store_t *s;
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_chain_sha256_hex(expiring, strlen(expiring), digest), 0);
    ASSERT_EQ(cf_store_token_expire_at(s, digest, t0 + 3600, &err), 0);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.token_cache_ms = 200;
    td_start(&d, &cfg);
    ASSERT_EQ(status_of(&d, kept), 200);
    ASSERT_EQ(status_of(&d, revoked), 200);
    ASSERT_EQ(status_of(&d, expiring), 200);
    /* operate-2.1: revoked behind the daemon: trusted until the cache time, then refused */
    char id[13];
    ASSERT_EQ(cf_chain_sha256_hex(revoked, strlen(revoked), digest), 0);
    memcpy(id, digest, 12);
    id[12] = '\0';
    ASSERT_EQ(cf_store_token_revoke(s, id, t0, &err), 0);
    long status = 200;
    CF_TEST_WAIT_UNTIL((status = status_of(&d, revoked)) != 200);
    ASSERT_EQ(status, 401);
    ASSERT_EQ(status_of(&d, kept), 200);
    /* operate-2.2: expired by the daemon's clock (an hour and a minute later) */
    td_clock(&d, "2026-03-02T10:01:00+08:00");
    CF_TEST_WAIT_UNTIL((status = status_of(&d, expiring)) != 200);
    ASSERT_EQ(status, 401);
    ASSERT_EQ(status_of(&d, kept), 200);
    /* operate-2.3: the last use is recorded when the token is read again, past the cache
     * time (through the writer, so wait for it) */
    int64_t used = 0;
    CF_TEST_WAIT_UNTIL(status_of(&d, kept) == 200 && (used = last_used(db, kept)) >= t0 + 3660);
    ASSERT(used >= t0 + 3660);
    td_stop(&d);
    cf_store_close(s);
    free(kept);
    free(revoked);
    free(expiring);
    return 0;
}

/* ---- operate-3: the auditor's report ------------------------------------------------------- */

TEST_IMPL(operate_3_public_text)
{
    static const char *const cases[][2] = {
        {"医疗保障行政处罚程序暂行规定 (article to confirm)；行政处罚法 第五十四条",
         "医疗保障行政处罚程序暂行规定；行政处罚法 第五十四条"},
        {"行政处罚法 第六十一条、第八十五条；seed 002 辛集：行政处罚决定书应在7日内送达当事人",
         "行政处罚法 第六十一条、第八十五条"},
        {"行政强制法 第十九条；seed 003 通化：应当在 24 小时内报告；第二十条",
         "行政强制法 第十九条；第二十条"},
        {"社会保险法 第二十八条 (to confirm)（医疗保险待遇）",
         "社会保险法 第二十八条（医疗保险待遇）"},
        {"医疗保障行政处罚程序暂行规定 第四十七条（条款待核）（终止调查的）；行政强制法 第二十八条",
         "医疗保障行政处罚程序暂行规定 第四十七条（终止调查的）；行政强制法 第二十八条"},
        {"行政处罚法 第六十三条；省级标准（示例省）（标准待核）",
         "行政处罚法 第六十三条；省级标准（示例省）"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = cf__audit_public_text(cases[i][0]);
        ASSERT_STR_EQ(got, cases[i][1]);
        free(got);
    }
    ASSERT_STR_EQ(cf__audit_kind_name("deadline"), "超过法定期限");
    ASSERT_STR_EQ(cf__audit_kind_name("no-such-kind"), "no-such-kind");
    return 0;
}

/* An HTML report of four cases (1 and 3 conformant, 2 with an order deviation, 4
 * with a deadline deviation), rendered in one batch. */
static char *html_report(int summary_only, const char *kind)
{
    json_t *all = json_loads(
        "[{\"case\": 1, \"workflow\": {\"id\": \"w\", \"version\": 1, \"hash\": \"h\"},"
        "  \"conformant\": true, \"deviations\": [],"
        "  \"clocks\": [{\"clock\": \"service\", \"outcome\": \"met\", \"seconds\": 100}],"
        "  \"steps\": [{\"state\": \"lead\", \"seconds\": 10}]},"
        " {\"case\": 2, \"workflow\": {\"id\": \"w\", \"version\": 1, \"hash\": \"h\"},"
        "  \"conformant\": false, \"deviations\": [{\"seq\": 3, \"kind\": \"order\", \"rule\": "
        "\"r\", \"text\": \"跳过告知\", \"basis\": \"行政处罚法 第六十二条 (to confirm)；seed 002 "
        "辛集：笔记\", \"accountability\": \"\"}], \"clocks\": [], \"steps\": []},"
        " {\"case\": 3, \"workflow\": {\"id\": \"w\", \"version\": 1, \"hash\": \"h\"},"
        "  \"conformant\": true, \"deviations\": [], \"clocks\": [], \"steps\": []},"
        " {\"case\": 4, \"workflow\": {\"id\": \"w\", \"version\": 1, \"hash\": \"h\"},"
        "  \"conformant\": false, \"deviations\": [{\"seq\": 7, \"kind\": \"deadline\", \"rule\": "
        "\"service\", \"text\": \"送达超期\", \"basis\": \"\", \"accountability\": \"\"}],"
        "  \"clocks\": [], \"steps\": []}]",
        0, NULL);
    ASSERT(all != NULL);
    json_t *names = json_pack("{s:s, s:s}", "service", "决定书送达期限", "lead", "线索");
    json_t *context = json_pack("{s:s, s:s, s:s}", "agency", "某县医疗保障局", "generated_at",
                                "2026-03-02T09:00:00+08:00", "version", "9.9.9");
    json_t *wfs = json_pack("[{s:s, s:i, s:s, s:s}]", "id", "w", "version", 1, "hash", "h", "title",
                            "行政处罚（一般程序）");
    FILE *f = tmpfile();
    ASSERT(f != NULL);
    cf__audit_report_t r;
    ASSERT_EQ(cf__audit_report_begin(&r, f, "html"), 0);
    r.names = names;
    r.context = context;
    r.workflows = wfs;
    r.summary_only = summary_only;
    r.kind = kind;
    cf__jsonw_t w = {0};
    cf__audit_tally_t t = {0};
    for (size_t i = 0; i < json_array_size(all); i++) {
        cf__audit_render(&w, json_array_get(all, i), "html");
        cf__audit_tally_add(&t, json_array_get(all, i));
    }
    ASSERT_EQ(cf__audit_report_cases(&r, w.p, w.len, json_array_size(all), &t), 0);
    free(w.p);
    cf__audit_tally_dispose(&t);
    int bad = 0;
    ASSERT_EQ(cf__audit_report_end(&r, &bad), 0);
    ASSERT_EQ(bad, 1);
    long size = ftell(f);
    char *out = malloc((size_t)size + 1);
    rewind(f);
    ASSERT_EQ(fread(out, 1, (size_t)size, f), (size_t)size);
    out[size] = '\0';
    fclose(f);
    json_decref(all);
    json_decref(names);
    json_decref(context);
    json_decref(wfs);
    return out;
}

static const char *row_of(const char *html, int id)
{
    char start[80];
    snprintf(start, sizeof(start), "\"bad\"><td rowspan=\"1\">%d</td>", id);
    const char *p = strstr(html, start);
    if (!p) {
        snprintf(start, sizeof(start), "\"ok\"><td rowspan=\"1\">%d</td>", id);
        p = strstr(html, start);
    }
    return p;
}

TEST_IMPL(operate_3_html_report)
{
    /* operate-3.1: the full report: context, names, deviations first, no notes */
    char *html = html_report(0, NULL);
    ASSERT_CONTAINS(html, "<tr><th>机关 Agency</th><td>某县医疗保障局</td></tr>");
    ASSERT_CONTAINS(html, "<tr><th>工具版本 caseflow version</th><td>9.9.9</td></tr>");
    ASSERT_CONTAINS(html, "行政处罚（一般程序） <small>w v1 h</small>");
    ASSERT_CONTAINS(html, "<td>决定书送达期限 <small>service</small></td>");
    ASSERT_CONTAINS(html, "<td>线索 <small>lead</small></td>");
    ASSERT_CONTAINS(html, "<td data-kind=\"deadline\">超过法定期限</td>");
    ASSERT_CONTAINS(html, "<td>行政处罚法 第六十二条</td>");
    ASSERT(strstr(html, "to confirm") == NULL && strstr(html, "seed") == NULL &&
           strstr(html, "辛集") == NULL);
    const char *c1 = row_of(html, 1), *c2 = row_of(html, 2), *c3 = row_of(html, 3),
               *c4 = row_of(html, 4);
    ASSERT(c1 && c2 && c3 && c4);
    ASSERT(c2 < c4 && c4 < c1 && c1 < c3); /* deviations first, each group in case order */
    free(html);
    /* operate-3.2: summary only: no conformant row */
    html = html_report(1, NULL);
    ASSERT(row_of(html, 2) && row_of(html, 4) && !row_of(html, 1) && !row_of(html, 3));
    ASSERT_CONTAINS(html, "列出有偏差的案件 2 件");
    free(html);
    /* operate-3.3: one kind of deviation */
    html = html_report(0, "deadline");
    ASSERT(row_of(html, 4) && !row_of(html, 2) && !row_of(html, 1) && !row_of(html, 3));
    ASSERT_CONTAINS(html, "列出有偏差的案件 1 件（偏差类型：超过法定期限）");
    free(html);
    return 0;
}

/* ---- operate-4: SIGHUP ----------------------------------------------------------------------- */

static long open_status(const td_daemon_t *d, const char *token)
{
    td_resp_t r;
    json_t *body =
        json_pack("{s:s, s:{s:s, s:s}, s:{s:s}}", "workflow", "penalty-general", "party", "name",
                  "某药房", "type", "定点医药机构", "facts", "lead_source", "投诉举报");
    td_http_json(d, "POST", "/v1/cases", token, body, NULL, &r);
    json_decref(body);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

static void sql(const char *db, const char *text)
{
    sqlite3 *conn;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    sqlite3_busy_timeout(conn, 5000);
    ASSERT_EQ(sqlite3_exec(conn, text, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(conn);
}

TEST_IMPL(operate_4_sighup_reload)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (sql)");
    char db[512];
    td_db("op-hup.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.handle_signals = 1;
    cfg.calendar_poll_ms = 3600000; /* no poll during the test: only SIGHUP */
    td_start(&d, &cfg);
    char *text = td_metrics_text(&d);
    ASSERT_CONTAINS(text, "caseflow_calendar_reloads_total 0");
    free(text);
    /* operate-4.1: a calendar change (the version bump `calendar load` makes) is picked
     * up at once on SIGHUP (systemctl reload), not at the next poll an hour later */
    sql(db, "UPDATE calendar_version SET version = version + 1;");
    ASSERT_EQ(raise(SIGHUP), 0);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_calendar_reloads_total") == 1);
    int seen = td_metric(&d, "caseflow_calendar_reloads_total") == 1;
    ASSERT(seen);
    td_stop(&d);
    return 0;
}

/* ---- operate-5: the operator's log ----------------------------------------------------------- */

/* The first line of text (NUL-terminated) with event ev, parsed; NULL if none. */
static json_t *log_line(const char *text, const char *ev)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        json_t *o = json_loadb(p, len, 0, NULL);
        const char *e = json_string_value(json_object_get(o, "event"));
        if (e && strcmp(e, ev) == 0)
            return o;
        json_decref(o);
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

TEST_IMPL(operate_5_logs)
{
    char db[512];
    td_db("op-log.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    td_stderr_t log;
    td_stderr_to(&log, db);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.webhooks[cfg.webhooks_count++] = "http://127.0.0.1:1/nobody-listens";
    cfg.webhook_attempts = 1;
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, head), 201);
    td_resp_t r;
    td_http(&d, "GET", "/livez", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    td_resp_free(&r);
    ASSERT_EQ(status_of(&d, "not-a-token"), 401);
    td_clock(&d, "2026-04-30T09:00:00+08:00"); /* the filing clock's alerts fire */
    char *text = NULL;
    json_t *given_up = NULL;
    for (int64_t end = cf_test_ms() + CF_TEST_WAIT_MS; !given_up && cf_test_ms() < end;) {
        cf_test_nap(20);
        fflush(stderr);
        free(text);
        text = td_slurp(log.path);
        given_up = log_line(text, "webhook_given_up");
    }
    td_stop(&d);
    td_stderr_restore(&log);
    free(text);
    text = td_slurp(log.path);
    /* operate-5.1: a request's line */
    json_t *req = log_line(text, "request");
    ASSERT(req != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(req, "level")), "info");
    ASSERT_STR_EQ(json_string_value(json_object_get(req, "method")), "POST");
    ASSERT_STR_EQ(json_string_value(json_object_get(req, "path")), "/v1/cases");
    ASSERT_EQ(json_integer_value(json_object_get(req, "status")), 201);
    ASSERT_STR_EQ(json_string_value(json_object_get(req, "agency")), "甲局");
    ASSERT(json_is_number(json_object_get(req, "latency_ms")));
    ASSERT(json_is_string(json_object_get(req, "request_id")));
    ASSERT(strlen(json_string_value(json_object_get(req, "time"))) == 29);
    ASSERT(strstr(text, head) == NULL); /* never a token's secret */
    json_decref(req);
    ASSERT_CONTAINS(text, "\"path\":\"/livez\",\"status\":200");
    ASSERT_CONTAINS(text, "\"level\":\"warn\",\"event\":\"request\"");
    /* operate-5.2: the webhook given up, the shutdown and its reason */
    ASSERT(given_up != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(given_up, "level")), "error");
    ASSERT_STR_EQ(json_string_value(json_object_get(given_up, "url")),
                  "http://127.0.0.1:1/nobody-listens");
    json_decref(given_up);
    json_t *down = log_line(text, "shutdown");
    ASSERT(down != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(down, "reason")), "stop requested");
    json_decref(down);
    free(text);
    free(head);
    return 0;
}
