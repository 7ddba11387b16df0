/*
 * test-serve-unix.c -- unix-*: the daemon listening on a Unix socket (listen =
 * unix:PATH, api/http/http-unix.c), as a reverse proxy on the same host reaches it.
 * The client is serve-helpers.c's libcurl one with CURLOPT_UNIX_SOCKET_PATH (what
 * `curl --unix-socket` and nginx's proxy_pass http://unix:PATH: do).
 *
 * unix-1: a daemon on a socket in the test's folder answers: reads with a token, an
 *         unknown token refused (401), a case opened and a durable transition
 *         (not_file, answered 200 after its commit, read back); the file is a socket
 *         with mode 0660 (the default listen_mode); unknown tokens from the socket
 *         are slowed like those from one TCP address (429); after the stop the file
 *         is gone.
 * unix-2: a stale socket file (bound by a process that is gone: nobody answers) is
 *         replaced and the daemon answers on it; a socket another process answers on
 *         is refused, left as it is, the message naming it; listen_mode 0600 is the
 *         file's mode.
 * unix-3: a path that is a regular file is refused, the message naming the path, and
 *         the file is left untouched (its bytes); --check-config says the same.
 * unix-4: a path longer than a socket address holds (sun_path) is refused with its
 *         length and the limit, at the start and by the config check.
 * unix-5: the setting: `listen = unix:PATH` and `listen_mode` in the config file, the
 *         printed settings a valid file that says them back, a later HOST:PORT back to
 *         TCP, bad modes and an empty path refused.
 * unix-6: the binary: `caseflow serve --listen unix:PATH --listen-mode 0640` says
 *         "listening on unix:PATH", the file has that mode, a raw AF_UNIX client is
 *         answered, SIGTERM stops it with exit 0 and the file gone; --check-config
 *         prints the setting back; a bad --listen-mode prints the usage.
 * unix-7: the socket's file is made with its mode in a private directory and then
 *         named (http-unix.c says why): nothing else is left in the folder; a daemon
 *         whose socket file was replaced (removed by hand, another daemon on the path)
 *         leaves the other's file alone at its stop; a path whose private name would
 *         not fit a socket address is refused, naming it.
 * unix-8: a socket path in a directory that does not exist: "the directory ... does
 *         not exist", naming it (libuv said "no such file or directory", or "permission
 *         denied" further up), at the start.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core-helpers.h"
#include "ops.h"
#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"
#define NOT_FILE                                                                                   \
    "{\"action\": \"not_file\", \"facts\": {\"not_filing_reason\": \"不符合立案条件\"}, "   \
    "\"documents\": {\"不予立案审批表\": {\"content_base64\": \"eA==\", \"file\": \"c.pdf\"}}}"

/* The path name in the test's folder (OUT path, TD_PATH bytes), nothing there. */
static void sock_path(const char *name, char *path)
{
    snprintf(path, TD_PATH, "%s/%s", cf_test_tmpdir(), name);
    unlink(path);
}

/* A socket bound at path; listening when listening, else closed at once (a stale file,
 * as a daemon killed with SIGKILL leaves). Returns the fd (listening) or -1. */
static int bind_at(const char *path, int listening)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    ASSERT(strlen(path) < sizeof(a.sun_path));
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    if (listening) {
        ASSERT_EQ(listen(fd, 4), 0);
        return fd;
    }
    close(fd);
    return -1;
}

