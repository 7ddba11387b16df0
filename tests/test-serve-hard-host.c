/*
 * test-serve-hard-host.c -- serve-hard-9.*: heads a proxy in front and h2o would read
 * differently, and the Host allowlist (DNS rebinding). Found by the attack script
 * (tests/attack/wire.mjs, attack-10.1, 10.2 and 11.1); each test fails without its fix:
 *   9.1  a header folded onto the next line (obs-fold), two Host headers, an HTTP/1.1
 *        request without Host: 400 EFRAMING, the connection closed (h2o 2.2.5 dropped
 *        the folded line, took the last Host, answered without one: 200);
 *   9.2  allowed_host: a Host naming another host is 421 EHOST, the connection closed;
 *        the listed names (any case on either side, any port, a trailing dot),
 *        localhost, 127.x.x.x and [::1] pass, and so does HTTP/1.0 without Host;
 *        X-Forwarded-Host's names are checked too (a proxy sending Host: 127.0.0.1):
 *        every name of a comma list and every such header, an empty name refused
 *        (only the first name of the first header was); none set: any Host;
 *   9.3  allowed_host in the config file (repeatable, printed by --check-config); an
 *        empty name or a 17th refused, in the file and as --allowed-host.
 * The tests speak raw HTTP over a socket: libcurl would never send these heads.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* Sends text on a new connection to port and reads until the peer closes or nothing
 * came for a second (after the first bytes, waited for as long as a slow run needs).
 * OUT *closed: 1 if the peer closed. Returns what came (malloc'd, NUL-terminated). */
static char *exchange(int port, const char *text, int *closed)
{
    int fd = td_raw_connect(port);
    ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    size_t len = 0, cap = 65536;
    char *out = malloc(cap + 1);
    ASSERT(out != NULL);
    *closed = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (int wait = CF_TEST_WAIT_MS; len < cap && poll(&p, 1, wait) > 0; wait = 1000) {
        ssize_t n = read(fd, out + len, cap - len);
        if (n <= 0) {
            *closed = 1;
            break;
        }
        len += (size_t)n;
    }
    out[len] = '\0';
    close(fd);
    return out;
}

/* GET /healthz with the given header lines (each ending in CRLF); the answer (malloc'd). */
static char *healthz(int port, const char *headers, int *closed)
{
    char req[1024];
    snprintf(req, sizeof(req), "GET /healthz HTTP/1.1\r\n%s\r\n", headers);
    return exchange(port, req, closed);
}

/* ---- serve-hard-9.1: obs-fold and two Hosts are refused ------------------------------------ */

TEST_IMPL(serve_hard_head_ambiguous)
{
    static const struct {
        const char *headers, *why;
    } shapes[] = {
        {"Host: x\r\nX-A: a\r\n b\r\n", "obs-fold"},
        {"Host: x\r\nX-A: a\r\n\tb\r\n", "obs-fold"},
        {"Host: a.example\r\nHost: b.example\r\n", "one Host"},
        {"host: a.example\r\nHOST: a.example\r\n", "one Host"},
        {"", "must carry a Host"},
        {"X-Host: a.example\r\n", "must carry a Host"},
    };
    char db[512];
    td_db("hard-head.db", db, sizeof(db));
    td_daemon_t d;
    td_start_at(&d, db, T0);
    int closed;
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *out = healthz(d.port, shapes[i].headers, &closed);
        if (!strstr(out, "HTTP/1.1 400 ") || !strstr(out, "\"EFRAMING\"") ||
            !strstr(out, shapes[i].why) || !strstr(out, "application/json"))
            CF__FAIL("shape %zu answered: %s", i, out);
        ASSERT_EQ(closed, 1);
        free(out);
    }
    /* One Host, no folding: served, the connection kept. */
    char *out = healthz(d.port, "Host: a.example\r\nX-A: a b\r\n", &closed);
    ASSERT(strstr(out, "HTTP/1.1 200 ") != NULL);
    ASSERT_EQ(closed, 0);
    free(out);
    /* HTTP/1.0 needs no Host. */
    out = exchange(d.port, "GET /healthz HTTP/1.0\r\n\r\n", &closed);
    ASSERT(strstr(out, "HTTP/1.1 200 ") != NULL);
    free(out);
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-9.2: allowed_host --------------------------------------------------------- */

/* The status of GET /healthz with the given header lines; OUT *closed. */
static int status_with(int port, const char *headers, int *closed, char **body)
{
    char *out = healthz(port, headers, closed);
    int status = 0;
    ASSERT_EQ(sscanf(out, "HTTP/1.1 %d ", &status), 1);
    *body = out;
    return status;
}

