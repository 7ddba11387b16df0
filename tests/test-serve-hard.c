/*
 * test-serve-hard.c -- serve-hard-*: the daemon against an attacker and a careless
 * operator (issue 19, items 5 to 12). Each test drives a daemon run in-process
 * (serve-helpers.c); the request-framing tests speak raw HTTP over a socket, since
 * libcurl would never send the shapes under test.
 *
 * serve-hard-1.*: request framing (Content-Length with Transfer-Encoding, two
 *                 Content-Lengths), HTTP/1.1 only (no h2c);
 * serve-hard-2.*: numbers in requests and settings are range-checked;
 * serve-hard-3.*: /metrics needs a metrics token; --test-clock only on loopback;
 * serve-hard-4.*: the database replaced or deleted under the daemon;
 * serve-hard-8.*: the command line beside a busy daemon, and on a read-only mount;
 * serve-hard-5.*: event streams: a cap on their total memory, a cap per token;
 * serve-hard-6.*: paged reads, off the loop;
 * serve-hard-7.*: a stall does not reset requests already read.
 *
 * Map: raw-socket helpers (raw_connect, raw_exchange); the tests, in that order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core-helpers.h"
#include "cli.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- raw sockets ---------------------------------------------------------------------------- */

static int raw_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void raw_send(int fd, const char *text, size_t len)
{
    ASSERT(write(fd, text, len) == (ssize_t)len);
}

/* Reads from fd until the peer closes, nothing came for wait_ms, or 10 s passed (a
 * stream never falls quiet: its pings). OUT *closed: 1 if the peer closed. Returns
 * what came (malloc'd, NUL-terminated). */
static char *raw_read(int fd, int wait_ms, int *closed)
{
    size_t len = 0, cap = 65536;
    char *out = malloc(cap + 1);
    ASSERT(out != NULL);
    *closed = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec >= 10)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, wait_ms) <= 0)
            break;
        if (len == cap) {
            cap *= 2;
            out = realloc(out, cap + 1);
            ASSERT(out != NULL);
        }
        ssize_t n = read(fd, out + len, cap - len);
        if (n <= 0) {
            *closed = 1;
            break;
        }
        len += (size_t)n;
    }
    out[len] = '\0';
    return out;
}

/* Reads from fd until needle came, the peer closed, or max_ms passed. OUT *closed.
 * Returns what came (malloc'd). */
static char *raw_wait(int fd, const char *needle, int max_ms, int *closed)
{
    size_t len = 0;
    char *out = calloc(1, 1);
    ASSERT(out != NULL);
    *closed = 0;
    for (int waited = 0; !strstr(out, needle) && !*closed && waited < max_ms; waited += 50) {
        int c;
        char *more = raw_read(fd, 50, &c);
        size_t n = strlen(more);
        out = realloc(out, len + n + 1);
        ASSERT(out != NULL);
        memcpy(out + len, more, n + 1);
        len += n;
        *closed = c;
        free(more);
    }
    return out;
}

/* Sends text on a new connection; returns what came back (malloc'd). */
static char *raw_exchange(int port, const char *text, size_t len, int *closed)
{
    int fd = raw_connect(port);
    raw_send(fd, text, len);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, CF_TEST_WAIT_MS); /* the answer's first bytes, however slow the run */
    char *out = raw_read(fd, 1000, closed);
    close(fd);
    return out;
}

/* How many times needle occurs in hay. */
static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ---- serve-hard-1.1: ambiguous framing is refused, the connection closed ------------------- */

