/*
 * serve-helpers.h -- what the daemon tests share: a database made by `caseflow
 * init`, tokens made by `caseflow token create`, the daemon run in-process on
 * its own thread on a free loopback port, an HTTP client (libcurl easy), the
 * test clock, a tiny webhook receiver and an event-stream reader.
 *
 * Every daemon a test starts is stopped by td_stop, which asserts that its loop
 * closed every handle (uv_loop_close == 0).
 */
#ifndef CF_SERVE_HELPERS_H
#define CF_SERVE_HELPERS_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "serve.h"

typedef struct td_daemon_s {
    cf_serve_t *srv;
    pthread_t thread;
    int result; /* cf_serve_run's: uv_loop_close */
    int port;
    char *metrics_token; /* a token of role metrics, made by td_start (GET /metrics) */
    /* The cfg's unix_path (td_http connects there; port is 0), or NULL. */
    const char *unix_path;
} td_daemon_t;

typedef struct td_resp_s {
    long status;
    char *body;
    json_t *json; /* the body parsed, or NULL */
    char etag[32];
    char alert_id[160];
    char next_cursor[200]; /* X-Next-Cursor: a list's next page, or "" */
    char link[512];        /* Link */
    char location[128];    /* Location */
    char replayed[16];     /* Idempotent-Replayed */
} td_resp_t;

/* A fresh database in the test's directory, initialised with the shipped
 * workflows and calendars. OUT path (size bytes). */
void td_db(const char *name, char *path, size_t size);
/* A new token (malloc'd hex) for agency, role, name. */
char *td_token(const char *db, const char *agency, const char *role, const char *name);
/* A config for db starting at now (ISO), with the test clock, port 0. */
void td_config(cf_serve_config_t *cfg, const char *db, const char *now);
void td_start(td_daemon_t *d, const cf_serve_config_t *cfg);
void td_stop(td_daemon_t *d);
/* td_config's defaults for db at now (ISO), then td_start: the set-up of a test
 * that changes nothing in the config. */
void td_start_at(td_daemon_t *d, const char *db, const char *now);
/* The set-up of an alert test: a fresh database dbname (td_db) and a fresh alert log
 * logname in the test's directory (OUT db and log, TD_PATH bytes each), td_config at
 * now with that alert log (OUT cfg). Returns a token of 甲局's handler 张三 (malloc'd).
 * The caller sets what else its test needs in cfg, then td_start. */
#define TD_PATH 512
char *td_alert_config(const char *dbname, const char *logname, const char *now, char *db, char *log,
                      cf_serve_config_t *cfg);
/* Fails the test unless the alert log at log has n lines, each alert once, marked late,
 * in (due_at, alert_id) order: what a start past every due instant writes. */
void td_check_late_log(const char *log, long long n);
/* One integer: the first column of sql's first row on the SQLite file db, opened read-only
 * beside the daemon (the test fails if there is no row). */
long long td_scalar(const char *db, const char *sql);

/* One HTTP exchange (a new connection each time, over d's Unix socket when it has
 * one). body and if_match may be NULL.
 * extra_header may be NULL. */
void td_http(const td_daemon_t *d, const char *method, const char *path, const char *token,
             const char *body, size_t body_len, const char *if_match, td_resp_t *r);
/* As td_http, sending headers too: full header lines ("Idempotency-Key: k1"), NULL-ended
 * (headers itself may be NULL). */
void td_http_h(const td_daemon_t *d, const char *method, const char *path, const char *token,
               const char *body, size_t body_len, const char *if_match, const char *const *headers,
               td_resp_t *r);
/* As td_http with a JSON body given as a jansson value (borrowed). */
void td_http_json(const td_daemon_t *d, const char *method, const char *path, const char *token,
                  const json_t *body, const char *if_match, td_resp_t *r);
/* POSTs body (consumed) to path as token, the daemon's clock first moved to iso (NULL:
 * left where it is; the test clock only moves forward, and a second move to one instant
 * fails once a second has passed); fails the test unless the answer is status. */
void td_post_json(const td_daemon_t *d, const char *iso, const char *path, const char *token,
                  json_t *body, const char *if_match, long status);
void td_resp_free(td_resp_t *r);
/* If line (len bytes, its CRLF may follow) is header name (any case), its value, trimmed,
 * into out (size bytes); else out is left as it is. (The client and the webhook receiver.) */
void td_header_value(const char *line, size_t len, const char *name, char *out, size_t size);
/* POSTs an item of evidence (a 书证 taken by the case's officers 张三 and 王五) to case
 * id as token; expects 201 and returns the case's version after it. What a walk
 * does before submit_review (the shipped rule evidence-before-review). */
