/*
 * http.c -- the HTTP side of the daemon: libh2o 2.2.5 on the daemon's libuv
 * loop, in the call order of h2o's own example, examples/libh2o/simple.c in
 * h2o's sources (h2o_config_init, one host, one path "/" whose handler routes;
 * h2o_context_init on our loop; uv_tcp listener; h2o_uv_socket_create +
 * h2o_accept per connection).
 *
 * Map: answers (JSON bodies and errors) -> query strings (range-checked numbers)
 * -> auth (token, session cookie, roles) -> routing (the handlers, the table of
 * routes, route_of, the metrics' labels, dispatch) -> framing (request framing
 * checks) -> connections (tracking, stop).
 *
 * Routing is one table walk on (method, path) rather than one h2o path per
 * endpoint: h2o matches path prefixes, so "/v1/cases" would also take
 * "/v1/cases/7/events", and every handler would re-parse the path anyway. The
 * table (routes[]) holds each endpoint once, with its pattern, methods, what it
 * needs and its handler; the router and the metrics' route labels both read it, so
 * an endpoint cannot be routed and yet counted under "other". Rejected: a switch
 * per concern (the route list kept twice drifted: nine routes were labelled
 * "other"), and a generated router (a build step for 24 lines).
 *
 * Order of checks for a request, first failure answers:
 *   route (404; 405 with Allow for a known path and another method)
 *   -> token (401; /healthz, /readyz, the test clock, POST /v1/session and the
 *      workbench's files need none), or else the session cookie (http-session.c: 401,
 *      or 403 ECSRF for a change without the session's X-CSRF-Token)
 *   -> /metrics only with a token of role metrics, and such a token nothing else (403)
 *   -> auditor on a POST (403) -> stopping (503) -> the endpoint.
 * Bodies over --max-body are refused by h2o itself (413) before we see them.
 *
 * Connections are tracked (cf__conn_t) so that stopping can end them: shutdown(2)
 * of the read side makes h2o see end-of-file on an idle keep-alive connection and
 * close it through its own path, and a connection whose answer is still being
 * committed closes once that answer was sent. h2o 2.2.5's HTTP/1 has no graceful
 * shutdown of its own (its request_shutdown callback is NULL).
 */
#include "serve-int.h"

#include "chain.h"
#include "jsonw.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct handler_s {
    h2o_handler_t super;
    cf_serve_t *srv;
} handler_t;

/* ---- answers ----------------------------------------------------------------------------- */

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status < 500 ? "Client Error" : "Internal Server Error";
    }
}

static void count(cf_serve_t *srv, int status)
{
    if (status >= 100 && status < 600) {
        srv->m.status[status / 100]++;
        srv->m.by_code[status]++;
    }
}

/* Exported, documented in serve-int.h */
void cf__http_json(h2o_req_t *req, cf_serve_t *srv, int status, json_t *body)
{
    /* Written into the loop's one answer buffer (h2o_send_inline copies it):
     * no allocation per answer, and none of json_dumps' per-call costs. */
    cf__jsonw_t w = {.p = srv->answer, .cap = srv->answer_cap};
    cf__jsonw_value(&w, body, 0);
    json_decref(body);
    srv->answer = w.p;
    srv->answer_cap = w.cap;
    cf__http_text(req, srv, status, w.oom || !body ? NULL : srv->answer, w.len);
}

/* Exported, documented in serve-int.h */
void cf__http_text(h2o_req_t *req, cf_serve_t *srv, int status, const char *text, size_t len)
{
    if (!text) {
        status = 500;
        text = "{\"error\":\"ENOMEM\",\"text\":\"out of memory\"}";
        len = strlen(text);
    }
    count(srv, status);
    req->res.status = status;
    req->res.reason = reason_of(status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json; charset=utf-8"));
    /* A JSON answer holds what clients typed (a party named <script>...): never sniffed
     * as HTML by a browser that opens it directly (the workbench's 404s set it already). */
    if (h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-content-type-options"), -1) < 0)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"),
                              0, NULL, H2O_STRLIT("nosniff"));
    req->res.content_length = len;
    h2o_send_inline(req, text, len);
}

