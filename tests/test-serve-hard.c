/*
 * test-serve-hard.c -- serve-hard-*: the daemon against an attacker and a careless
 * operator (issue 19, items 5 to 12). Each test drives a daemon run in-process
 * (serve-helpers.c). This file holds what arrives on the wire: the tests speak raw
 * HTTP over a socket, since libcurl would never send the shapes under test.
 *
 * serve-hard-1.*: request framing (Content-Length with Transfer-Encoding, two
 *                 Content-Lengths), HTTP/1.1 only (no h2c), h2o's own refusals in JSON,
 *                 two Authorization headers, document names that are not text; query values
 *                 that are not text, paths with dot-segments or encoded slashes (1.5);
 *                 another agency's file cited by its hash (1.6);
 * serve-hard-5.*: event streams: a cap on their total memory, a cap per token;
 * serve-hard-7.*: a stall does not reset requests already read.
 * (serve-hard-2.*, 3.1 and 6.*, the limits, are test-serve-hard-limits.c; serve-hard-3.2,
 * 4.* and 8.*, the operator's mistakes, are test-serve-hard-operator.c.)
 *
 * Map: raw-socket helpers (raw_exchange; connections by serve-helpers.c's td_raw_connect); the
 * tests, in that order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- raw sockets ---------------------------------------------------------------------------- */

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
    int fd = td_raw_connect(port);
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
    /* no "101 Switching Protocols" anywhere (not "101" alone: a request id may hold it) */
    ASSERT(strstr(out, "HTTP/1.1 101") == NULL);
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

/* ---- serve-hard-1.3: what h2o refuses by itself is answered in JSON too ------------------- */

