/*
 * test-serve-storm-log.c -- storm-5.*: what the loop does a turn at a time in a
 * deadline storm (issue 26), apart from firing: the access log and the look at the
 * database file.
 *
 * storm-5: the access log written as text, gathered a turn of the loop at a time:
 *          one whole JSON line per request (case and action for an action), out
 *          before the daemon stops; reals as jansson's JSON_REAL_PRECISION(6)
 *          writes them; the UTF-8 check agrees with jansson's; the POSTs read in
 *          one turn of the loop share one look at the database file.
 *
 * Apart from test-serve-storm.c (the firing: order, chunks, reading ahead, fairness):
 * these check what every request costs the loop, not how alerts fire, and the two
 * together were past the 800 lines a file may have. As there, figures are bench rows
 * (bench/bench-storm.c), never asserted here.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* cf__log, cf__jsonw_utf8, cf__serve_db_check_loop */
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- storm-5 ------------------------------------------------------------------------------ */

/* The "request" lines of text, each parsed; exits the test on a line that is not
 * a JSON object (the daemon's plain notices aside: they start without '{'). */
static json_t *request_lines(const char *text)
{
    json_t *all = json_array();
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        ASSERT(nl != NULL); /* every line whole */
        if (*p != '{') {
            p = nl + 1;
            continue;
        }
        json_t *o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, NULL);
        ASSERT(json_is_object(o));
        const char *ev = json_string_value(json_object_get(o, "event"));
        if (ev && strcmp(ev, "request") == 0)
            json_array_append(all, o);
        json_decref(o);
        p = nl + 1;
    }
    return all;
}

/* storm-5.1: one whole line per request, the action's with case and action (also of an
 * action refused before its body was read), each out while the daemon runs (the flush
 * of the turn, not the stop); request ids as "%x-%llu" writes them. */
TEST_IMPL(storm_log_lines)
{
    enum { GETS = 40 };
    char db[512];
    td_db("storm-log.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    td_stderr_t sf;
    td_stderr_to(&sf, db);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_resp_t r;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    const char *open = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某某大药房\"}}";
    const char *act = "{\"action\":\"no_such_step\"}";
    td_http(&d, "POST", "/v1/cases", token, open, strlen(open), NULL, &r);
    int opened = r.status;
    td_resp_free(&r);
    td_http(&d, "POST", "/v1/cases/1/actions", token, act, strlen(act), "1", &r);
    int acted = r.status;
    td_resp_free(&r);
    /* refused before its body was read (no If-Match): the log reads the action itself */
    const char *unread = "{\"action\":\"unread_step\"}";
    td_http(&d, "POST", "/v1/cases/1/actions", token, unread, strlen(unread), NULL, &r);
    int unmatched = r.status;
    td_resp_free(&r);
    /* out before the stop: the line of the action appears while the daemon runs */
    char *text = NULL;
    for (int64_t end = cf_test_ms() + CF_TEST_WAIT_MS;
         (!text || !strstr(text, "\"action\":\"no_such_step\"")) && cf_test_ms() < end;) {
        free(text);
        cf_test_nap(10);
        text = td_slurp(sf.path);
    }
    ASSERT_CONTAINS(text, "\"case\":1,\"action\":\"no_such_step\"}");
    ASSERT_CONTAINS(text, "\"status\":428,");
    ASSERT_CONTAINS(text, "\"case\":1,\"action\":\"unread_step\"}");
    ASSERT_EQ(unmatched, 428);
    free(text);
    for (int i = 0; i < GETS; i++) {
        td_http(&d, "GET", i % 2 ? "/livez" : "/v1/cases/1", token, NULL, 0, NULL, &r);
        ASSERT(r.status == 200);
        td_resp_free(&r);
    }
    td_stop(&d);
    td_stderr_restore(&sf);
    ASSERT_EQ(opened, 201);
    ASSERT(acted >= 400 && acted < 500); /* refused or a conflict: logged all the same */
    text = td_slurp(sf.path);
    json_t *lines = request_lines(text);
    ASSERT_EQ(json_array_size(lines), 3 + GETS);
    size_t i;
    json_t *o;
    int cases = 0;
    json_array_foreach(lines, i, o) {
        const char *rid = json_string_value(json_object_get(o, "request_id"));
        unsigned boot = 0;
        unsigned long long seq = 0;
        char again[64];
        ASSERT(rid && sscanf(rid, "%x-%llu", &boot, &seq) == 2);
        snprintf(again, sizeof(again), "%x-%llu", boot, seq); /* "%x-%llu", as it was */
        ASSERT_STR_EQ(rid, again);
        ASSERT(json_is_integer(json_object_get(o, "status")));
        ASSERT(json_is_real(json_object_get(o, "latency_ms")));
        ASSERT_EQ(strlen(json_string_value(json_object_get(o, "time"))), 29);
        cases += json_integer_value(json_object_get(o, "case")) == 1;
    }
    ASSERT_EQ(cases, 2 + GETS / 2); /* the actions and every GET of case 1 */
    ASSERT(strstr(text, token) == NULL);
    json_decref(lines);
    free(text);
    free(token);
    return 0;
}

/* storm-5.2: reals written as json_dumps(JSON_REAL_PRECISION(6)) writes them, other
 * fields in their order after time, level and event. */
TEST_IMPL(storm_log_reals)
{
    char db[512];
    td_db("storm-log-reals.db", db, sizeof(db));
    json_t *fields =
        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:I, s:[i, s]}", "a", 0.607013, "b",
                  1234567.0, "c", 3.0, "d", 1.5e-7, "e", 12.25, "f", -2.5e12, "g", 100000.0, "s",
                  "甲局 \"x\"", "n", (json_int_t)-7, "list", 1, "二");
    char *want = json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    td_stderr_t sf;
    td_stderr_to(&sf, db);
    cf__log("info", "reals", json_incref(fields));
    td_stderr_restore(&sf);
    char *text = td_slurp(sf.path);
    const char *tail = strstr(text, "\"event\":\"reals\",");
    ASSERT(tail != NULL);
    tail += strlen("\"event\":\"reals\",");
    ASSERT_EQ(strncmp(tail, want + 1, strlen(want) - 1), 0); /* want without its '{' */
    ASSERT_STR_EQ(tail + strlen(want) - 1, "\n");
    free(want);
    free(text);
    json_decref(fields);
    return 0;
}

