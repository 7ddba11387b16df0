/*
 * serve.h -- the caseflow daemon: one libuv loop serving the HTTP/JSON API
 * (libh2o), the deadline scheduler, alert delivery (SSE, a JSON-lines log,
 * webhooks through libcurl multi) and handing writes to a group-committing
 * writer thread. The API is documented in docs/api.md and docs/openapi.yaml.
 *
 * Lifecycle:
 *
 *   cf_serve_open --> OPEN (listening, writer thread started, nothing run yet)
 *        |                       cf_serve_run (blocks, on any one thread)
 *        v
 *     RUNNING --cf_serve_stop / SIGINT / SIGTERM--> STOPPING --drained--> returns
 *        |                                                                   |
 *        +------------------------- cf_serve_free <--------------------------+
 *
 *   OPEN     -> RUNNING   [cf_serve_run]
 *   RUNNING  -> STOPPING  [cf_serve_stop, thread-safe; a signal when handle_signals]
 *   (SIGHUP, when handle_signals, rereads the calendar version at once: serve-calendar.c)
 *   STOPPING -> returned  [no connection, no write in flight: every handle closed,
 *                          uv_loop_close's result returned]
 * Invariant: a request that changes a case is answered only after the
 * transaction holding its events committed (synchronous=FULL).
 */
#ifndef CF_SERVE_H
#define CF_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cftime.h"
#include "error.h"

#define CF_SERVE_MAX_WEBHOOKS      16
#define CF_SERVE_MAX_ALLOWED_HOSTS 16