static long status_of(const td_daemon_t *d, const char *method, const char *path, const char *token,
                      const char *body, const char *match)
{
    td_resp_t r;
    td_http(d, method, path, token, body, body ? strlen(body) : 0, match, &r);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

/* A fresh database dbname with a handler's token (returned, the caller frees it), and
 * cfg (OUT) for a daemon on the socket sockname in the test's folder (OUT path, TD_PATH
 * bytes, nothing there yet). */
static char *on_socket(const char *dbname, const char *sockname, char *path, cf_serve_config_t *cfg)
{
    static char db[TD_PATH];
    td_db(dbname, db, sizeof(db));
    char *handler = td_token(db, "甲局", "handler", "张三");
    sock_path(sockname, path);
    td_config(cfg, db, T0);
    cfg->unix_path = path;
    return handler;
}

/* cf_serve_open on cfg must fail; its message (OUT err) for the caller to check. */
static void open_fails(const cf_serve_config_t *cfg, cf_error_t *err)
{
    cf_serve_t *srv = NULL;
    cf_error_clear(err);
    ASSERT(cf_serve_open(cfg, &srv, err) != 0);
    ASSERT(srv == NULL);
}

/* ---- unix-1 ------------------------------------------------------------------------------- */

TEST_IMPL(serve_unix_1_answers)
{
    char path[TD_PATH], url[64];
    struct stat st;
    cf_serve_config_t cfg;
    char *handler = on_socket("unix-1.db", "cf.sock", path, &cfg);
    char *head = td_token(cfg.db_path, "甲局", "head", "李四");
    cfg.auth_fail_burst = 2;
    td_daemon_t d;
    td_start(&d, &cfg);
    ASSERT_EQ(d.port, 0);
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT(S_ISSOCK(st.st_mode));
    ASSERT_EQ(st.st_mode & 0777, 0660);

    ASSERT_EQ(status_of(&d, "GET", "/v1/cases", handler, NULL, NULL), 200);
    ASSERT_EQ(status_of(&d, "GET", "/v1/cases", "0123", NULL, NULL), 401);
    /* A case opened, then a transition answered after its commit, read back. */
    long long id = td_open_case(&d, handler, "penalty-general", "某某大药房");
    td_resp_t r;
    snprintf(url, sizeof(url), "/v1/cases/%lld", id);
    td_http(&d, "GET", url, handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    char etag[32];
    snprintf(etag, sizeof(etag), "%s", r.etag);
    td_resp_free(&r);
    snprintf(url, sizeof(url), "/v1/cases/%lld/actions", id);
    ASSERT_EQ(status_of(&d, "POST", url, head, NOT_FILE, etag), 200);
    snprintf(url, sizeof(url), "/v1/cases/%lld", id);
    td_http(&d, "GET", url, handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "state")), "not_filed");
    td_resp_free(&r);

    /* Unknown tokens over the socket count as from one address: past the burst, 429. */
    long last = 0;
    for (int i = 0; i < 8 && last != 429; i++)
        last = status_of(&d, "GET", "/v1/cases", "0123", NULL, NULL);
    ASSERT_EQ(last, 429);

    td_stop(&d);
    errno = 0;
    ASSERT(lstat(path, &st) != 0 && errno == ENOENT); /* removed at the clean stop */
    free(handler);
    free(head);
    return 0;
}

/* ---- unix-2 ------------------------------------------------------------------------------- */

TEST_IMPL(serve_unix_2_stale)
{
    char path[TD_PATH];
    struct stat st;
    cf_error_t err;
    cf_serve_config_t cfg;
    char *handler = on_socket("unix-2.db", "stale.sock", path, &cfg);

    /* Another process answers on the socket: refused, its file left alone. */
    int live = bind_at(path, 1);
    ASSERT_EQ(lstat(path, &st), 0);
    ino_t ino = st.st_ino;
    open_fails(&cfg, &err);
    ASSERT_CONTAINS(err.text, "another process answers");
    ASSERT_CONTAINS(err.text, path);
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT_EQ(st.st_ino, ino);
    close(live);

    /* Now nobody answers on it (the file stays, as a crash leaves it): replaced. */
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT(S_ISSOCK(st.st_mode));
    cfg.listen_mode = 0600;
    td_daemon_t d;
    td_start(&d, &cfg);
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT(S_ISSOCK(st.st_mode));
    ASSERT_EQ(st.st_mode & 0777, 0600);
    ASSERT_EQ(status_of(&d, "GET", "/v1/cases", handler, NULL, NULL), 200);
    td_stop(&d);

    /* A file a daemon killed without a stop leaves behind: the same. */
    bind_at(path, 0);
    td_start(&d, &cfg);
    ASSERT_EQ(status_of(&d, "GET", "/v1/cases", handler, NULL, NULL), 200);
    td_stop(&d);
    ASSERT(lstat(path, &st) != 0);
    free(handler);
    return 0;
}

/* ---- unix-3 ------------------------------------------------------------------------------- */

TEST_IMPL(serve_unix_3_not_a_socket)
{
    char db[TD_PATH], path[TD_PATH];
    cf_error_t err;
    td_db("unix-3.db", db, sizeof(db));
    sock_path("caseflow.conf", path);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("keep me\n", f);
    fclose(f);
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.unix_path = path;
    open_fails(&cfg, &err);
    ASSERT_CONTAINS(err.text, path);
    ASSERT_CONTAINS(err.text, "is not a socket");
    cf_error_clear(&err);
    ASSERT_EQ(cf_serve_config_check(&cfg, &err), CF_EINVALID);
    ASSERT_CONTAINS(err.text, "is not a socket");
    char *text = NULL;
    size_t len = 0;
    ASSERT_EQ(cf_ops_read_file(path, 1024, &text, &len, &err), 0);
    ASSERT_EQ(len, 8);
    ASSERT_STR_EQ(text, "keep me\n");
    free(text);
    return 0;
}

/* ---- unix-4 ------------------------------------------------------------------------------- */

