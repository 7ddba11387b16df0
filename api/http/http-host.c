/*
 * http-host.c -- which Host headers the daemon answers (the allowed_host setting).
 *
 * Why: DNS rebinding. A page on evil.example that the handler's browser opens can make
 * evil.example resolve, a minute later, to 127.0.0.1 (or to the daemon's address on
 * the office network); the browser then counts the daemon as evil.example itself, so
 * the page's scripts read its answers as same-origin. Tokens and the session cookie
 * are not sent to evil.example, so what the page reaches is what needs none (the
 * workbench's files, /healthz, sign-in attempts), but that is still the daemon
 * answering a stranger's page. The one thing such a request cannot hide is its Host
 * header: it names the attacker's host. So with allowed_host set, a Host naming any
 * other host is 421 Misdirected Request (EHOST), before routing and before any
 * token is read, and the connection is closed.
 *
 * Always allowed besides the list: localhost, any 127.x.x.x, [::1] and the listen
 * address (a rebinding page's Host is a name of its own, never one of these, and an
 * operator on the machine or a proxy passing Host: 127.0.0.1:8080 must not be
 * locked out). A port in the Host is ignored (the daemon knows its own port; a
 * proxy may name its own), and so is one trailing dot. A request without Host
 * (HTTP/1.0; no browser sends one) passes: it cannot come from a page. When the
 * request carries X-Forwarded-Host (a proxy in front), its names must be allowed too:
 * behind a proxy that sends Host: 127.0.0.1, that is the name the browser used. Every
 * name is checked, in every X-Forwarded-Host header and in a comma list (a chain of
 * proxies appends one each), and any one not allowed is 421 EHOST like a Host: which
 * of them a reader takes (the Origin check, http-session.c, takes the first; a proxy
 * or log the last) is theirs to choose, and none may name a stranger's host. Nothing is
 * checked when the list is empty, the default, so that upgrading changes nothing:
 * docs/security.md recommends setting it for any daemon a browser reaches.
 * Rejected for a second X-Forwarded-Host header: 400 (a proxy chain that adds a
 * header rather than extending the list is legitimate; its names are allowed or not
 * like any other).
 *
 * Rejected: checking Origin instead (a GET carries none), and a default list of
 * loopback names only (behind a proxy that passes the public Host, as nginx's
 * `proxy_set_header Host $host` does, every request would be refused after an
 * upgrade).
 */
#include "serve-int.h"

#include <string.h>

/* The host part of a Host value: without the port and one trailing dot. */
static h2o_iovec_t host_part(h2o_iovec_t v)
{
    size_t n = v.len;
    if (n && v.base[0] == '[') { /* [v6]:port */
        const char *close = memchr(v.base, ']', n);
        n = close ? (size_t)(close - v.base) + 1 : n;
    } else {
        const char *colon = memchr(v.base, ':', n);
        if (colon)
            n = (size_t)(colon - v.base);
    }
    if (n && v.base[n - 1] == '.')
        n--;
    return h2o_iovec_init(v.base, n);
}

/* 1 if h is localhost, 127.x.x.x (digits and dots only) or [::1]. */
static int loopback(h2o_iovec_t h)
{
    if (h2o_lcstris(h.base, h.len, H2O_STRLIT("localhost")) ||
        h2o_memis(h.base, h.len, H2O_STRLIT("[::1]")))
        return 1;
    if (h.len < 4 || memcmp(h.base, "127.", 4) != 0)
        return 0;
    for (size_t i = 4; i < h.len; i++)
        if (h.base[i] != '.' && (h.base[i] < '0' || h.base[i] > '9'))
            return 0;
    return 1;
}

/* 1 if h is name (its host part), in any case on either side: h2o_lcstris lowers only
 * its first argument, so a name configured as "CaseFlow.example" would match no Host. */
static int named(h2o_iovec_t h, const char *name)
{
    h2o_iovec_t want = host_part(h2o_iovec_init(name, strlen(name)));
    if (!h.len || h.len != want.len)
        return 0;
    for (size_t i = 0; i < h.len; i++)
        if (h2o_tolower(h.base[i]) != h2o_tolower(want.base[i]))
            return 0;
    return 1;
}

/* 1 if host (a Host value) is allowed by cfg's list. */
static int allowed(const cf_serve_config_t *cfg, h2o_iovec_t host)
{
    h2o_iovec_t h = host_part(host);
    if (loopback(h) || (cfg->host && named(h, cfg->host)))
        return 1;
    for (unsigned i = 0; i < cfg->allowed_hosts_count; i++)
        if (named(h, cfg->allowed_hosts[i]))
            return 1;
    return 0;
}

/* 1 if every name of an X-Forwarded-Host value (a comma list, spaces around its
 * names) is allowed; an empty name is not. */
static int forwarded_allowed(const cf_serve_config_t *cfg, h2o_iovec_t v)
{
    const char *p = v.base, *end = v.base + v.len;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        size_t n = (size_t)(stop - p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (!allowed(cfg, h2o_iovec_init(p, n)))
            return 0;
        if (!comma)
            return 1;
        p = comma + 1;
    }
}

/* Exported, documented in serve-int.h */
int cf__http_host_allowed(const cf_serve_config_t *cfg, h2o_req_t *req, h2o_iovec_t host)
{
    if (!cfg->allowed_hosts_count)
        return 1;
    if (host.base && !allowed(cfg, host))
        return 0;
    /* Behind a proxy that sends Host: 127.0.0.1 and the browser's Host as
     * X-Forwarded-Host, that is the name to check: every one of them, in every such
     * header (the file's header says why). */
    ssize_t at = -1;
    while ((at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-host"), at)) >= 0)
        if (!forwarded_allowed(cfg, req->headers.entries[at].value))
            return 0;
    return 1;
}
