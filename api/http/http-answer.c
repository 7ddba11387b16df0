/*
 * http-answer.c -- what every endpoint calls to answer and to read its query: JSON,
 * text and byte answers (each counted by status for /metrics), the JSON error, the
 * HTTP status of a CF_E* code, and query parameters (percent-decoded, checked as
 * UTF-8, numbers range-checked).
 *
 * Apart from http.c (the listener) and http-route.c (the table of routes) because
 * the handlers in every http-*.c file call these and nothing else of the router:
 * one small file for what they share. Rejected: a generic HTTP helper library
 * outside api/http (these answer in this daemon's JSON error shape and count in its
 * metrics, so they are not generic).
 */
#include "serve-int.h"

#include "jsonw.h"

#include <stdio.h>
#include <string.h>

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
    case 415:
        return "Unsupported Media Type";
    case 421:
        return "Misdirected Request";
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

/* The headers every answer of the API carries, unless its endpoint set its own (the
 * workbench's files, http-static.c, set a CSP of their own and Cache-Control: no-cache):
 *   Cache-Control: no-store        answers hold what people typed about parties (names,
 *                                  ID numbers, findings): no browser keeps them on the
 *                                  disk of an office computer, no proxy between keeps them;
 *   Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; sandbox
 *                                  an answer opened by itself in a tab (a JSON, a CSV, a
 *                                  download) runs nothing and loads nothing, and no page
 *                                  elsewhere frames it (clickjacking); a PDF gets
 *                                  frame-ancestors 'none' only, since a browser's PDF
 *                                  viewer may refuse to run under default-src 'none' or sandbox;
 *   X-Frame-Options: DENY          the same for browsers older than frame-ancestors;
 *   X-Content-Type-Options: nosniff
 *                                  never sniffed as HTML.
 * Before, a JSON answer had nosniff alone and a download or the CSV whatever its handler
 * added (attack-12.1). */
static void guard_headers(h2o_req_t *req, const char *content_type)
{
    static const char api_csp[] = "default-src 'none'; frame-ancestors 'none'; sandbox";
    h2o_headers_t *hd = &req->res.headers;
    if (h2o_find_header(hd, H2O_TOKEN_CACHE_CONTROL, -1) < 0)
        h2o_add_header(&req->pool, hd, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    if (h2o_find_header_by_str(hd, H2O_STRLIT("content-security-policy"), -1) < 0) {
        int pdf = strncmp(content_type, "application/pdf", 15) == 0;
        h2o_add_header_by_str(&req->pool, hd, H2O_STRLIT("content-security-policy"), 0, NULL,
                              pdf ? "frame-ancestors 'none'" : api_csp,
                              pdf ? sizeof("frame-ancestors 'none'") - 1 : sizeof(api_csp) - 1);
    }
    if (h2o_find_header_by_str(hd, H2O_STRLIT("x-frame-options"), -1) < 0)
        h2o_add_header_by_str(&req->pool, hd, H2O_STRLIT("x-frame-options"), 0, NULL,
                              H2O_STRLIT("DENY"));
    if (h2o_find_header_by_str(hd, H2O_STRLIT("x-content-type-options"), -1) < 0)
        h2o_add_header_by_str(&req->pool, hd, H2O_STRLIT("x-content-type-options"), 0, NULL,
                              H2O_STRLIT("nosniff"));
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
     * as HTML by a browser that opens it directly, never cached, never framed. */
    guard_headers(req, "application/json");
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
    guard_headers(req, content_type);
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
    case CF_EBUSY:        /* SQLite's write lock held past the busy timeout */
    case CF_EUNAVAILABLE: /* the PostgreSQL server cannot be reached (the daemon reconnects) */
        return 503;
    default:
        return 500;
    }
}

/* ---- h2o's own errors --------------------------------------------------------------------- */

