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
 * Where sessions live: in the cookie, signed, so that every daemon serving the
 * database knows them, and a restart signs nobody out. The cookie is
 *
 *   cf_session=<id>.<expires_at>.<token digest>.<mac>
 *
 * id 64 hex digits from RAND_bytes, expires_at in seconds, the SHA-256 (hex) of the
 * token signed in with, and mac the HMAC-SHA256 (hex) of the three under the
 * database's session key (store-session.c: made with the database, read by every
 * daemon at start). The CSRF token is the HMAC of "csrf." and the id under
 * the same key, so any daemon derives it. Signing in writes nothing; signing out
 * records the id in session_ends (through the writer), which every daemon reads
 * when it next checks the session. Rejected: a sessions table written at every
 * sign-in (a write through the writer for each, and a read for each request on
 * another node), and sessions in each daemon's memory (what this was: behind a load
 * balancer a handler signed in on one node was signed out on the next). The cost: a
 * copy of the database holds the key, so whoever reads the database can make a
 * cookie for a token it also reads the digest of; deleting the setting
 * session_key (then restarting the daemons) ends every session.
 *
 * Each daemon keeps the sessions it has checked in memory, on the loop (no lock:
 * only the loop reads or writes them): every cfg.token_cache_ms a session's token is
 * checked again in the tokens table and its id in session_ends, so a revoked or
 * expired token, or a sign-out on another node, ends the session here within that
 * time, as it ends bearer use. A signature is compared in constant time. A session
 * lasts cfg.session_ttl seconds on the daemon's clock from sign-in (absolute, not
 * sliding: a stolen cookie dies on schedule). At most CF__SESSIONS_MAX are kept in
 * memory; past that the expired ones are dropped, then the oldest (which are checked
 * again from their cookie when they come back). One token keeps at most
 * CF__SESSIONS_PER_TOKEN of them (its oldest dropped for a new one), so a token signing
 * in again and again cannot push everyone else's out of memory.
 */
#include "serve-int.h"

#include "chain.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CF__SESSIONS_MAX       4096
#define CF__SESSIONS_PER_TOKEN 16
#define COOKIE_NAME            "cf_session"

/* The longest cookie value: id, expiry, digest and mac with their dots. */
#define COOKIE_MAX (64 + 1 + 20 + 1 + 64 + 1 + 64)

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

/* The value of cookie cf_session in req, or a NULL base when there is none. Two of them
 * (in one Cookie header or two) are an empty value, which no session has: a page on a
 * sibling host (evil.example.gov.cn beside caseflow.example.gov.cn) can set a cookie of
 * that name for the parent domain with a longer Path, which the browser then sends
 * first, before the handler's own (cookie tossing: the handler would work in the
 * attacker's session, or the attacker's cookie would be read for a page of the
 * handler's). So two are 401, never the first taken. */
static h2o_iovec_t cookie_value(h2o_req_t *req)
{
    static const char name[] = COOKIE_NAME "=";
    size_t nlen = sizeof(name) - 1;
    h2o_iovec_t found = {NULL, 0};
    for (ssize_t at = -1; (at = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, at)) >= 0;) {
        h2o_iovec_t v = req->headers.entries[at].value;
        const char *p = v.base, *end = v.base + v.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == ';'))
                p++;
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *stop = semi ? semi : end;
            if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0) {
                if (found.base) /* a second one: no session (see above) */
                    return h2o_iovec_init("", 0);
                found = h2o_iovec_init(p + nlen, (size_t)(stop - p - nlen));
            }
            p = stop;
        }
    }
    return found;
}

/* ---- the signed cookie ---------------------------------------------------------------------- */

/* OUT out: the HMAC-SHA256 (hex) of text under the session key. 0, or -1. */
static int sign(cf_serve_t *srv, const char *text, size_t len, char out[65])
{
    unsigned char mac[32];
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), srv->session_key, sizeof(srv->session_key), (const unsigned char *)text,
              len, mac, &n) ||
        n != sizeof(mac))
        return -1;
    cf_chain_hex(mac, sizeof(mac), out);
    return 0;
}

