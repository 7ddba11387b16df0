/*
 * test-nodes.c -- several daemons on one database, and one daemon restarted
 * (issue 24 item 3).
 *
 * nodes-1: the workbench's sessions are the database's, not a daemon's memory: a
 *   session made on one daemon is good on the next one started on the database
 *   (a restart, or another node), with the same CSRF token; a sign-out on one is
 *   seen by the next; a cookie altered by one character, or signed by another
 *   database's key, is refused. (Two daemons at once on one SQLite file are
 *   refused by the single-daemon lock: the restart stands in for the second node.)
 * nodes-2: due alerts are claimed by one daemon with a lease: earliest first, none
 *   for another daemon while the lease runs (it is told how long), all of them
 *   once it ran out, never one already fired, and at once after a clean release.
 * nodes-3: a daemon sharing the database (cfg.shared) leaves alone the alerts a dead
 *   daemon claimed while its lease runs, then fires every one of them, once, after the
 *   lease's end (how soon after is a figure, docs/deploy.md, not asserted here).
 * nodes-4: a shared daemon's stream shows the changes made beside it (another node;
 *   here the command line on the same file) as well as its own, once each, in
 *   commit order.
 * nodes-5: a daemon stopped cleanly gives back the alerts it claimed and did not
 *   fire: the next daemon fires them at once, not after the lease.
 * nodes-6 (PostgreSQL: two daemons at once on one database): both write different
 *   cases at the same time, none refused; the same case at the same version through
 *   both, one 200 and one 409; an alert fired by one reaches the streams of both,
 *   once each, with its id.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "serve-helpers.h"
#include "serve-int.h"
#include "../storage/store-int.h"
#include "store.h"
#include "task.h"

#define T0     "2026-03-02T09:00:00+08:00"
#define AGENCY "某县医疗保障局"

/* ---- an exchange with the session cookie ----------------------------------------------------- */

typedef struct answer_s {
    char *body;
    size_t len;
    char cookie[512]; /* the cf_session value of a Set-Cookie, or "" */
} answer_t;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    answer_t *a = ctx;
    char *grown = realloc(a->body, a->len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + a->len, p, size * n);
    a->len += size * n;
    grown[a->len] = 0;
    a->body = grown;
    return size * n;
}

static size_t on_head(char *p, size_t size, size_t n, void *ctx)
{
    answer_t *a = ctx;
    static const char name[] = "set-cookie: cf_session=";
    size_t len = size * n, nlen = sizeof(name) - 1;
    if (len > nlen && strncasecmp(p, name, nlen) == 0) {
        size_t v = strcspn(p + nlen, ";\r\n");
        snprintf(a->cookie, sizeof(a->cookie), "%.*s", (int)v, p + nlen);
    }
    return len;
}

/* method path with the session cookie (value; NULL: none) and csrf (NULL: none);
 * body JSON or NULL. Returns the status; OUT *json (may be NULL) the body parsed
 * (new, or NULL); OUT set (may be NULL): a new cookie's value. */
static long ask(const td_daemon_t *d, const char *method, const char *path, const char *cookie,
                const char *csrf, const char *body, json_t **json, char *set, size_t set_size)
{
    char url[256], line[640];
    answer_t a = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (cookie) {
        snprintf(line, sizeof(line), "Cookie: cf_session=%s", cookie);
        h = curl_slist_append(h, line);
    }
    if (csrf) {
        snprintf(line, sizeof(line), "X-CSRF-Token: %s", csrf);
        h = curl_slist_append(h, line);
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_head);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &a);
    long status = 0;
    if (curl_easy_perform(e) == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    if (json)
        *json = a.body ? json_loads(a.body, 0, NULL) : NULL;
    if (set)
        snprintf(set, set_size, "%s", a.cookie);
    free(a.body);
    return status;
}

/* A session of token on d: OUT cookie (its value) and csrf (64 hex digits). */
static void sign_in(const td_daemon_t *d, const char *token, char cookie[512], char csrf[65])
{
    char body[200];
    json_t *j = NULL;
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", token);
    ASSERT_EQ(ask(d, "POST", "/v1/session", NULL, NULL, body, &j, cookie, 512), 200);
    const char *c = json_string_value(json_object_get(j, "csrf"));
    ASSERT(c && strlen(c) == 64 && *cookie);
    memcpy(csrf, c, 65);
    json_decref(j);
}

