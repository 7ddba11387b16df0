/*
 * http-route.c -- what a request reaches: the table of routes, the order of checks
 * before an endpoint runs, and the framing check (request smuggling) that comes
 * before them all. h2o calls cf__http_on_req (set up in http.c) for every request.
 *
 * Map: routing (the handlers, the table of routes, route_of, the metrics' labels,
 * dispatch) -> framing (request framing checks, cf__http_on_req).
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
 *   framing (400 EFRAMING: smuggling, obs-fold, two Hosts, none in HTTP/1.1) -> the Host allowlist
 *   (http-host.c: 421 EHOST) -> route (404; 405 with Allow for a known path and another
 *   method)
 *   -> token (http-auth.c: 401; /healthz, /readyz, the test clock, POST /v1/session and the
 *      workbench's files need none), or else the session cookie (http-session.c: 401,
 *      or 403 ECSRF for a change without the session's X-CSRF-Token)
 *   -> /metrics only with a token of role metrics, and such a token nothing else (403)
 *   -> auditor on a POST (403) -> a query parameter the route does not read (400; a POST
 *   reads none) -> stopping (503) -> the endpoint.
 * Bodies over --max-body are refused by h2o itself (413) before we see them, in JSON
 * (http-answer.c, "h2o's own errors").
 */
#include "serve-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* The query parameters it reads, separated by spaces (NULL: none): on a route that
     * needs a token any other is 400 naming it (cf__http_query_only), since a misspelt
     * filter would list everything. The open routes (health, /metrics, the session, the
     * workbench's files) are not checked: probes and caches add their own. */
    const char *query;
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
/* GET /v1/cases's filters, order and paging (http-read.c, list_filter). */
#define CASES_QUERY                                                                                \
    "state workflow matter parent open due_within overdue number handler q power_type cause "      \
    "sort limit cursor"
/* clang-format off */
static const route_t routes[] = {
    /* pattern, methods, needs, handler, query */
    {"/healthz", M_GET, R_OPEN, .plain = health},
    {"/livez", M_GET, R_OPEN, .plain = live},
    {"/readyz", M_GET, R_OPEN, .plain = cf__http_readyz},
    {"/metrics", M_GET, R_METRICS, .plain = cf__http_metrics},
    {"/v1/test/clock", M_POST, R_OPEN | R_TEST_CLOCK, .plain = cf__http_test_clock},
    {"/v1/session", M_GET | M_POST | M_DELETE, R_OPEN, .plain = cf__http_session},
    {"/v1/workflows", M_GET, R_TOKEN, .plain = cf__http_workflows},
    {"/v1/workflows/{id}", M_GET, R_TOKEN, .who = cf__http_workflow, .query = "version"},
    {"/v1/causes", M_GET, R_TOKEN, .who = cf__http_causes, .query = "subject_type"},
    {"/v1/alerts", M_GET, R_TOKEN, .who = cf__http_alerts, .query = "state handler limit cursor"},
    {"/v1/alerts/{alert_id}/ack", M_POST, R_TOKEN, .who = cf__http_ack},
    {"/v1/alerts/deliveries", M_GET, R_TOKEN, .who = cf__http_deliveries,
     .query = "state limit cursor"},
    {"/v1/alerts/{alert_id}/retry", M_POST, R_TOKEN, .who = cf__http_retry},
    {"/v1/stats", M_GET, R_TOKEN, .who = cf__http_stats,
     .query = "from to handler due_within format"},
    {"/v1/stream", M_GET, R_TOKEN, .who = cf__deliver_stream},
    {"/v1/cases", M_GET | M_POST, R_TOKEN, .who = cases, .query = CASES_QUERY},
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
    {"/v1/cases/{id}/export", M_GET, R_CASE_ID, .fn = cf__http_get_export, .query = "documents"},
    {"/v1/cases/{id}/documents", M_GET, R_CASE_ID, .fn = cf__http_get_doc_list},
};
/* clang-format on */
#define ROUTES_COUNT ((int)(sizeof(routes) / sizeof(routes[0])))
_Static_assert(sizeof(routes) / sizeof(routes[0]) + 1 <= CF__LATENCY_ROUTES,
               "every route and other have a row of latency histograms: raise CF__LATENCY_ROUTES");

static const route_t static_route = {"other", M_GET | M_HEAD, R_OPEN, .plain = cf__http_static};

enum { ROUTE_NONE = -1, ROUTE_BADID = -2 };

/* Whether [p, end) matches pattern pat (of route needs): 1 yes, OUT *id for a case id;
 * 0 no; ROUTE_BADID for a case id that is not one: past INT64_MAX, 0, or a segment that
 * is not all ASCII digits ("-1", "1;x", "abc", a full-width "１"), which no route takes
 * either, so the answer names the id rather than "no such endpoint". */
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
        const char *seg = q;
        while (seg < end && *seg != '/')
            seg++;
        if (seg > p && (seg != q || n == 0))
            return ROUTE_BADID;
        int m = q > p ? match(rest, q, end, needs, id) : 0;
        if (m == 1)
            *id = n;
        return m;
    }
    if (name_len == 8 && memcmp(pat, "{sha256}", 8) == 0)
        return end - p >= 64 && match(rest, p + 64, end, needs, id);
    return (size_t)(end - p) > rest_len && memcmp(end - rest_len, rest, rest_len) == 0;
}