TEST_IMPL(serve_hard_framing)
{
    static const char *const smuggled[] = {
        /* both: h2o would read the chunked body, a proxy the 5 bytes */
        "POST /v1/test/clock HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        /* the same, the other order and other case */
        "POST /v1/test/clock HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n"
        "content-length: 5\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        /* two different lengths: h2o would take the first */
        "POST /v1/test/clock HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n"
        "\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    char db[512];
    td_db("hard-framing.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    int closed;
    for (size_t i = 0; i < sizeof(smuggled) / sizeof(smuggled[0]); i++) {
        char *out = raw_exchange(d.port, smuggled[i], strlen(smuggled[i]), &closed);
        if (!strstr(out, "HTTP/1.1 400 ") || !strstr(out, "\"EFRAMING\""))
            CF__FAIL("shape %zu answered: %s", i, out);
        ASSERT(strstr(out, "Connection: close") != NULL);
        ASSERT_EQ(occurrences(out, "HTTP/1.1 "), 1); /* what followed was never served */
        ASSERT_EQ(closed, 1);
        free(out);
    }
    /* Two equal lengths are one length: served, and the connection stays open. */
    const char *same = "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                       "Content-Length: 0\r\n\r\n";
    char *out = raw_exchange(d.port, same, strlen(same), &closed);
    ASSERT(strstr(out, "HTTP/1.1 200 ") != NULL);
    ASSERT_EQ(closed, 0);
    free(out);
    /* A chunked body alone is fine (the test clock answers its own 400 on "{}"). */
    const char *chunked = "POST /v1/test/clock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                          "\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
    out = raw_exchange(d.port, chunked, strlen(chunked), &closed);
    ASSERT(strstr(out, "HTTP/1.1 400 ") && strstr(out, "ISO 8601") && !strstr(out, "EFRAMING"));
    free(out);
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-1.2: HTTP/1.1 only: no h2c upgrade, no prior-knowledge HTTP/2 -------------- */

TEST_IMPL(serve_hard_http1_only)
{
    char db[512];
    td_db("hard-h2c.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    int closed;
    const char *upgrade = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings"
                          "\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";
    char *out = raw_exchange(d.port, upgrade, strlen(upgrade), &closed);
    ASSERT(strstr(out, "101") == NULL);
    ASSERT(strncmp(out, "HTTP/1.1 200 ", 13) == 0); /* answered in HTTP/1.1 */
    free(out);
    /* The HTTP/2 connection preface and an empty SETTINGS frame. */
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
    out = raw_exchange(d.port, preface, sizeof(preface) - 1, &closed);
    ASSERT(strncmp(out, "HTTP/1.1 400 ", 13) == 0); /* not a SETTINGS frame */
    ASSERT_EQ(closed, 1);
    free(out);
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-2.1: every number in a request is range-checked ------------------------------ */

/* GET path as token: the status; OUT parameter (size bytes) the "parameter" named. */
static long get_status(const td_daemon_t *d, const char *token, const char *path, char *parameter,
                       size_t size)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    const char *p = json_string_value(json_object_get(r.json, "parameter"));
    snprintf(parameter, size, "%s", p ? p : "");
    td_resp_free(&r);
    return status;
}

TEST_IMPL(serve_hard_numbers)
{
    static const struct {
        const char *path;
        const char *parameter;
    } bad[] = {
        {"/v1/cases?due_within=106751991167301d", "due_within"},
        {"/v1/cases?due_within=9223372036854775807", "due_within"},
        {"/v1/cases?due_within=99999999999999999999", "due_within"},
        {"/v1/cases?due_within=36501d", "due_within"},
        {"/v1/cases?due_within=0", "due_within"},
        {"/v1/cases?due_within=-1d", "due_within"},
        {"/v1/cases?due_within=+3d", "due_within"},
        {"/v1/cases?due_within=%203d", "due_within"},
        {"/v1/cases?due_within=3w", "due_within"},
        {"/v1/cases?parent=abc", "parent"},
        {"/v1/cases?parent=-5", "parent"},
        {"/v1/cases?parent=0", "parent"},
        {"/v1/cases?parent=99999999999999999999999", "parent"},
        {"/v1/cases?open=yes", "open"},
        {"/v1/cases?overdue=2", "overdue"},
        {"/v1/cases/99999999999999999999", "id"},
    };
    char db[512], parameter[64];
    td_db("hard-numbers.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long status = get_status(&d, token, bad[i].path, parameter, sizeof(parameter));
        if (status != 400 || strcmp(parameter, bad[i].parameter) != 0)
            CF__FAIL("%s: %ld naming '%s'", bad[i].path, status, parameter);
    }
    /* The edges that are in range are served. */
    static const char *const good[] = {"/v1/cases?due_within=36500d", "/v1/cases?due_within=1",
                                       "/v1/cases?parent=9223372036854775807",
                                       "/v1/cases?open=0&overdue=1"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ASSERT_EQ(get_status(&d, token, good[i], parameter, sizeof(parameter)), 200);
    ASSERT_EQ(get_status(&d, token, "/v1/cases/9223372036854775807", parameter, sizeof(parameter)),
              404);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-hard-2.2: settings are range-checked ------------------------------------------- */

TEST_IMPL(serve_hard_settings)
{
    static const struct {
        const char *key, *value;
        int ok;
    } cases[] = {
        {"timeout_ms", "10000", 1},
        {"timeout_ms", "4294967297", 0}, /* once truncated to 1 */
        {"timeout_ms", "0", 0},
        {"max_body", "99999999999999999999999", 0},
        {"max_body", "-1", 0},
        {"max_body", "1048576", 1},
        {"webhook_attempts", "101", 0},
        {"fire_chunk", "1025", 0},
        {"stream_max_pending", "4095", 0},
        {"token_cache_ms", "1 ", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long n = 7;
        int rc = cf_serve_config_number(cases[i].key, cases[i].value, &n);
        if ((rc == 0) != cases[i].ok)
            CF__FAIL("%s = '%s': %d", cases[i].key, cases[i].value, rc);
        if (!cases[i].ok)
            ASSERT_EQ(n, 7); /* untouched */
    }
    unsigned long n;
    ASSERT_EQ(cf_serve_config_number("no_such_key", "1", &n), CF_ENOTFOUND);
    return 0;
}

/* ---- serve-hard-3.1: /metrics needs a metrics token, which reads nothing else ---------------- */

TEST_IMPL(serve_hard_metrics_token)
{
    char db[512];
    td_db("hard-metrics.db", db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    td_resp_t r;
    td_http(&d, "GET", "/metrics", NULL, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 401); /* once 200 to anyone */
    td_resp_free(&r);
    td_http(&d, "GET", "/metrics", handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 403); /* an agency's handler sees no daemon-wide figures */
    ASSERT_CONTAINS(r.body, "role metrics");
    td_resp_free(&r);
    td_http(&d, "GET", "/metrics", d.metrics_token, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_CONTAINS(r.body, "caseflow_commits_total");
    td_resp_free(&r);
    /* A metrics token reads no case, writes nothing, opens no stream. */
    static const char *const paths[] = {"/v1/cases", "/v1/alerts", "/v1/workflows", "/v1/stream"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        td_http(&d, "GET", paths[i], d.metrics_token, NULL, 0, NULL, &r);
        if (r.status != 403)
            CF__FAIL("GET %s with a metrics token: %ld", paths[i], r.status);
        td_resp_free(&r);
    }
    td_http(&d, "POST", "/v1/cases", d.metrics_token, "{}", 2, NULL, &r);
    ASSERT_EQ(r.status, 403);
    td_resp_free(&r);
    td_stop(&d);
    free(handler);
    return 0;
}

/* ---- serve-hard-3.2: --test-clock only on loopback, and logged --------------------------- */

typedef struct log_s {
    char text[4096];
} log_t;

static void log_line(void *ctx, const char *line)
{
    log_t *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof(l->text) - n, "%s\n", line);
}

TEST_IMPL(serve_hard_test_clock_loopback)
{
    char db[512];
    td_db("hard-clock.db", db, sizeof(db));
    cf_serve_config_t cfg;
    cf_serve_t *srv = NULL;
    cf_error_t err;
    log_t log = {{0}};
    td_config(&cfg, db, T0); /* test_clock = 1 */
    cfg.log = log_line;
    cfg.log_ctx = &log;
    static const char *const open[] = {"0.0.0.0", "192.168.1.10"};
    for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
        cfg.host = open[i];
        ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), CF_EINVAL);
        ASSERT(srv == NULL);
        ASSERT_CONTAINS(err.text, "loopback");
        ASSERT_CONTAINS(err.text, open[i]);
    }
    /* Without the test clock an open address is the operator's choice. */
    cfg.test_clock = 0;
    cfg.host = "0.0.0.0";
    ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), 0);
    cf_serve_free(srv);
    ASSERT_EQ(log.text[0], '\0');
    /* On loopback it starts, and says so. */
    cfg.test_clock = 1;
    cfg.host = "127.0.0.1";
    td_daemon_t d;
    td_start(&d, &cfg);
    ASSERT_CONTAINS(log.text, "TEST CLOCK is on");
    td_clock(&d, "2026-03-03T09:00:00+08:00");
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-4.*: the database deleted or replaced under the daemon ---------------------- */

/* POST /v1/cases as token: the status; OUT error (size bytes) the answer's "error". */
static long open_status(const td_daemon_t *d, const char *token, char *error, size_t size)
{
    static const char body[] = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"}}";
    td_resp_t r;
    td_http(d, "POST", "/v1/cases", token, body, sizeof(body) - 1, NULL, &r);
    long status = r.status;
    const char *e = json_string_value(json_object_get(r.json, "error"));
    snprintf(error, size, "%s", e ? e : "");
    td_resp_free(&r);
    return status;
}

static long health_status(const td_daemon_t *d)
{
    td_resp_t r;
    td_http(d, "GET", "/healthz", NULL, NULL, 0, NULL, &r);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

/* serve-hard-4.1: deleted: the next POST is 503 EDBLOST, the log says so loudly, and
 * the timer notices it with no request at all (/healthz turns 503). */
TEST_IMPL(serve_hard_db_deleted)
{
    CF_TEST_SQLITE_ONLY(
        "the daemon watches the SQLite file (deleted or replaced); PostgreSQL has no file");
    char db[512], error[32], side[600];
    td_db("hard-deleted.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    log_t log = {{0}};
    td_config(&cfg, db, T0);
    cfg.log = log_line;
    cfg.log_ctx = &log;
    cfg.db_check_ms = 3600000; /* this part: the check before the write, not the timer */
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 201);
    ASSERT_EQ(remove(db), 0);
    snprintf(side, sizeof(side), "%s-wal", db);
    remove(side);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503); /* once 201, then lost */
    ASSERT_STR_EQ(error, "EDBLOST");
    ASSERT_CONTAINS(log.text, "DATABASE LOST");
    ASSERT_CONTAINS(log.text, "was deleted");
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503);
    ASSERT_EQ(health_status(&d), 503);
    td_stop(&d);
    /* The timer alone: nothing is asked, /healthz turns 503 within a few checks. */
    td_db("hard-deleted.db", db, sizeof(db));
    cfg.db_check_ms = 20;
    log.text[0] = '\0';
    td_start(&d, &cfg);
    ASSERT_EQ(health_status(&d), 200);
    ASSERT_EQ(remove(db), 0);
    CF_TEST_WAIT_UNTIL(health_status(&d) == 503);
    ASSERT_EQ(health_status(&d), 503);
    ASSERT_CONTAINS(log.text, "DATABASE LOST");
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-hard-4.2: replaced by another database (a rename over the path): 503 too. */
TEST_IMPL(serve_hard_db_replaced)
{
    CF_TEST_SQLITE_ONLY(
        "the daemon watches the SQLite file (deleted or replaced); PostgreSQL has no file");
    char db[512], other[512], error[32];
    td_db("hard-replaced.db", db, sizeof(db));
    td_db("hard-replacement.db", other, sizeof(other));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    log_t log = {{0}};
    td_config(&cfg, db, T0);
    cfg.log = log_line;
    cfg.log_ctx = &log;
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 201);
    ASSERT_EQ(rename(other, db), 0);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503);
    ASSERT_STR_EQ(error, "EDBLOST");
    ASSERT_CONTAINS(log.text, "replaced by another file");
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-hard-4.3: deleted after the write was queued, before its commit: the writer's
 * own check refuses the commit (503), nothing is acknowledged. The store's fault hook
 * runs on the writer thread inside the batch: it deletes the file there. */
static int delete_in_batch(void *ctx, const char *point)
{
    if (strcmp(point, "events") == 0)
        remove((const char *)ctx);
    return 0;
}

TEST_IMPL(serve_hard_db_deleted_before_commit)
{
    CF_TEST_SQLITE_ONLY(
        "the daemon watches the SQLite file (deleted or replaced); PostgreSQL has no file");
    char db[512], error[32];
    td_db("hard-before-commit.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    log_t log = {{0}};
    td_config(&cfg, db, T0);
    cfg.log = log_line;
    cfg.log_ctx = &log;
    cfg.db_check_ms = 3600000;
    cfg.store_fault = delete_in_batch;
    cfg.store_fault_ctx = db;
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503);
    ASSERT_STR_EQ(error, "ESTORE");
    ASSERT_CONTAINS(log.text, "DATABASE LOST");
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-hard-8.*: the command line beside a busy daemon; a read-only mount --------------- */

/* Runs the command line in-process on a copy of argv (the option parser reorders
 * it): the exit code; OUT err (size bytes) its stderr. */
static int cli(char *err, size_t size, int argc, char **argv)
{
    char *out = NULL, *errtext = NULL, *copy[16];
    size_t olen = 0, elen = 0;
    ASSERT(argc < 16);
    memcpy(copy, argv, sizeof(char *) * (size_t)argc);
    copy[argc] = NULL;
    FILE *o = open_memstream(&out, &olen), *e = open_memstream(&errtext, &elen);
    int rc = cf_cli_main(argc, copy, o, e);
    fclose(o);
    fclose(e);
    snprintf(err, size, "%s", errtext ? errtext : "");
    free(out);
    free(errtext);
    return rc;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

typedef struct holder_s {
    sqlite3 *conn;
    int release_ms;
} holder_t;

static void *release_later(void *arg)
{
    holder_t *h = arg;
    usleep((useconds_t)h->release_ms * 1000);
    ASSERT_EQ(sqlite3_exec(h->conn, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    return NULL;
}

/* serve-hard-8.1: with the write lock held (as a daemon's commit holds it), the reading
 * commands answer at once; a writing command waits for the lock, and when it is held
 * past the busy timeout says who holds it. */
TEST_IMPL(serve_hard_cli_busy)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512], err[2048];
    td_db("hard-busy.db", db, sizeof(db));
    char *open[] = {"caseflow",   "--db",        db,        "case",     "open",
                    "--workflow", "supervision", "--party", "某某医院", NULL};
    ASSERT_EQ(cli(err, sizeof(err), 9, open), 0);
    sqlite3 *conn;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    char *reads[][8] = {
        {"caseflow", "--db", db, "case", "list", NULL},
        {"caseflow", "--db", db, "case", "show", "1", NULL},
        {"caseflow", "--db", db, "audit", "verify", NULL},
        {"caseflow", "--db", db, "audit", "replay", NULL},
        {"caseflow", "--db", db, "workflow", "list", NULL},
    };
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int argc = 0;
        while (reads[i][argc])
            argc++;
        int rc = cli(err, sizeof(err), argc, reads[i]);
        /* at once: well inside the busy timeout a read waiting for the lock would take
         * (CF__STORE_BUSY_MS, 5 s; generous for a sanitizer build on a loaded machine) */
        if (rc != 0 || seconds_since(&t0) > 4.0)
            CF__FAIL("%s %s: exit %d after %.1f s: %s", reads[i][3], reads[i][4], rc,
                     seconds_since(&t0), err);
    }
    /* A writer past the busy timeout: refused, naming the cause. */
    ASSERT(cli(err, sizeof(err), 9, open) != 0);
    ASSERT_CONTAINS(err, "write lock");
    ASSERT_CONTAINS(err, "caseflow serve");
    /* A writer waits: the lock released within the timeout, it goes through. */
    holder_t h = {conn, 500};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, release_later, &h), 0);
    int rc = cli(err, sizeof(err), 9, open);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    if (rc != 0)
        CF__FAIL("the writer did not wait for the lock: %d %s", rc, err);
    sqlite3_close(conn);
    return 0;
}

/* A read-only mount, made in-process: SQLite's unix VFS opens files through an
 * overridable system call table (as SQLite's own tests inject faults), so every open
 * for writing or creation under dir fails with EROFS, as on a read-only mount (a
 * mount itself needs privileges a test cannot count on). */
static const char *ro_dir;
static sqlite3_syscall_ptr real_open;

static int ro_open(const char *path, int flags, int mode)
{
    if (ro_dir && strncmp(path, ro_dir, strlen(ro_dir)) == 0 &&
        (flags & (O_WRONLY | O_RDWR | O_CREAT))) {
        errno = EROFS;
        return -1;
    }
    return ((int (*)(const char *, int, int))real_open)(path, flags, mode);
}

static void read_only_mount(const char *dir)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
    if (!real_open)
        real_open = vfs->xGetSystemCall(vfs, "open");
    ro_dir = dir;
    ASSERT_EQ(vfs->xSetSystemCall(vfs, "open", dir ? (sqlite3_syscall_ptr)ro_open : real_open),
              SQLITE_OK);
}

/* serve-hard-8.2: on a read-only mount a reading command reads a database whose log
 * is empty (opened immutable), and one whose log holds commits is refused with what
 * can be done there (once "exit 6: unable to open database file"). */
TEST_IMPL(serve_hard_cli_read_only_mount)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (read_only_mount)");
    char db[512], dir[600], err[2048], wal[600];
    td_db("hard-ro.db", db, sizeof(db));
    char *open[] = {"caseflow",   "--db",        db,        "case",     "open",
                    "--workflow", "supervision", "--party", "某某医院", NULL};
    ASSERT_EQ(cli(err, sizeof(err), 9, open), 0);
    snprintf(dir, sizeof(dir), "%s", db);
    *strrchr(dir, '/') = '\0';
    snprintf(wal, sizeof(wal), "%s-wal", db);
    char *list[] = {"caseflow", "--db", db, "case", "list", NULL};
    char *verify[] = {"caseflow", "--db", db, "audit", "verify", NULL};
    /* Closed cleanly: no -wal, no -shm. */
    ASSERT(access(wal, F_OK) != 0);
    read_only_mount(dir);
    int rc = cli(err, sizeof(err), 5, list);
    if (rc != 0)
        CF__FAIL("case list on a read-only mount: %d %s", rc, err);
    ASSERT_EQ(cli(err, sizeof(err), 5, verify), 0);
    /* A writing command there fails, as it must. */
    ASSERT(cli(err, sizeof(err), 9, open) != 0);
    read_only_mount(NULL);
    /* A snapshot taken while a daemon ran: the log holds commits, and there is no
     * -shm beside it (SQLite cannot create one there). Said clearly. */
    sqlite3 *conn;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn, "PRAGMA wal_autocheckpoint=0; CREATE TABLE scratch(x);", NULL,
                           NULL, NULL),
              SQLITE_OK);
    char snap[700], copy[800];
    snprintf(snap, sizeof(snap), "%s/hard-ro-snapshot", dir);
    mkdir(snap, 0755);
    snprintf(copy, sizeof(copy), "%s/hard-ro.db", snap);
    cf_test_copy_file(db, copy);
    snprintf(copy, sizeof(copy), "%s/hard-ro.db-wal", snap);
    cf_test_copy_file(wal, copy);
    sqlite3_close(conn);
    snprintf(copy, sizeof(copy), "%s/hard-ro.db", snap);
    char *snap_list[] = {"caseflow", "--db", copy, "case", "list", NULL};
    read_only_mount(snap);
    rc = cli(err, sizeof(err), 5, snap_list);
    read_only_mount(NULL);
    ASSERT(rc != 0);
    ASSERT_CONTAINS(err, "-shm");
    ASSERT_CONTAINS(err, "read-only mount");
    ASSERT_CONTAINS(err, "stop the daemon cleanly");
    return 0;
}

