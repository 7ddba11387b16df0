/*
 * http-session.c -- the workbench's sign-in: a bearer token exchanged once for a
 * session cookie, and the CSRF check on every change made with that cookie
 * (docs/api.md "Sessions"; the contract with the browser side is WEB-CONTRACT.md).
 *
 * Why a cookie at all: the browser's EventSource (GET /v1/stream) cannot send an
 * Authorization header, and a token in a URL leaks into logs and history. So
 *
 *   POST   /v1/session  {"token": T}  -> 200 {actor, role, agency, csrf, expires_at, now}
 *                                        Set-Cookie: cf_session=ID; HttpOnly;
 *                                        SameSite=Strict; Path=/ (; Secure over TLS)
 *   GET    /v1/session                -> the same JSON for the cookie's session, or 401
 *   DELETE /v1/session                -> signs out (the cookie and the CSRF header)
 *
 * and every /v1 request without an Authorization header may authenticate by the
 * cookie. A cookie-authenticated request whose method is not GET or HEAD must carry
 * X-CSRF-Token equal to its session's token, else 403 ECSRF: SameSite=Strict already
 * keeps the cookie off cross-site requests in current browsers, the token covers the
 * rest (older browsers, a sibling subdomain), and an Origin header naming another
 * site is 403 EORIGIN (sign-in included: no page elsewhere signs a browser in). A bearer request is
 * untouched: a browser never adds Authorization by itself, so it needs no CSRF token. Sign-in
 * itself must be application/json (a cross-site form cannot send that without a CORS preflight,
 * which this server never grants), so a page elsewhere cannot sign a browser in as
 * someone else.
 *
 * Where sessions live: in memory, on the loop (no lock: only the loop reads or
 * writes them). Rejected: a table in the database. It would let several daemons
 * share sessions, but caseflow runs one daemon per database (cf_store_daemon_lock),
 * and every sign-in and sign-out would be a write through the writer thread for a
 * value that is worth nothing after a restart anyway (the user signs in again with
 * the same token). The cost: a restart signs everyone out. Should several nodes ever
 * serve one database, the table (id hash, csrf, token hash, expires_at) goes in the
 * store and this file's lookup becomes a read.
 *
 * A session keeps the SHA-256 of the token it was made from, never the token: every
 * cfg.token_cache_ms the token is checked again in the tokens table, so a revoked or
 * expired token ends its sessions within that time, as it ends bearer use. Session
 * ids and CSRF tokens are 32 bytes from OpenSSL's RAND_bytes, as hex; ids are compared
 * in constant time. A session lasts cfg.session_ttl seconds on the daemon's clock
 * from sign-in (absolute, not sliding: a stolen cookie dies on schedule). At most
 * CF__SESSIONS_MAX live at once; a sign-in past that first drops the expired ones,
 * then the oldest. One token holds at most CF__SESSIONS_PER_TOKEN sessions (its
 * oldest is dropped for a new one), so a token signing in again and again, a script
 * or an attacker who has one, cannot push everyone else's sessions out of the table.
 */
#include "serve-int.h"

#include "chain.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define CF__SESSIONS_MAX       4096
#define CF__SESSIONS_PER_TOKEN 16
#define COOKIE_NAME            "cf_session"

typedef struct session_s {
    char id[65];     /* 64 hex digits */
    char csrf[65];   /* 64 hex digits */
    char digest[65]; /* SHA-256 (hex) of the token signed in with */
    cf_principal_t who;
    cf_time_t created_at, expires_at; /* the daemon's clock */
    uint64_t checked_until;           /* uv_now: the token is trusted until then */
} session_t;

struct cf__sessions_s {
    session_t *list;
    size_t count, cap;
};

/* ---- the table ------------------------------------------------------------------------------ */

static cf__sessions_t *table(cf_serve_t *srv)
{
    if (!srv->sessions)
        srv->sessions = calloc(1, sizeof(*srv->sessions));
    return srv->sessions;
}

