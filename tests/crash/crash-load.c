/*
 * crash-load.c -- `caseflow-crash run`: the crash test's load generator.
 *
 * --workers threads each open penalty-general cases and walk them from 线索 to
 * 归档 (the README's walk, plus a 回避 and an extension of the decision clock;
 * every other case stops part way, so that clocks keep running and fall due),
 * reading each case (GET: its version) before acting on it with If-Match, and
 * retrying on 409 (an alert fired in between). A clock thread moves the
 * daemon's test clock by --clock-step seconds every --clock-ms ms, so alerts
 * fall due and fire while the requests are being written. Every request that
 * changes a case is logged (crash-int.h) as soon as its outcome is known. When
 * the daemon is killed, each thread's next exchange fails: the one in flight is
 * logged "lost" and the thread ends; the program ends when all have.
 *
 * Before each clock move, --clock FILE is rewritten with that instant plus an
 * hour: where the next daemon's clock may start (the daemon's clock only moves
 * forward; a case's events must not go back in time).
 *
 * Several daemons on one database (--ports P1,P2,...: tests/crash/crash-pg.sh):
 * each request goes to the next daemon in turn, the clock thread moves every
 * daemon's clock, and the load outlives a daemon's death and the database's: a
 * request whose connection failed, or that was answered 503 (the database away:
 * it may have committed before the answer was lost), is logged "lost" and tried
 * again on the next daemon after a pause, with the version read again. The load
 * then runs --seconds and ends by itself.
 */
#include "crash-int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RETRIES   50
#define MAX_PORTS 8
#define PAUSE_MS  100 /* before trying again once a daemon or the database is away */

