/*
 * http-static.c -- the workbench's files (web/: index.html, *.js, *.css) served at
 * "/" (index.html) and "/web/<file>" by the daemon itself: same origin as the API,
 * so the session cookie and the strict Content-Security-Policy need no CORS and no
 * second server (docs/api.md "The workbench").
 *
 * Every answer here, 404s included, carries
 *   Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self';
 *     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';
 *     form-action 'self'
 *   X-Content-Type-Options: nosniff
 *   Referrer-Policy: no-referrer
 * and a file its ETag (size and modification time) with Cache-Control: no-cache, so
 * a browser revalidates (304) and never runs a stale script after an upgrade.
 *
 * Path traversal is impossible by construction rather than by cleaning: the path
 * as the client sent it (req->input.path, before h2o's normalisation) must be "/",
 * "/favicon.ico" or "/web/" followed by segments of [A-Za-z0-9_-][A-Za-z0-9._-]*
 * joined by single '/', ending in a known extension. So no "..", no segment
 * starting with a dot, no '%' (no encoded dot, slash or NUL), no backslash, no empty
 * segment (no absolute path), nothing but the listed types (a database that strayed
 * into web/ is still not served). The path is opened one segment at a time with
 * O_NOFOLLOW (no symbolic link on the way, to a file or a directory) and must end in a
 * regular file.
 *
 * Files are read on the loop when asked for, up to CF__STATIC_MAX bytes: they are a
 * few small files, read from the page cache in microseconds, and only while someone
 * loads the page. Rejected: caching them in memory at start (an edit of web/ would
 * need a restart while developing); sendfile through h2o's file handler (its own
 * headers and path mapping, which this file would then have to fence in again).
 */
#include "serve-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CF__STATIC_MAX (8u << 20)

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                          "base-uri 'none'; form-action 'self'";

/* The Content-Type of a file name by its extension, or NULL: not served. */
static const char *content_type(const char *name, size_t len)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t n = strlen(types[i].ext);
        if (len > n && memcmp(name + len - n, types[i].ext, n) == 0)
            return types[i].type;
    }
    return NULL;
}

static int name_char(char c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-')
        return 1;
    return c == '.' && !first;
}

/* 1 when rel[0..len) is segments of name characters, none starting with '.', joined by
 * single slashes. */
static int safe_relative(const char *rel, size_t len)
{
    int first = 1;
    if (len == 0 || len > 200)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (rel[i] == '/') {
            if (first)
                return 0; /* an empty segment */
            first = 1;
            continue;
        }
        if (!name_char(rel[i], first))
            return 0;
        first = 0;
    }
    return !first;
}

/* Exported, documented in serve-int.h */
int cf__static_path(const char *path, size_t len, const char **rel, size_t *rel_len)
{
    if (len == 1 && path[0] == '/') {
        *rel = "index.html";
        *rel_len = 10;
        return 0;
    }
    if (len == 12 && memcmp(path, "/favicon.ico", 12) == 0) {
        *rel = path + 1;
        *rel_len = 11;
        return 0;
    }
    if (len <= 5 || memcmp(path, "/web/", 5) != 0 || !safe_relative(path + 5, len - 5) ||
        !content_type(path + 5, len - 5))
        return -1;
    *rel = path + 5;
    *rel_len = len - 5;
    return 0;
}

static void security_headers(h2o_req_t *req)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0,
                          NULL, csp, sizeof(csp) - 1);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL,
                          H2O_STRLIT("no-referrer"));
}

/* Opens dir/rel one segment at a time, each with O_NOFOLLOW: a symbolic link anywhere
 * under dir, to a directory as much as to a file, is not followed (O_NOFOLLOW alone on
 * the whole path checks only its last segment, so web/linkdir -> /etc would serve
 * /etc/hostname.txt). rel was checked by safe_relative. The descriptor, or -1. */
static int open_beneath(const char *dir, const char *rel, size_t rel_len)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (size_t at = 0; fd >= 0 && at < rel_len;) {
        const char *slash = memchr(rel + at, '/', rel_len - at);
        size_t n = slash ? (size_t)(slash - rel - at) : rel_len - at;
        char seg[256];
        if (n >= sizeof(seg)) {
            close(fd);
            return -1;
        }
        memcpy(seg, rel + at, n);
        seg[n] = '\0';
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : O_NONBLOCK);
        int next = openat(fd, seg, flags);
        close(fd);
        fd = next;
        at += n + 1;
    }
    return fd;
}

/* Reads the regular file dir/rel into a malloc'd buffer: 0 with OUT *data, *size, *st;
 * or -1 (not found, not a regular file, a symbolic link on the way, too large,
 * unreadable). */
static int read_file(const char *dir, const char *rel, size_t rel_len, char **data, struct stat *st)
{
    int fd = open_beneath(dir, rel, rel_len);
    if (fd < 0)
        return -1;
    char *buf = NULL;
    if (fstat(fd, st) == 0 && S_ISREG(st->st_mode) && (size_t)st->st_size <= CF__STATIC_MAX &&
        (buf = malloc((size_t)st->st_size + 1))) {
        size_t got = 0;
        ssize_t r = 1;
        while (got < (size_t)st->st_size &&
               ((r = read(fd, buf + got, (size_t)st->st_size - got)) > 0 || errno == EINTR))
            got += r > 0 ? (size_t)r : 0;
        if (got != (size_t)st->st_size) {
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    *data = buf;
    return buf ? 0 : -1;
}

static void not_found(cf_serve_t *srv, h2o_req_t *req, const char *text)
{
    security_headers(req);
    cf__http_error(req, srv, 404, "ENOTFOUND", text);
}

/* Exported, documented in serve-int.h */
int cf__http_static(cf_serve_t *srv, h2o_req_t *req)
{
    size_t plen = req->input.query_at == SIZE_MAX ? req->input.path.len : req->input.query_at;
    const char *rel;
    size_t rel_len;
    if (cf__static_path(req->input.path.base, plen, &rel, &rel_len) != 0) {
        not_found(srv, req, "no such file");
        return 0;
    }
    if (!srv->cfg.web_dir) {
        not_found(srv, req, "the workbench's files were not found (caseflow serve --web DIR)");
        return 0;
    }
    char *data;
    struct stat st;
    if (read_file(srv->cfg.web_dir, rel, rel_len, &data, &st) != 0) {
        not_found(srv, req, "no such file");
        return 0;
    }
    char etag[64];
    int elen = snprintf(etag, sizeof(etag), "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
                        (unsigned long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    security_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL,
                   h2o_strdup(&req->pool, etag, (size_t)elen).base, (size_t)elen);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    const char *type = content_type(rel, rel_len);
    if (at >= 0 && h2o_memis(req->headers.entries[at].value.base,
                             req->headers.entries[at].value.len, etag, (size_t)elen))
        cf__http_bytes(req, srv, 304, type, "", 0);
    else
        cf__http_bytes(req, srv, 200, type, data, (size_t)st.st_size);
    free(data);
    return 0;
}