/* Exported, documented in serve-int.h */
void cf__sessions_free(cf_serve_t *srv)
{
    if (!srv->sessions)
        return;
    OPENSSL_cleanse(srv->sessions->list, srv->sessions->cap * sizeof(session_t));
    free(srv->sessions->list);
    free(srv->sessions);
    srv->sessions = NULL;
}

static void drop(cf__sessions_t *t, size_t i)
{
    t->list[i] = t->list[--t->count];
    OPENSSL_cleanse(&t->list[t->count], sizeof(session_t));
}

/* Drops every expired session, then the oldest while the table is full. */
static void make_room(cf__sessions_t *t, cf_time_t now)
{
    for (size_t i = t->count; i-- > 0;)
        if (t->list[i].expires_at <= now)
            drop(t, i);
    while (t->count >= CF__SESSIONS_MAX) {
        size_t oldest = 0;
        for (size_t i = 1; i < t->count; i++)
            if (t->list[i].created_at < t->list[oldest].created_at)
                oldest = i;
        drop(t, oldest);
    }
}

/* Drops the oldest session of the token with hash digest while it has
 * CF__SESSIONS_PER_TOKEN or more. */
static void limit_token(cf__sessions_t *t, const char *digest)
{
    for (;;) {
        size_t n = 0, oldest = 0;
        for (size_t i = 0; i < t->count; i++)
            if (strcmp(t->list[i].digest, digest) == 0 &&
                (n++ == 0 || t->list[i].created_at < t->list[oldest].created_at))
                oldest = i;
        if (n < CF__SESSIONS_PER_TOKEN)
            return;
        drop(t, oldest);
    }
}

/* A new session slot (zeroed) for the token with hash digest, or NULL when out of
 * memory. */
static session_t *add(cf__sessions_t *t, const char *digest, cf_time_t now)
{
    limit_token(t, digest);
    make_room(t, now);
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        session_t *list = realloc(t->list, cap * sizeof(*list));
        if (!list)
            return NULL;
        t->list = list;
        t->cap = cap;
    }
    session_t *s = &t->list[t->count++];
    memset(s, 0, sizeof(*s));
    return s;
}

/* The value of cookie cf_session in req (64 characters expected), or a NULL base. */
static h2o_iovec_t cookie_value(h2o_req_t *req)
{
    static const char name[] = COOKIE_NAME "=";
    size_t nlen = sizeof(name) - 1;
    for (ssize_t at = -1; (at = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, at)) >= 0;) {
        h2o_iovec_t v = req->headers.entries[at].value;
        const char *p = v.base, *end = v.base + v.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == ';'))
                p++;
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *stop = semi ? semi : end;
            if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0)
                return h2o_iovec_init(p + nlen, (size_t)(stop - p - nlen));
            p = stop;
        }
    }
    return h2o_iovec_init(NULL, 0);
}

/* The session whose id is v, not expired at now; else NULL. Every live id is compared
 * in full and in constant time: the time taken says nothing about how close a guess
 * came. */
static session_t *find(cf__sessions_t *t, h2o_iovec_t v, cf_time_t now)
{
    session_t *hit = NULL;
    if (!t || v.len != 64)
        return NULL;
    for (size_t i = 0; i < t->count; i++)
        if (CRYPTO_memcmp(t->list[i].id, v.base, 64) == 0)
            hit = &t->list[i];
    return hit && hit->expires_at > now ? hit : NULL;
}

/* The session of req's cookie, its token checked again when its trust ran out (a
 * session of a revoked or expired token is dropped); NULL when there is none. */
static session_t *current(cf_serve_t *srv, h2o_req_t *req)
{
    cf__sessions_t *t = srv->sessions;
    session_t *s = find(t, cookie_value(req), cf__serve_now(srv));
    uint64_t now_ms = uv_now(&srv->loop);
    if (!s || s->checked_until > now_ms)
        return s;
    cf_principal_t who;
    if (cf_store_token_check(srv->reader, s->digest, cf__serve_now(srv), &who, NULL) != 0) {
        drop(t, (size_t)(s - t->list));
        return NULL;
    }
    s->who = who;
    s->checked_until = now_ms + srv->cfg.token_cache_ms;
    return s;
}