static const char sha[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/* The walk: who acts, the action (or "extend:<clock>"), its facts and documents. */
typedef struct step_s {
    const char *role; /* "handler" or "head" */
    const char *action;
    const char *facts; /* JSON object text */
    const char *docs;  /* document names, comma-separated */
} step_t;

#define OFFICERS                                                                                   \
    "[{\"name\":\"张三\",\"cert\":\"65010020001\"},{\"name\":\"王五\",\"cert\":\"65010020002\"}]"

static const step_t walk[] = {
    {"head", "file",
     "{\"filing_reason\":\"涉嫌串换药品骗取医保基金\",\"cause\":\"js-2024:14\","
     "\"officers\":" OFFICERS "}",
     "立案审批表"},
    {"head", "extend:decision", "{\"by\":\"30 days\",\"reason\":\"案情复杂\"}", ""},
    {"head", "recuse",
     "{\"recusal_reason\":\"执法人员与当事人有利害关系\",\"officers\":[{\"name\":\"张三\",\"cert\":"
     "\"65010020001\"},{\"name\":\"赵六\",\"cert\":\"65010020003\"}]}",
     "回避决定书"},
    {"handler", "evidence", /* POST .../evidence: the item (evidence-before-review) */
     "{\"kind\":\"书证\",\"title\":\"处方单据12份\",\"source\":\"某某大药房\",\"method\":"
     "\"调取\",\"officers\":[{\"name\":\"张三\"},{\"name\":\"赵六\"}]}",
     ""},
    {"handler", "submit_review", "{\"findings\":\"串换药品12次，涉及医保基金1万元\"}",
     "调查终结报告"},
    {"handler", "notify", "{\"notified_penalty\":\"罚款2万元\",\"notified_fine\":\"20000\"}",
     "案件审查报告,行政处罚告知书"},
    {"handler", "serve_notice", "{}", "告知书送达回证"},
    {"handler", "waive_rights", "{\"waiver\":\"当事人书面放弃陈述、申辩\"}",
     "放弃陈述申辩和听证权利声明书"},
    {"head", "decide", "{\"penalty\":\"罚款2万元\",\"fine\":\"20000\"}", "行政处罚决定书"},
    {"handler", "serve", "{\"service_method\":\"直接送达\"}", "送达回证"},
    {"handler", "pay",
     "{\"paid_amount\":\"20000\",\"payment_method\":\"bank\",\"paid_on\":\"2026-03-02\"}",
     "罚款缴纳凭证"},
    {"head", "close", "{\"closing_reason\":\"罚款已缴清\"}", "结案审批表"},
    {"handler", "archive", "{}", "卷宗"},
};

typedef struct load_s {
    int ports[MAX_PORTS], nports;
    int persist;           /* several daemons: a failure is waited out, not the end */
    time_t end;            /* persist: when the load stops */
    const char *tokens[2]; /* handler, head */
    FILE *log;
    pthread_mutex_t mu;
    const char *clock_path;
    cf_time_t clock;
    int clock_ms, clock_step;
    atomic_int stop;
    atomic_int acked, conflicts, refused, lost, unavailable;
} load_t;

typedef struct worker_s {
    load_t *l;
    pthread_t thread;
    crash_http_t http;
    unsigned turn; /* which daemon the next request goes to */
} worker_t;

/* The daemon the worker's next exchange goes to: each in turn. */
static crash_http_t *next_node(worker_t *w)
{
    w->http.port = w->l->ports[w->turn++ % (unsigned)w->l->nports];
    return &w->http;
}

static int over(const load_t *l)
{
    return l->stop || (l->persist && time(NULL) >= l->end);
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the request log ------------------------------------------------------------------- */

static void log_line(load_t *l, json_t *rec)
{
    char *text = json_dumps(rec, JSON_COMPACT);
    pthread_mutex_lock(&l->mu);
    if (text) {
        fputs(text, l->log);
        fputc('\n', l->log);
        fflush(l->log);
    }
    pthread_mutex_unlock(&l->mu);
    free(text);
    json_decref(rec);
}

/* Logs the outcome of one request; returns 0 (acked), 1 (409), 2 (refused), -1 (lost). */
static int outcome(load_t *l, int sent, const crash_resp_t *r, const char *req, long long id,
                   const char *action, long long if_match)
{
    json_t *rec = json_pack("{s:s, s:I, s:s, s:I}", "req", req, "case", (json_int_t)id, "action",
                            action, "if_match", (json_int_t)if_match);
    if (sent != 0 || r->status == 503) { /* 503: the database went away, maybe after the commit */
        if (sent == 0) {
            json_object_set_new(rec, "status", json_integer(r->status));
            l->unavailable++;
        }
        json_object_set_new(rec, "k", json_string("lost"));
        log_line(l, rec);
        l->lost++;
        return -1;
    }
    json_object_set_new(rec, "status", json_integer(r->status));
    if (r->status == 200 || r->status == 201) {
        json_t *events = json_array(), *ev;
        size_t i;
        json_array_foreach(json_object_get(r->json, "events"), i, ev)
            json_array_append_new(events, json_pack("[O, O, O]", json_object_get(ev, "seq"),
                                                    json_object_get(ev, "hash"),
                                                    json_object_get(ev, "type")));
        json_object_set_new(rec, "k", json_string("ack"));
        json_object_set_new(rec, "case", json_incref(json_object_get(r->json, "id")));
        json_object_set_new(rec, "events", events);
        log_line(l, rec);
        l->acked++;
        return 0;
    }
    json_object_set_new(rec, "k", json_string(r->status == 409 ? "conflict" : "refused"));
    log_line(l, rec);
    if (r->status == 409) {
        l->conflicts++;
        return 1;
    }
    l->refused++;
    return 2;
}

/* ---- the walk ------------------------------------------------------------------------------ */

static char *step_body(const step_t *s)
{
    json_t *body = json_loads(s->facts, 0, NULL);
    if (strncmp(s->action, "extend:", 7) == 0) {
        json_object_set_new(body, "clock", json_string(s->action + 7));
    } else if (strcmp(s->action, "evidence") == 0) {
        /* the body is the item itself */
    } else {
        json_t *docs = json_object();
        char names[256];
        snprintf(names, sizeof(names), "%s", s->docs);
        for (char *save = NULL, *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save))
            json_object_set_new(
                docs, n, json_pack("{s:s, s:i, s:s}", "sha256", sha, "size", 4, "file", "a.pdf"));
        body = json_pack("{s:s, s:o, s:o}", "action", s->action, "facts", body, "documents", docs);
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* Takes step s on case id: read, act with If-Match, again on 409 (and, with several
 * daemons, again after a pause when a daemon or the database was away). Returns 0
 * when done, 1 or 2 when given up or refused (the case is left), -1 when the daemon
 * is gone (one daemon) or the load is over. */
static int act(worker_t *w, long long id, const step_t *s)
{
    char path[96], *body = step_body(s);
    int extend = strncmp(s->action, "extend:", 7) == 0, rc = 1;
    int evidence = strcmp(s->action, "evidence") == 0;
    const char *token = w->l->tokens[strcmp(s->role, "head") == 0];
    for (int attempt = 0; attempt < RETRIES && (rc == 1 || rc == -1); attempt++) {
        crash_resp_t r;
        if (rc == -1 && (!w->l->persist || over(w->l)))
            break;
        if (rc == -1)
            pause_ms(PAUSE_MS);
        crash_http_t *h = next_node(w);
        snprintf(path, sizeof(path), "/v1/cases/%lld", id);
        int got = crash_http(h, "GET", path, token, -1, NULL, &r);
        long long version = r.etag;
        long status = r.status;
        crash_resp_free(&r);
        if (got != 0 || status != 200) {
            rc = -1;
            continue;
        }
        snprintf(path, sizeof(path), "/v1/cases/%lld/%s", id,
                 extend     ? "extensions"
                 : evidence ? "evidence"
                            : "actions");
        int sent = crash_http(h, "POST", path, token, version, body, &r);
        rc = outcome(w->l, sent, &r,
                     extend     ? "extend"
                     : evidence ? "evidence"
                                : "act",
                     id, s->action, version);
        crash_resp_free(&r);
    }
    free(body);
    return rc;
}

static int open_case(worker_t *w, long long *id)
{
    static const char body[] =
        "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"某某大药房\","
        "\"type\":\"定点医药机构\"},\"facts\":{\"lead_source\":\"投诉举报\"}}";
    crash_resp_t r;
    int sent = crash_http(next_node(w), "POST", "/v1/cases", w->l->tokens[0], -1, body, &r);
    int rc = outcome(w->l, sent, &r, "open", 0, "open", -1);
    *id = rc == 0 ? json_integer_value(json_object_get(r.json, "id")) : 0;
    crash_resp_free(&r);
    return rc;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    size_t steps = sizeof(walk) / sizeof(walk[0]);
    for (unsigned n = 0; !over(w->l); n++) {
        /* every other case stops part way, its clocks left running: alerts to fire */
        size_t upto = n % 2 ? steps : (n / 2) % steps;
        long long id;
        int rc = open_case(w, &id);
        for (size_t i = 0; rc == 0 && i < upto; i++)
            rc = act(w, id, &walk[i]);
        if (rc < 0 && !w->l->persist)
            break;
        if (rc < 0 && !over(w->l))
            pause_ms(PAUSE_MS);
    }
    curl_easy_cleanup(w->http.easy);
    return NULL;
}

/* ---- the clock ----------------------------------------------------------------------------- */

static int write_clock(const char *path, cf_time_t t)
{
    char tmp[600], iso[CF_TIME_BUFSZ];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    cf_time_format(t, iso);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", iso);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

static void *clock_main(void *arg)
{
    worker_t *w = arg;
    load_t *l = w->l;
    cf_time_t t = l->clock;
    while (!l->stop) {
        pause_ms(l->clock_ms);
        t += l->clock_step;
        if (write_clock(l->clock_path, t + 3600) != 0)
            break;
        int moved = 0; /* a daemon away, or started ahead of t (409), is left as it is */
        for (int i = 0; i < l->nports; i++)
            moved += crash_clock(next_node(w), t) >= 0;
        if (!moved && !l->persist)
            break;
    }
    curl_easy_cleanup(w->http.easy);
    return NULL;
}

/* ---- run ----------------------------------------------------------------------------------- */

static int read_clock(const char *path, cf_time_t *t)
{
    char line[64] = "";
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof(line), f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    return cf_time_parse(line, t, NULL);
}

/* Exported, documented in crash-int.h */
int crash_run(int argc, char **argv)
{
    load_t l = {
        .tokens = {crash_opt(argc, argv, "--handler", NULL), crash_opt(argc, argv, "--head", NULL)},
        .clock_path = crash_opt(argc, argv, "--clock", NULL),
        .clock_ms = atoi(crash_opt(argc, argv, "--clock-ms", "200")),
        .clock_step = atoi(crash_opt(argc, argv, "--clock-step", "3600"))};
    int n = atoi(crash_opt(argc, argv, "--workers", "4"));
    const char *log_path = crash_opt(argc, argv, "--log", NULL);
    l.nports = crash_ports(argc, argv, l.ports, MAX_PORTS);
    l.persist = crash_opt(argc, argv, "--ports", NULL) != NULL;
    l.end = time(NULL) + atoi(crash_opt(argc, argv, "--seconds", "30"));
    if (l.nports < 1 || !l.tokens[0] || !l.tokens[1] || !l.clock_path || !log_path || n < 1 ||
        n > 64 || read_clock(l.clock_path, &l.clock) != 0) {
        fprintf(stderr, "caseflow-crash run: bad arguments or clock file\n");
        return 2;
    }
    /* killed before the first clock move, the next daemon still starts later */
    if (write_clock(l.clock_path, l.clock + 3600) != 0 || !(l.log = fopen(log_path, "a")))
        return 2;
    pthread_mutex_init(&l.mu, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    worker_t *w = calloc((size_t)n + 1, sizeof(*w));
    for (int i = 0; i <= n; i++) {
        w[i].l = &l;
        w[i].turn = (unsigned)i;
        pthread_create(&w[i].thread, NULL, i == n ? clock_main : worker_main, &w[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
    l.stop = 1;
    pthread_join(w[n].thread, NULL);
    printf("load: %d acknowledged, %d conflicts (409), %d refused, %d lost in flight (%d of them "
           "answered 503)\n",
           (int)l.acked, (int)l.conflicts, (int)l.refused, (int)l.lost, (int)l.unavailable);
    free(w);
    fclose(l.log);
    pthread_mutex_destroy(&l.mu);
    curl_global_cleanup();
    return 0;
}