/* The index in routes[] of path's route, and OUT *id for a R_CASE_ID route (else untouched);
 * ROUTE_NONE, or ROUTE_BADID for a case id that is not one (match). */
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

/* The request's environment entry that keeps the route the router found, for the access
 * log and /metrics after the answer (their own walk of the table was ~2,000 instructions
 * a request): its value is that route's pattern, or ROUTE_OTHER, by address. */
#define ENV_ROUTE "cf-route"
static const char ROUTE_OTHER[] = "other";

/* Keeps route at (an index in routes[], or ROUTE_NONE / ROUTE_BADID) in req. */
static void keep_route(h2o_req_t *req, int at)
{
    h2o_iovec_t *v = h2o_req_getenv(req, H2O_STRLIT(ENV_ROUTE), 1);
    const char *pattern = at >= 0 ? routes[at].pattern : ROUTE_OTHER;
    *v = h2o_iovec_init(pattern, strlen(pattern));
}

/* Exported, documented in serve-int.h */
int cf__http_route_label_req(h2o_req_t *req)
{
    const h2o_iovec_t *v = h2o_req_getenv(req, H2O_STRLIT(ENV_ROUTE), 0);
    if (!v)
        return cf__http_route_label_of(req->path_normalized);
    for (int i = 0; i < ROUTES_COUNT; i++)
        if (v->base == routes[i].pattern)
            return i + 1;
    return 0;
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
    if (cf__http_authenticate(srv, req, &who) != 0)
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
    if (cf__http_query_only(srv, req, post ? NULL : r->query) != 0)
        return 0;
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
 * chunked decoder rewrites only what follows the head).
 *
 * The same reading refuses what h2o would read one way and a proxy another way: a
 * header folded onto the next line (obs-fold: h2o 2.2.5 drops the continuation, a
 * proxy may join it, so "Transfer-Encoding:" + " chunked" is two framings), two Host
 * headers (h2o takes the last, a proxy may check the first), and an HTTP/1.1 request
 * without Host (RFC 9112 3.2: 400; h2o answered it under a name of its own). OUT: *host the Host
 * header's value when there is one (untouched otherwise). */
static const char *ambiguous_framing(h2o_req_t *req, h2o_iovec_t *host)
{
    h2o_socket_t *sock =
        req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (!sock || !sock->input || req->version >= 0x200)
        return NULL;
    const char *p = sock->input->bytes, *end = p + sock->input->size, *eol;
    h2o_iovec_t cl = {NULL, 0};
    int te = 0, hosts = 0;
    if (!(eol = memchr(p, '\n', (size_t)(end - p))))
        return NULL; /* no head here: nothing to compare */
    for (p = eol + 1; p < end && (eol = memchr(p, '\n', (size_t)(end - p))); p = eol + 1) {
        if (eol == p || (eol == p + 1 && *p == '\r'))
            break; /* the blank line: end of the head */
        if (*p == ' ' || *p == '\t')
            return "a header may not be folded onto the next line (obs-fold)";
        h2o_iovec_t v = header_line(p, eol, "content-length");
        if (v.base && cl.base && !h2o_memis(v.base, v.len, cl.base, cl.len))
            return "a request may not carry two different Content-Lengths";
        if (v.base)
            cl = v;
        te += header_line(p, eol, "transfer-encoding").base != NULL;
        v = header_line(p, eol, "host");
        if (v.base && hosts++ == 0)
            *host = v;
    }
    if (te && cl.base)
        return "a request may not carry both Content-Length and Transfer-Encoding";
    if (te > 1)
        return "a request may carry one Transfer-Encoding header";
    if (hosts > 1)
        return "a request may carry one Host header";
    if (!hosts && req->version == 0x101)
        return "an HTTP/1.1 request must carry a Host header";
    return NULL;
}

/* Answers 400 EFRAMING and closes the connection after the answer. */
static void refuse_framing(cf_serve_t *srv, h2o_req_t *req, const char *why)
{
    req->http1_is_persistent = 0;
    cf__http_error(req, srv, 400, "EFRAMING", why);
}

/* Exported, documented in serve-int.h */
size_t cf__http_request_id(char *out, uint32_t boot_id, uint64_t seq)
{
    static const char hex[] = "0123456789abcdef";
    char digits[20];
    size_t n = 0, len = 0;
    do /* "%x": no leading zeros, 0 as "0" */
        digits[n++] = hex[boot_id & 15];
    while ((boot_id >>= 4) != 0);
    while (n)
        out[len++] = digits[--n];
    out[len++] = '-';
    do
        digits[n++] = (char)('0' + seq % 10);
    while ((seq /= 10) != 0);
    while (n)
        out[len++] = digits[--n];
    out[len] = '\0';
    return len;
}