/* serve-hard-8.3: a read-only store refuses every write. */
TEST_IMPL(serve_hard_store_readonly)
{
    char db[512];
    td_db("hard-store-ro.db", db, sizeof(db));
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_readonly(db, &s, &err), 0);
    cf_principal_t p = {"甲局", "handler", "张三"};
    ASSERT(cf_store_token_put(s, "00", &p, 0, &err) != 0);
    cf_store_close(s);
    char missing[600];
    snprintf(missing, sizeof(missing), "%s.nothing", db);
    s = NULL;
    ASSERT_EQ(cf_store_open_readonly(missing, &s, &err), CF_ENOTFOUND);
    ASSERT(s == NULL);
    return 0;
}

/* ---- serve-hard-5.*: event streams: a cap on all their memory, a cap per token ------------- */

/* A raw GET /v1/stream that never reads (its receive buffer made small, so the daemon
 * feels it at once); returns the socket. */
static int stream_never_reading(int port, const char *token)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
    ASSERT(fd >= 0);
    ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[512];
    int n =
        snprintf(req, sizeof(req),
                 "GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", token);
    raw_send(fd, req, (size_t)n);
    return fd;
}

/* A reader that keeps reading a raw stream until told to stop. */
typedef struct reader_s {
    int fd;
    atomic_int stop;
    pthread_mutex_t mu; /* guards text, len, cap and the count */
    char *text;
    size_t len, cap; /* cap grows by doubling: megabytes arrive 64 KiB at a time */
    size_t scanned;  /* reader_count: where counting resumes (one marker only) */
    int counted;
    pthread_t thread;
} reader_t;

