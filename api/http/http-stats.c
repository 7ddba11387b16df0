/*
 * http-stats.c -- GET /v1/stats: what the token's agency reports for a period
 * (issue 20 item 4), the figures of `caseflow stats` (cf_ops_stats), as JSON or,
 * with format=csv, as the same CSV. Query: from, to (YYYY-MM-DD, both days
 * included), handler, due_within ("7d", "12h"), format ("json" | "csv").
 *
 * It reads on the loop's own read-only connection, as /v1/workflows does: the
 * answer is a range of the counts' primary key and two index lookups on the
 * running clocks (bench: `stats`), not a scan, so it does not stall the loop the
 * way a case list of every case would. Rejected: the reader pool, whose answers
 * are JSON only.
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* due_within as "7d", "12h" or seconds (1 s to 100 years): 0 with OUT *secs (0 when
 * absent), -1 after answering 400. */
static int due_span(cf_serve_t *srv, h2o_req_t *req, int64_t *secs)
{
    int bad = 0;
    const char *v = cf__http_query(req, "due_within", &bad);
    *secs = 0;
    if (!v)
        return 0;
    char digits[24];
    size_t len = strlen(v);
    int64_t per = len && v[len - 1] == 'd' ? 86400 : len && v[len - 1] == 'h' ? 3600 : 1;
    len -= per > 1;
    if (!bad && len < sizeof(digits)) {
        memcpy(digits, v, len);
        digits[len] = '\0';
        if (cf__http_decimal(digits, 1, 36500LL * 86400 / per, secs) == 0) {
            *secs *= per;
            return 0;
        }
    }
    cf__http_bad_param(req, srv, "due_within",
                       bad & 2 ? "due_within is given more than once: send it once"
                               : "due_within is a whole number of days (\"7d\"), hours or "
                                 "seconds");
    return -1;
}

/* Exported, documented in serve-int.h */
int cf__http_stats(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    int bad = 0;
    cf_ops_stats_t in = {.agency = who->agency,
                         .handler = cf__http_query_text(srv, req, "handler", &bad),
                         .from = cf__http_query_text(srv, req, "from", &bad),
                         .to = cf__http_query_text(srv, req, "to", &bad),
                         .now = cf__serve_now(srv)};
    const char *format = cf__http_query_text(srv, req, "format", &bad);
    if (bad)
        return 0; /* answered, naming the parameter */
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        cf__http_bad_param(req, srv, "format", "format is \"json\" or \"csv\"");
        return 0;
    }
    if (due_span(srv, req, &in.due_within) != 0)
        return 0;
    json_t *o = NULL;
    cf_error_t err;
    int rc = cf_ops_stats(srv->reader, &in, &o, &err);
    /* a day that is not one, or a period ending before it begins: named as every refused
     * query value is (docs/api.md "Errors": `parameter`) */
    const char *param = rc != CF_EINVAL                                 ? NULL
                        : strncmp(err.text, "from '", 6) == 0           ? "from"
                        : strncmp(err.text, "to '", 4) == 0             ? "to"
                        : strncmp(err.text, "the period ends", 15) == 0 ? "to"
                                                                        : NULL;
    if (param) {
        cf__http_bad_param(req, srv, param, err.text);
        return 0;
    }
    if (rc != 0) {
        cf__http_error(req, srv, cf__http_status(rc), cf_errname(rc), err.text);
        return 0;
    }
    if (!format || strcmp(format, "json") == 0) {
        cf__http_json(req, srv, 200, o);
        return 0;
    }
    char *csv = cf_ops_stats_csv(o);
    json_decref(o);
    if (!csv) {
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    /* names people typed are in it: never sniffed as a page */
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    cf__http_bytes(req, srv, 200, "text/csv; charset=utf-8", csv, strlen(csv));
    free(csv);
    return 0;
}