/* ---- nodes-1: sessions --------------------------------------------------------------------- */

TEST_IMPL(nodes_1_sessions_restart)
{
    char db[512], other_db[512], c1[512], c2[512], csrf1[65], csrf2[65], forged[512];
    td_db("nodes-session.db", db, sizeof(db));
    td_db("nodes-other.db", other_db, sizeof(other_db));
    char *token = td_token(db, AGENCY, "handler", "张三");
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.token_cache_ms = 100;
    cfg.session_ttl = 3600;
    td_daemon_t a, b, c, o;
    td_start(&a, &cfg);
    sign_in(&a, token, c1, csrf1);
    sign_in(&a, token, c2, csrf2);
    td_stop(&a);

    /* nodes-1.1: the next daemon on the database knows both sessions, the same CSRF
     * token, and takes a change made with it */
    td_start(&b, &cfg);
    json_t *j = NULL;
    ASSERT_EQ(ask(&b, "GET", "/v1/session", c1, NULL, NULL, &j, NULL, 0), 200);
    ASSERT(strcmp(json_string_value(json_object_get(j, "actor")), "张三") == 0);
    ASSERT(strcmp(json_string_value(json_object_get(j, "csrf")), csrf1) == 0);
    json_decref(j);
    ASSERT_EQ(ask(&b, "POST", "/v1/cases", c1, csrf1,
                  "{\"workflow\":\"supervision\",\"party\":{\"name\":\"甲医院\"}}", NULL, NULL, 0),
              201);
    ASSERT_EQ(ask(&b, "POST", "/v1/cases", c1, csrf2,
                  "{\"workflow\":\"supervision\",\"party\":{\"name\":\"甲医院\"}}", NULL, NULL, 0),
              403); /* another session's CSRF token */

    /* nodes-1.2: a cookie altered by one character is refused */
    snprintf(forged, sizeof(forged), "%s", c1);
    char *expiry = forged + 65;
    *expiry = *expiry == '9' ? '8' : (char)(*expiry + 1); /* a later expiry: signature broken */
    ASSERT_EQ(ask(&b, "GET", "/v1/session", forged, NULL, NULL, NULL, NULL, 0), 401);
    snprintf(forged, sizeof(forged), "%s", c1);
    forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
    ASSERT_EQ(ask(&b, "GET", "/v1/cases", forged, NULL, NULL, NULL, NULL, 0), 401);

    /* nodes-1.3: signed out on this daemon, the session is ended on the next one; the
     * other session lives on */
    ASSERT_EQ(ask(&b, "DELETE", "/v1/session", c1, csrf1, NULL, NULL, NULL, 0), 200);
    ASSERT_EQ(ask(&b, "GET", "/v1/session", c1, NULL, NULL, NULL, NULL, 0), 401);
    td_stop(&b);
    td_start(&c, &cfg);
    ASSERT_EQ(ask(&c, "GET", "/v1/session", c1, NULL, NULL, NULL, NULL, 0), 401);
    ASSERT_EQ(ask(&c, "GET", "/v1/cases", c2, NULL, NULL, NULL, NULL, 0), 200);
    td_stop(&c);

    /* nodes-1.4: a daemon on another database (its own key) knows none of them */
    cf_serve_config_t other;
    td_config(&other, other_db, T0);
    td_start(&o, &other);
    ASSERT_EQ(ask(&o, "GET", "/v1/session", c2, NULL, NULL, NULL, NULL, 0), 401);
    td_stop(&o);
    free(token);
    return 0;
}

/* ---- nodes-2: due alerts claimed with a lease ---------------------------------------------- */

/* Inserts an unfired alert of case 1 due at due through store s (either backend). */
static void put_alert(cf_store_t *s, const char *id, cf_time_t due)
{
    char sql[256];
    cf_error_t err;
    snprintf(sql, sizeof(sql),
             "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline, agency) "
             "VALUES ('%s', 1, 'k', 'deadline', %lld, %lld, '')",
             id, (long long)due, (long long)due);
    ASSERT_EQ(cf__store_exec(s, sql, &err), 0);
}

