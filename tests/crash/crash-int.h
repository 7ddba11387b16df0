/*
 * crash-int.h -- what the crash test's load generator and checker share
 * (tests/crash/: crash.sh drives them; docs/reliability.md has the results).
 *
 * The load generator (crash-load.c, `caseflow-crash run`) drives penalty cases
 * through `caseflow serve` over HTTP on 127.0.0.1 and writes one JSON object per
 * line to the request log, for every request that changes a case:
 *
 *   {"k": "ack", "req": "open"|"act"|"extend", "case": ID, "action": A,
 *    "if_match": V, "events": [[seq, "hash", "type"], ...]}
 *        answered 200/201: committed; these events must be in the database
 *   {"k": "lost", "req": ..., "case": ID (0 for an open), "action": A, "if_match": V}
 *        sent, but the connection failed before an answer (the daemon was
 *        killed): it may have committed, entirely, or not at all
 *   {"k": "conflict"|"refused", "req": ..., "case": ID, "action": A, "if_match": V,
 *    "status": S}
 *        answered 409 or another error: nothing of it may be in the database
 *
 * The checker (crash-check.c, `caseflow-crash check`) reads the log and the
 * database (through storage/store.h, read-only) after the daemon restarted.
 */
#ifndef CF_CRASH_INT_H
#define CF_CRASH_INT_H

#include <curl/curl.h>
#include <jansson.h>

#include "cftime.h"

#define CF_CRASH_AGENCY "某县医疗保障局"

/* One HTTP client (a curl easy handle kept alive between requests). */
typedef struct crash_http_s {
    CURL *easy;
    int port;
} crash_http_t;

typedef struct crash_resp_s {
    long status; /* 0 when the exchange failed (connection refused, reset, no answer) */
    json_t *json;
    long long etag; /* the ETag's version, or -1 */
} crash_resp_t;

/* One exchange; body and if_match (-1: none) optional. Returns 0 when an answer
 * came (r->status set), -1 when the connection failed. Free r with crash_resp_free. */
int crash_http(crash_http_t *h, const char *method, const char *path, const char *token,
               long long if_match, const char *body, crash_resp_t *r);
void crash_resp_free(crash_resp_t *r);

/* Moves the daemon's test clock to t and waits until every alert due then has
 * fired (POST /v1/test/clock). Returns the HTTP status, or -1. */
int crash_clock(crash_http_t *h, cf_time_t t);

/* `caseflow-crash run` and `caseflow-crash check` (argv after the word). */
int crash_run(int argc, char **argv);
int crash_check(int argc, char **argv);

/* The value of --name in argv, or def. */
const char *crash_opt(int argc, char **argv, const char *name, const char *def);

/* The daemons' ports: --ports P1,P2,... (several daemons on one database), else
 * --port P. Fills ports (at most max); returns how many, 0 when none or one is bad. */
int crash_ports(int argc, char **argv, int *ports, int max);

#endif
