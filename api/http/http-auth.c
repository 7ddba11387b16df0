/*
 * http-auth.c -- who sent a request: the bearer token (the loop's token cache, else
 * the tokens table through the writer, its last use recorded off the request's
 * path), or else the workbench's session cookie (http-session.c). Called by the
 * router (http-route.c, cf__http_authenticate) for every route that is not open.
 *
 * Apart from the router so that what a token may do (the roles, in http-route.c's
 * dispatch) and who holds it (here) are read separately; the failure counting by
 * address is http-authfail.c's. Cost: the router reaches this file through one
 * function in serve-int.h.
 */
#include "serve-int.h"

#include "chain.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * its use recorded). 0, -1 for an unknown, revoked or expired token (OUT err says
 * which), or -2 when the database could not be read (PostgreSQL away: the request is
 * answered 503, never 401, so a client does not take its token for revoked). */
static int token_holder(cf_serve_t *srv, const char *text, size_t len, cf_principal_t *who,
                        cf_error_t *err)
{
    cf__token_slot_t *t = token_slot(srv, text, len);
    uint64_t now = uv_now(&srv->loop);
    if (token_cached(srv, text, len, who) == 0)
        return 0;
    char digest[65];
    if (cf_chain_sha256_hex(text, len, digest) != 0)
        return -1;
    int rc = cf_store_token_check(srv->reader, digest, cf__serve_now(srv), who, err);
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
    if (!size)
        return -1;
    size_t n = strnlen(t->who.agency, size - 1); /* snprintf's "%s", without its cost */
    memcpy(agency, t->who.agency, n);
    agency[n] = '\0';
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
                          cf_principal_t *who, cf_error_t *err)
{
    if (token_cached(srv, text, len, who) == 0)
        return 0;
    if (cf__authfail_spent(srv, req))
        return 429;
    int held = token_holder(srv, text, len, who, err);
    if (held == 0 || held == -2)
        return held;
    cf__authfail_count(srv, req);
    return -1;
}

/* Exported, documented in serve-int.h */
int cf__http_authenticate(cf_serve_t *srv, h2o_req_t *req, cf_principal_t *who)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    const char *text = "a bearer token is required (Authorization: Bearer TOKEN)";
    cf_error_t why; /* what the tokens table says of a token refused */
    cf_error_clear(&why);
    /* Two Authorization headers: a proxy in front may check one and we the other (h2o
     * gives the first): neither is taken. */
    if (at >= 0 && h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, at) >= 0) {
        cf__http_error(req, srv, 400, "EAUTH",
                       "a request may carry one Authorization header, not two");
        return 400;
    }
    if (at < 0) {
        int rc = cf__session_auth(srv, req, who);
        if (rc != 1)
            return rc;
    }
    if (at >= 0) {
        h2o_iovec_t v = req->headers.entries[at].value;
        int rc = v.len > 7 && h2o_lcstris(v.base, 7, H2O_STRLIT("bearer "))
                     ? cf__http_token_holder(srv, req, v.base + 7, v.len - 7, who, &why)
                     : -1;
        if (rc == 0 || rc == 429)
            return rc;
        if (rc == -2)
            return cf__http_unavailable(srv, req);
        text = why.text[0] ? why.text : "unknown token";
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                   H2O_STRLIT("Bearer"));
    cf__http_error(req, srv, 401, "EAUTH", text);
    return 401;
}