/* Whether the path as sent has a segment that, percent-decoded, is "." or "..", or holds
 * a '/' or '\\' (literal or %2F, %5C). h2o routes by its normalised path, in which these
 * are resolved: "/v1/cases/1/..%2f2" reached case 2, "/web/..%2fv1/stats" the stats,
 * bypassing a proxy in front that allows paths by prefix. No API path needs one. So
 * does a path that does not start with '/' ("GET v1/cases", which h2o made "/v1/cases":
 * a proxy's rule for "/v1/" does not match it; attack-14.3). */
static int dotted(const h2o_req_t *req)
{
    if (!req->input.path.len || req->input.path.base[0] != '/')
        return 1;
    if (req->path_normalized.base == req->input.path.base)
        return 0; /* h2o found nothing to normalise: neither '%' nor "/." */
    const char *p = req->input.path.base, *end = p + req->input.path.len;
    int seg = 0, dots = 0; /* the segment's length and how many of it are dots, decoded */
    for (; p <= end; p++) {
        if (p == end || *p == '?' || *p == '/') {
            if (seg > 0 && dots == seg && seg <= 2)
                return 1;
            if (p == end || *p == '?')
                return 0;
            seg = dots = 0;
            continue;
        }
        char c = *p;
        if (c == '%' && end - p > 2 && isxdigit((unsigned char)p[1]) &&
            isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], 0};
            c = (char)strtol(hex, NULL, 16);
            p += 2;
            if (c == '/')
                return 1;
        }
        if (c == '\\')
            return 1;
        seg++;
        dots += c == '.';
    }
    return 0;
}

/* The method's checks once the route is found: 405 for a method the route does not
 * take, 503 for a POST while the daemon stops or after its database was lost. Returns
 * 1 when it answered, else 0. OUT *method: GET for a HEAD the route takes as GET. */
static int method_refused(cf_serve_t *srv, h2o_req_t *req, const route_t *r, unsigned *method)
{
    /* HEAD is GET without the body (h2o leaves the body out): a route that takes GET
     * takes HEAD, but the stream, which would hold the connection open for nothing */
    if (*method == M_HEAD && (r->methods & M_GET) && r->who != cf__deliver_stream)
        *method = M_GET;
    if (!(*method & r->methods)) {
        allow_header(req, r->methods);
        cf__http_error(req, srv, 405, "EMETHOD", "method not allowed here");
        return 1;
    }
    if (*method == M_POST && srv->state != CF__RUNNING) {
        cf__http_error(req, srv, 503, "ESTOPPING", "the daemon is stopping");
        return 1;
    }
    if (*method == M_POST && cf__serve_db_check_loop(srv) != 0) {
        cf__http_error(req, srv, 503, "EDBLOST",
                       "the database file was deleted or replaced under the daemon: no write "
                       "is taken until it is restarted");
        return 1;
    }
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    cf_serve_t *srv = ((cf__handler_t *)self)->srv;
    if (srv->cfg.loop_probe)
        srv->cfg.loop_probe(srv->cfg.loop_probe_ctx, req->path.base, req->path.len);
    h2o_iovec_t host = {NULL, 0};
    const char *framing = ambiguous_framing(req, &host);
    if (framing) {
        refuse_framing(srv, req, framing);
        return 0;
    }
    if (!cf__http_host_allowed(&srv->cfg, req, host)) {
        req->http1_is_persistent = 0;
        cf__http_error(req, srv, 421, "EHOST",
                       "this server does not answer for the host named in the Host header "
                       "(allowed_host)");
        return 0;
    }
    int64_t id = 0;
    int at = route_of(req->path_normalized, &id);
    keep_route(req, at);
    char *rid = h2o_mem_alloc_pool(&req->pool, CF__REQUEST_ID_MAX);
    size_t rlen = cf__http_request_id(rid, srv->boot_id, ++srv->req_seq);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL, rid,
                          rlen);
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
    if (r != &static_route && dotted(req)) {
        cf__http_error(req, srv, 404, "ENOTFOUND",
                       "no such endpoint: an API path starts with '/' and has no '.' or "
                       "'..' segment and no encoded '/' or '\\'");
        return 0;
    }
    if (r && (r->needs & R_TEST_CLOCK) && !srv->cfg.test_clock) {
        cf__http_error(req, srv, 404, "ENOTFOUND", "no such endpoint");
        return 0;
    }
    if (!r) {
        cf__http_bad_param(req, srv, "id",
                           "a case id is a whole number from 1 to 9223372036854775807");
        return 0;
    }
    if (method_refused(srv, req, r, &method))
        return 0;
    return dispatch(srv, req, r, id, method == M_POST);
}