/* Blocks of marker the reader has seen so far (always the same marker: the count
 * resumes where the last call stopped, so polling it costs the new bytes only). */
static int reader_count(reader_t *r, const char *marker)
{
    pthread_mutex_lock(&r->mu);
    size_t m = strlen(marker);
    const char *p = r->text ? r->text + r->scanned : NULL;
    for (const char *hit; p && (hit = strstr(p, marker)) != NULL; p = hit + m)
        r->counted++;
    if (r->text) { /* a marker cut at the end is counted next time */
        size_t end = r->len >= m ? r->len - m + 1 : 0;
        size_t at = p ? (size_t)(p - r->text) : r->len;
        r->scanned = at > end ? at : end;
    }
    int n = r->counted;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static void *reader_main(void *arg)
{
    reader_t *r = arg;
    char buf[65536];
    while (!atomic_load(&r->stop)) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = read(r->fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        pthread_mutex_lock(&r->mu);
        if (r->len + (size_t)n + 1 > r->cap) {
            r->cap = r->cap ? 2 * r->cap : 1 << 20;
            while (r->cap < r->len + (size_t)n + 1)
                r->cap *= 2;
            r->text = realloc(r->text, r->cap);
        }
        ASSERT(r->text != NULL);
        memcpy(r->text + r->len, buf, (size_t)n);
        r->len += (size_t)n;
        r->text[r->len] = '\0';
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

/* Opens a case whose party name is 48 KB: its notice is as big on every stream. */
static void open_big(const td_daemon_t *d, const char *token)
{
    enum { NAME = 48 << 10 };
    static char body[NAME + 128];
    if (!body[0]) {
        int n = snprintf(body, sizeof(body),
                         "{\"workflow\":\"penalty-general\",\"party\":"
                         "{\"name\":\"");
        memset(body + n, 'x', NAME);
        snprintf(body + n + NAME, sizeof(body) - (size_t)n - NAME, "\"}}");
    }
    td_resp_t r;
    td_http(d, "POST", "/v1/cases", token, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 201);
    td_resp_free(&r);
}

/* open_big, then waits until the reading stream has had the opening (the opens-th):
 * every stream has been handed it. A daemon sharing its database (PostgreSQL) hands
 * its streams the log's changes every follower turn, many at once; waiting keeps one
 * opening a step, as a lone daemon's own notices are. */
static void open_seen(const td_daemon_t *d, const char *token, reader_t *reader, int opens)
{
    open_big(d, token);
    CF_TEST_WAIT_UNTIL(reader_count(reader, "event: case.opened\n") >= opens);
}

/* serve-hard-5.1: streams that never read hold at most the cap on all streams (plus
 * one send each); the one behind the longest is ended first, with the overflow event;
 * a stream that reads loses nothing. */
TEST_IMPL(serve_hard_stream_memory_cap)
{
    enum { CAP = 1 << 20, SLACK = 4 * (64 << 10) };
    char db[512];
    td_db("hard-streams.db", db, sizeof(db));
    char *writer = td_token(db, "甲局", "handler", "张三");
    char *idle = td_token(db, "甲局", "auditor", "不读者");
    char *live = td_token(db, "甲局", "auditor", "读者");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.streams_max_total = CAP;
    td_start(&d, &cfg);
    reader_t reader = {.fd = stream_never_reading(d.port, live)};
    pthread_mutex_init(&reader.mu, NULL);
    ASSERT_EQ(pthread_create(&reader.thread, NULL, reader_main, &reader), 0);
    /* The first idle stream falls behind alone ... */
    int first = stream_never_reading(d.port, idle);
    int opens = 0;
    while (td_metric(&d, "caseflow_stream_bytes") < 128 << 10) {
        open_seen(&d, writer, &reader, ++opens);
        ASSERT(opens < 400);
    }
    /* ... then two more, and the events go on until the cap ends one stream. */
    int later[2] = {stream_never_reading(d.port, idle), stream_never_reading(d.port, idle)};
    while (td_metric(&d, "caseflow_stream_dropped_total") == 0) {
        open_seen(&d, writer, &reader, ++opens);
        ASSERT(td_metric(&d, "caseflow_stream_bytes") <= CAP + SLACK);
        ASSERT(opens < 2000);
    }
    ASSERT_EQ(td_metric(&d, "caseflow_stream_dropped_total"), 1);
    /* The one behind the longest was ended: what it holds ends with the overflow event
     * and the response's last chunk. */
    int closed;
    char *text = raw_read(first, 1000, &closed);
    const char *over = strstr(text, "event: overflow\n");
    ASSERT(over != NULL);
    ASSERT(strstr(over, "\r\n0\r\n\r\n") != NULL);
    free(text);
    for (int i = 0; i < 2; i++) {
        text = raw_read(later[i], 300, &closed);
        ASSERT(strstr(text, "event: overflow") == NULL);
        ASSERT(!closed);
        free(text);
        close(later[i]);
    }
    close(first);
    /* The reading stream got every opening. */
    CF_TEST_WAIT_UNTIL(reader_count(&reader, "event: case.opened\n") >= opens);
    atomic_store(&reader.stop, 1);
    ASSERT_EQ(pthread_join(reader.thread, NULL), 0);
    ASSERT_EQ(occurrences(reader.text, "event: case.opened\n"), opens);
    ASSERT(strstr(reader.text, "event: overflow") == NULL);
    free(reader.text);
    pthread_mutex_destroy(&reader.mu);
    close(reader.fd);
    td_stop(&d);
    free(writer);
    free(idle);
    free(live);
    return 0;
}

/* serve-hard-5.2: one token may hold streams_per_token streams; past that 429, and
 * another token is not held up. */
TEST_IMPL(serve_hard_stream_per_token)
{
    char db[512];
    td_db("hard-per-token.db", db, sizeof(db));
    char *one = td_token(db, "甲局", "auditor", "甲");
    char *other = td_token(db, "甲局", "auditor", "乙");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.streams_per_token = 2;
    cfg.timeout_ms = 300;
    td_start(&d, &cfg);
    int fds[2] = {stream_never_reading(d.port, one), stream_never_reading(d.port, one)};
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_stream_clients") >= 2);
    td_resp_t r;
    td_http(&d, "GET", "/v1/stream", one, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 429);
    ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "error")), "ETOOMANY");
    td_resp_free(&r);
    int third = stream_never_reading(d.port, other);
    int closed;
    char *text = raw_wait(third, ": connected", CF_TEST_WAIT_MS, &closed);
    ASSERT(strstr(text, "HTTP/1.1 200 ") && strstr(text, ": connected"));
    free(text);
    /* A stream that ends gives its place back: the daemon notices the client gone when
     * it next writes to it, an event or, with no event, the comment it sends every
     * --timeout-ms. */
    close(fds[0]);
    CF_TEST_WAIT_UNTIL(td_metric(&d, "caseflow_stream_clients") <= 2);
    ASSERT_EQ(td_metric(&d, "caseflow_stream_clients"), 2);
    int again = stream_never_reading(d.port, one);
    text = raw_wait(again, ": connected", CF_TEST_WAIT_MS, &closed);
    ASSERT(strstr(text, "HTTP/1.1 200 ") != NULL);
    free(text);
    ASSERT_EQ(td_metric(&d, "caseflow_stream_refused_total"), 1);
    close(again);
    close(third);
    close(fds[1]);
    td_stop(&d);
    free(one);
    free(other);
    return 0;
}