typedef struct cf_serve_config_s {
    const char *db_path;   /* the database (must exist: `caseflow init`) */
    const char *host;      /* IPv4 address to listen on, "127.0.0.1" (or unix_path below) */
    int port;              /* 0: any free port (cf_serve_port tells which) */
    size_t max_body;       /* request body limit in bytes (413 above); 0: 1 MiB */
    const char *alert_log; /* JSON-lines file alerts are appended to, or NULL */
    const char *webhooks[CF_SERVE_MAX_WEBHOOKS]; /* URLs alerts are POSTed to */
    unsigned webhooks_count;
    unsigned webhook_attempts;  /* tries per alert and URL; 0: 8 */
    unsigned webhook_retry_ms;  /* first retry delay, doubled each time; 0: 1000 */
    unsigned timeout_ms;        /* h2o request and I/O timeouts; 0: 10000 */
    cf_time_t now;              /* the clock's start instant; 0: the system clock (to the ms) */
    int test_clock;             /* 1: POST /v1/test/clock may move the clock forward; only
                                   with a loopback host (cf_serve_open refuses otherwise) */
    int handle_signals;         /* 1: SIGINT and SIGTERM stop the daemon */
    unsigned fire_chunk;        /* most alerts fired per commit (1..1024); 0: 1024 */
    size_t stream_max_pending;  /* unsent bytes an event stream may hold before it is
                                   ended with an "overflow" event; 0: 16 MiB */
    size_t streams_max_total;   /* bytes all event streams together may hold (unsent and
                                   in flight); past it the stream behind the longest is
                                   ended with an "overflow" event; 0: 256 MiB */
    unsigned streams_per_token; /* event streams one token may have open (429 past it);
                                   0: 8 */
    unsigned token_cache_ms;    /* how long a bearer token found in the database is
                                   trusted before it is read again; 0: 5000 */
    unsigned readers;           /* threads reading for the GET endpoints, each with its own
                                   read-only connection (1..64); 0: 2 */
    unsigned page_limit_max;    /* the most rows a page of GET /v1/cases or /v1/alerts
                                   may ask for (limit); 0: 1000 (the default page: 100) */
    unsigned db_check_ms;       /* how often the database file's identity is checked (it
                                   is also checked before every write); 0: 1000 */
    size_t doc_max;             /* largest document a request may carry (bytes); 0: the
                                   operation layer's default (64 MiB) */
    /* Signed checkpoints of the log (docs/audit.md), every checkpoint_interval_ms
     * when it and checkpoint_key (an Ed25519 private key, PEM) are set, written
     * to checkpoint_out (or only recorded in the database when NULL). */
    unsigned checkpoint_interval_ms;
    const char *checkpoint_key;
    const char *checkpoint_out;
    /* The private key (Ed25519 or SM2, PEM) GET /v1/cases/{id}/export signs bundles with
     * (api/ops/ops-export.c); NULL: bundles are unsigned. */
    const char *export_key;
    unsigned calendar_poll_ms; /* how often the calendar version is read (a year loaded
                                  while running is picked up); 0: 5000; SIGHUP at once */
    /* The workbench (docs/api.md "The workbench"): the folder its files are served
     * from at / and /web/ (NULL: none, / answers 404); how long a session lasts from
     * sign-in, in seconds (0: 28800, eight hours); cookie_secure 1: the session
     * cookie is always Secure (else only when the request came over TLS, h2o's or a
     * proxy's X-Forwarded-Proto: https). */
    const char *web_dir;
    unsigned session_ttl;
    int cookie_secure;
    /* The host names the daemon answers for (DNS rebinding, docs/security.md): when any
     * is set, a request whose Host header names another host is 421 EHOST; localhost,
     * 127.x.x.x, [::1] and the listen address always pass. None set: any Host. */
    const char *allowed_hosts[CF_SERVE_MAX_ALLOWED_HOSTS];
    unsigned allowed_hosts_count;
    /* Seconds a fired alert may wait for an acknowledgement (POST /v1/alerts/{id}/ack)
     * before it is escalated to the head (alert.escalated); 0: never escalated. */
    unsigned alert_ack_timeout;
    unsigned writer_stuck_ms; /* /readyz answers 503 while a write has waited this long
                                 without being committed (the writer is stuck); 0: 10000 */
    unsigned auth_fail_burst; /* unknown tokens a client address may send in a row before
                                 it is answered 429 (then one a second); 0: 30
                                 (http-authfail.c) */
    /* Where the daemon's log lines go (one line, no newline, on the loop thread or at
     * open); NULL: standard error, "caseflow: LINE". */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    /* Tests: called on the loop at the start of every request with its path (a test
     * stalls the loop with it). NULL: none. */
    void (*loop_probe)(void *ctx, const char *path, size_t len);
    void *loop_probe_ctx;
    /* Tests: called on the thread that runs each read of the reader pool, before it
     * reads. NULL: none. */
    void (*read_probe)(void *ctx);
    void *read_probe_ctx;
    /* Tests: called on the writer thread before each chunk of alerts fires, with the
     * chunk's index in its firing (0: the first after the timer). NULL: none. */
    void (*fire_probe)(void *ctx, unsigned chunk);
    void *fire_probe_ctx;
    /* Several daemons serve the database (issue 24; docs/deploy.md): due alerts are
     * claimed with a lease before they fire and the alerts index is polled every
     * second. Set for a PostgreSQL database; tests set it on SQLite. */
    int shared;
    /* Tests: fault injection on the writer's connection (cf_store_set_fault), installed
     * before the writer thread starts; called on the writer thread. NULL: none. */
    int (*store_fault)(void *ctx, const char *point);
    void *store_fault_ctx;
    /* Tests: the clock, in microseconds, a firing chunk's time budget is counted on
     * (serve-fire.c), so a test decides when the budget is spent. NULL: the monotonic
     * clock. */
    uint64_t (*fire_clock)(void *ctx);
    void *fire_clock_ctx;
    /* Transitions (POST .../actions) prepared before the writer (serve-writer.c, the
     * preparer; SQLite only): CF_SERVE_PREPARE_AUTO (0) each one sent to the shorter
     * line (the writer's queue or the preparer's), _ALWAYS every one, _NEVER none (each
     * done whole on the writer thread). */
    int prepare;
    /* 1: an instant's alerts are not written ahead of it (serve-fire-ahead.c);
     * tests compare the two paths. 0: they are. */
    int fire_ahead_off;
    /* How long before an instant its cases are read ahead, in ms; 0: by the alerts due
     * (sched.c). Tests set it longer than they run, so nothing waits on real time. */
    unsigned prefetch_lead_ms;
    /* How long before an instant its alerts are written ahead at the earliest, in ms
     * (the writer holds the write lock from then to the instant); 0: 1.5 s (sched.c,
     * CF__FIRE_AHEAD_HOLD_MS). Tests set it as long as prefetch_lead_ms. */
    unsigned fire_ahead_hold_ms;
    /* A Unix socket to listen on instead of TCP (host and port then unused; "listen =
     * unix:PATH", http-unix.c): the file is made with listen_mode's permissions (0:
     * 0660), a stale one (a socket nobody answers on) replaced, removed at the stop.
     * NULL: TCP. */
    const char *unix_path;
    unsigned listen_mode;
} cf_serve_config_t;

