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
 *   - the mode (cfg.listen_mode, 0660 by default) is right before the file appears at
 *     the path: the socket is bound inside a private directory made next to it
 *     (mkdtemp: DIR/.cfXXXXXX, mode 0700, so no other user can rename, replace or
 *     symlink anything in it), chmod'ed there, set listening, and only then given its
 *     name with link(2), which never follows a symlink and never replaces a file that
 *     is there (EEXIST); the private name and directory are removed at once. A chmod of
 *     the final path after the bind (what this file did before) would follow a symlink
 *     swapped in between the two calls, and change the mode of whatever it names;
 *   - a missing directory is said as such (libuv reports it as a bare errno);
 *   - the file is removed when the listener closes, but only if the path still is the
 *     file this daemon made (its st_dev and st_ino, noted at the link): a daemon whose
 *     socket was replaced meanwhile (another daemon started after a manual rm) does not
 *     delete the other's socket at its stop. libuv would unlink whatever path it bound,
 *     so the socket is bound here and handed to libuv with uv_pipe_open.
 * Rejected: relying on the umask alone for the mode (systemd's UMask= and a shell's
 * differ, and the proxy's group needs write permission to connect); setting the umask
 * around the bind (it is the process's, so a file another thread creates meanwhile
 * would get it); fchmod on the socket's fd (Linux changes the socket's inode in sockfs,
 * not the file bind made); fchmodat(AT_SYMLINK_NOFOLLOW) on the path (it refuses a
 * symlink but still changes a file renamed over the socket); an abstract socket
 * (Linux-only name space, no file permissions: any local process could connect);
 * always unlinking the path before bind (that would take over a running daemon's
 * socket, leaving it serving nobody).
 * What it costs: the private name is longer than the path by a few bytes (the check
 * below counts it, so a path close to the 107 bytes of an address needs a name of 9
 * bytes or more); a daemon killed between mkdtemp and rmdir leaves an empty .cfXXXXXX
 * directory behind; the stop's check and unlink are two calls (a file put there between
 * them would be removed; nothing but another start does that, and it refuses a path
 * someone answers on).
 */
#include "serve-int.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The private directory's template and the socket's name inside it. */
#define PRIVATE ".cfXXXXXX"
#define INSIDE  "/s"

/* The bytes of path's directory, its final slash included (0 for a bare name). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

/* The length of the private name the socket is bound at first: DIR/.cfXXXXXX/s. */
static size_t private_len(const char *path)
{
    return dir_len(path) + strlen(PRIVATE) + strlen(INSIDE);
}

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
    if (private_len(path) >= sizeof(a.sun_path))
        return cf_error_set(err, CF_EINVALID, path, 0, 0,
                            "listen: the socket is bound first as %.*s%s/s, %zu bytes, "
                            "longer than the %zu a Unix socket's address holds (choose a "
                            "shorter path)",
                            (int)dir_len(path), path, PRIVATE, private_len(path),
                            sizeof(a.sun_path) - 1);
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

/* A socket bound at the name sun (made here, nothing there), with mode, set listening on
 * srv->listener.pipe (initialised by the caller; it owns the fd from then on). Returns 0
 * or a libuv error, *step (OUT) the step that failed. */
static int bind_listen(cf_serve_t *srv, const char *sun, uv_connection_cb on_accept,
                       const char **step)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    assert(strlen(sun) < sizeof(a.sun_path));
    memcpy(a.sun_path, sun, strlen(sun) + 1);
    *step = "create";
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return uv_translate_sys_error(errno);
    int rc = 0;
    *step = "bind";
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        rc = uv_translate_sys_error(errno);
    if (rc == 0) {
        *step = "set the mode of"; /* in the private directory: nobody can swap it */
        rc = chmod(sun, srv->cfg.listen_mode) == 0 ? 0 : uv_translate_sys_error(errno);
    }
    if (rc == 0)
        rc = uv_pipe_open(&srv->listener.pipe, fd);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *step = "listen on";
    return uv_listen((uv_stream_t *)&srv->listener.pipe, 128, on_accept);
}

/* The socket made in a private directory next to path, then linked at path (the file
 * header says why); srv->unix_dev / unix_ino the file's. Returns 0 or CF_EIO naming
 * the path (CF_EINVALID when its directory does not exist). */
static int make_socket(cf_serve_t *srv, const char *path, uv_connection_cb on_accept,
                       cf_error_t *err)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char sun[sizeof(dir) + sizeof(INSIDE)]; /* fits an address: cf__unix_path_check */
    struct stat st;
    snprintf(dir, sizeof(dir), "%.*s%s", (int)dir_len(path), path, PRIVATE);
    if (!mkdtemp(dir)) {
        int why = errno;
        if (why == ENOENT || why == ENOTDIR) /* a bare name's directory exists: "." */
            return cf_error_set(err, CF_EINVALID, path, 0, 0,
                                "listen: the directory %.*s for the socket %s does not exist",
                                (int)(dir_len(path) > 1 ? dir_len(path) - 1 : 1),
                                dir_len(path) ? path : ".", path);
        return cf_error_set(err, CF_EIO, path, 0, 0,
                            "listen: cannot make a directory next to the socket %s: %s", path,
                            strerror(why));
    }
    snprintf(sun, sizeof(sun), "%s%s", dir, INSIDE);
    const char *step;
    int rc = bind_listen(srv, sun, on_accept, &step);
    if (rc == 0 && lstat(sun, &st) != 0)
        rc = uv_translate_sys_error(errno);
    if (rc == 0) {
        step = "name";
        rc = link(sun, path) == 0 ? 0 : uv_translate_sys_error(errno);
    }
    unlink(sun); /* the socket stays bound: its file has the final name now */
    rmdir(dir);
    if (rc != 0)
        return cf_error_set(err, CF_EIO, path, 0, 0, "listen: cannot %s the socket %s: %s", step,
                            path, uv_strerror(rc));
    srv->unix_dev = st.st_dev;
    srv->unix_ino = st.st_ino;
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
    rc = make_socket(srv, path, on_accept, err);
    if (rc == 0)
        srv->port = 0;
    return rc;
}

/* Exported, documented in serve-int.h */
void cf__unix_remove(cf_serve_t *srv)
{
    struct stat st;
    const char *path = srv->cfg.unix_path;
    ino_t ino = srv->unix_ino;
    if (!path || ino == 0)
        return;
    srv->unix_ino = 0;
    if (lstat(path, &st) != 0) /* removed by someone else: nothing to do */
        return;
    if (st.st_dev == srv->unix_dev && st.st_ino == ino)
        unlink(path);
    else
        cf__serve_log(srv, "left the socket %s alone: it is not the file this daemon made", path);
}