TEST_IMPL(nodes_2_alert_claims)
{
    char db[512];
    td_db("nodes-claims.db", db, sizeof(db));
    cf_store_t *s;
    cf_error_t err;
    cf_alert_t got[8];
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    put_alert(s, "1:k:deadline:b", 1000);
    put_alert(s, "1:k:deadline:a", 1000);
    put_alert(s, "1:k:deadline:c", 900);
    put_alert(s, "1:k:deadline:later", 5000);
    /* nodes-2.1: a claim takes the due alerts, earliest first, not the later one */
    ASSERT_EQ(cf_store_alerts_claim(s, "node-a", 1000, 60000, got, 8, &err), 3);
    ASSERT(strcmp(got[0].id, "1:k:deadline:c") == 0 && strcmp(got[1].id, "1:k:deadline:a") == 0 &&
           strcmp(got[2].id, "1:k:deadline:b") == 0);
    ASSERT_EQ(got[0].case_id, 1);
    ASSERT_EQ(got[0].due_at, 900);
    /* nodes-2.2: while the lease runs another daemon gets none, and is told how long
     * to wait; the owner renews its own */
    ASSERT_EQ(cf_store_alerts_claim(s, "node-b", 1000, 60000, got, 8, &err), 0);
    cf_time_t due = 0;
    int64_t wait = -1;
    ASSERT_EQ(cf_store_alerts_claim_next(s, "node-b", &due, &wait, &err), 0);
    ASSERT_EQ(due, 900);
    ASSERT(wait > 50000 && wait <= 60000);
    ASSERT_EQ(cf_store_alerts_claim_next(s, "node-a", &due, &wait, &err), 0);
    ASSERT_EQ(wait, 0);
    ASSERT_EQ(cf_store_alerts_claim(s, "node-a", 1000, 60000, got, 2, &err), 2);
    /* nodes-2.3: a lease that ran out (node-a died): node-b takes them; one fired is
     * never claimed again */
    ASSERT_EQ(cf_store_alerts_claim(s, "node-a", 1000, -1, got, 8, &err), 3);
    ASSERT_EQ(cf_store_alert_mark(s, "1:k:deadline:c", 1000, &err), 0);
    ASSERT_EQ(cf_store_alerts_claim(s, "node-b", 6000, 60000, got, 8, &err), 3);
    ASSERT(strcmp(got[0].id, "1:k:deadline:a") == 0 &&
           strcmp(got[2].id, "1:k:deadline:later") == 0);
    /* nodes-2.4: released on a clean stop, they are anyone's at once */
    ASSERT_EQ(cf_store_alerts_unclaim(s, "node-b", &err), 0);
    ASSERT_EQ(cf_store_alerts_claim(s, "node-c", 6000, 60000, got, 8, &err), 3);
    cf_store_close(s);
    return 0;
}

/* ---- nodes-3: a daemon's claims outlive it by their lease only ------------------------------ */

/* How many alerts of state ("pending" or "fired") token sees on d. */
static size_t alerts_in(const td_daemon_t *d, const char *token, const char *state)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/alerts?state=%s", state);
    json_t *list = td_get_all(d, token, path);
    size_t n = json_array_size(list);
    json_decref(list);
    return n;
}