TEST_IMPL(serve_unix_4_too_long)
{
    char db[TD_PATH], path[TD_PATH];
    struct sockaddr_un a;
    cf_error_t err;
    td_db("unix-4.db", db, sizeof(db));
    int n = snprintf(path, sizeof(path), "%s/", cf_test_tmpdir());
    while ((size_t)n < sizeof(a.sun_path) + 4)
        path[n++] = 'x';
    path[n] = '\0';
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.unix_path = path;
    open_fails(&cfg, &err);
    char want[96];
    snprintf(want, sizeof(want), "is %d bytes, longer than the %zu", n, sizeof(a.sun_path) - 1);
    ASSERT_CONTAINS(err.text, want);
    ASSERT_STR_EQ(err.source, path);
    cf_error_clear(&err);
    ASSERT_EQ(cf_serve_config_check(&cfg, &err), CF_EINVALID);
    ASSERT_CONTAINS(err.text, want);
    ASSERT(access(path, F_OK) != 0); /* nothing was made at a shortened path either */
    path[sizeof(a.sun_path) - 1] = '\0';
    ASSERT(access(path, F_OK) != 0);
    return 0;
}

/* ---- unix-5 ------------------------------------------------------------------------------- */

TEST_IMPL(serve_unix_5_setting)
{
    char conf[TD_PATH], *buf = NULL, *out = NULL;
    size_t out_len = 0;
    cf_error_t err;
    cf_serve_config_t cfg;
    sock_path("unix.conf", conf);
    FILE *f = fopen(conf, "w");
    ASSERT(f != NULL);
    fputs("listen: unix:/run/caseflow/caseflow.sock\nlisten_mode = 0600\n", f);
    fclose(f);
    cf_serve_config_init(&cfg);
    ASSERT_EQ(cfg.listen_mode, 0660);
    ASSERT_EQ(cf_serve_config_load(&cfg, conf, &buf, &err), 0);
    ASSERT_STR_EQ(cfg.unix_path, "/run/caseflow/caseflow.sock");
    ASSERT_EQ(cfg.listen_mode, 0600);
    FILE *m = open_memstream(&out, &out_len);
    cf_serve_config_print(&cfg, m);
    fclose(m);
    ASSERT_CONTAINS(out, "\nlisten = unix:/run/caseflow/caseflow.sock\n");
    ASSERT_CONTAINS(out, "\nlisten_mode = 0600\n");
    free(out);
    /* What it printed reads back as the same settings. */
    f = fopen(conf, "w");
    m = open_memstream(&out, &out_len);
    cf_serve_config_print(&cfg, m);
    fclose(m);
    fputs(out, f);
    fclose(f);
    free(out);
    cf_serve_config_t again;
    char *buf2 = NULL;
    cf_serve_config_init(&again);
    ASSERT_EQ(cf_serve_config_load(&again, conf, &buf2, &err), 0);
    ASSERT_STR_EQ(again.unix_path, "/run/caseflow/caseflow.sock");
    ASSERT_EQ(again.listen_mode, 0600);
    free(buf2);
    /* A HOST:PORT given later (a flag over the file) is TCP again. */
    char tcp[] = "127.0.0.1:9000";
    ASSERT_EQ(cf_serve_config_listen(&cfg, tcp), 0);
    ASSERT(cfg.unix_path == NULL);
    ASSERT_EQ(cfg.port, 9000);
    m = open_memstream(&out, &out_len);
    cf_serve_config_print(&cfg, m);
    fclose(m);
    ASSERT_CONTAINS(out, "\nlisten = 127.0.0.1:9000\n");
    free(out);
    /* Refused: an empty path, modes that are not octal or out of range. */
    char empty[] = "unix:";
    ASSERT_EQ(cf_serve_config_listen(&cfg, empty), CF_EINVAL);
    unsigned mode = 0640;
    const char *bad[] = {"", "0", "0999", "1777", "rw", "0660x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ASSERT_EQ(cf_serve_config_mode(bad[i], &mode), CF_EINVAL);
    ASSERT_EQ(mode, 0640);
    ASSERT_EQ(cf_serve_config_mode("660", &mode), 0);
    ASSERT_EQ(mode, 0660);
    free(buf);
    return 0;
}

/* ---- unix-6 ------------------------------------------------------------------------------- */

/* GET /healthz over a raw AF_UNIX connection to path: the answer's first line. */
static void raw_get(const char *path, char *line, size_t size)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    ASSERT(strlen(path) < sizeof(a.sun_path));
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ASSERT_EQ(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < size && (n = read(fd, line + got, size - 1 - got)) > 0)
        got += (size_t)n;
    line[got] = '\0';
    close(fd);
    char *eol = strstr(line, "\r\n");
    if (eol)
        *eol = '\0';
}