/* storm-5.3: cf__jsonw_utf8 says yes exactly where jansson takes the bytes as a string. */
TEST_IMPL(storm_log_utf8)
{
    static const char *const fixed[] = {"",
                                        "abc",
                                        "甲局",
                                        "\xc3\xa9",
                                        "\xc3",
                                        "\xe2\x82",
                                        "\xed\xa0\x80",
                                        "\xc0\xaf",
                                        "\xf4\x90\x80\x80",
                                        "\xf0\x9f\x98\x80",
                                        "\xff",
                                        "a\x80"
                                        "b"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        json_t *j = json_stringn(fixed[i], strlen(fixed[i]));
        ASSERT_EQ(cf__jsonw_utf8(fixed[i], strlen(fixed[i])), j != NULL);
        json_decref(j);
    }
    unsigned seed = 26;
    for (int k = 0; k < 20000; k++) {
        unsigned char b[6];
        size_t n = (size_t)(rand_r(&seed) % 6);
        for (size_t i = 0; i < n; i++) /* mostly high bytes: where the rules are */
            b[i] = (unsigned char)(rand_r(&seed) % 4 ? 0x80 + rand_r(&seed) % 0x80
                                                     : rand_r(&seed) % 0x80 + 1);
        json_t *j = json_stringn((const char *)b, n);
        ASSERT_EQ(cf__jsonw_utf8((const char *)b, n), j != NULL);
        json_decref(j);
    }
    return 0;
}

static void quiet_log(void *ctx, const char *line)
{
    (void)ctx, (void)line;
}

/* storm-5.4: the check of the database file before a write is queued is made once a
 * turn of the loop: a second POST of the same turn reuses it, the next turn looks
 * again (the commit's own check covers the rest: serve_hard_db_*). */
TEST_IMPL(storm_db_check_once_a_turn)
{
    CF_TEST_SQLITE_ONLY("the daemon's check of its SQLite file (PostgreSQL has no file: a lost "
                        "connection is its 503)");
    char db[512];
    td_db("storm-dbcheck.db", db, sizeof(db));
    struct stat st;
    ASSERT_EQ(stat(db, &st), 0);
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    srv->cfg.db_path = db;
    srv->cfg.log = quiet_log;
    srv->db_dev = st.st_dev;
    srv->db_ino = st.st_ino;
    srv->turns = 1;
    ASSERT_EQ(cf__serve_db_check_loop(srv), 0);
    ASSERT_EQ(remove(db), 0);
    ASSERT_EQ(cf__serve_db_check_loop(srv), 0); /* the same turn: not looked at again */
    srv->turns = 2;
    ASSERT_EQ(cf__serve_db_check_loop(srv), CF_EIO); /* the next turn sees it gone */
    ASSERT_EQ(cf__serve_db_check_loop(srv), CF_EIO); /* and lost stays lost */
    free(srv);
    return 0;
}