/* h2o answers some requests itself before our handler sees them, with a plain-text body
 * (h2o_send_error_generic): a body over max_body (413, on Content-Length alone or as a
 * chunked body grows), a broken Content-Length, chunked encoding or Transfer-Encoding
 * (400), an Expect other than 100-continue (417). Such a request has no path
 * configuration yet, so h2o gives it the host's fallback path, whose filters then run:
 * this filter puts an output stream in front that sends the JSON error instead of h2o's
 * text. The headers are written by h2o's last stream, at the first send, so the length
 * and type set here are the ones sent. Rejected: raising h2o's limit and checking the
 * length in the handler (h2o 2.2.5 reads the whole body before any handler runs, so a
 * 1 GB upload would be buffered before being refused). */

typedef struct h2o_errors_s {
    h2o_filter_t super;
    cf_serve_t *srv;
} h2o_errors_t;

typedef struct json_ostream_s {
    h2o_ostream_t super;
    cf_serve_t *srv;
} json_ostream_t;

/* The code of h2o's error status. */
static const char *h2o_error_name(int status)
{
    return status == 413   ? "ETOOLARGE"
           : status == 400 ? "EFRAMING"
           : status == 417 ? "EEXPECT"
           : status == 404 ? "ENOTFOUND"
                           : "EHTTP";
}

static void json_error_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                            h2o_send_state_t state)
{
    json_ostream_t *o = (json_ostream_t *)self;
    char text[256];
    size_t said = 0;
    for (size_t i = 0; i < bufcnt; i++)
        said += bufs[i].len;
    if (req->res.status == 413)
        snprintf(text, sizeof(text),
                 "the request body is larger than the daemon takes: max_body, %zu bytes "
                 "(--max-body)",
                 o->srv->cfg.max_body);
    else /* h2o's own words: "broken chunked-encoding", "unknown transfer-encoding" ... */
        snprintf(text, sizeof(text), "%.*s",
                 bufcnt ? (int)(bufs[0].len < 200 ? bufs[0].len : 200) : 0,
                 bufcnt ? bufs[0].base : "");
    json_t *body = json_pack("{s:s, s:s}", "error", h2o_error_name(req->res.status), "text", text);
    if (body && req->res.status == 413)
        json_object_set_new(body, "limit", json_integer((json_int_t)o->srv->cfg.max_body));
    char *json = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    h2o_iovec_t out = h2o_strdup(&req->pool, json ? json : "{\"error\":\"ENOMEM\"}", SIZE_MAX);
    free(json);
    if (said) /* a HEAD request has no body to replace: its length stays h2o's */
        req->res.content_length = out.len;
    h2o_ostream_send_next(&o->super, req, &out, said ? 1 : 0, state);
}

