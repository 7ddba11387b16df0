/*
 * crash-main.c -- `caseflow-crash run|check`: the crash test's load generator
 * and checker (crash-int.h), and their HTTP client (libcurl easy, one per
 * thread, the connection kept alive).
 */
#include "crash-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Exported, documented in crash-int.h */
const char *crash_opt(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

/* Exported, documented in crash-int.h */
int crash_ports(int argc, char **argv, int *ports, int max)
{
    const char *list = crash_opt(argc, argv, "--ports", crash_opt(argc, argv, "--port", ""));
    int n = 0;
    for (const char *p = list; *p && n < max;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65535 || (*end && *end != ','))
            return 0;
        ports[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return n;
}

typedef struct buf_s {
    char *data;
    size_t len;
} buf_t;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    buf_t *b = ctx;
    char *grown = realloc(b->data, b->len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, p, size * n);
    b->data = grown;
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    crash_resp_t *r = ctx;
    if (size * n > 6 && strncasecmp(p, "etag:", 5) == 0) {
        const char *v = p + 5;
        while (*v == ' ' || *v == '"')
            v++;
        r->etag = atoll(v);
    }
    return size * n;
}

/* Exported, documented in crash-int.h */
int crash_http(crash_http_t *h, const char *method, const char *path, const char *token,
               long long if_match, const char *body, crash_resp_t *r)
{
    char url[256], auth[128], match[64];
    buf_t b = {0};
    memset(r, 0, sizeof(*r));
    r->etag = -1;
    if (!h->easy && !(h->easy = curl_easy_init()))
        return -1;
    CURL *e = h->easy;
    curl_easy_reset(e);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", h->port, path);
    struct curl_slist *hd = curl_slist_append(NULL, "Expect:");
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hd = curl_slist_append(hd, auth);
    }
    if (if_match >= 0) {
        snprintf(match, sizeof(match), "If-Match: \"%lld\"", if_match);
        hd = curl_slist_append(hd, match);
    }
    if (body) {
        hd = curl_slist_append(hd, "Content-Type: application/json");
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(e);
    curl_slist_free_all(hd);
    if (rc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc == CURLE_OK && b.data)
        r->json = json_loads(b.data, 0, NULL);
    free(b.data);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        fprintf(stderr, "caseflow-crash: %s %s: no answer in 60 s\n", method, path);
    return rc == CURLE_OK ? 0 : -1;
}

/* Exported, documented in crash-int.h */
void crash_resp_free(crash_resp_t *r)
{
    json_decref(r->json);
    r->json = NULL;
}

/* Exported, documented in crash-int.h */
int crash_clock(crash_http_t *h, cf_time_t t)
{
    char iso[CF_TIME_BUFSZ], body[96];
    crash_resp_t r;
    cf_time_format(t, iso);
    snprintf(body, sizeof(body), "{\"now\": \"%s\"}", iso);
    if (crash_http(h, "POST", "/v1/test/clock", NULL, -1, body, &r) != 0)
        return -1;
    crash_resp_free(&r);
    return (int)r.status;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return crash_run(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "check") == 0)
        return crash_check(argc - 2, argv + 2);
    fprintf(stderr,
            "usage: caseflow-crash run --port P|--ports P1,P2,... --handler TOKEN --head TOKEN "
            "--log FILE --clock FILE [--workers N] [--clock-ms MS] [--clock-step S] "
            "[--seconds S]\n"
            "       caseflow-crash check --db FILE|URI --log FILE --port P|--ports P1,... "
            "--now ISO [--settle S]\n");
    return 2;
}