TEST_IMPL(serve_hard_allowed_host)
{
    static const char *const refused[] = {
        "Host: evil.example\r\n",
        "Host: evil.example:8080\r\n",
        "Host: caseflow.example.evil.example\r\n",
        "Host: 127.0.0.1.evil.example\r\n",
        "Host: localhost.evil.example\r\n",
        "Host: \r\n",
        /* behind a proxy that sends Host: 127.0.0.1: the browser's name, forwarded */
        "Host: 127.0.0.1\r\nX-Forwarded-Host: evil.example\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: evil.example, caseflow.example\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: caseflow.example, evil.example\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: caseflow.example, 10.0.0.1\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: caseflow.example,\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: caseflow.example\r\n"
        "X-Forwarded-Host: evil.example\r\n",
    };
    static const char *const allowed[] = {
        "Host: caseflow.example\r\n",
        "Host: CaseFlow.Example:8443\r\n",
        "Host: caseflow.example.\r\n",
        "Host: second.example\r\n",
        "Host: third.example\r\n",
        "Host: localhost:8080\r\n",
        "Host: 127.0.0.1\r\n",
        "Host: 127.1.2.3:80\r\n",
        "Host: [::1]:8080\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: caseflow.example:443, 127.0.0.1\r\n",
        "Host: 127.0.0.1\r\nX-Forwarded-Host: caseflow.example\r\n"
        "X-Forwarded-Host: second.example:8443 ,\tlocalhost\r\n",
    };
    char db[512];
    td_db("hard-host.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    cfg.allowed_hosts[cfg.allowed_hosts_count++] = "caseflow.example";
    cfg.allowed_hosts[cfg.allowed_hosts_count++] = "second.example";
    /* configured in capitals: the comparison lowers both sides (it lowered only the Host) */
    cfg.allowed_hosts[cfg.allowed_hosts_count++] = "Third.EXAMPLE";
    td_start(&d, &cfg);
    int closed;
    char *out;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (status_with(d.port, refused[i], &closed, &out) != 421 || !strstr(out, "\"EHOST\"") ||
            !strstr(out, "application/json") || !closed)
            CF__FAIL("%s answered: %s", refused[i], out);
        free(out);
    }
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (status_with(d.port, allowed[i], &closed, &out) != 200)
            CF__FAIL("'%s' answered: %s", allowed[i], out);
        free(out);
    }
    /* No Host (HTTP/1.0; no browser sends that): answered. */
    out = exchange(d.port, "GET /healthz HTTP/1.0\r\n\r\n", &closed);
    ASSERT(strstr(out, " 200 ") != NULL);
    free(out);
    /* Before any token is read: a workbench file and an API path alike; the status line
     * has the status's own reason phrase (was "Client Error" for 421 and 415). */
    out = exchange(d.port, "GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
                   &closed);
    ASSERT(strstr(out, "HTTP/1.1 421 Misdirected Request\r\n") != NULL);
    free(out);
    out = exchange(d.port,
                   "POST /v1/session HTTP/1.1\r\nHost: caseflow.example\r\nContent-Type: "
                   "text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                   &closed);
    ASSERT(strstr(out, "HTTP/1.1 415 Unsupported Media Type\r\n") != NULL);
    free(out);
    td_stop(&d);
    /* Not set: any Host, as before. */
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    ASSERT_EQ(status_with(d.port, "Host: evil.example\r\n", &closed, &out), 200);
    free(out);
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-9.3: allowed_host in the config file ----------------------------------------- */

/* `caseflow --db db serve --allowed-host a.example` n times, then --check-config: its
 * exit code. */
static int hosts_flags(const char *db, int n)
{
    char *argv[64] = {"caseflow", "--db", (char *)db, "serve"};
    int argc = 4;
    for (int i = 0; i < n && argc < 60; i++) {
        argv[argc++] = "--allowed-host";
        argv[argc++] = "a.example";
    }
    argv[argc++] = "--check-config";
    argv[argc] = NULL;
    setenv("CASEFLOW_NOW", T0, 1);
    FILE *out = tmpfile(), *err = tmpfile();
    ASSERT(out && err);
    int rc = cf_cli_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    return rc;
}

TEST_IMPL(serve_hard_allowed_host_config)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/hard-host.conf", cf_test_tmpdir());
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("allowed_host = caseflow.example\nallowed_host: \"other.example\"\n", f);
    fclose(f);
    cf_serve_config_t cfg;
    cf_serve_config_init(&cfg);
    char *buf = NULL;
    ASSERT_EQ(cf_serve_config_load(&cfg, path, &buf, NULL), 0);
    ASSERT_EQ(cfg.allowed_hosts_count, 2u);
    ASSERT_STR_EQ(cfg.allowed_hosts[0], "caseflow.example");
    ASSERT_STR_EQ(cfg.allowed_hosts[1], "other.example");
    char *printed = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&printed, &size);
    ASSERT(mem != NULL);
    cf_serve_config_print(&cfg, mem);
    fclose(mem);
    ASSERT(strstr(printed, "allowed_host = caseflow.example\n") != NULL);
    ASSERT(strstr(printed, "allowed_host = other.example\n") != NULL);
    free(printed);
    free(buf);
    /* An empty name is an error naming its line, like any bad value. */
    f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("# hosts\nallowed_host =\n", f);
    fclose(f);
    cf_serve_config_init(&cfg);
    cf_error_t err;
    ASSERT(cf_serve_config_load(&cfg, path, &buf, &err) != 0);
    ASSERT_EQ(err.line, 2);
    /* On the command line too: an empty name, or a 17th, is a usage error (the 17th
     * was dropped without a word, its host then answered 421). */
    char db[512];
    td_db("hard-host-flags.db", db, sizeof(db));
    ASSERT_EQ(td_cli(db, T0, "serve", "--allowed-host", "", "--check-config", (char *)NULL),
              CF_EXIT_USAGE);
    ASSERT_EQ(hosts_flags(db, 17), CF_EXIT_USAGE);
    ASSERT_EQ(hosts_flags(db, 16), 0); /* 16 are taken */
    return 0;
}