TEST_IMPL(serve_hard_h2o_errors_json)
{
    static const struct {
        const char *request, *status, *code, *text;
    } shapes[] = {
        /* over max_body, announced: refused on the head alone */
        {"POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n", "413 ",
         "ETOOLARGE", "max_body, 4096 bytes"},
        /* a chunked body growing past it (its 5000 bytes are added below) */
        {NULL, "413 ", "ETOOLARGE", "--max-body"},
        {"POST /v1/cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400 ",
         "EFRAMING", "chunked"},
        {"POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", "400 ", "EFRAMING",
         "content-length"},
        {"POST /v1/cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400 ",
         "EFRAMING", "transfer-encoding"},
        {"POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: later\r\n\r\n", "417 ",
         "EEXPECT", "expectation"},
    };
    char db[512];
    td_db("hard-h2o-errors.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.max_body = 4096;
    td_start(&d, &cfg);
    static char chunked[6000];
    int n = snprintf(chunked, sizeof(chunked),
                     "POST /v1/cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "1388\r\n");
    memset(chunked + n, 'x', 5000);
    int closed;
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        const char *req = shapes[i].request ? shapes[i].request : chunked;
        char *out =
            raw_exchange(d.port, req, shapes[i].request ? strlen(req) : (size_t)n + 5000, &closed);
        char *body = strstr(out, "\r\n\r\n");
        json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
        if (strncmp(out + 9, shapes[i].status, 4) != 0 || !j ||
            strcmp(json_string_value(json_object_get(j, "error")) ?: "", shapes[i].code) != 0 ||
            !strstr(json_string_value(json_object_get(j, "text")) ?: "", shapes[i].text))
            CF__FAIL("shape %zu answered: %s", i, out);
        ASSERT(strstr(out, "content-type: application/json") != NULL);
        ASSERT(strstr(out, "text/plain") == NULL);
        ASSERT(strstr(out, "x-content-type-options: nosniff") != NULL);
        if (i == 0)
            ASSERT_EQ(json_integer_value(json_object_get(j, "limit")), 4096);
        ASSERT_EQ(closed, 1);
        json_decref(j);
        free(out);
    }
    /* Counted in /metrics like every other answer. */
    ASSERT_EQ(td_metric(&d, "caseflow_http_responses_total{code=\"413\"}"), 2);
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-1.4: ambiguous credentials, names that are not text ------------------------ */

/* The answer to GET path with the header lines extra (each ending "\r\n"). */
static char *raw_get(int port, const char *path, const char *extra)
{
    char req[1024];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n", path, extra);
    int closed;
    return raw_exchange(port, req, (size_t)n, &closed);
}

TEST_IMPL(serve_hard_hostile_names)
{
    char db[512];
    td_db("hard-names.db", db, sizeof(db));
    char *mine = td_token(db, "甲局", "handler", "张三");
    char *theirs = td_token(db, "乙局", "handler", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long id = td_open_case(&d, mine, "penalty-general", "某某大药房");
    char path[256], auth[400];
    /* Two Authorization headers, either order: neither is taken (a proxy may have checked
     * the other one); h2o alone would take the first. */
    snprintf(path, sizeof(path), "/v1/cases/%lld", id);
    for (int order = 0; order < 2; order++) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\nAuthorization: Bearer %s\r\n",
                 order ? mine : theirs, order ? theirs : mine);
        char *out = raw_get(d.port, path, auth);
        if (strncmp(out, "HTTP/1.1 400 ", 13) != 0 || !strstr(out, "\"EAUTH\"") ||
            strstr(out, "某某大药房"))
            CF__FAIL("two Authorization headers (order %d): %s", order, out);
        free(out);
    }
    /* A document's name with a NUL (it would be cut short to another name) or bytes that
     * are not UTF-8 (once answered 500 "out of memory": the error quoting it could not
     * be written): 400 naming the parameter. */
    static const char *const names[] = {"%E7%AB%8B%00x", "%FF%FE", "%C0%AE"};
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", mine);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "/v1/cases/%lld/documents/%s.pdf", id, names[i]);
        char *out = raw_get(d.port, path, auth);
        if (strncmp(out, "HTTP/1.1 400 ", 13) != 0 || !strstr(out, "\"parameter\":\"name\""))
            CF__FAIL("%s: %s", path, out);
        free(out);
    }
    /* A case id that is not one names the id (was: 404 "no such endpoint", as if the
     * route did not exist): negative, zero, a full-width or Arabic-Indic digit, SQL, NUL. */
    static const char *const cases[] = {
        "-1", "0", "00", "%EF%BC%91", "%D9%A1", "1;DROP%20TABLE%20events", "abc/events", "1%00"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(path, sizeof(path), "/v1/cases/%s", cases[i]);
        char *out = raw_get(d.port, path, auth);
        if (strncmp(out, "HTTP/1.1 400 ", 13) != 0 || !strstr(out, "\"parameter\":\"id\""))
            CF__FAIL("%s: %s", path, out);
        free(out);
    }
    char *none = raw_get(d.port, "/v1/cases//1", auth); /* no id at all: no route */
    ASSERT(strncmp(none, "HTTP/1.1 404 ", 13) == 0);
    free(none);
    /* JSON errors in words the client can act on: jansson's named its own flag
     * ("without JSON_ALLOW_NUL") and quoted an invisible byte order mark. */
    static const struct {
        const char *body, *says, *not_says;
    } bodies[] = {
        {"{\"workflow\": \"penalty-general\\u0000x\"}", "\\u0000 (NUL)", "JSON_ALLOW_NUL"},
        {"\xEF\xBB\xBF{\"workflow\": \"penalty-general\"}", "byte order mark", "\xEF\xBB\xBF"},
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        td_resp_t r;
        td_http(&d, "POST", "/v1/cases", mine, bodies[i].body, strlen(bodies[i].body), NULL, &r);
        const char *text = json_string_value(json_object_get(r.json, "text"));
        if (r.status != 400 || !text || !strstr(text, bodies[i].says) ||
            strstr(text, bodies[i].not_says))
            CF__FAIL("%s: %ld %s", bodies[i].says, r.status, r.body);
        td_resp_free(&r);
    }
    /* The same for a workflow's id: "penalty-general%00x" was read as penalty-general. */
    static const char *const ids[] = {"penalty-general%00x", "%FF", "penalty-general%C0%AE"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        snprintf(path, sizeof(path), "/v1/workflows/%s", ids[i]);
        char *out = raw_get(d.port, path, auth);
        if (strncmp(out, "HTTP/1.1 400 ", 13) != 0 || !strstr(out, "\"parameter\":\"id\""))
            CF__FAIL("%s: %s", path, out);
        free(out);
    }
    td_stop(&d);
    free(mine);
    free(theirs);
    return 0;
}

/* ---- serve-hard-1.5: query values that are not text, paths that climb ---------------------- */

/* The status line of a raw answer is status, and its body names parameter (NULL: any). */
static void expect_status(const char *what, const char *out, const char *status, const char *param)
{
    char named[96];
    snprintf(named, sizeof(named), "\"parameter\":\"%s\"", param ? param : "");
    if (strncmp(out, status, strlen(status)) != 0 || (param && !strstr(out, named)))
        CF__FAIL("%s: %s", what, out);
}