enum { CF_SERVE_PREPARE_AUTO = 0, CF_SERVE_PREPARE_ALWAYS = 1, CF_SERVE_PREPARE_NEVER = -1 };

typedef struct cf_serve_s cf_serve_t;

/* Fills cfg with the defaults (127.0.0.1, port 8080, 1 MiB, ...). */
void cf_serve_config_init(cf_serve_config_t *cfg);

/* Reads a config file into cfg: one `key = value` (or `key: value`) per line,
 * '#' comments; the keys are listed, each with its meaning, in one place: the header
 * of serve-config.c (CONFIG FILE FORMAT; docs/api.md says them for operators).
 * Strings point into *buf (OUT, malloc'd; free it after the daemon is freed). Returns
 * 0, or CF_EIO / CF_EPARSE with err naming the file and line. */
int cf_serve_config_load(cf_serve_config_t *cfg, const char *path, char **buf, cf_error_t *err);

/* Parses text as the whole-number setting key (the numeric keys of serve-config.c's
 * list; their ranges are its table `limits`, and docs/api.md's) within that key's
 * range. Returns 0 with OUT *out, CF_EINVAL (not a number, or out of range), or
 * CF_ENOTFOUND (not a numeric key). */
int cf_serve_config_number(const char *key, const char *text, unsigned long *out);
/* Prints the settings in effect to f in the config file's format (a valid config
 * file): every setting, defaults included; unset ones as comments. */
void cf_serve_config_print(const cf_serve_config_t *cfg, FILE *f);

/* The checks `serve --check-config` makes without starting: a database given that
 * can be read and written, the checkpoint key and the export key (when set) readable
 * Ed25519 or SM2 private keys in PEM, listen an IPv4 address (or a Unix socket's path
 * that fits a socket address and is not some other file), webhooks http:// or
 * https:// URLs, the alert log one that can be appended to, the workbench's folder a
 * folder, the test clock only on loopback. Returns 0 or CF_EINVALID with err saying
 * which (and naming the file). */
int cf_serve_config_check(const cf_serve_config_t *cfg, cf_error_t *err);

/* Parses "HOST:PORT" into cfg->host (pointing into text) and cfg->port (and clears
 * cfg->unix_path), or "unix:PATH" into cfg->unix_path (pointing into text; PATH not
 * empty; its length is checked at the start, cf_serve_config_check and cf_serve_open,
 * with a message naming it). Returns 0 or CF_EINVAL. */
int cf_serve_config_listen(cf_serve_config_t *cfg, char *text);

/* Parses text, octal digits ("0660"), as a Unix socket file's mode (listen_mode:
 * 1..0777). Returns 0 with OUT *out, or CF_EINVAL (*out untouched). */
int cf_serve_config_mode(const char *text, unsigned *out);

/* Opens the daemon: the database (writer and reader connections), the listening
 * socket, the writer thread. cfg's strings must outlive the daemon. OUT *out.
 * Returns 0 or a CF_E* code with err filled (nothing left open). */
int cf_serve_open(const cf_serve_config_t *cfg, cf_serve_t **out, cf_error_t *err);

/* The port the daemon listens on (0 on a Unix socket). */
int cf_serve_port(const cf_serve_t *srv);

/* Runs the loop until the daemon is stopped and drained, then closes every
 * handle. Returns uv_loop_close's result: 0 when everything was closed. */
int cf_serve_run(cf_serve_t *srv);

/* Asks the daemon to stop. Thread-safe; may be called before or during run,
 * not after cf_serve_run returned (its wake-up handle is closed by then). */
void cf_serve_stop(cf_serve_t *srv);

/* Frees a daemon that was opened (and run, or not). */
void cf_serve_free(cf_serve_t *srv);

#endif
