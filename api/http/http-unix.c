/*
 * http-unix.c -- the daemon listening on a Unix socket ("listen = unix:PATH",
 * docs/deploy.md "Behind nginx on a Unix socket"), the usual link from a reverse proxy
 * on the same host: no port open to the network, who may connect decided by the
 * file's permissions, and cheaper than loopback TCP (no TCP state machine, no
 * checksums; docs/performance.md measured both).
 *
 * The connections themselves are http.c's: a uv_pipe_t is a uv_stream_t, handed to
 * h2o exactly as an accepted TCP stream is, so requests go through the same routes,
 * tokens, sessions and limits. What is particular to a socket file is here:
 *   - its path must fit a socket address (sun_path, 108 bytes with its NUL): libuv
 *     1.44 would cut a longer one short silently and bind somewhere else;
 *   - a path that exists and is not a socket is refused and left as it is (a typo
 *     must not delete the database or a config file);
 *   - a socket file left by a daemon that crashed is replaced, but only when nothing
 *     answers on it: a connect refused (ECONNREFUSED) means nobody listens; a connect
 *     that succeeds (or finds the backlog full) means another daemon is running there,
 *     and the start is refused rather than stealing its address;
 *   - the mode (cfg.listen_mode, 0660 by default) is set between bind and listen, so
 *     no client can connect while the file still has the umask's permissions (connect
 *     to a socket bound but not listening is refused);
 *   - the file is removed when the listener closes (libuv unlinks the path it bound
 *     when a pipe handle is closed), so a clean stop leaves no file behind.
 * Rejected: relying on the umask alone for the mode (systemd's UMask= and a shell's
 * differ, and the proxy's group needs write permission to connect); an abstract socket
 * (Linux-only name space, no file permissions: any local process could connect);
 * always unlinking the path before bind (that would take over a running daemon's
 * socket, leaving it serving nobody).
 */
#include "serve-int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Exported, documented in serve-int.h */
int cf__unix_path_check(const char *path, cf_error_t *err)
{
    struct sockaddr_un a;
    struct stat st;
    if (!*path)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "listen: unix: needs a path");
    if (strlen(path) >= sizeof(a.sun_path))
        return cf_error_set(err, CF_EINVALID, path, 0, 0,
                            "listen: the socket path is %zu bytes, longer than the %zu a Unix "
                            "socket's address holds (choose a shorter path, /run/caseflow/...)",
                            strlen(path), sizeof(a.sun_path) - 1);
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return cf_error_set(err, CF_EINVALID, path, 0, 0,
                            "listen: %s exists and is not a socket; it is left as it is "
                            "(remove it or choose another path)",
                            path);
    return 0;
}

/* A socket file at path: 0 when there is none (any more: a stale one was removed),
 * CF_EINVALID when a daemon answers on it, CF_EIO when it cannot be told or removed. */
static int remove_stale(cf_serve_t *srv, const char *path, cf_error_t *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) /* checked just before; a connect to a file is refused too */
        return cf__unix_path_check(path, err);
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return cf_error_set(err, CF_EIO, path, 0, 0, "listen: socket: %s", strerror(errno));
    int answered = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EAGAIN;
    int why = errno;
    close(fd);
    if (answered)
        return cf_error_set(err, CF_EINVALID, path, 0, 0,
                            "listen: another process answers on the socket %s (a daemon "
                            "already running?)",
                            path);
    if (why == ENOENT) /* gone since the lstat (another daemon stopped): nothing there */
        return 0;
    if (why != ECONNREFUSED)
        return cf_error_set(err, CF_EIO, path, 0, 0,
                            "listen: cannot tell whether the socket %s is in use: %s", path,
                            strerror(why));
    if (unlink(path) != 0 && errno != ENOENT)
        return cf_error_set(err, CF_EIO, path, 0, 0,
                            "listen: cannot remove the stale socket %s: %s", path, strerror(errno));
    cf__serve_log(srv, "replaced the stale socket %s (nothing answered on it)", path);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__unix_listen(cf_serve_t *srv, uv_connection_cb on_accept, cf_error_t *err)
{
    const char *path = srv->cfg.unix_path;
    int rc = cf__unix_path_check(path, err);
    if (rc == 0)
        rc = remove_stale(srv, path, err);
    if (rc != 0)
        return rc;
    uv_pipe_init(&srv->loop, &srv->listener.pipe, 0);
    srv->listener.pipe.data = srv;
    const char *step = "bind";
    rc = uv_pipe_bind(&srv->listener.pipe, path);
    if (rc == 0) {
        step = "set the mode of";
        rc = chmod(path, srv->cfg.listen_mode) == 0 ? 0 : uv_translate_sys_error(errno);
    }
    if (rc == 0) {
        step = "listen on";
        rc = uv_listen((uv_stream_t *)&srv->listener.pipe, 128, on_accept);
    }
    if (rc != 0)
        return cf_error_set(err, CF_EIO, path, 0, 0, "listen: cannot %s the socket %s: %s", step,
                            path, uv_strerror(rc));
    srv->port = 0;
    return 0;
}