/* Exported, documented in serve-int.h */
void cf__http_bytes(h2o_req_t *req, cf_serve_t *srv, int status, const char *content_type,
                    const void *data, size_t len)
{
    count(srv, status);
    req->res.status = status;
    req->res.reason = reason_of(status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    req->res.content_length = len;
    h2o_send_inline(req, data, len);
}

/* Exported, documented in serve-int.h */
void cf__http_error(h2o_req_t *req, cf_serve_t *srv, int status, const char *name, const char *text)
{
    cf__http_json(req, srv, status, json_pack("{s:s, s:s}", "error", name, "text", text));
}

/* Exported, documented in serve-int.h */
int cf__http_status(int code)
{
    switch (code) {
    case CF_EINVAL:
    case CF_EPARSE:
    case CF_EINVALID:
        return 400;
    case CF_ENOTFOUND:
        return 404;
    case CF_EFORBIDDEN:
        return 403;
    case CF_ECONFLICT:
    case CF_EEXIST:
        return 409;
    case CF_EREFUSED:
    case CF_ECLOSED:
    case CF_ERANGE:
        return 422;
    case CF_EBUSY:
        return 503;
    default:
        return 500;
    }
}

/* ---- query strings ----------------------------------------------------------------------- */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
static int utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (i + n >= len)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Percent-decodes src[0..len) ('+' is a space) into a string in req's pool. */
static char *decode(h2o_req_t *req, const char *src, size_t len)
{
    char *out = h2o_mem_alloc_pool(&req->pool, len + 1), *w = out;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '%' && i + 2 < len && hexval(src[i + 1]) >= 0 && hexval(src[i + 2]) >= 0) {
            *w++ = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
            i += 2;
        } else {
            *w++ = src[i] == '+' ? ' ' : src[i];
        }
    }
    *w = '\0';
    return out;
}

/* Exported, documented in serve-int.h */
const char *cf__http_query(h2o_req_t *req, const char *name, int *bad)
{
    if (req->query_at == SIZE_MAX)
        return NULL;
    const char *q = req->path.base + req->query_at + 1;
    const char *end = req->path.base + req->path.len;
    size_t nlen = strlen(name);
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        const char *kend = eq ? eq : stop;
        if ((size_t)(kend - q) == nlen && memcmp(q, name, nlen) == 0) {
            const char *v = eq ? eq + 1 : stop;
            char *value = decode(req, v, (size_t)(stop - v));
            if (!utf8_valid((const unsigned char *)value, strlen(value)))
                *bad = 1;
            return value;
        }
        q = stop + 1;
    }
    return NULL;
}

