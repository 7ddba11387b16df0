/*
 * http.c -- the HTTP side of the daemon: libh2o 2.2.5 on the daemon's libuv
 * loop, in the call order of h2o's own example, examples/libh2o/simple.c in
 * h2o's sources (h2o_config_init, one host, one path "/" whose handler routes;
 * h2o_context_init on our loop; uv_tcp listener; h2o_uv_socket_create +
 * h2o_accept per connection).
 *
 * Map: answers (JSON bodies and errors) -> query strings (range-checked numbers)
 * -> auth (token, session cookie, roles) -> routing (route_of, route patterns for
 * the metrics, method_ok, dispatch) -> framing (request framing checks) ->
 * connections (tracking, stop).
 *
 * Routing is one table walk on (method, path) rather than one h2o path per
 * endpoint: h2o matches path prefixes, so "/v1/cases" would also take
 * "/v1/cases/7/events", and every handler would re-parse the path anyway.
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

/* The holder of token text: from the cache while trusted, else by the SHA-256 of
 * the text in the tokens table, if neither revoked nor expired (then cached, and
 * its use recorded). 0, -1 for an unknown, revoked or expired token, or -2 when the
 * database could not be read (PostgreSQL away: the request is answered 503, never
 * 401, so a client does not take its token for revoked). */