/* ---- serve-hard-6.*: paged reads, off the loop -------------------------------------------------
 */

static long long open_plain(const td_daemon_t *d, const char *token)
{
    static const char body[] = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"}}";
    td_resp_t r;
    td_http(d, "POST", "/v1/cases", token, body, sizeof(body) - 1, NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    return id;
}

/* serve-hard-6.1: following the next cursor walks every case exactly once, in order;
 * the alerts likewise; the page size has a default and a maximum. */
TEST_IMPL(serve_hard_paging)
{
    enum { CASES = 250, PAGE = 7 };
    char db[512], path[256], parameter[64];
    td_db("hard-paging.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    char *other = td_token(db, "乙局", "handler", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    for (int i = 0; i < CASES; i++) {
        open_plain(&d, token);
        if (i % 50 == 0)
            open_plain(&d, other); /* another agency's, between: never seen */
    }
    static int seen[CASES + 16];
    long long last = 0;
    int pages = 0, rows = 0;
    snprintf(path, sizeof(path), "/v1/cases?limit=%d", PAGE);
    for (;;) {
        td_resp_t r;
        td_http(&d, "GET", path, token, NULL, 0, NULL, &r);
        ASSERT_EQ(r.status, 200);
        size_t i;
        json_t *row;
        ASSERT(json_array_size(r.json) <= PAGE);
        json_array_foreach(r.json, i, row) {
            long long id = json_integer_value(json_object_get(row, "id"));
            ASSERT(id > last); /* in order, so never twice */
            last = id;
            ASSERT(id > 0 && id < CASES + 16);
            seen[id]++;
            rows++;
        }
        pages++;
        if (!r.next_cursor[0]) {
            ASSERT(r.link[0] == '\0');
            td_resp_free(&r);
            break;
        }
        /* Link names the same query with the cursor. */
        ASSERT_CONTAINS(r.link, "limit=7");
        ASSERT_CONTAINS(r.link, "rel=\"next\"");
        ASSERT_EQ(atoll(r.next_cursor), last);
        snprintf(path, sizeof(path), "/v1/cases?limit=%d&cursor=%s", PAGE, r.next_cursor);
        td_resp_free(&r);
        ASSERT(pages < 100);
    }
    ASSERT_EQ(rows, CASES);
    ASSERT_EQ(pages, (CASES + PAGE - 1) / PAGE);
    int once = 0;
    for (int i = 0; i < CASES + 16; i++)
        once += seen[i] == 1;
    ASSERT_EQ(once, CASES);
    /* The default page is 100 rows, with a cursor. */
    td_resp_t r;
    td_http(&d, "GET", "/v1/cases", token, NULL, 0, NULL, &r);
    ASSERT_EQ(json_array_size(r.json), 100);
    ASSERT(r.next_cursor[0] != '\0');
    td_resp_free(&r);
    /* The alerts, walked 9 at a time, are the alerts in one page of the most. */
    json_t *walked = td_get_all(&d, token, "/v1/alerts?limit=9");
    json_t *whole = td_get_json(&d, token, "/v1/alerts?limit=1000");
    ASSERT_EQ(json_array_size(walked), json_array_size(whole));
    ASSERT(json_array_size(whole) >= CASES); /* at least a deadline each */
    ASSERT(json_equal(walked, whole));
    json_decref(walked);
    json_decref(whole);
    /* Out of range. */
    static const struct {
        const char *path, *parameter;
    } bad[] = {{"/v1/cases?limit=0", "limit"},           {"/v1/cases?limit=1001", "limit"},
               {"/v1/cases?limit=ten", "limit"},         {"/v1/cases?cursor=abc", "cursor"},
               {"/v1/cases?cursor=-1", "cursor"},        {"/v1/alerts?limit=0", "limit"},
               {"/v1/alerts?cursor=nonsense", "cursor"}, {"/v1/alerts?state=soon", "state"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long status = get_status(&d, token, bad[i].path, parameter, sizeof(parameter));
        if (status != 400 || strcmp(parameter, bad[i].parameter) != 0)
            CF__FAIL("%s: %ld naming '%s'", bad[i].path, status, parameter);
    }
    td_stop(&d);
    free(token);
    free(other);
    return 0;
}

/* The reader pool's probe: records which threads read; holds the next read, on demand,
 * until the test lets it go. */
typedef struct probe_s {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t threads[64];
    int count;
    int hold;    /* the next read is held */
    int holding; /* a read is held (the test clears it to let the read go) */
} probe_t;

static void on_read(void *ctx)
{
    probe_t *p = ctx;
    pthread_mutex_lock(&p->mu);
    if (p->count < 64)
        p->threads[p->count] = pthread_self();
    p->count++;
    if (p->hold) {
        p->hold = 0;
        p->holding = 1;
        pthread_cond_broadcast(&p->cv);
        while (p->holding)
            pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

typedef struct slow_get_s {
    const td_daemon_t *d;
    const char *token;
    long status;
} slow_get_t;

static void *slow_get(void *arg)
{
    slow_get_t *g = arg;
    td_resp_t r;
    td_http(g->d, "GET", "/v1/cases", g->token, NULL, 0, NULL, &r);
    g->status = r.status;
    td_resp_free(&r);
    return NULL;
}

/* serve-hard-6.2: every read runs on a reader thread, not the loop's; a read held (until
 * the test lets it go) holds neither other clients nor a commit. */
TEST_IMPL(serve_hard_reads_off_loop)
{
    char db[512], path[64];
    td_db("hard-readers.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    probe_t probe = {.count = 0};
    pthread_mutex_init(&probe.mu, NULL);
    pthread_cond_init(&probe.cv, NULL);
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.read_probe = on_read;
    cfg.read_probe_ctx = &probe;
    td_start(&d, &cfg);
    long long id = open_plain(&d, token);
    static const char *const reads[] = {"/v1/cases", "/v1/cases/%lld", "/v1/cases/%lld/events",
                                        "/v1/alerts"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        snprintf(path, sizeof(path), reads[i], id);
        json_decref(td_get_json(&d, token, path));
    }
    pthread_mutex_lock(&probe.mu);
    ASSERT_EQ(probe.count, 4);
    for (int i = 0; i < probe.count; i++)
        ASSERT(!pthread_equal(probe.threads[i], d.thread)); /* d.thread runs the loop */
    pthread_mutex_unlock(&probe.mu);
    /* A read held: others are served, writes commit, meanwhile (were they held behind
     * it, the test would never let it go: the runner's timeout would end it). */
    pthread_mutex_lock(&probe.mu);
    probe.hold = 1;
    pthread_mutex_unlock(&probe.mu);
    slow_get_t g = {&d, token, 0};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, slow_get, &g), 0);
    pthread_mutex_lock(&probe.mu);
    while (!probe.holding)
        pthread_cond_wait(&probe.cv, &probe.mu);
    pthread_mutex_unlock(&probe.mu);
    for (int i = 0; i < 5; i++)
        open_plain(&d, token);
    json_decref(td_get_json(&d, token, "/v1/alerts"));
    pthread_mutex_lock(&probe.mu);
    ASSERT(probe.holding); /* still held: all of that was done beside it */
    probe.holding = 0;
    pthread_cond_broadcast(&probe.cv);
    pthread_mutex_unlock(&probe.mu);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(g.status, 200);
    pthread_cond_destroy(&probe.cv);
    pthread_mutex_destroy(&probe.mu);
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-hard-7.1: a stall does not reset requests already sent -------------------------- */

/* The loop probe: holds the loop for 3 s on a request for /healthz?stall, having set
 * the atomic_int at ctx (the test waits for it, not for a guessed time). */
static void stall_on(void *ctx, const char *path, size_t len)
{
    if (len >= 14 && memcmp(path, "/healthz?stall", 14) == 0) {
        atomic_store((atomic_int *)ctx, 1);
        cf_test_nap(3000);
    }
}

TEST_IMPL(serve_hard_stall_keepalive)
{
    char db[512], req[512];
    td_db("hard-stall.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.timeout_ms = 1500;
    atomic_int stalled = 0;
    cfg.loop_probe = stall_on;
    cfg.loop_probe_ctx = &stalled;
    td_start(&d, &cfg);
    /* Keep-alive connections, each answered once and then idle. */
    enum { IDLE = 4 };
    int fds[IDLE], closed;
    for (int i = 0; i < IDLE; i++) {
        fds[i] = raw_connect(d.port);
        const char *get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        raw_send(fds[i], get, strlen(get));
        char *out = raw_wait(fds[i], "{\"status\":\"ok\"}", CF_TEST_WAIT_MS, &closed);
        ASSERT(strstr(out, "HTTP/1.1 200 ") && !closed);
        free(out);
    }
    /* The loop is held for 3 s (past the 1.5 s timeout of the idle connections);
     * meanwhile each of them sends a write. */
    int stall = raw_connect(d.port);
    const char *held = "GET /healthz?stall HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_send(stall, held, strlen(held));
    CF_TEST_WAIT_UNTIL(atomic_load(&stalled));
    ASSERT(atomic_load(&stalled));
    static const char body[] = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"}}";
    int n = snprintf(req, sizeof(req),
                     "POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     token, sizeof(body) - 1, body);
    for (int i = 0; i < IDLE; i++)
        raw_send(fds[i], req, (size_t)n);
    /* Every write that was sent is answered (once: reset, unanswered). */
    for (int i = 0; i < IDLE; i++) {
        char *out = raw_wait(fds[i], "HTTP/1.1 ", CF_TEST_WAIT_MS, &closed);
        if (!strstr(out, "HTTP/1.1 201 "))
            CF__FAIL("connection %d: %s%s", i, out, closed ? "<closed>" : "");
        free(out);
        close(fds[i]);
    }
    char *out = raw_wait(stall, "HTTP/1.1 ", CF_TEST_WAIT_MS, &closed);
    ASSERT(strstr(out, "HTTP/1.1 200 ") != NULL);
    free(out);
    close(stall);
    /* An idle connection is still closed by the timeout. */
    int idle = raw_connect(d.port);
    out = raw_wait(idle, "never sent", CF_TEST_WAIT_MS, &closed);
    ASSERT(closed);
    free(out);
    close(idle);
    td_stop(&d);
    free(token);
    return 0;
}