/* Exported, documented in serve-int.h */
int cf__http_decimal(const char *text, int64_t min, int64_t max, int64_t *out)
{
    const char *p = text;
    int neg = *p == '-';
    int64_t n = 0;
    p += neg;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (n > (INT64_MAX - d) / 10)
            return -1; /* past INT64_MAX: out of every range */
        n = n * 10 + d;
    }
    if (*p)
        return -1;
    n = neg ? -n : n;
    if (n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_query_int(cf_serve_t *srv, h2o_req_t *req, const char *name, int64_t min, int64_t max,
                       int64_t *out)
{
    int bad = 0;
    const char *v = cf__http_query(req, name, &bad);
    if (!v)
        return 0;
    if (!bad && cf__http_decimal(v, min, max, out) == 0)
        return 1;
    char text[160];
    snprintf(text, sizeof(text), "%s must be a whole number from %lld to %lld", name,
             (long long)min, (long long)max);
    cf__http_json(req, srv, 400,
                  json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text", text, "parameter", name));
    return -1;
}

/* ---- auth --------------------------------------------------------------------------------- */

/* The cache slot of a token's text (FNV-1a). */
static cf__token_slot_t *token_slot(cf_serve_t *srv, const char *text, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 16777619u;
    return &srv->tokens[h % CF__TOKEN_SLOTS];
}

static void on_token_used(cf__job_t *job)
{
    cf__job_free(job);
}

/* Records through the writer that the token with hash digest was used now: once per
 * read from the database, so at most once per token and token_cache_ms. Best effort:
 * without memory the use is not recorded, and the request is served all the same. */
static void token_used(cf_serve_t *srv, const char *digest)
{
    cf__job_t *job = srv->state == CF__RUNNING ? calloc(1, sizeof(*job)) : NULL;
    if (!job || !(job->body = json_string(digest))) {
        free(job);
        return;
    }
    job->kind = CF__JOB_TOKEN_USED;
    job->now = cf__serve_now(srv);
    job->if_match = -1;
    job->done = on_token_used;
    cf__writer_submit(srv, job);
}

/* The holder of token text from the cache, while trusted: 0, or -1 when not there. */
static int token_cached(cf_serve_t *srv, const char *text, size_t len, cf_principal_t *who)
{
    cf__token_slot_t *t = token_slot(srv, text, len);
    if (t->until > uv_now(&srv->loop) && t->len == len && CRYPTO_memcmp(t->text, text, len) == 0) {
        *who = t->who;
        return 0;
    }
    return -1;
}

/* The holder of token text: from the cache while trusted, else by the SHA-256 of
 * the text in the tokens table, if neither revoked nor expired (then cached, and
 * its use recorded). 0, -1 for an unknown, revoked or expired token, or -2 when the
 * database could not be read (PostgreSQL away: the request is answered 503, never
 * 401, so a client does not take its token for revoked). */
static int token_holder(cf_serve_t *srv, const char *text, size_t len, cf_principal_t *who)
{
    cf__token_slot_t *t = token_slot(srv, text, len);
    uint64_t now = uv_now(&srv->loop);
    if (token_cached(srv, text, len, who) == 0)
        return 0;
    char digest[65];
    if (cf_chain_sha256_hex(text, len, digest) != 0)
        return -1;
    int rc = cf_store_token_check(srv->reader, digest, cf__serve_now(srv), who, NULL);
    if (rc != 0)
        return rc == CF_ENOTFOUND ? -1 : -2;
    token_used(srv, digest);
    if (len <= sizeof(t->text)) {
        memcpy(t->text, text, len);
        t->len = len;
        t->who = *who;
        t->until = now + srv->cfg.token_cache_ms;
    }
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_agency_of(cf_serve_t *srv, h2o_req_t *req, char *agency, size_t size)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (at < 0 || req->res.status == 401)
        return -1;
    h2o_iovec_t v = req->headers.entries[at].value;
    if (v.len <= 7 || !h2o_lcstris(v.base, 7, H2O_STRLIT("bearer ")))
        return -1;
    cf__token_slot_t *t = token_slot(srv, v.base + 7, v.len - 7);
    if (!t->until || t->len != v.len - 7 || CRYPTO_memcmp(t->text, v.base + 7, t->len) != 0)
        return -1;
    snprintf(agency, size, "%s", t->who.agency);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_unavailable(cf_serve_t *srv, h2o_req_t *req)
{
    cf__http_error(req, srv, 503, "EUNAVAILABLE",
                   "the database cannot be reached just now (the daemon reconnects on its "
                   "own): try again shortly");
    return 503;
}

/* Exported, documented in serve-int.h */
int cf__http_token_holder(cf_serve_t *srv, h2o_req_t *req, const char *text, size_t len,
                          cf_principal_t *who)
{
    if (token_cached(srv, text, len, who) == 0)
        return 0;
    if (cf__authfail_spent(srv, req))
        return 429;
    int held = token_holder(srv, text, len, who);
    if (held == 0 || held == -2)
        return held;
    cf__authfail_count(srv, req);
    return -1;
}

/* The token's holder: 0, or an HTTP status (401, 429 from an address that sent too
 * many unknown tokens, or 403 ECSRF) already answered. A
 * request without an Authorization header may authenticate by the workbench's session
 * cookie (http-session.c). */
static int authenticate(cf_serve_t *srv, h2o_req_t *req, cf_principal_t *who)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    const char *text = "a bearer token is required (Authorization: Bearer TOKEN)";
    if (at < 0) {
        int rc = cf__session_auth(srv, req, who);
        if (rc != 1)
            return rc;
    }
    if (at >= 0) {
        h2o_iovec_t v = req->headers.entries[at].value;
        text = "unknown token";
        int rc = v.len > 7 && h2o_lcstris(v.base, 7, H2O_STRLIT("bearer "))
                     ? cf__http_token_holder(srv, req, v.base + 7, v.len - 7, who)
                     : -1;
        if (rc == 0 || rc == 429)
            return rc;
        if (rc == -2)
            return cf__http_unavailable(srv, req);
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                   H2O_STRLIT("Bearer"));
    cf__http_error(req, srv, 401, "EAUTH", text);
    return 401;
}

/* ---- routing ------------------------------------------------------------------------------- */

/* The methods a route takes; any other is 405 with an Allow header naming these. */
enum { M_GET = 1, M_POST = 2, M_DELETE = 4, M_HEAD = 8 };

/* What a route needs before its handler runs (flags). */
enum {
    R_TOKEN = 0,      /* a token or session of a role other than metrics; no auditor POSTs */
    R_OPEN = 1,       /* answered before any authentication */
    R_METRICS = 2,    /* a token of role metrics (which reads nothing else) */
    R_TEST_CLOCK = 4, /* 404 unless the daemon was started with the test clock */
    R_CASE_ID = 8,    /* the pattern's {id} is a case id: digits, 1 to INT64_MAX */
};

/* A route's handler takes one of three shapes, by what it needs: the request alone; the
 * principal too (never on an R_OPEN route); and an R_CASE_ID route's case id too.
 * Each returns what h2o's on_req returns (0: answered). */
typedef struct route_s {
    const char *pattern; /* the path it serves, and its label in /metrics */
    unsigned methods;    /* M_* */
    unsigned needs;      /* R_* flags */
    int (*plain)(cf_serve_t *srv, h2o_req_t *req);
    int (*who)(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
    int (*fn)(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
} route_t;

static int is_post(const h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
}

static int health(cf_serve_t *srv, h2o_req_t *req)
{
    if (atomic_load(&srv->db_lost))
        cf__http_json(req, srv, 503, json_pack("{s:s}", "status", "database lost"));
    else
        cf__http_json(req, srv, 200, json_pack("{s:s}", "status", "ok"));
    return 0;
}

/* The loop runs: it is answering this (docs/operations.md). */
static int live(cf_serve_t *srv, h2o_req_t *req)
{
    cf__http_json(
        req, srv, 200,
        json_pack("{s:s, s:I}", "status", "live", "loop_ms", (json_int_t)uv_now(&srv->loop)));
    return 0;
}

/* The routes whose one path takes two methods, or that post a job of their own kind. */

static int cases(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    return is_post(req) ? cf__http_post(srv, req, who, CF__JOB_OPEN, 0)
                        : cf__http_list_cases(srv, req, who);
}

static int actions(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return cf__http_post(srv, req, who, CF__JOB_ACT, id);
}

static int extensions(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return cf__http_post(srv, req, who, CF__JOB_EXTEND, id);
}

static int exclusions(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return cf__http_post(srv, req, who, CF__JOB_EXCLUDE, id);
}

static int evidence(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return is_post(req) ? cf__http_post(srv, req, who, CF__JOB_EVIDENCE, id)
                        : cf__http_get_register(srv, req, who, id, 0);
}

static int records(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id)
{
    return is_post(req) ? cf__http_post(srv, req, who, CF__JOB_RECORD, id)
                        : cf__http_get_register(srv, req, who, id, 1);
}

/* Every endpoint, once: the router walks it (first match wins) and /metrics labels each
 * request with its route's pattern. A new endpoint is one line here (append it) and
 * its handler, in one of the three shapes of route_t.
 *
 * A pattern is matched literally but for its placeholders: {id} on a R_CASE_ID route is a
 * case id (a path whose digits there pass INT64_MAX is 400, whatever follows); {sha256}
 * is 64 characters; any other {name} is one or more characters of any kind and must be
 * the pattern's last placeholder. The workbench's files (any GET or HEAD outside /v1/,
 * http-static.c) are the fallback after the table, labelled "other" like every path no
 * route serves. */
/* clang-format off */
static const route_t routes[] = {
    /* pattern, methods, needs, handler */
    {"/healthz", M_GET, R_OPEN, .plain = health},
    {"/livez", M_GET, R_OPEN, .plain = live},
    {"/readyz", M_GET, R_OPEN, .plain = cf__http_readyz},
    {"/metrics", M_GET, R_METRICS, .plain = cf__http_metrics},
    {"/v1/test/clock", M_POST, R_OPEN | R_TEST_CLOCK, .plain = cf__http_test_clock},
    {"/v1/session", M_GET | M_POST | M_DELETE, R_OPEN, .plain = cf__http_session},
    {"/v1/workflows", M_GET, R_TOKEN, .plain = cf__http_workflows},
    {"/v1/workflows/{id}", M_GET, R_TOKEN, .who = cf__http_workflow},
    {"/v1/causes", M_GET, R_TOKEN, .who = cf__http_causes},
    {"/v1/alerts", M_GET, R_TOKEN, .who = cf__http_alerts},
    {"/v1/alerts/{alert_id}/ack", M_POST, R_TOKEN, .who = cf__http_ack},
    {"/v1/stats", M_GET, R_TOKEN, .who = cf__http_stats},
    {"/v1/stream", M_GET, R_TOKEN, .who = cf__deliver_stream},
    {"/v1/cases", M_GET | M_POST, R_TOKEN, .who = cases},
    {"/v1/cases/{id}", M_GET, R_CASE_ID, .fn = cf__http_get_case},
    {"/v1/cases/{id}/events", M_GET, R_CASE_ID, .fn = cf__http_get_events},
    {"/v1/cases/{id}/actions", M_POST, R_CASE_ID, .fn = actions},
    {"/v1/cases/{id}/extensions", M_POST, R_CASE_ID, .fn = extensions},
    {"/v1/cases/{id}/exclusions", M_POST, R_CASE_ID, .fn = exclusions},
    {"/v1/cases/{id}/documents/{name}.pdf", M_GET, R_CASE_ID, .fn = cf__http_get_document},
    {"/v1/cases/{id}/evidence", M_GET | M_POST, R_CASE_ID, .fn = evidence},
    {"/v1/cases/{id}/records", M_GET | M_POST, R_CASE_ID, .fn = records},
    {"/v1/cases/{id}/replay", M_GET, R_CASE_ID, .fn = cf__http_replay},
    {"/v1/cases/{id}/files/{sha256}", M_GET, R_CASE_ID, .fn = cf__http_get_file},
};
/* clang-format on */
#define ROUTES_COUNT ((int)(sizeof(routes) / sizeof(routes[0])))
_Static_assert(sizeof(routes) / sizeof(routes[0]) + 1 <= CF__LATENCY_ROUTES,
               "every route and other have a row of latency histograms: raise CF__LATENCY_ROUTES");

static const route_t static_route = {"other", M_GET | M_HEAD, R_OPEN, .plain = cf__http_static};

enum { ROUTE_NONE = -1, ROUTE_BADID = -2 };

/* Whether [p, end) matches pattern pat (of route needs): 1 yes, OUT *id for a case id;
 * 0 no; ROUTE_BADID for a case id past INT64_MAX. */
static int match(const char *pat, const char *p, const char *end, unsigned needs, int64_t *id)
{
    for (; *pat && *pat != '{'; pat++, p++)
        if (p == end || *p != *pat)
            return 0;
    if (!*pat)
        return p == end;
    const char *close = strchr(pat, '}'), *rest = close + 1;
    size_t name_len = (size_t)(close - pat) + 1, rest_len = strlen(rest);
    if ((needs & R_CASE_ID) && name_len == 4 && memcmp(pat, "{id}", 4) == 0) {
        const char *q = p;
        int64_t n = 0;
        for (; q < end && *q >= '0' && *q <= '9'; q++) {
            int d = *q - '0';
            if (n > (INT64_MAX - d) / 10)
                return ROUTE_BADID;
            n = n * 10 + d;
        }
        int m = q > p && n > 0 ? match(rest, q, end, needs, id) : 0;
        if (m == 1)
            *id = n;
        return m;
    }
    if (name_len == 8 && memcmp(pat, "{sha256}", 8) == 0)
        return end - p >= 64 && match(rest, p + 64, end, needs, id);
    return (size_t)(end - p) > rest_len && memcmp(end - rest_len, rest, rest_len) == 0;
}

/* The index in routes[] of path's route, and OUT *id for a R_CASE_ID route (else untouched);
 * ROUTE_NONE, or ROUTE_BADID for a case id past INT64_MAX. */
static int route_of(h2o_iovec_t path, int64_t *id)
{
    for (int i = 0; i < ROUTES_COUNT; i++) {
        int m = match(routes[i].pattern, path.base, path.base + path.len, routes[i].needs, id);
        if (m == 1)
            return i;
        if (m == ROUTE_BADID)
            return ROUTE_BADID;
    }
    return ROUTE_NONE;
}

/* Exported, documented in serve-int.h */
int cf__http_route_labels_count(void)
{
    return ROUTES_COUNT + 1;
}

/* Exported, documented in serve-int.h */
const char *cf__http_route_label(int label)
{
    return label > 0 && label <= ROUTES_COUNT ? routes[label - 1].pattern : "other";
}

/* Exported, documented in serve-int.h */
int cf__http_route_label_of(h2o_iovec_t path)
{
    int64_t id = 0;
    int r = route_of(path, &id);
    return r >= 0 ? r + 1 : 0; /* no such endpoint, or a bad id: one label for them all */
}

/* Exported, documented in serve-int.h */
const char *cf__http_route_pattern(h2o_iovec_t path)
{
    return cf__http_route_label(cf__http_route_label_of(path));
}

/* The Allow header's value for methods, in the request's pool. */
static void allow_header(h2o_req_t *req, unsigned methods)
{
    static const char *const names[] = {"GET", "POST", "DELETE", "HEAD"};
    char text[32];
    size_t len = 0;
    for (int i = 0; i < 4; i++)
        if (methods & (1u << i))
            len +=
                (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", len ? ", " : "", names[i]);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                   h2o_strdup(&req->pool, text, len).base, len);
}

static unsigned method_of(const h2o_req_t *req)
{
    static const struct {
        const char *name;
        size_t len;
        unsigned bit;
    } known[] = {
        {"GET", 3, M_GET}, {"POST", 4, M_POST}, {"DELETE", 6, M_DELETE}, {"HEAD", 4, M_HEAD}};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (h2o_memis(req->method.base, req->method.len, known[i].name, known[i].len))
            return known[i].bit;
    return 0;
}

/* Runs r's handler, in the shape it has. */
static int run(const route_t *r, cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who,
               int64_t id)
{
    return r->fn ? r->fn(srv, req, who, id) : r->who ? r->who(srv, req, who) : r->plain(srv, req);
}

/* Authentication and the roles, then the route's handler. */
static int dispatch(cf_serve_t *srv, h2o_req_t *req, const route_t *r, int64_t id, int post)
{
    cf_principal_t who;
    if (r->needs & R_OPEN)
        return run(r, srv, req, NULL, id);
    if (authenticate(srv, req, &who) != 0)
        return 0;
    /* The figures are the whole daemon's, every agency's: only a metrics token reads
     * them, and a metrics token reads nothing else. */
    int metrics_role = strcmp(who.role, "metrics") == 0;
    if ((r->needs & R_METRICS) && metrics_role)
        return run(r, srv, req, &who, id);
    if ((r->needs & R_METRICS) || metrics_role) {
        cf__http_error(req, srv, 403, "EFORBIDDEN",
                       metrics_role ? "a metrics token reads /metrics only"
                                    : "/metrics needs a token of role metrics "
                                      "(caseflow token create --role metrics)");
        return 0;
    }
    if (post && strcmp(who.role, "auditor") == 0) {
        cf__http_error(req, srv, 403, "EFORBIDDEN", "an auditor's token is read-only");
        return 0;
    }
    return run(r, srv, req, &who, id);
}

/* ---- framing ------------------------------------------------------------------------------ */

/* The value of header line [p, eol) if its name is name (case-insensitive), with the
 * spaces around it trimmed; else a NULL base. */
static h2o_iovec_t header_line(const char *p, const char *eol, const char *name)
{
    size_t n = strlen(name);
    h2o_iovec_t v = {NULL, 0};
    if ((size_t)(eol - p) <= n || p[n] != ':' || !h2o_lcstris(p, n, name, n))
        return v;
    const char *b = p + n + 1, *e = eol;
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    return h2o_iovec_init(b, (size_t)(e - b));
}

/* Why the request's framing is ambiguous, or NULL when it is not. Two parsers on the
 * path (a proxy in front, h2o here) may read such a request's body differently and
 * so see a different next request on the connection (request smuggling): h2o 2.2.5
 * takes Transfer-Encoding over Content-Length, and the first of two Content-Lengths.
 * The only safe answer is neither reading: 400, and the connection closed, so that
 * whatever followed the ambiguous body is never read as a request.
 *
 * h2o keeps neither header in req->headers (they are "special" to its HTTP/1
 * parser), so the head is read again from the connection's input buffer, where
 * HTTP/1 keeps it, from its first byte, until the answer has been sent (the
 * chunked decoder rewrites only what follows the head). */
static const char *ambiguous_framing(h2o_req_t *req)
{
    h2o_socket_t *sock =
        req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (!sock || !sock->input || req->version >= 0x200)
        return NULL;
    const char *p = sock->input->bytes, *end = p + sock->input->size, *eol;
    h2o_iovec_t cl = {NULL, 0};
    int te = 0;
    if (!(eol = memchr(p, '\n', (size_t)(end - p))))
        return NULL; /* no head here: nothing to compare */
    for (p = eol + 1; p < end && (eol = memchr(p, '\n', (size_t)(end - p))); p = eol + 1) {
        if (eol == p || (eol == p + 1 && *p == '\r'))
            break; /* the blank line: end of the head */
        h2o_iovec_t v = header_line(p, eol, "content-length");
        if (v.base && cl.base && !h2o_memis(v.base, v.len, cl.base, cl.len))
            return "a request may not carry two different Content-Lengths";
        if (v.base)
            cl = v;
        te += header_line(p, eol, "transfer-encoding").base != NULL;
    }
    if (te && cl.base)
        return "a request may not carry both Content-Length and Transfer-Encoding";
    if (te > 1)
        return "a request may carry one Transfer-Encoding header";
    return NULL;
}

/* Answers 400 EFRAMING and closes the connection after the answer. */
static void refuse_framing(cf_serve_t *srv, h2o_req_t *req, const char *why)
{
    req->http1_is_persistent = 0;
    cf__http_error(req, srv, 400, "EFRAMING", why);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    cf_serve_t *srv = ((handler_t *)self)->srv;
    if (srv->cfg.loop_probe)
        srv->cfg.loop_probe(srv->cfg.loop_probe_ctx, req->path.base, req->path.len);
    const char *framing = ambiguous_framing(req);
    if (framing) {
        refuse_framing(srv, req, framing);
        return 0;
    }
    int64_t id = 0;
    int at = route_of(req->path_normalized, &id);
    char rid[40]; /* the request's id, in the access log line and sent back */
    int rlen = snprintf(rid, sizeof(rid), "%x-%llu", (unsigned)srv->boot_id,
                        (unsigned long long)++srv->req_seq);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          h2o_strdup(&req->pool, rid, (size_t)rlen).base, (size_t)rlen);
    unsigned method = method_of(req);
    const char *rel;
    size_t rel_len,
        plen = req->input.query_at == SIZE_MAX ? req->input.path.len : req->input.query_at;
    const route_t *r = at >= 0 ? &routes[at] : NULL;
    /* Every path outside the API read by GET or HEAD is the workbench's (404 there
     * names no file, with the workbench's security headers); another method on a
     * workbench file is 405. */
    if (at == ROUTE_NONE && (plen < 4 || memcmp(req->input.path.base, "/v1/", 4) != 0) &&
        ((method & (M_GET | M_HEAD)) ||
         cf__static_path(req->input.path.base, plen, &rel, &rel_len) == 0))
        r = &static_route;
    if (!r && at != ROUTE_BADID) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "no such endpoint");
        return 0;
    }
    if (r && (r->needs & R_TEST_CLOCK) && !srv->cfg.test_clock) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "no such endpoint");
        return 0;
    }
    if (!r) {
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text",
                                "a case id is a whole number from 1 to 9223372036854775807",
                                "parameter", "id"));
        return 0;
    }
    if (!(method & r->methods)) {
        allow_header(req, r->methods);
        cf__http_error(req, srv, 405, "EMETHOD", "method not allowed here");
        return 0;
    }
    if (method == M_POST && srv->state != CF__RUNNING) {
        cf__http_error(req, srv, 503, "ESTOPPING", "the daemon is stopping");
        return 0;
    }
    if (method == M_POST && cf__serve_db_check_loop(srv) != 0) {
        cf__http_error(req, srv, 503, "EDBLOST",
                       "the database file was deleted or replaced under the daemon: no write "
                       "is taken until it is restarted");
        return 0;
    }
    return dispatch(srv, req, r, id, method == M_POST);
}