/* OUT value: the cookie of session s (COOKIE_MAX + 1 bytes). 0, or -1. */
static int cookie_make(cf_serve_t *srv, const session_t *s, char *value)
{
    int n =
        snprintf(value, COOKIE_MAX + 1, "%s.%lld.%s", s->id, (long long)s->expires_at, s->digest);
    char mac[65];
    if (n <= 0 || n + 65 > COOKIE_MAX + 1 || sign(srv, value, (size_t)n, mac) != 0)
        return -1;
    snprintf(value + n, COOKIE_MAX + 1 - (size_t)n, ".%s", mac);
    return 0;
}

static int all_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

/* Reads cookie value v into OUT s (id, expires_at, digest, csrf; the holder is
 * left empty) when its signature is the key's and it has not expired at now:
 * 0; -2 when it is the key's but expired (s->expires_at says when, the rest
 * unspecified); else -1 (s then unspecified). */
static int cookie_read(cf_serve_t *srv, h2o_iovec_t v, cf_time_t now, session_t *s)
{
    char text[COOKIE_MAX + 1], mac[65];
    if (!v.base || v.len > COOKIE_MAX || v.len < 64 + 3 + 64 + 64 + 1)
        return -1;
    memcpy(text, v.base, v.len);
    text[v.len] = 0;
    size_t body = v.len - 65; /* up to the last dot */
    const char *digest = text + body - 64;
    if (text[64] != '.' || text[body] != '.' || digest[-1] != '.' || !all_hex(text, 64) ||
        !all_hex(digest, 64) || !all_hex(text + body + 1, 64) || sign(srv, text, body, mac) != 0 ||
        CRYPTO_memcmp(mac, text + body + 1, 64) != 0)
        return -1;
    char *end = NULL;
    long long expires = strtoll(text + 65, &end, 10);
    if (end != digest - 1)
        return -1;
    memset(s, 0, sizeof(*s));
    if (expires <= now) { /* ours, and over: -2, so that the 401 can say when it ended */
        s->expires_at = (cf_time_t)expires;
        return -2;
    }
    memcpy(s->id, text, 64);
    memcpy(s->digest, digest, 64);
    s->expires_at = (cf_time_t)expires;
    char csrf_text[5 + 64 + 1];
    snprintf(csrf_text, sizeof(csrf_text), "csrf.%s", s->id);
    return sign(srv, csrf_text, strlen(csrf_text), s->csrf);
}

/* The session kept for id, or NULL. */
static session_t *kept(cf__sessions_t *t, const char *id)
{
    for (size_t i = 0; t && i < t->count; i++)
        if (memcmp(t->list[i].id, id, 64) == 0)
            return &t->list[i];
    return NULL;
}

/* 0 when the session's token still holds and it was not signed out (OUT *who); -1
 * when it does not; -2 when the database could not be read (it is away: 503). */
static int still_good(cf_serve_t *srv, const session_t *s, cf_principal_t *who)
{
    int ended = 1;
    int rc = cf_store_token_check(srv->reader, s->digest, cf__serve_now(srv), who, NULL);
    if (rc == 0)
        rc = cf_store_session_ended(srv->reader, s->id, &ended, NULL);
    if (rc != 0)
        return rc == CF_ENOTFOUND ? -1 : -2;
    return ended ? -1 : 0;
}

/* The session of req's cookie, checked again in the database when its trust ran out
 * or this daemon has not seen it (one of a revoked or expired token, or signed out,
 * is dropped); NULL when there is none. OUT *away (may be NULL): 1 when NULL because
 * the database could not be read (the session is kept). */