TEST_IMPL(serve_unix_6_binary)
{
    char db[TD_PATH], path[TD_PATH], bin[512], listen[TD_PATH + 8], line[512] = "";
    struct stat st;
    td_db("unix-6.db", db, sizeof(db));
    sock_path("bin.sock", path);
    snprintf(bin, sizeof(bin), "%s/api/caseflow", CF_BINARY_DIR);
    snprintf(listen, sizeof(listen), "unix:%s", path);
    ASSERT_EQ(td_cli(db, T0, "serve", "--listen", listen, "--check-config", (char *)NULL), 0);
    char want[TD_PATH + 64];
    snprintf(want, sizeof(want), "\nlisten = unix:%s\nlisten_mode = 0660\n", path);
    ASSERT_CONTAINS(td_out, want);
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(bin, bin, "--db", db, "serve", "--listen", listen, "--listen-mode", "0640",
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    ASSERT(fgets(line, sizeof(line), f) != NULL);
    snprintf(want, sizeof(want), "caseflow: listening on unix:%s\n", path);
    ASSERT_STR_EQ(line, want);
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT(S_ISSOCK(st.st_mode));
    ASSERT_EQ(st.st_mode & 0777, 0640);
    raw_get(path, line, sizeof(line));
    ASSERT_STR_EQ(line, "HTTP/1.1 200 OK");
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    fclose(f);
    ASSERT(lstat(path, &st) != 0);
    /* A bad --listen-mode is a usage error, and the usage says each option once, one
     * group a line (a missing newline once ran --alert-log and --webhook together). */
    ASSERT(td_cli(db, T0, "serve", "--listen", listen, "--listen-mode", "0999", (char *)NULL) != 0);
    const char *text = td_err[0] ? td_err : td_out;
    ASSERT_CONTAINS(text, "[--listen-mode 0660]");
    ASSERT_CONTAINS(text, "[--alert-log FILE]\n");
    return 0;
}

/* ---- unix-7 ------------------------------------------------------------------------------- */

/* The entries of the test's folder whose name starts with prefix. */
static int entries_like(const char *prefix)
{
    DIR *dir = opendir(cf_test_tmpdir());
    ASSERT(dir != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(dir);
    return n;
}

TEST_IMPL(serve_unix_7_own_file)
{
    char path[TD_PATH];
    struct stat st;
    cf_error_t err;
    cf_serve_config_t cfg;
    char *handler = on_socket("unix-7.db", "own.sock", path, &cfg);
    cfg.listen_mode = 0640;
    td_daemon_t d;
    td_start(&d, &cfg);
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT(S_ISSOCK(st.st_mode));
    ASSERT_EQ(st.st_mode & 0777, 0640);
    ASSERT_EQ(entries_like(".cf"), 0); /* the private directory is gone */
    ASSERT_EQ(status_of(&d, "GET", "/v1/cases", handler, NULL, NULL), 200);

    /* Someone removes the file and another daemon binds the path: this one's stop leaves
     * the other's socket where it is (libuv's unlink at close removed it). */
    ASSERT_EQ(unlink(path), 0);
    int other = bind_at(path, 1);
    ASSERT_EQ(lstat(path, &st), 0);
    ino_t ino = st.st_ino;
    td_stop(&d);
    ASSERT_EQ(lstat(path, &st), 0);
    ASSERT_EQ(st.st_ino, ino);
    close(other);
    ASSERT_EQ(unlink(path), 0);

    /* A path that fits an address while the private name next to it does not. */
    char longer[TD_PATH];
    struct sockaddr_un a;
    int n = snprintf(longer, sizeof(longer), "%s/", cf_test_tmpdir());
    while ((size_t)n < sizeof(a.sun_path) - 3)
        longer[n++] = 'd';
    longer[n++] = '/';
    longer[n++] = 's';
    longer[n] = '\0';
    ASSERT((size_t)n < sizeof(a.sun_path));
    cfg.unix_path = longer;
    open_fails(&cfg, &err);
    ASSERT_CONTAINS(err.text, "is bound first as");
    ASSERT_CONTAINS(err.text, "/.cfXXXXXX/s");
    ASSERT_STR_EQ(err.source, longer);
    free(handler);
    return 0;
}

/* ---- unix-8 ------------------------------------------------------------------------------- */

TEST_IMPL(serve_unix_8_no_directory)
{
    char path[TD_PATH], want[TD_PATH + 64];
    cf_error_t err;
    cf_serve_config_t cfg;
    char *handler = on_socket("unix-8.db", "unused.sock", path, &cfg);
    snprintf(path, sizeof(path), "%s/no-such-dir/cf.sock", cf_test_tmpdir());
    open_fails(&cfg, &err);
    snprintf(want, sizeof(want), "the directory %s/no-such-dir for the socket %s does not exist",
             cf_test_tmpdir(), path);
    ASSERT_CONTAINS(err.text, want);
    ASSERT_STR_EQ(err.source, path);
    free(handler);
    return 0;
}
