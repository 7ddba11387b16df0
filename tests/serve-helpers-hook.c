/*
 * serve-helpers-hook.c -- the webhook side of serve-helpers.h: a tiny receiver on the
 * loopback (td_hook_*) that answers its first `failures` requests 500 and records each
 * request's alert id and body, and the calls the outbox tests make around it
 * (td_config_hook, td_retry, td_wait_listed; test-serve-outbox.c, test-ops-outbox.c).
 *
 * Apart from serve-helpers.c (the database, the daemon, HTTP, the command line) because it
 * is a server of its own, on its own thread, that only the alert-delivery tests use; one
 * header still declares both, as the tests see one set of helpers.
 */
#include "serve-helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "task.h"

/* ---- webhook receiver ------------------------------------------------------------------------ */

static void serve_one(td_hook_t *h, int fd)
{
    char req[65536];
    size_t len = 0;
    ssize_t n;
    char *end = NULL;
    while (!end && len < sizeof(req) - 1 && (n = read(fd, req + len, sizeof(req) - 1 - len)) > 0) {
        len += (size_t)n;
        req[len] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    ASSERT(end != NULL);
    char clen[32] = "0", id[160] = "", attempt[16] = "0";
    for (char *line = req; line < end; line = strstr(line, "\r\n") + 2) {
        size_t l = (size_t)(strstr(line, "\r\n") - line);
        td_header_value(line, l, "content-length", clen, sizeof(clen));
        td_header_value(line, l, "x-caseflow-alert-id", id, sizeof(id));
        td_header_value(line, l, "x-caseflow-delivery-attempt", attempt, sizeof(attempt));
    }
    size_t want = (size_t)(end + 4 - req) + (size_t)atol(clen);
    while (len < want && len < sizeof(req) - 1 && (n = read(fd, req + len, want - len)) > 0)
        len += (size_t)n;
    req[len] = '\0';
    pthread_mutex_lock(&h->mu);
    int fail = h->count < h->failures;
    if (h->count < 32) {
        snprintf(h->ids[h->count], sizeof(h->ids[0]), "%s", id);
        h->bodies[h->count] = strdup(end + 4);
        h->attempts[h->count] = atoi(attempt);
    }
    h->count++;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    const char *answer = fail ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                                "Connection: close\r\n\r\n"
                              : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ASSERT(write(fd, answer, strlen(answer)) == (ssize_t)strlen(answer));
}

static void *hook_main(void *arg)
{
    td_hook_t *h = arg;
    for (;;) {
        int fd = accept(h->fd, NULL, NULL);
        if (fd < 0)
            break; /* td_hook_stop shut the socket */
        serve_one(h, fd);
        close(fd);
    }
    return NULL;
}

void td_hook_start(td_hook_t *h, int failures)
{
    memset(h, 0, sizeof(*h));
    h->failures = failures;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(h->fd >= 0);
    ASSERT_EQ(bind(h->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ASSERT_EQ(listen(h->fd, 16), 0);
    ASSERT_EQ(getsockname(h->fd, (struct sockaddr *)&a, &alen), 0);
    h->port = ntohs(a.sin_port);
    snprintf(h->url, sizeof(h->url), "http://127.0.0.1:%d/hook", h->port);
    ASSERT_EQ(pthread_create(&h->thread, NULL, hook_main, h), 0);
}

void td_hook_wait(td_hook_t *h, int n)
{
    pthread_mutex_lock(&h->mu);
    while (h->count < n)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

void td_hook_stop(td_hook_t *h)
{
    shutdown(h->fd, SHUT_RDWR);
    ASSERT_EQ(pthread_join(h->thread, NULL), 0);
    close(h->fd);
    for (int i = 0; i < h->count && i < 32; i++)
        free(h->bodies[i]);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
}

/* ---- the webhook outbox ---------------------------------------------------------------------- */

/* Exported, documented in serve-helpers.h */
void td_config_hook(cf_serve_config_t *cfg, const char *db, const char *now, const char *url)
{
    td_config(cfg, db, now);
    cfg->webhooks[cfg->webhooks_count++] = url;
}

/* Exported, documented in serve-helpers.h */
long td_retry(const td_daemon_t *d, const char *token, const char *id, json_t **answer)
{
    char path[256];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/alerts/%s/retry", id);
    for (char *p = path; (p = strchr(p, '+')) != NULL;) { /* %2B */
        memmove(p + 3, p + 1, strlen(p + 1) + 1);
        memcpy(p, "%2B", 3);
    }
    td_http(d, "POST", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    if (answer)
        *answer = status == 200 ? json_incref(r.json) : NULL;
    td_resp_free(&r);
    return status;
}

/* Exported, documented in serve-helpers.h */
void td_wait_listed(const td_daemon_t *d, const char *token, const char *path, size_t n)
{
    for (;;) {
        json_t *list = td_get_json(d, token, path);
        size_t got = json_array_size(list);
        json_decref(list);
        if (got == n)
            return;
        cf_test_nap(20);
    }
}

json_t *td_get_json(const td_daemon_t *d, const char *token, const char *path)
{
    td_resp_t r;
    td_http(d, "GET", path, token, NULL, 0, NULL, &r);
    if (r.status != 200)
        CF__FAIL("GET %s: %ld %s", path, r.status, r.body);
    json_t *out = json_incref(r.json);
    td_resp_free(&r);
    return out;
}

json_t *td_get_all(const td_daemon_t *d, const char *token, const char *path)
{
    json_t *all = json_array();
    char page[1024];
    snprintf(page, sizeof(page), "%s", path);
    for (;;) {
        td_resp_t r;
        td_http(d, "GET", page, token, NULL, 0, NULL, &r);
        if (r.status != 200 || !json_is_array(r.json))
            CF__FAIL("GET %s: %ld %s", page, r.status, r.body);
        json_array_extend(all, r.json);
        int more = r.next_cursor[0] != '\0';
        if (more)
            snprintf(page, sizeof(page), "%s%ccursor=%s", path, strchr(path, '?') ? '&' : '?',
                     r.next_cursor);
        td_resp_free(&r);
        if (!more)
            return all;
    }
}