/* Opens a case of workflow for party (a 定点医药机构) as token: POST /v1/cases, fails the
 * test unless 201; returns the case's id. */
long long td_open_case(const td_daemon_t *d, const char *token, const char *workflow,
                       const char *party);
long long td_evidence(const td_daemon_t *d, const char *token, long long id);
/* Moves the daemon's clock to iso and waits until every alert due then fired. */
void td_clock(const td_daemon_t *d, const char *iso);
/* 1 once an opening (a POST /v1/cases) waits in d's writer queue, not yet taken: the storm
 * tests hold a firing chunk until a request is queued behind it. */
int td_opening_queued(const td_daemon_t *d);
/* How many jobs of kind (a cf__job_kind of serve-int.h; -1: any) wait in d's writer
 * queue, not yet taken. */
int td_writer_queued(const td_daemon_t *d, int kind);

/* The writer held, then a batch of two made to fail (test-serve-inside.c serve-4.5,
 * test-ready.c ready-6): a store fault hook (cfg.store_fault = td_gate_fault,
 * cfg.store_fault_ctx = the gate), run on the writer thread inside a job. Once the test
 * arms it (phase 1), the first write of events holds the writer (phase 2) until two more
 * actions are queued (or CF_TEST_WAIT_MS), so that those two make the next batch together
 * (phase 3); there the fail_nth-th write of events fails with SQLITE_IOERR, and, when
 * repeat, every fail_nth-th after it. */
typedef struct td_gate_s {
    const td_daemon_t *d;
    int fail_nth; /* 1 or more */
    int repeat;
    atomic_int phase;  /* 0 off; 1 armed; 2 holding the writer; 3 the batch of two */
    atomic_int both;   /* the two were queued while the writer was held */
    atomic_int events; /* writes of events in phase 3 */
} td_gate_t;
int td_gate_fault(void *ctx, const char *point);

/* A webhook receiver on 127.0.0.1: answers `failures` requests with 500, then
 * 200; records each request's alert id header and body. */
typedef struct td_hook_s {
    int fd;
    int port;
    int failures;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count; /* requests received */
    char ids[32][160];
    char *bodies[32];
    int attempts[32];
    int quit;
    char url[64]; /* "http://127.0.0.1:PORT/hook", what a daemon's webhooks name */
} td_hook_t;

void td_hook_start(td_hook_t *h, int failures);
/* Blocks until the receiver has seen n requests. */
void td_hook_wait(td_hook_t *h, int n);
void td_hook_stop(td_hook_t *h);

/* ---- the webhook outbox (test-serve-outbox.c, test-ops-outbox.c) ---- */

/* A config for db starting at now (td_config) posting alerts to url, its one webhook. The
 * caller sets what else its test needs in cfg (attempts, retry), then td_start. */
void td_config_hook(cf_serve_config_t *cfg, const char *db, const char *now, const char *url);
/* POST /v1/alerts/{id}/retry as token (a '+' in id sent as %2B): the status, and OUT
 * *answer (new) when answer is not NULL: the JSON when 200, else NULL. */
long td_retry(const td_daemon_t *d, const char *token, const char *id, json_t **answer);
/* Waits (the test's timeout ends it) until GET path as token lists n rows; fails the test
 * unless each answer is 200. */
void td_wait_listed(const td_daemon_t *d, const char *token, const char *path, size_t n);

/* GET path as token: the answer's JSON (new reference); fails the test unless 200. */
json_t *td_get_json(const td_daemon_t *d, const char *token, const char *path);
/* GET path as token, and every next page (X-Next-Cursor) after it: all the rows of a
 * paged list in one array (new reference); fails the test unless each is 200. */
json_t *td_get_all(const td_daemon_t *d, const char *token, const char *path);

/* An event-stream reader (GET /v1/stream) on its own thread: it stops reading
 * once it has seen `want` blocks of its marker ("event: alert\n" unless
 * td_stream_watch says another). */
typedef struct td_stream_s {
    const td_daemon_t *d;
    const char *token;
    const char *marker;
    int want;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int connected;
    int alerts; /* blocks of the marker seen */
    char *text; /* everything received */
    size_t len;
    size_t scan; /* where counting the marker resumes */
} td_stream_t;

/* Starts the reader and waits until the daemon has accepted the stream. */
void td_stream_start(td_stream_t *s, const td_daemon_t *d, const char *token, int want);
/* The same, counting blocks that start with marker (e.g. "event: transition\n"). */
void td_stream_watch(td_stream_t *s, const td_daemon_t *d, const char *token, const char *marker,
                     int want);