TEST_IMPL(serve_hard_query_paths)
{
    char db[512];
    td_db("hard-query.db", db, sizeof(db));
    char *mine = td_token(db, "甲局", "handler", "张三");
    char *theirs = td_token(db, "乙局", "handler", "王五");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    long long id = td_open_case(&d, mine, "penalty-general", "某某大药房");
    long long other = td_open_case(&d, theirs, "penalty-general", "乙局的药房");
    char path[256], auth[400];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\nConnection: close\r\n", mine);
    /* A %00 cut the value short ("limit=1%00abc" was 1, "format=csv%00x" csv, "state=lead%00x"
     * lead) and a '%' without two hex digits was taken as itself: 400 naming the parameter. */
    static const struct {
        const char *query, *param;
    } queries[] = {
        {"/v1/cases?limit=1%00abc", "limit"},
        {"/v1/cases?state=lead%00x", "state"},
        {"/v1/cases?q=%zz", "q"},
        {"/v1/cases?q=%25%", "q"},
        {"/v1/cases?handler=%E5%BC%A0%00", "handler"},
        {"/v1/stats?format=csv%00x", "format"},
        {"/v1/stats?from=2026-01-01%00x", "from"},
        {"/v1/alerts?handler=%E5%BC%A0%2", "handler"},
        {"/v1/alerts?limit=2%00", "limit"},
        {"/v1/causes?subject_type=provider%00", "subject_type"},
        {"/v1/alerts/deliveries?state=pending%00", "state"},
    };
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        char *out = raw_get(d.port, queries[i].query, auth);
        expect_status(queries[i].query, out, "HTTP/1.1 400 ", queries[i].param);
        free(out);
    }
    snprintf(path, sizeof(path), "/v1/cases/%lld/export?documents=bytes%%00x", id);
    char *out = raw_get(d.port, path, auth);
    expect_status(path, out, "HTTP/1.1 400 ", "documents");
    free(out);
    out = raw_get(d.port, "/v1/cases?q=%E8%8D%AF%E6%88%BF", auth); /* 药房: still found */
    if (strncmp(out, "HTTP/1.1 200 ", 13) != 0 || !strstr(out, "某某大药房"))
        CF__FAIL("q=药房: %s", out);
    free(out);
    /* Paths h2o resolves before routing: "/v1/cases/1/..%2f2" reached case 2, "/web/..%2fv1/
     * cases" the list (a proxy allowing paths by prefix is bypassed). No route: 404. */
    char paths[6][160];
    snprintf(paths[0], sizeof(paths[0]), "/v1/cases/%lld/..%%2f%lld", other, id);
    snprintf(paths[1], sizeof(paths[1]), "/v1/cases/%lld/%%2e%%2e/%lld", other, id);
    snprintf(paths[2], sizeof(paths[2]), "/v1/cases/%lld/../%lld", other, id);
    snprintf(paths[3], sizeof(paths[3]), "/web/..%%2fv1/cases");
    snprintf(paths[4], sizeof(paths[4]), "/v1/cases/%lld/./events", id);
    snprintf(paths[5], sizeof(paths[5]), "/v1/cases/%lld/documents/..%%5cx.pdf", id);
    for (size_t i = 0; i < 6; i++) {
        out = raw_get(d.port, paths[i], auth);
        if (strncmp(out, "HTTP/1.1 404 ", 13) != 0 || strstr(out, "某某大药房") ||
            !strstr(out, "\"ENOTFOUND\""))
            CF__FAIL("%s: %s", paths[i], out);
        free(out);
    }
    /* the stats as CSV hold names people typed: never sniffed as a page */
    out = raw_get(d.port, "/v1/stats?format=csv", auth);
    if (strncmp(out, "HTTP/1.1 200 ", 13) != 0 || !strstr(out, "x-content-type-options: nosniff"))
        CF__FAIL("stats csv: %s", out);
    free(out);
    td_stop(&d);
    free(mine);
    free(theirs);
    return 0;
}

/* ---- serve-hard-1.6: another agency's file, cited by its hash ------------------------------ */

/* Opens a case as token (a head) and files it with the document 立案审批表 given as doc
 * (a JSON object: the bytes or a reference); returns the case's id. */