static void h2o_errors_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    h2o_errors_t *f = (h2o_errors_t *)self;
    ssize_t type = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (req->res.status >= 400 && type >= 0 &&
        h2o_memis(req->res.headers.entries[type].value.base, 10, H2O_STRLIT("text/plain"))) {
        req->res.headers.entries[type].value =
            h2o_iovec_init(H2O_STRLIT("application/json; charset=utf-8"));
        guard_headers(req, "application/json");
        count(f->srv, req->res.status);
        json_ostream_t *o = (json_ostream_t *)h2o_add_ostream(req, sizeof(*o), slot);
        o->super.do_send = json_error_send;
        o->srv = f->srv;
        slot = &o->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

/* Exported, documented in serve-int.h */
void cf__http_h2o_errors(cf_serve_t *srv, h2o_pathconf_t *path)
{
    h2o_errors_t *f = (h2o_errors_t *)h2o_create_filter(path, sizeof(*f));
    f->super.on_setup_ostream = h2o_errors_setup;
    f->srv = srv;
}

/* ---- query strings ----------------------------------------------------------------------- */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Exported, documented in serve-int.h */
int cf__utf8_valid(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
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

/* Percent-decodes src[0..len) ('+' is a space) into a string in req's pool. OUT *bad = 1
 * when it is no text: a '%' not followed by two hex digits, or a %00 (the value would
 * be cut short there: "limit=1%00abc" read as 1, "format=csv%00x" as csv). */
static char *decode(h2o_req_t *req, const char *src, size_t len, int *bad)
{
    char *out = h2o_mem_alloc_pool(&req->pool, len + 1), *w = out;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '%' && i + 2 < len && hexval(src[i + 1]) >= 0 && hexval(src[i + 2]) >= 0) {
            *w = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
            *bad |= *w++ == '\0';
            i += 2;
        } else {
            *bad |= src[i] == '%';
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
    char *value = NULL;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        const char *kend = eq ? eq : stop;
        if ((size_t)(kend - q) == nlen && memcmp(q, name, nlen) == 0) {
            /* Given twice ("limit=1&limit=1000", "state=lead&state=closed"): which one
             * counts is a guess a proxy or a filter in front may make the other way
             * (parameter pollution), so neither is taken. */
            if (value) {
                *bad |= 2;
                return value;
            }
            const char *v = eq ? eq + 1 : stop;
            value = decode(req, v, (size_t)(stop - v), bad);
            if (!cf__utf8_valid((const char *)value, strlen(value)))
                *bad = 1;
        }
        q = stop + 1;
    }
    return value;
}

/* Whether name[0..len) is one of known's space-separated names. */
static int listed(const char *known, const char *name, size_t len)
{
    while (known && *known) {
        size_t n = strcspn(known, " ");
        if (n == len && memcmp(known, name, n) == 0)
            return 1;
        known += n + (known[n] == ' ');
    }
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_query_only(cf_serve_t *srv, h2o_req_t *req, const char *known)
{
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *q = req->path.base + req->query_at + 1;
    const char *end = req->path.base + req->path.len;
    for (const char *stop; q < end; q = stop + 1) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        size_t klen = (size_t)((eq ? eq : stop) - q);
        if (stop == q || listed(known, q, klen)) /* "a=1&&b=2": an empty part names nothing */
            continue;
        int bad = 0;
        char name[80], text[400];
        const char *raw = decode(req, q, klen, &bad);
        snprintf(name, sizeof(name), "%s",
                 !bad && cf__utf8_valid(raw, strlen(raw)) ? raw : "(not UTF-8 text)");
        cf_utf8_clip(name);
        int n = snprintf(text, sizeof(text), "unknown query parameter '%s': this endpoint takes %s",
                         name, known ? "" : "no query parameters");
        for (const char *k = known; k && *k && n > 0 && (size_t)n + 3 < sizeof(text); k++)
            n += *k == ' ' ? snprintf(text + n, sizeof(text) - (size_t)n, ", ")
                           : snprintf(text + n, sizeof(text) - (size_t)n, "%c", *k);
        cf__http_bad_param(req, srv, name, text);
        return -1;
    }
    return 0;
}

/* Exported, documented in serve-int.h */
const char *cf__http_query_text(cf_serve_t *srv, h2o_req_t *req, const char *name, int *failed)
{
    int bad = 0;
    const char *v = cf__http_query(req, name, &bad);
    if (bad && !*failed) {
        char text[160];
        if (bad & 2)
            snprintf(text, sizeof(text), "%s is given more than once: send it once", name);
        else
            snprintf(text, sizeof(text),
                     "%s is not text: percent-encode UTF-8 (%%E5%%BC%%A0), without %%00 or a "
                     "lone %%",
                     name);
        cf__http_bad_param(req, srv, name, text);
    }
    *failed |= bad;
    return v;
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
void cf__http_bad_param(h2o_req_t *req, cf_serve_t *srv, const char *name, const char *text)
{
    cf__http_json(req, srv, 400,
                  json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text", text, "parameter", name));
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
    if (bad & 2)
        snprintf(text, sizeof(text), "%s is given more than once: send it once", name);
    else
        snprintf(text, sizeof(text), "%s must be a whole number from %lld to %lld", name,
                 (long long)min, (long long)max);
    cf__http_bad_param(req, srv, name, text);
    return -1;
}