/* ---- authentication ------------------------------------------------------------------------- */

static int safe_method(h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
           h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

static void answer_401(cf_serve_t *srv, h2o_req_t *req, const char *text)
{
    cf__http_error(req, srv, 401, "EAUTH", text);
}

/* 1 when the request's Origin header, if any, names this server: its host part (after
 * "scheme://") equals the Host header, or X-Forwarded-Host when a proxy in front set
 * one. The scheme is not compared: a TLS proxy in front turns https into http. A
 * browser sends Origin on every cross-site POST and DELETE (and "null" from a sandboxed
 * frame or a file), so a page elsewhere is refused even where SameSite is not honoured;
 * a request without Origin (curl, an older browser on a same-origin request) passes on
 * the CSRF token alone. */
static int same_origin(h2o_req_t *req)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    if (at < 0)
        return 1;
    h2o_iovec_t o = req->headers.entries[at].value;
    const char *sep = NULL;
    for (size_t i = 0; !sep && i + 3 <= o.len; i++)
        if (memcmp(o.base + i, "://", 3) == 0)
            sep = o.base + i;
    if (!sep)
        return 0; /* "null", or not a URL */
    h2o_iovec_t host = h2o_iovec_init(sep + 3, (size_t)(o.base + o.len - sep - 3));
    ssize_t fw = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-host"), -1);
    h2o_iovec_t want = fw >= 0 ? req->headers.entries[fw].value : req->authority;
    return host.len > 0 && h2o_lcstris(host.base, host.len, want.base, want.len);
}

static void answer_origin(cf_serve_t *srv, h2o_req_t *req)
{
    cf__http_error(req, srv, 403, "EORIGIN",
                   "a change made with the session cookie must come from the workbench's own "
                   "page: the Origin header names another site");
}

/* Exported, documented in serve-int.h */
int cf__session_auth(cf_serve_t *srv, h2o_req_t *req, cf_principal_t *who)
{
    if (!cookie_value(req).base)
        return 1;
    session_t *s = current(srv, req);
    if (!s) {
        answer_401(srv, req, "the session has ended or is unknown: sign in again");
        return 401;
    }
    if (!safe_method(req)) {
        ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-csrf-token"), -1);
        h2o_iovec_t v = at >= 0 ? req->headers.entries[at].value : h2o_iovec_init(NULL, 0);
        if (v.len != 64 || CRYPTO_memcmp(v.base, s->csrf, 64) != 0) {
            cf__http_error(req, srv, 403, "ECSRF",
                           "a change made with the session cookie needs the header "
                           "X-CSRF-Token with the session's csrf value");
            return 403;
        }
        if (!same_origin(req)) {
            answer_origin(srv, req);
            return 403;
        }
    }
    *who = s->who;
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__session_token_digest(cf_serve_t *srv, h2o_req_t *req, char digest[65])
{
    session_t *s = find(srv->sessions, cookie_value(req), cf__serve_now(srv));
    if (!s)
        return -1;
    memcpy(digest, s->digest, 65);
    return 0;
}

/* ---- the endpoints ----------------------------------------------------------------------------
 */

/* The session as the browser reads it; now: the daemon's clock, which the browser's
 * countdowns run on (under --now or the test clock it is not the browser's). */
static json_t *session_json(const session_t *s, cf_time_t now)
{
    char expires[CF_TIME_BUFSZ], at[CF_TIME_BUFSZ];
    cf_time_format(s->expires_at, expires);
    cf_time_format(now, at);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "actor", s->who.name, "role", s->who.role,
                     "agency", s->who.agency, "csrf", s->csrf, "expires_at", expires, "now", at);
}

/* 1 when the request came over TLS: h2o's own, or a proxy in front saying so. */
static int over_tls(cf_serve_t *srv, h2o_req_t *req)
{
    if (srv->cfg.cookie_secure ||
        h2o_memis(req->scheme->name.base, req->scheme->name.len, H2O_STRLIT("https")))
        return 1;
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-proto"), -1);
    return at >= 0 && h2o_lcstris(req->headers.entries[at].value.base,
                                  req->headers.entries[at].value.len, H2O_STRLIT("https"));
}