/* ---- connections --------------------------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *h)
{
    cf__conn_t *c = (cf__conn_t *)h;
    cf_serve_t *srv = c->srv;
    h2o_linklist_unlink(&c->link);
    srv->conns_count--;
    free(c);
    cf__serve_maybe_finish(srv);
}

static void on_accept(uv_stream_t *listener, int status)
{
    cf_serve_t *srv = listener->data;
    if (status != 0)
        return;
    cf__conn_t *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->srv = srv;
    uv_tcp_init(listener->loop, &c->tcp);
    h2o_linklist_insert(&srv->conns, &c->link);
    srv->conns_count++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
        return;
    }
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
    h2o_accept(&srv->accept, sock);
}

/* Exported, documented in serve-int.h
 *
 * A keep-alive connection waiting for its next request has h2o's request timeout
 * running. When the loop is held past that timeout (a long callback), a client may
 * send its next request meanwhile: it waits in the socket. libuv runs the expired
 * timers before it polls the sockets again, so h2o closed the connection as idle,
 * and the request that had come, maybe a write, was never answered. So after each
 * poll, when the timeout's one libuv timer is due (or within 10 ms), it is moved
 * 10 ms on, once: the next iteration polls first, h2o reads the waiting requests
 * (which ends their timeouts), and only the connections still idle are then closed.
 * Once, so that under constant load an idle connection is still closed: one poll is
 * all the waiting requests need. Cost: a timeout fires up to 10 ms later. h2o 2.2.5
 * has no hook into its timeouts, so this re-arms the timer it owns (h2o_timeout_t's
 * backend is in its public header) with the callback it set (libuv's timer_cb). */