static int token_holder(cf_serve_t *srv, const char *text, size_t len, cf_principal_t *who)
{
    cf__token_slot_t *t = token_slot(srv, text, len);
    uint64_t now = uv_now(&srv->loop);
    if (t->until > now && t->len == len && CRYPTO_memcmp(t->text, text, len) == 0) {
        *who = t->who;
        return 0;
    }
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
int cf__http_token_holder(cf_serve_t *srv, const char *text, size_t len, cf_principal_t *who)
{
    return token_holder(srv, text, len, who);
}

/* The token's holder: 0, or an HTTP status (401, or 403 ECSRF) already answered. A
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
        int held = v.len > 7 && h2o_lcstris(v.base, 7, H2O_STRLIT("bearer "))
                       ? token_holder(srv, v.base + 7, v.len - 7, who)
                       : -1;
        if (held == 0)
            return 0;
        if (held == -2)
            return cf__http_unavailable(srv, req);
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                   H2O_STRLIT("Bearer"));
    cf__http_error(req, srv, 401, "EAUTH", text);
    return 401;
}

/* ---- routing ------------------------------------------------------------------------------- */

typedef enum route_e {
    R_NONE = 0,
    R_HEALTH,
    R_LIVE,
    R_READY,
    R_METRICS,
    R_CLOCK,
    R_WORKFLOWS,
    R_ALERTS,
    R_STREAM,
    R_CASES,
    R_CASE,
    R_EVENTS,
    R_ACTIONS,
    R_EXTENSIONS,
    R_DOCUMENT,
    R_EXCLUSIONS,
    R_EVIDENCE, /* GET, POST /v1/cases/{id}/evidence */
    R_RECORDS,  /* GET, POST /v1/cases/{id}/records */
    R_STATS,    /* /v1/stats (issue 20) */
    R_SESSION,  /* the workbench's sign-in (http-session.c) */
    R_ACK,      /* POST /v1/alerts/{alert_id}/ack (serve-alert-ack.c) */
    R_WORKFLOW, /* GET /v1/workflows/{id}: the definition with its forms (http-read.c) */
    R_CAUSES,   /* GET /v1/causes[?subject_type=T]: the 案由 dictionaries (http-read.c) */
    R_REPLAY,   /* GET /v1/cases/{id}/replay: verify and replay (http-replay.c) */
    R_FILE,     /* GET /v1/cases/{id}/files/{sha256}: a stored file's bytes (http-files.c) */
    R_STATIC,   /* the workbench's files (http-static.c) */
    R_BADID,    /* /v1/cases/{digits} past INT64_MAX */
} route_t;

/* The route of path and, for /v1/cases/{id}/..., OUT *id (0 when not a number). */
static route_t route_of(h2o_iovec_t path, int64_t *id)
{
    static const struct {
        const char *path;
        route_t r;
    } fixed[] = {
        {"/healthz", R_HEALTH},     {"/livez", R_LIVE},          {"/readyz", R_READY},
        {"/metrics", R_METRICS},    {"/v1/test/clock", R_CLOCK}, {"/v1/workflows", R_WORKFLOWS},
        {"/v1/alerts", R_ALERTS},   {"/v1/stream", R_STREAM},    {"/v1/cases", R_CASES},
        {"/v1/session", R_SESSION}, {"/v1/causes", R_CAUSES},    {"/v1/stats", R_STATS}};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (h2o_memis(path.base, path.len, fixed[i].path, strlen(fixed[i].path)))
            return fixed[i].r;
    if (path.len > 14 && memcmp(path.base, "/v1/workflows/", 14) == 0)
        return R_WORKFLOW;
    if (path.len > 15 && memcmp(path.base, "/v1/alerts/", 11) == 0 &&
        memcmp(path.base + path.len - 4, "/ack", 4) == 0)
        return R_ACK;
    static const char prefix[] = "/v1/cases/";
    size_t plen = sizeof(prefix) - 1, i = plen;
    if (path.len <= plen || memcmp(path.base, prefix, plen) != 0)
        return R_NONE;
    int64_t n = 0;
    for (; i < path.len && path.base[i] >= '0' && path.base[i] <= '9'; i++) {
        int d = path.base[i] - '0';
        if (n > (INT64_MAX - d) / 10)
            return R_BADID;
        n = n * 10 + d;
    }
    if (i == plen || n <= 0)
        return R_NONE;
    *id = n;
    h2o_iovec_t rest = h2o_iovec_init(path.base + i, path.len - i);
    if (rest.len == 0)
        return R_CASE;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/events")))
        return R_EVENTS;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/actions")))
        return R_ACTIONS;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/extensions")))
        return R_EXTENSIONS;
    if (rest.len > 15 && memcmp(rest.base, "/documents/", 11) == 0 &&
        memcmp(rest.base + rest.len - 4, ".pdf", 4) == 0)
        return R_DOCUMENT;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/exclusions")))
        return R_EXCLUSIONS;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/evidence")))
        return R_EVIDENCE;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/records")))
        return R_RECORDS;
    if (h2o_memis(rest.base, rest.len, H2O_STRLIT("/replay")))
        return R_REPLAY;
    if (rest.len == 7 + 64 && memcmp(rest.base, "/files/", 7) == 0)
        return R_FILE;
    return R_NONE;
}

/* Exported, documented in serve-int.h */
const char *cf__http_route_pattern(h2o_iovec_t path)
{
    int64_t id = 0;
    switch (route_of(path, &id)) {
    case R_HEALTH:
        return "/healthz";
    case R_LIVE:
        return "/livez";
    case R_READY:
        return "/readyz";
    case R_METRICS:
        return "/metrics";
    case R_CLOCK:
        return "/v1/test/clock";
    case R_WORKFLOWS:
        return "/v1/workflows";
    case R_ALERTS:
        return "/v1/alerts";
    case R_STREAM:
        return "/v1/stream";
    case R_CASES:
        return "/v1/cases";
    case R_CASE:
        return "/v1/cases/{id}";
    case R_EVENTS:
        return "/v1/cases/{id}/events";
    case R_ACTIONS:
        return "/v1/cases/{id}/actions";
    case R_EXTENSIONS:
        return "/v1/cases/{id}/extensions";
    case R_DOCUMENT:
        return "/v1/cases/{id}/documents/{name}.pdf";
    case R_EXCLUSIONS:
        return "/v1/cases/{id}/exclusions";
    case R_EVIDENCE:
        return "/v1/cases/{id}/evidence";
    case R_RECORDS:
        return "/v1/cases/{id}/records";
    case R_STATS:
        return "/v1/stats";
    case R_SESSION:
        return "/v1/session";
    case R_ACK:
        return "/v1/alerts/{alert_id}/ack";
    case R_WORKFLOW:
        return "/v1/workflows/{id}";
    case R_CAUSES:
        return "/v1/causes";
    case R_REPLAY:
        return "/v1/cases/{id}/replay";
    case R_FILE:
        return "/v1/cases/{id}/files/{sha256}";
    case R_STATIC:
        return "/web/{file}";
    default:
        return "other"; /* no such endpoint, or a bad id: one label for them all */
    }
}

/* The method a route takes ("GET", "POST", both for /v1/cases; GET, POST and DELETE
 * for /v1/session; GET or HEAD for the workbench's files). */
static int method_ok(route_t r, int is_get, int is_post, int is_delete, const char **allow)
{
    switch (r) {
    case R_SESSION:
        *allow = "GET, POST, DELETE";
        return is_get || is_post || is_delete;
    case R_STATIC:
        *allow = "GET, HEAD";
        return is_get;
    case R_CASES:
    case R_EVIDENCE:
    case R_RECORDS:
        *allow = "GET, POST";
        return is_get || is_post;
    case R_CLOCK:
    case R_ACK:
    case R_ACTIONS:
    case R_EXTENSIONS:
    case R_EXCLUSIONS:
        *allow = "POST";
        return is_post;
    default:
        *allow = "GET";
        return is_get;
    }
}

static int dispatch(cf_serve_t *srv, h2o_req_t *req, route_t r, int64_t id, int is_post)
{
    cf_principal_t who;
    if (r == R_HEALTH) {
        if (atomic_load(&srv->db_lost))
            cf__http_json(req, srv, 503, json_pack("{s:s}", "status", "database lost"));
        else
            cf__http_json(req, srv, 200, json_pack("{s:s}", "status", "ok"));
        return 0;
    }
    if (r == R_LIVE) { /* the loop runs: it is answering this (docs/operations.md) */
        cf__http_json(
            req, srv, 200,
            json_pack("{s:s, s:I}", "status", "live", "loop_ms", (json_int_t)uv_now(&srv->loop)));
        return 0;
    }
    if (r == R_READY)
        return cf__http_readyz(srv, req);
    if (r == R_CLOCK)
        return cf__http_test_clock(srv, req);
    if (r == R_SESSION)
        return cf__http_session(srv, req);
    if (r == R_STATIC)
        return cf__http_static(srv, req);
    if (authenticate(srv, req, &who) != 0)
        return 0;
    /* The figures are the whole daemon's, every agency's: only a metrics token reads
     * them, and a metrics token reads nothing else. */
    int metrics_role = strcmp(who.role, "metrics") == 0;
    if (r == R_METRICS && metrics_role)
        return cf__http_metrics(srv, req);
    if (r == R_METRICS || metrics_role) {
        cf__http_error(req, srv, 403, "EFORBIDDEN",
                       metrics_role ? "a metrics token reads /metrics only"
                                    : "/metrics needs a token of role metrics "
                                      "(caseflow token create --role metrics)");
        return 0;
    }
    if (is_post && strcmp(who.role, "auditor") == 0) {
        cf__http_error(req, srv, 403, "EFORBIDDEN", "an auditor's token is read-only");
        return 0;
    }
    switch (r) {
    case R_WORKFLOWS:
        return cf__http_workflows(srv, req);
    case R_WORKFLOW:
        return cf__http_workflow(srv, req, &who);
    case R_CAUSES:
        return cf__http_causes(srv, req, &who);
    case R_REPLAY:
        return cf__http_replay(srv, req, &who, id);
    case R_FILE:
        return cf__http_get_file(srv, req, &who, id);
    case R_ALERTS:
        return cf__http_alerts(srv, req, &who);
    case R_STATS:
        return cf__http_stats(srv, req, &who);
    case R_ACK:
        return cf__http_ack(srv, req, &who);
    case R_STREAM:
        return cf__deliver_stream(srv, req, &who);
    case R_CASES:
        return is_post ? cf__http_post(srv, req, &who, CF__JOB_OPEN, 0)
                       : cf__http_list_cases(srv, req, &who);
    case R_CASE:
        return cf__http_get_case(srv, req, &who, id);
    case R_EVENTS:
        return cf__http_get_events(srv, req, &who, id);
    case R_DOCUMENT:
        return cf__http_get_document(srv, req, &who, id);
    case R_ACTIONS:
        return cf__http_post(srv, req, &who, CF__JOB_ACT, id);
    case R_EXTENSIONS:
        return cf__http_post(srv, req, &who, CF__JOB_EXTEND, id);
    case R_EXCLUSIONS:
        return cf__http_post(srv, req, &who, CF__JOB_EXCLUDE, id);
    case R_EVIDENCE:
    case R_RECORDS:
        return is_post ? cf__http_post(srv, req, &who,
                                       r == R_RECORDS ? CF__JOB_RECORD : CF__JOB_EVIDENCE, id)
                       : cf__http_get_register(srv, req, &who, id, r == R_RECORDS);
    default:
        break;
    }
    cf__http_error(req, srv, 404, "ENOTFOUND", "no such endpoint");
    return 0;
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
    route_t r = route_of(req->path_normalized, &id);
    char rid[40]; /* the request's id, in the access log line and sent back */
    int rlen = snprintf(rid, sizeof(rid), "%x-%llu", (unsigned)srv->boot_id,
                        (unsigned long long)++srv->req_seq);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          h2o_strdup(&req->pool, rid, (size_t)rlen).base, (size_t)rlen);
    int is_get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    int is_post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    int is_delete = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("DELETE"));
    const char *rel;
    size_t rel_len,
        plen = req->input.query_at == SIZE_MAX ? req->input.path.len : req->input.query_at;
    int is_head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    /* Every path outside the API read by GET or HEAD is the workbench's (404 there
     * names no file, with the workbench's security headers); another method on a
     * workbench file is 405. */
    if (r == R_NONE && (plen < 4 || memcmp(req->input.path.base, "/v1/", 4) != 0) &&
        (is_get || is_head || cf__static_path(req->input.path.base, plen, &rel, &rel_len) == 0))
        r = R_STATIC;
    if (r == R_STATIC && is_head)
        is_get = 1;
    const char *allow = NULL;
    if (r == R_NONE || (r == R_CLOCK && !srv->cfg.test_clock)) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "no such endpoint");
        return 0;
    }
    if (r == R_BADID) {
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text",
                                "a case id is a whole number from 1 to 9223372036854775807",
                                "parameter", "id"));
        return 0;
    }
    if (!method_ok(r, is_get, is_post, is_delete, &allow)) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
        cf__http_error(req, srv, 405, "EMETHOD", "method not allowed here");
        return 0;
    }
    if (is_post && srv->state != CF__RUNNING) {
        cf__http_error(req, srv, 503, "ESTOPPING", "the daemon is stopping");
        return 0;
    }
    if (is_post && cf__serve_db_check(srv) != 0) {
        cf__http_error(req, srv, 503, "EDBLOST",
                       "the database file was deleted or replaced under the daemon: no write "
                       "is taken until it is restarted");
        return 0;
    }
    return dispatch(srv, req, r, id, is_post);
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