static void set_cookie(cf_serve_t *srv, h2o_req_t *req, const char *value, int clear)
{
    char text[256];
    int n = snprintf(text, sizeof(text), COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/%s%s",
                     value, clear ? "; Max-Age=0" : "", over_tls(srv, req) ? "; Secure" : "");
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE, NULL,
                   h2o_strdup(&req->pool, text, (size_t)n).base, (size_t)n);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
}

static int random_hex(char out[65])
{
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        return CF_EIO;
    cf_chain_hex(bytes, sizeof(bytes), out);
    OPENSSL_cleanse(bytes, sizeof(bytes));
    return 0;
}

/* The token text of a sign-in body, or NULL after answering 400/415. */
static const char *signin_token(cf_serve_t *srv, h2o_req_t *req, json_t **body)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    h2o_iovec_t ct = at >= 0 ? req->headers.entries[at].value : h2o_iovec_init("", 0);
    if (ct.len < 16 || !h2o_lcstris(ct.base, 16, H2O_STRLIT("application/json"))) {
        cf__http_error(req, srv, 415, "EMEDIA", "sign in with Content-Type: application/json");
        return NULL;
    }
    json_error_t jerr;
    *body = json_loadb(req->entity.base ? req->entity.base : "", req->entity.len, 0, &jerr);
    const char *token = json_string_value(json_object_get(*body, "token"));
    if (!token || !*token) {
        json_decref(*body);
        *body = NULL;
        cf__http_error(req, srv, 400, "EINVAL", "the body is {\"token\": \"...\"}");
        return NULL;
    }
    return token;
}

static int sign_in(cf_serve_t *srv, h2o_req_t *req)
{
    if (!same_origin(req)) {
        answer_origin(srv, req);
        return 0;
    }
    json_t *body = NULL;
    const char *token = signin_token(srv, req, &body);
    cf_principal_t who;
    char digest[65];
    if (!token)
        return 0;
    int rc = cf__http_token_holder(srv, req, token, strlen(token), &who);
    int known = rc == 0 && cf_chain_sha256_hex(token, strlen(token), digest) == 0;
    json_decref(body);
    if (rc == 429)
        return 0; /* answered: too many unknown tokens from this address */
    if (!known) {
        answer_401(srv, req, "unknown, revoked or expired token");
        return 0;
    }
    cf__sessions_t *t = table(srv);
    cf_time_t now = cf__serve_now(srv);
    session_t *s = t ? add(t, digest, now) : NULL;
    if (!s || random_hex(s->id) != 0 || random_hex(s->csrf) != 0) {
        if (s)
            drop(t, (size_t)(s - t->list));
        cf__http_error(req, srv, 500, "ENOMEM", "no session could be made");
        return 0;
    }
    memcpy(s->digest, digest, sizeof(digest));
    s->who = who;
    s->created_at = now;
    s->expires_at = now + (cf_time_t)srv->cfg.session_ttl;
    s->checked_until = uv_now(&srv->loop) + srv->cfg.token_cache_ms;
    set_cookie(srv, req, s->id, 0);
    cf__http_json(req, srv, 200, session_json(s, cf__serve_now(srv)));
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_session(cf_serve_t *srv, h2o_req_t *req)
{
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")))
        return sign_in(srv, req);
    cf_principal_t who;
    int rc = cf__session_auth(srv, req, &who);
    if (rc == 1)
        answer_401(srv, req, "not signed in (POST /v1/session)");
    if (rc != 0)
        return 0;
    session_t *s = current(srv, req);
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                       H2O_STRLIT("no-store"));
        cf__http_json(req, srv, 200, session_json(s, cf__serve_now(srv)));
        return 0;
    }
    drop(srv->sessions, (size_t)(s - srv->sessions->list));
    set_cookie(srv, req, "", 1);
    cf__http_json(req, srv, 200, json_pack("{s:b}", "signed_out", 1));
    return 0;
}