/* Waits until `want` blocks arrived, then joins the reader. */
void td_stream_finish(td_stream_t *s);

/* ---- the command line and the store beside the daemon ------------------------------------ */

/* What td_cli's last run printed: its output and its errors (NUL-terminated). */
extern char td_out[65536], td_err[65536];
/* Runs `caseflow --db db ARGS...` (NULL-terminated) in-process at now (CASEFLOW_NOW);
 * returns its exit code, with its output in td_out and its errors in td_err. */
int td_cli(const char *db, const char *now, ...);
/* A file name in the test's directory holding text. OUT path (size bytes). */
void td_file(const char *name, const char *text, char *path, size_t size);
/* Standard error sent to a file of the test's directory (OUT path), named after db (on
 * PostgreSQL db is a URI: only its database name is taken), until td_stderr_restore: how
 * the tests read the daemon's log. */
typedef struct td_stderr_s {
    char path[600];
    int saved;
    FILE *f;
} td_stderr_t;
void td_stderr_to(td_stderr_t *sf, const char *db);
void td_stderr_restore(td_stderr_t *sf);
/* The file at path (a log the test had written), its first MiB, NUL-terminated
 * (malloc'd); fails the test when it cannot be opened. */
char *td_slurp(const char *path);

/* A raw TCP connection to the daemon on 127.0.0.1:port (asserted), for requests curl
 * would not send; the caller closes it. */
int td_raw_connect(int port);
/* Opens case 1 of the database at db from the command line at now: a penalty-general of
 * 某某大药房 (定点医药机构, lead_source 投诉举报) by handler 张三; fails the test unless
 * it exits 0. (test-ops.c, test-ops-checks.c) */
void td_cli_open(const char *db, const char *now);
/* Runs `case act 1 file` at 2026-03-03T10:00:00+08:00 as head 李四, with the facts filing
 * needs and one --doc 立案审批表=path; returns the exit code. */
int td_cli_file_doc(const char *db, const char *path);
/* The same, at now. */
int td_cli_file_doc_at(const char *db, const char *now, const char *path);
/* Opens n cases of penalty-general for agency in the database at db, in one
 * transaction through the store, the k-th at at0 + k * step seconds (step 0: all at
 * one instant), with their alerts indexed as the daemon's open would. */
void td_open_spread(const char *db, const char *agency, int64_t at0, int step, int n);

/* The daemon's /metrics text, read with its metrics token (malloc'd); fails the test
 * unless 200. */
char *td_metrics_text(const td_daemon_t *d);
/* The value of metric name (a sample line of its own, without labels) in /metrics;
 * fails the test when there is none. */
long long td_metric(const td_daemon_t *d, const char *name);
/* Opens cases (POST /v1/cases: penalty-general, a 定点医药机构, each answered 201 or the
 * test fails) as token, at most 200, until metric name reaches at_least: what moves a
 * counter only a commit moves (the log's restarts). Returns name's last value read,
 * below at_least when 200 openings did not move it. */
long long td_open_until(const td_daemon_t *d, const char *token, const char *name,
                        long long at_least);

/* The events of case 1 in the database at db (new reference) without what differs
 * between two runs of one scenario, one through the command line and one through the
 * API: the instants (at, entered_*, started_at), and hence the chain links. */
json_t *td_comparable_events(const char *db);

/* ---- a penalty case over HTTP (test-serve.c, test-serve-inside.c) ---- */

/* Opens a penalty-general case (lead_source 投诉举报) as token, expecting 201 at
 * version 2; returns its id. */
long long open_case(const td_daemon_t *d, const char *token, const char *party);
/* GET /v1/cases/{id}: OUT etag (the version), returns the state (static buffer). */
const char *case_state(const td_daemon_t *d, const char *token, long long id, char *etag,
                       size_t size);

/* ---- an HTTP exchange with any headers (the workbench tests, test-serve-web*.c) ---- */

/* An answer with every header line received (names lower-cased) and its body. */
typedef struct web_resp_s {
    long status;
    char *body;
    size_t body_len;
    char headers[4096]; /* every header line received, lower-cased names */
    size_t headers_len;
    json_t *json;
} web_resp_t;

/* One exchange: method path (sent as is, no dot-segment removal), the NULL-ended
 * header lines, an optional body; fails the test when nothing answers. */
void web_http(const td_daemon_t *d, const char *method, const char *path,
              const char *const *headers, const char *body, web_resp_t *r);
void web_free(web_resp_t *r);
/* The value of header name (lower case) in r, into out; 1 if present. */
int header(const web_resp_t *r, const char *name, char *out, size_t size);

#endif
