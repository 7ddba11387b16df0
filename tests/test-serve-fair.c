/*
 * test-serve-fair.c -- storm-8: requests kept responsive while alerts fire (issue 26,
 * items 2 and 5). The latencies are bench rows (bench/bench-storm.c), never asserted
 * here; what is asserted is behaviour, on probes and hooks, not clocks.
 *
 * storm-8: the loop, handed back a batch that fired alerts and took in requests,
 *          sends the requests' answers before it delivers the chunk's alerts, and
 *          still runs every job's done (the stream notices) in the batch's order; the
 *          phases of a request's write are counted, apart for those queued while
 *          alerts fired (caseflow_write_phase_*).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "serve-int.h" /* storm-8.1 hands a batch back directly */
#include "task.h"

static cf_time_t at_of(const char *iso)
{
    cf_time_t t;
    cf_error_t err;
    ASSERT_EQ(cf_time_parse(iso, &t, &err), 0);
    return t;
}

/* ---- storm-8.1 ---------------------------------------------------------------------------- */

/* What the fake jobs did, in order: "r1" a reply of job 1, "d1" its done. */
typedef struct trace_s {
    char text[128];
} trace_t;

static void note(cf__job_t *j, char what)
{
    trace_t *t = (trace_t *)j->srv->cfg.fire_probe_ctx; /* the test's, not a probe here */
    size_t n = strlen(t->text);
    if (n + 3 < sizeof(t->text)) {
        t->text[n] = what;
        t->text[n + 1] = (char)('0' + j->case_id);
        t->text[n + 2] = ' ';
        t->text[n + 3] = '\0';
    }
}

static void fake_reply(cf__job_t *j)
{
    note(j, 'r');
}

static void fake_done(cf__job_t *j)
{
    note(j, 'd');
    free(j);
}

static cf__job_t *fake_job(cf_serve_t *srv, cf__job_kind_t kind, int64_t id, int replies)
{
    cf__job_t *j = calloc(1, sizeof(*j));
    ASSERT(j != NULL);
    j->kind = kind;
    j->case_id = id;
    j->srv = srv;
    j->reply = replies ? fake_reply : NULL;
    j->done = fake_done;
    srv->writer.inflight++;
    return j;
}

/* storm-8.1: a batch back from the writer: a request written before a firing chunk, the
 * chunk, two requests it took in (the second without a reply of its own, as a sign-out)
 * and a request after. Every reply goes before the chunk's done (its alerts' delivery);
 * the dones keep the batch's order (the streams see the transaction's order), and the
 * loop no longer counts any of them in flight. Without the replies first the chunk's
 * alerts were delivered before the answers of the requests that shared its commit. */
TEST_IMPL(storm_answers_before_alerts)
{
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    ASSERT(srv != NULL);
    trace_t trace = {{0}};
    srv->cfg.fire_probe_ctx = &trace;
    cf__job_t *jobs[5] = {
        fake_job(srv, CF__JOB_OPEN, 1, 1), fake_job(srv, CF__JOB_FIRE, 2, 0),
        fake_job(srv, CF__JOB_ACT, 3, 1),  fake_job(srv, CF__JOB_SESSION_END, 4, 0),
        fake_job(srv, CF__JOB_OPEN, 5, 1),
    };
    for (int i = 0; i < 4; i++)
        jobs[i]->next = jobs[i + 1];
    cf__writer_hand_back(srv, jobs[0]);
    ASSERT_STR_EQ(trace.text, "r1 r3 r5 d1 d2 d3 d4 d5 ");
    ASSERT_EQ(srv->writer.inflight, 0);
    /* the fake jobs have no HTTP request: none is counted as a request's write */
    ASSERT_EQ(srv->m.phases[0].count + srv->m.phases[1].count, 0);
    free(srv);
    return 0;
}

/* ---- storm-8.2 ---------------------------------------------------------------------------- */

/* Holds the backlog's first chunk until the test's POST is queued for the writer (or
 * 20 s), so the POST is queued while alerts fire. */
typedef struct hold_s {
    td_daemon_t *d;
    int chunks;
} hold_t;

static void hold_probe(void *ctx, unsigned chunk)
{
    hold_t *h = ctx;
    (void)chunk;
    if (__atomic_fetch_add(&h->chunks, 1, __ATOMIC_SEQ_CST) != 0)
        return;
    for (int i = 0; i < 20000 && !td_opening_queued(h->d); i++)
        usleep(1000);
}

typedef struct opener_s {
    td_daemon_t *d;
    const char *token;
    long long id;
} opener_t;

static void *open_main(void *arg)
{
    opener_t *o = arg;
    o->id = td_open_case(o->d, o->token, "penalty-general", "某某大药房");
    return NULL;
}

/* storm-8.2: the phases of the requests' writes are counted: a POST queued while a
 * backlog fires (the first chunk held until it is queued) under firing="yes", one
 * after the backlog under firing="no"; each phase has its sample. */
TEST_IMPL(storm_write_phases_counted)
{
    enum { CASES = 20 };
    char db[512];
    td_db("storm-phases.db", db, sizeof(db));
    td_open_spread(db, "甲局", at_of("2026-03-02T09:00:00+08:00"), 0, CASES);
    char *token = td_token(db, "甲局", "handler", "张三");
    td_daemon_t d;
    hold_t h = {.d = &d};
    cf_serve_config_t cfg;
    td_config(&cfg, db, "2026-09-01T09:00:00+08:00"); /* months later: all due at start */
    cfg.fire_chunk = 4;
    cfg.fire_probe = hold_probe;
    cfg.fire_probe_ctx = &h;
    td_start(&d, &cfg);
    opener_t o = {.d = &d, .token = token};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, open_main, &o), 0);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT(o.id > 0);
    td_clock(&d, "2026-09-01T09:00:01+08:00"); /* waits for the rest of the backlog */
    ASSERT(td_metric(&d, "caseflow_write_phase_requests_total{firing=\"yes\"}") >= 1);
    /* A POST once nothing fires: the clock's answer may come while the start's own firing
     * still has a chunk in flight (a loaded sanitizer run on PostgreSQL), so POSTs are
     * sent until one is queued with none in flight. */
    const char *none = "caseflow_write_phase_requests_total{firing=\"no\"}";
    CF_TEST_WAIT_UNTIL(td_open_case(&d, token, "penalty-general", "另一家药房") > 0 &&
                       td_metric(&d, none) >= 1);
    ASSERT(td_metric(&d, none) >= 1);
    char *text = td_metrics_text(&d);
    static const char *const phases[] = {"queued", "behind", "exec", "after", "commit", "back"};
    for (size_t i = 0; i < sizeof(phases) / sizeof(*phases); i++) {
        char line[160];
        snprintf(line, sizeof(line),
                 "\ncaseflow_write_phase_seconds_total{phase=\"%s\",firing=\"yes\"} ", phases[i]);
        ASSERT(strstr(text, line) != NULL);
    }
    free(text);
    td_stop(&d);
    free(token);
    return 0;
}