/* The alert events on case id's chain. */
static size_t alert_events(const td_daemon_t *d, const char *token, long long id)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/cases/%lld/events", id);
    json_t *events = td_get_json(d, token, path), *ev;
    size_t i, n = 0;
    json_array_foreach(events, i, ev)
        n += strcmp(json_string_value(json_object_get(ev, "type")), "alert") == 0;
    json_decref(events);
    return n;
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST_IMPL(nodes_3_claim_failover)
{
    char db[512];
    td_db("nodes-failover.db", db, sizeof(db));
    char *token = td_token(db, AGENCY, "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.shared = 1;
    td_start(&d, &cfg);
    long long id = td_open_case(&d, token, "penalty-general", "某某大药房");
    size_t n = alerts_in(&d, token, "pending");
    ASSERT(n >= 2);
    td_stop(&d);
    /* Another daemon claimed every alert due by June, for 3 s, then died. */
    cf_store_t *s;
    cf_error_t err;
    cf_alert_t claimed[64];
    cf_time_t june;
    ASSERT_EQ(cf_time_parse("2026-06-01T09:00:00+08:00", &june, NULL), 0);
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    int64_t lease_end = ms_now() + 3000; /* the lease ends at or after it (read before) */
    ASSERT_EQ(cf_store_alerts_claim(s, "dead-node", june, 3000, claimed, 64, &err), (int)n);
    cf_store_close(s);
    /* nodes-3.1: this daemon, started past every due instant, fires none of them while
     * the dead node's lease runs */
    td_config(&cfg, db, "2026-06-01T09:00:00+08:00");
    cfg.shared = 1;
    td_start(&d, &cfg);
    td_clock(&d, "2026-06-01T09:00:00+08:00");
    size_t pending = alerts_in(&d, token, "pending");
    size_t events = alert_events(&d, token, id);
    if (ms_now() < lease_end) { /* looked while the lease ran (unless the machine stalled) */
        ASSERT_EQ(pending, n);
        ASSERT_EQ(events, 0);
    }
    /* nodes-3.2: once the lease has ended every one fires, once (the index is polled
     * every second: waited for generously, a loaded machine slows the poll) */
    CF_TEST_WAIT_UNTIL(alerts_in(&d, token, "pending") == 0);
    ASSERT(ms_now() >= lease_end - 200); /* not before the lease ran out */
    ASSERT_EQ(alerts_in(&d, token, "pending"), 0);
    ASSERT_EQ(alerts_in(&d, token, "fired"), n);
    ASSERT_EQ(alert_events(&d, token, id), n);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- nodes-5: a clean stop gives the claims back ------------------------------------------- */

TEST_IMPL(nodes_5_claims_released_at_stop)
{
    char db[512];
    td_db("nodes-release.db", db, sizeof(db));
    char *token = td_token(db, AGENCY, "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t a, b;
    td_config(&cfg, db, T0);
    cfg.shared = 1;
    td_start(&a, &cfg);
    long long id = td_open_case(&a, token, "penalty-general", "某某大药房");
    size_t n = alerts_in(&a, token, "pending");
    ASSERT(n >= 2);
    /* Daemon a has claimed every alert due by June for a minute (as it does when it
     * starts a burst), and is stopped cleanly before firing them (SIGTERM's path). */
    cf_store_t *s;
    cf_error_t err;
    cf_alert_t claimed[64];
    cf_time_t june;
    ASSERT_EQ(cf_time_parse("2026-06-01T09:00:00+08:00", &june, NULL), 0);
    ASSERT_EQ(cf_store_open(db, &s, &err), 0);
    ASSERT_EQ(cf_store_alerts_claim(s, a.srv->node_id, june, 60000, claimed, 64, &err), (int)n);
    td_stop(&a);
    /* nodes-5.1: the claims are anyone's at once, not after the minute */
    cf_time_t due = 0;
    int64_t wait = -1;
    ASSERT_EQ(cf_store_alerts_claim_next(s, "another-node", &due, &wait, &err), 0);
    ASSERT_EQ(wait, 0);
    cf_store_close(s);
    /* nodes-5.2: the next daemon fires every one of them at once, each once */
    td_config(&cfg, db, "2026-06-01T09:00:00+08:00");
    cfg.shared = 1;
    td_start(&b, &cfg);
    td_clock(&b, "2026-06-01T09:00:00+08:00");
    ASSERT_EQ(alerts_in(&b, token, "pending"), 0);
    ASSERT_EQ(alerts_in(&b, token, "fired"), n);
    ASSERT_EQ(alert_events(&b, token, id), n);
    td_stop(&b);
    free(token);
    return 0;
}

/* ---- nodes-4: the stream follows the log --------------------------------------------------- */

/* Runs `caseflow --db db ARGS...` in-process at now (output discarded): its exit code. */
static int cli(const char *db, const char *now, const char *a1, const char *a2, const char *a3,
               const char *a4, const char *a5, const char *a6, const char *a7, const char *a8)
{
    char *argv[] = {"caseflow", "--db",     (char *)db, (char *)a1, (char *)a2, (char *)a3,
                    (char *)a4, (char *)a5, (char *)a6, (char *)a7, (char *)a8, NULL};
    setenv("CASEFLOW_NOW", now, 1);
    FILE *o = tmpfile(), *e = tmpfile();
    int rc = cf_cli_main(11, argv, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

TEST_IMPL(nodes_4_stream_follow)
{
    char db[512];
    td_db("nodes-follow.db", db, sizeof(db));
    char *token = td_token(db, AGENCY, "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.shared = 1;
    td_start(&d, &cfg);
    /* A case opened before the stream, and followed since (a stream that was there
     * has had it: waited for, as the follower's turn comes when the machine lets it):
     * not on the stream */
    td_stream_t st;
    td_stream_watch(&st, &d, token, "event: case.opened\n", 1);
    td_open_case(&d, token, "penalty-general", "某某大药房");
    td_stream_finish(&st);
    free(st.text);
    td_stream_watch(&st, &d, token, "event: case.opened\n", 2);
    /* nodes-4.1: a case opened through this daemon, and one opened beside it (what
     * another node does: here the command line, on the same database), both reach
     * the stream, once each, in the order they committed */
    long long mine = td_open_case(&d, token, "penalty-general", "某某大药房");
    ASSERT_EQ(cli(db, T0, "case", "open", "--workflow", "supervision", "--party", "乙医院",
                  "--agency", AGENCY),
              0);
    td_stream_finish(&st);
    char want[64];
    snprintf(want, sizeof(want), "id: %lld:1\n", mine);
    const char *first = strstr(st.text, want);
    snprintf(want, sizeof(want), "id: %lld:1\n", mine + 1);
    const char *second = strstr(st.text, want);
    if (!first || !second || first > second)
        CF__FAIL("stream: %s", st.text);
    int opened = 0;
    for (const char *p = st.text; (p = strstr(p, "event: case.opened\n")); p++)
        opened++;
    ASSERT_EQ(opened, 2);
    ASSERT(strstr(second, "\"state\":") && strstr(second, "\"version\":"));
    free(st.text);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- nodes-6: two daemons on one PostgreSQL ------------------------------------------------ */

#define NOT_FILE                                                                                   \
    "{\"action\": \"not_file\", \"facts\": {\"not_filing_reason\": \"不符合立案条件\"}, "   \
    "\"documents\": {\"不予立案审批表\": {\"content_base64\": \"eA==\", \"file\": \"c.pdf\"}}}"

typedef struct writer_s {
    const td_daemon_t *d;
    const char *token;
    int opened, acted; /* 201s and 200s */
} writer_t;

/* POST /v1/cases/{id}/actions NOT_FILE with If-Match version: the status. */
static long not_file(const td_daemon_t *d, const char *token, long long id, long long version)
{
    char path[64], match[32];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    snprintf(match, sizeof(match), "\"%lld\"", version);
    td_http(d, "POST", path, token, NOT_FILE, strlen(NOT_FILE), match, &r);
    long status = r.status;
    if (status != 200 && status != 409)
        fprintf(stderr, "  %s: %ld %s\n", path, status, r.body);
    td_resp_free(&r);
    return status;
}

/* Opens a case and acts on it, ten times, on w->d. */
static void *write_cases(void *arg)
{
    writer_t *w = arg;
    for (int k = 0; k < 10; k++) {
        td_resp_t r;
        json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "workflow", "penalty-general", "party",
                                 "name", "某某大药房", "type", "定点医药机构");
        td_http_json(w->d, "POST", "/v1/cases", w->token, body, NULL, &r);
        json_decref(body);
        long long id = json_integer_value(json_object_get(r.json, "id"));
        long long version = json_integer_value(json_object_get(r.json, "version"));
        if (r.status == 201)
            w->opened++;
        else
            fprintf(stderr, "  POST /v1/cases: %ld %s\n", r.status, r.body);
        td_resp_free(&r);
        if (id > 0 && not_file(w->d, w->token, id, version) == 200)
            w->acted++;
    }
    return NULL;
}

/* The ids of the alerts in a stream's text, in order, into ids (n of them). */
static int alert_ids(const char *text, char ids[][160], int max)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, "event: alert\nid: ")) && n < max; p++) {
        const char *id = p + strlen("event: alert\nid: ");
        snprintf(ids[n++], 160, "%.*s", (int)strcspn(id, "\n"), id);
    }
    return n;
}

TEST_IMPL(nodes_6_two_daemons)
{
    if (!cf_test_pg()) {
        printf("# skip nodes_6_two_daemons: PostgreSQL only (SQLite: one daemon per file)\n");
        return CF_TEST_SKIP;
    }
    char db[512];
    td_db("nodes-two.db", db, sizeof(db));
    char *token = td_token(db, AGENCY, "head", "赵六");
    cf_serve_config_t cfg;
    td_daemon_t a, b;
    td_config(&cfg, db, T0);
    td_start(&a, &cfg);
    td_start(&b, &cfg);
    /* nodes-6.1: different cases written through both at once: every one taken */
    writer_t wa = {&a, token, 0, 0}, wb = {&b, token, 0, 0};
    pthread_t ta, tb;
    ASSERT_EQ(pthread_create(&ta, NULL, write_cases, &wa), 0);
    ASSERT_EQ(pthread_create(&tb, NULL, write_cases, &wb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ASSERT_EQ(wa.opened + wb.opened, 20);
    ASSERT_EQ(wa.acted + wb.acted, 20);
    /* nodes-6.2: one case, the same version named through both: one 200, one 409 (opened
     * through b, started last: each daemon's test clock runs from its start, so b's is
     * the one behind, and an action is never dated before the case's last event) */
    td_resp_t r;
    json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "workflow", "penalty-general", "party", "name",
                             "某某诊所", "type", "定点医药机构");
    td_http_json(&b, "POST", "/v1/cases", token, body, NULL, &r);
    json_decref(body);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    long long version = json_integer_value(json_object_get(r.json, "version"));
    td_resp_free(&r);
    size_t n = alerts_in(&a, token, "pending");
    ASSERT(n >= 2);
    ASSERT_EQ(not_file(&b, token, id, version) + not_file(&a, token, id, version), 200 + 409);
    /* nodes-6.3: the alerts of a case fired by a (its clock moved past them; b's is not)
     * reach the streams of a and b, once each, with the same ids */
    td_stream_t sa, sb; /* first probes: until both followers read the case opened before */
    td_stream_watch(&sa, &a, token, "before the streams", 1);
    td_stream_watch(&sb, &b, token, "before the streams", 1);
    td_open_case(&a, token, "penalty-general", "before the streams"); /* not on sa, sb below */
    td_stream_finish(&sa);
    td_stream_finish(&sb);
    free(sa.text);
    free(sb.text);
    td_stream_watch(&sa, &a, token, "event: case.opened\n", 1);
    td_stream_watch(&sb, &b, token, "event: case.opened\n", 1);
    td_clock(&a, "2026-06-01T09:00:00+08:00");
    /* a case opened after the alerts fired: on a stream, after every alert frame whole */
    td_open_case(&a, token, "penalty-general", "某某大药房");
    td_stream_finish(&sa);
    td_stream_finish(&sb);
    char ids_a[16][160], ids_b[16][160];
    int na = alert_ids(sa.text, ids_a, 16), nb = alert_ids(sb.text, ids_b, 16);
    if (na != (int)n || nb != (int)n)
        CF__FAIL("%d and %d alerts of %zu:\n%s\n---\n%s", na, nb, n, sa.text, sb.text);
    for (int i = 0; i < na; i++) {
        ASSERT_STR_EQ(ids_a[i], ids_b[i]);
        for (int k = 0; k < i; k++)
            ASSERT(strcmp(ids_a[i], ids_a[k]) != 0);
    }
    ASSERT_CONTAINS(sb.text, "\"handlers\":");
    ASSERT_CONTAINS(sb.text, "\"workflow\":\"penalty-general\"");
    ASSERT_CONTAINS(sb.text, "\"fired_at\":");
    free(sa.text);
    free(sb.text);
    td_stop(&a);
    td_stop(&b);
    free(token);
    return 0;
}