void cf__http_after_poll(cf_serve_t *srv)
{
    uv_timer_t *t = &srv->ctx.http1.req_timeout._backend.timer;
    int defer = 0;
    if (srv->h2o_ready && !srv->timeouts_deferred && uv_is_active((uv_handle_t *)t)) {
        uv_update_time(&srv->loop);
        defer = uv_timer_get_due_in(t) < 10;
    }
    srv->timeouts_deferred = defer;
    if (defer) {
        srv->timeouts_deferred_total++;
        uv_timer_start(t, t->timer_cb, 10, 0);
    }
}

/* Exported, documented in serve-int.h */
void cf__http_shutdown(cf_serve_t *srv)
{
    for (h2o_linklist_t *n = srv->conns.next; n != &srv->conns; n = n->next) {
        cf__conn_t *c = H2O_STRUCT_FROM_MEMBER(cf__conn_t, link, n);
        uv_os_fd_t fd;
        if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
            shutdown(fd, SHUT_RD);
    }
}

/* Exported, documented in serve-int.h */
int cf__http_init(cf_serve_t *srv, cf_error_t *err)
{
    struct sockaddr_in addr;
    h2o_config_init(&srv->h2o);
    srv->h2o.max_request_entity_size = srv->cfg.max_body;
    srv->h2o.http1.req_timeout = srv->cfg.timeout_ms;
    srv->h2o.http2.idle_timeout = srv->cfg.timeout_ms;
    /* HTTP/1.1 only: no h2c upgrade, and a prior-knowledge HTTP/2 preface is a
     * malformed HTTP/1 request (docs/api.md says HTTP/1.1; TLS and HTTP/2 belong to
     * the proxy in front). */
    srv->h2o.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *host =
        h2o_config_register_host(&srv->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    handler_t *h = (handler_t *)h2o_create_handler(path, sizeof(*h));
    h->super.on_req = on_req;
    h->srv = srv;
    cf__log_register(srv, path);
    h2o_context_init(&srv->ctx, &srv->loop, &srv->h2o);
    srv->h2o_ready = 1;
    srv->accept.ctx = &srv->ctx;
    srv->accept.hosts = srv->h2o.hosts;
    h2o_linklist_init_anchor(&srv->conns);
    uv_tcp_init(&srv->loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_ip4_addr(srv->cfg.host, srv->cfg.port, &addr);
    if (rc == 0)
        rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 128, on_accept);
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    if (rc == 0)
        rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    if (rc != 0)
        return cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot listen on %s:%d: %s", srv->cfg.host,
                            srv->cfg.port, uv_strerror(rc));
    srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}
