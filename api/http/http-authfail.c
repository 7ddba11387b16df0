/*
 * http-authfail.c -- failed authentications, counted per client address: a client
 * that has sent cfg.auth_fail_burst unknown tokens in a row (bearer or sign-in) is
 * answered 429 with Retry-After, without the tokens table being read, until it has
 * waited; then one more try each second (docs/security.md "Brute force").
 *
 * Why at all: a token is 32 random bytes, so guessing one is hopeless; but every
 * unknown token costs a SHA-256 and a read of the tokens table on the loop, and a
 * password-spraying client should be slowed down and seen (the 429s in the access
 * log) rather than answered as fast as it can ask. A token already in the token cache
 * (used within token_cache_ms) is served even from an address that is being slowed,
 * so a colleague behind the same NAT keeps working while the cache holds them.
 *
 * How: the generic cell rate algorithm, one "theoretical arrival time" per address:
 * each failure moves it one second later (from now at the earliest); the address is
 * slowed while it lies more than auth_fail_burst seconds ahead of now. So a burst of
 * auth_fail_burst + 1 failures is allowed, then one a second. The table is fixed,
 * 1024 slots by a hash of the address, 8 probed; when all 8 are busy with other
 * addresses that are still being slowed, the new address shares the first slot (it is
 * slowed with them: the cost of a table that an attacker with many addresses cannot
 * grow). Rejected: a lockout (a client that never waits would lock its address out for
 * good, and behind a proxy everyone's), a global limit (one attacker slows everyone).
 * Behind a proxy every client has the proxy's address: put the rate limit in the
 * proxy too (docs/security.md). On a Unix socket (listen = unix:PATH) a peer has no
 * address: every client of the socket counts as one, as every client of a proxy on
 * loopback TCP does (no X-Forwarded-For is read, on either).
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SLOTS 1024
#define PROBE 8

typedef struct slot_s {
    unsigned char addr[16];
    unsigned char addr_len;
    uint64_t tat; /* uv_now ms: the failures' "theoretical arrival time" */
} slot_t;

struct cf__authfail_s {
    slot_t slots[SLOTS];
};

/* The address of req's peer (4 bytes for IPv4, 16 for IPv6, 1 for a Unix socket's
 * peer: they all share it) into out: its length, or 0. */
static size_t peer_of(h2o_req_t *req, unsigned char out[16])
{
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof(sa));
    if (!req->conn->callbacks->get_peername ||
        req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&sa) == 0)
        return 0;
    if (sa.ss_family == AF_INET) {
        memcpy(out, &((struct sockaddr_in *)&sa)->sin_addr, 4);
        return 4;
    }
    if (sa.ss_family == AF_INET6) {
        memcpy(out, &((struct sockaddr_in6 *)&sa)->sin6_addr, 16);
        return 16;
    }
    if (sa.ss_family == AF_UNIX) {
        out[0] = 0;
        return 1;
    }
    return 0;
}

/* The slot of req's address (claiming a free or idle one when create), the shared
 * first slot when every probed one is busy with addresses being slowed, or NULL. */
static slot_t *slot_of(cf_serve_t *srv, h2o_req_t *req, int create)
{
    unsigned char addr[16];
    size_t len = peer_of(req, addr);
    if (!len ||
        (!srv->authfail && (!create || !(srv->authfail = calloc(1, sizeof(cf__authfail_t))))))
        return NULL;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ addr[i]) * 16777619u;
    uint64_t now = uv_now(&srv->loop);
    slot_t *idle = NULL;
    for (unsigned k = 0; k < PROBE; k++) {
        slot_t *s = &srv->authfail->slots[(h + k) % SLOTS];
        if (s->addr_len == len && memcmp(s->addr, addr, len) == 0)
            return s;
        if (!idle && s->tat <= now)
            idle = s; /* empty, or its address has waited its failures off */
    }
    if (!idle) /* all busy being slowed: this address shares the first (lookups too) */
        return &srv->authfail->slots[h % SLOTS];
    if (!create)
        return NULL;
    memcpy(idle->addr, addr, len);
    idle->addr_len = (unsigned char)len;
    idle->tat = now;
    return idle;
}

/* Exported, documented in serve-int.h */
int cf__authfail_spent(cf_serve_t *srv, h2o_req_t *req)
{
    slot_t *s = slot_of(srv, req, 0);
    uint64_t now = uv_now(&srv->loop), allowed = (uint64_t)srv->cfg.auth_fail_burst * 1000;
    if (!s || s->tat <= now + allowed)
        return 0;
    char secs[24];
    int n = snprintf(secs, sizeof(secs), "%llu",
                     (unsigned long long)((s->tat - now - allowed + 999) / 1000));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   h2o_strdup(&req->pool, secs, (size_t)n).base, (size_t)n);
    cf__http_error(req, srv, 429, "ETOOMANY",
                   "too many unknown tokens from this address: wait Retry-After seconds");
    return 1;
}

/* Exported, documented in serve-int.h */
void cf__authfail_count(cf_serve_t *srv, h2o_req_t *req)
{
    slot_t *s = slot_of(srv, req, 1);
    uint64_t now = uv_now(&srv->loop);
    if (s)
        s->tat = (s->tat > now ? s->tat : now) + 1000;
}

/* Exported, documented in serve-int.h */
void cf__authfail_free(cf_serve_t *srv)
{
    free(srv->authfail);
    srv->authfail = NULL;
}