static session_t *current_or_away(cf_serve_t *srv, h2o_req_t *req, int *away, cf_time_t *expired)
{
    session_t got;
    cf_time_t now = cf__serve_now(srv);
    int rc = cookie_read(srv, cookie_value(req), now, &got);
    if (rc == -2 && expired)
        *expired = got.expires_at;
    if (rc != 0)
        return NULL;
    cf__sessions_t *t = table(srv);
    session_t *s = kept(t, got.id);
    uint64_t now_ms = uv_now(&srv->loop);
    if (s && s->checked_until > now_ms)
        return s;
    cf_principal_t who;
    int good = still_good(srv, &got, &who);
    if (good == -2 && away)
        *away = 1;
    if (good != 0) {
        if (s && good == -1)
            drop(t, (size_t)(s - t->list));
        return NULL;
    }
    if (!s && (!t || !(s = add(t, got.digest, now))))
        return NULL;
    *s = got;
    s->who = who;
    s->created_at = now;
    s->checked_until = now_ms + srv->cfg.token_cache_ms;
    return s;
}

static session_t *current(cf_serve_t *srv, h2o_req_t *req)
{
    return current_or_away(srv, req, NULL, NULL);
}

/* Exported, documented in serve-int.h */
int cf__session_key(cf_serve_t *srv, cf_store_t *s, cf_error_t *err)
{
    unsigned char fresh[32];
    char candidate[65], key[65];
    if (RAND_bytes(fresh, sizeof(fresh)) != 1)
        return cf_error_set(err, CF_EIO, NULL, 0, 0, "no random bytes for the session key");
    cf_chain_hex(fresh, sizeof(fresh), candidate);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    int rc = cf_store_session_key(s, candidate, key, err);
    for (size_t i = 0; rc == 0 && i < sizeof(srv->session_key); i++) {
        unsigned v;
        if (sscanf(key + 2 * i, "%2x", &v) != 1)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "the session key is not hex");
        srv->session_key[i] = (unsigned char)v;
    }
    OPENSSL_cleanse(candidate, sizeof(candidate));
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
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
    /* A browser sends one Origin. Of two, this check would read the first and a proxy in
     * front may read the last: neither is taken (as two Authorization headers). */
    if (h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), at) >= 0)
        return 0;
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
    int away = 0;
    cf_time_t expired = 0;
    session_t *s = current_or_away(srv, req, &away, &expired);
    if (!s && away)
        return cf__http_unavailable(srv, req);
    if (!s && expired) { /* a peer tells "sign in again" from "you were signed out" */
        char at[CF_TIME_BUFSZ], text[120];
        cf_time_format(expired, at);
        snprintf(text, sizeof(text), "the session expired at %s (session_ttl): sign in again", at);
        answer_401(srv, req, text);
        return 401;
    }
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
    session_t s;
    if (cookie_read(srv, cookie_value(req), cf__serve_now(srv), &s) != 0)
        return -1;
    memcpy(digest, s.digest, 65);
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
    char text[COOKIE_MAX + 128];
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
    /* application/json, then nothing or its parameters ("; charset=utf-8"): not a type
     * that merely starts so ("application/jsonp") */
    if (ct.len < 16 || !h2o_lcstris(ct.base, 16, H2O_STRLIT("application/json")) ||
        (ct.len > 16 && ct.base[16] != ';' && ct.base[16] != ' ')) {
        cf__http_error(req, srv, 415, "EMEDIA", "sign in with Content-Type: application/json");
        return NULL;
    }
    /* as every body: {"token": A, "token": B} (which one signs in?) and unknown fields
     * are 400, not the last duplicate taken in silence */
    *body = cf__http_body(srv, req, " token ");
    if (!*body)
        return NULL;
    const char *token = json_string_value(json_object_get(*body, "token"));
    if (!token || !*token) {
        json_decref(*body);
        *body = NULL;
        cf__http_error(req, srv, 400, "EINVAL", "the body is {\"token\": \"...\"}");
        return NULL;
    }
    return token;
}

static void on_signed_out(cf__job_t *job);

/* The writer's job that records the end of session s for every daemon (a sign-out, or a
 * session replaced by a sign-in), or NULL when out of memory; not linked to a request. */