static long long open_filed(const td_daemon_t *d, const char *token, const char *doc)
{
    td_resp_t r;
    static const char open[] = "{\"workflow\": \"penalty-general\", \"party\": {\"name\": "
                               "\"某某大药房\", \"type\": \"定点医药机构\"}, \"facts\": "
                               "{\"lead_source\": \"投诉举报\"}}";
    td_http(d, "POST", "/v1/cases", token, open, strlen(open), NULL, &r);
    ASSERT_EQ(r.status, 201);
    long long id = (long long)json_integer_value(json_object_get(r.json, "id"));
    td_resp_free(&r);
    char path[64], body[1024];
    snprintf(path, sizeof(path), "/v1/cases/%lld/actions", id);
    int n = snprintf(body, sizeof(body),
                     "{\"action\": \"file\", \"facts\": {\"filing_reason\": \"串换药品\", "
                     "\"cause\": \"js-2024:14\", \"officers\": [{\"name\": \"张三\", \"cert\": "
                     "\"65010020001\"}, {\"name\": \"王五\", \"cert\": \"65010020002\"}]}, "
                     "\"documents\": {\"立案审批表\": %s}}",
                     doc);
    td_http(d, "POST", path, token, body, (size_t)n, "\"2\"", &r);
    if (r.status != 200)
        CF__FAIL("file %lld: %ld %s", id, r.status, r.body);
    td_resp_free(&r);
    return id;
}

/* Documents are stored by hash, shared by every case that cites it: an agency that cited
 * another agency's hash by reference alone (sha256 and size, no bytes) read that agency's
 * file through its own case, and carried it in its export. Now 404 / without bytes; the
 * agency that gave the bytes still reads them. */
TEST_IMPL(serve_hard_foreign_hash)
{
    char db[512];
    td_db("hard-hash.db", db, sizeof(db));
    char *mine = td_token(db, "甲局", "head", "李四");
    char *theirs = td_token(db, "乙局", "head", "赵六");
    td_daemon_t d;
    td_start_at(&d, db, T0);
    static const char b64[] = "JVBERi0xLjQg55Sy5bGA55qE56eY5a+G"; /* "%PDF-1.4 甲局的秘密" */
    char doc[256], path[160];
    snprintf(doc, sizeof(doc), "{\"content_base64\": \"%s\", \"file\": \"秘密.pdf\"}", b64);
    long long a = open_filed(&d, mine, doc);
    snprintf(path, sizeof(path), "/v1/cases/%lld", a); /* the hash, as the daemon made it */
    json_t *c = td_get_json(&d, mine, path);
    const char *h = json_string_value(
        json_object_get(json_object_get(json_object_get(c, "documents"), "立案审批表"), "sha256"));
    ASSERT(h != NULL && strlen(h) == 64);
    char hash[65];
    snprintf(hash, sizeof(hash), "%s", h);
    json_decref(c);
    snprintf(doc, sizeof(doc), "{\"sha256\": \"%s\", \"size\": 24, \"file\": \"x.pdf\"}", hash);
    long long b = open_filed(&d, theirs, doc);
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", b, hash);
    td_http(&d, "GET", path, theirs, NULL, 0, NULL, &r);
    if (r.status != 404 || strstr(r.body, "PDF"))
        CF__FAIL("another agency's file by its hash: %ld %.60s", r.status, r.body);
    td_resp_free(&r);
    snprintf(path, sizeof(path), "/v1/cases/%lld/export?documents=bytes", b);
    td_http(&d, "GET", path, theirs, NULL, 0, NULL, &r);
    if (r.status != 200 || strstr(r.body, b64) ||
        !json_array_size(json_object_get(r.json, "documents_without_bytes")))
        CF__FAIL("export: %ld %.200s", r.status, r.body);
    td_resp_free(&r);
    snprintf(path, sizeof(path), "/v1/cases/%lld/files/%s", a, hash);
    td_http(&d, "GET", path, mine, NULL, 0, NULL, &r);
    if (r.status != 200 || strncmp(r.body, "%PDF-1.4", 8) != 0)
        CF__FAIL("the agency's own file: %ld %.60s", r.status, r.body);
    td_resp_free(&r);
    snprintf(path, sizeof(path), "/v1/cases/%lld/export?documents=bytes", a);
    td_http(&d, "GET", path, mine, NULL, 0, NULL, &r);
    ASSERT(r.status == 200 && strstr(r.body, b64) != NULL);
    td_resp_free(&r);
    td_stop(&d);
    free(mine);
    free(theirs);
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
        fds[i] = td_raw_connect(d.port);
        const char *get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        raw_send(fds[i], get, strlen(get));
        char *out = raw_wait(fds[i], "{\"status\":\"ok\"}", CF_TEST_WAIT_MS, &closed);
        ASSERT(strstr(out, "HTTP/1.1 200 ") && !closed);
        free(out);
    }
    /* The loop is held for 3 s (past the 1.5 s timeout of the idle connections);
     * meanwhile each of them sends a write. */
    int stall = td_raw_connect(d.port);
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
    int idle = td_raw_connect(d.port);
    out = raw_wait(idle, "never sent", CF_TEST_WAIT_MS, &closed);
    ASSERT(closed);
    free(out);
    close(idle);
    td_stop(&d);
    free(token);
    return 0;
}