static cf__job_t *session_end_job(cf_serve_t *srv, const session_t *s)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job || !(job->body = json_pack("{s:s, s:I}", "id", s->id, "expires_at",
                                        (json_int_t)s->expires_at))) {
        free(job);
        return NULL;
    }
    job->kind = CF__JOB_SESSION_END;
    job->who = s->who;
    job->if_match = -1;
    job->now = cf__serve_now(srv);
    job->done = on_signed_out;
    return job;
}

/* Signing in again in a browser that holds a session (another person at the same office
 * computer, or the same one with another token) ends the session its cookie names, for
 * every daemon, as a sign-out does: the new cookie replaces it in the browser, and the
 * old one must not stay good for session_ttl in whatever copy of it was taken (rotation,
 * attack-13.3). Nothing to answer: the sign-in answers. */
static void end_replaced(cf_serve_t *srv, h2o_req_t *req)
{
    session_t *old = current(srv, req);
    cf__job_t *job = old ? session_end_job(srv, old) : NULL;
    if (job)
        cf__writer_submit(srv, job);
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
    int held = cf__http_token_holder(srv, req, token, strlen(token), &who, NULL);
    int known = held == 0 && cf_chain_sha256_hex(token, strlen(token), digest) == 0;
    json_decref(body);
    if (held == 429)
        return 0; /* answered: too many unknown tokens from this address */
    if (held == -2) {
        cf__http_unavailable(srv, req);
        return 0;
    }
    if (!known) {
        answer_401(srv, req, "unknown, revoked or expired token");
        return 0;
    }
    end_replaced(srv, req);
    cf__sessions_t *t = table(srv);
    cf_time_t now = cf__serve_now(srv);
    session_t *s = t ? add(t, digest, now) : NULL;
    char cookie[COOKIE_MAX + 1];
    if (s && random_hex(s->id) == 0) {
        memcpy(s->digest, digest, sizeof(digest));
        s->expires_at = now + (cf_time_t)srv->cfg.session_ttl;
    }
    /* read back from its own cookie: the CSRF token is derived as every daemon derives it */
    if (!s || !*s->id || cookie_make(srv, s, cookie) != 0 ||
        cookie_read(srv, h2o_iovec_init(cookie, strlen(cookie)), now, s) != 0) {
        if (s)
            drop(t, (size_t)(s - t->list));
        cf__http_error(req, srv, 500, "ENOMEM", "no session could be made");
        return 0;
    }
    s->who = who;
    s->created_at = now;
    s->checked_until = uv_now(&srv->loop) + srv->cfg.token_cache_ms;
    set_cookie(srv, req, cookie, 0);
    cf__http_json(req, srv, 200, session_json(s, cf__serve_now(srv)));
    return 0;
}

/* The sign-out committed (or not): forget the session here and answer. */
static void on_signed_out(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    session_t *s = kept(srv->sessions, json_string_value(json_object_get(job->body, "id")));
    if (job->status == 200 && s)
        drop(srv->sessions, (size_t)(s - srv->sessions->list));
    if (job->link) {
        h2o_req_t *req = job->link->req;
        job->link->job = NULL;
        if (job->status == 200) {
            set_cookie(srv, req, "", 1);
            cf__http_json(req, srv, 200, json_pack("{s:b}", "signed_out", 1));
        } else {
            cf__http_json(req, srv, job->status, job->answer);
            job->answer = NULL;
        }
    }
    cf__job_free(job);
}

/* Records the sign-out of s for every daemon (a job for the writer), then answers. */
static void sign_out(cf_serve_t *srv, h2o_req_t *req, const session_t *s)
{
    cf__job_t *job = session_end_job(srv, s);
    if (!job || cf__http_link(job, req) != 0) {
        if (job)
            json_decref(job->body);
        free(job);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return;
    }
    cf__writer_submit(srv, job);
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
    sign_out(srv, req, s);
    return 0;
}
