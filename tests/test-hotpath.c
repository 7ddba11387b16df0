/*
 * test-hotpath.c -- what the HTTP transition path was made cheaper with keeps its
 * meaning (docs/performance.md, "Every thread of a transition, counted").
 *
 * hotpath-1: a request's id written by hand is what snprintf's "%x-%llu" wrote,
 *            at the ends of both ranges.
 * hotpath-2: SQLite's memory statistics are off once a connection was opened (every
 *            allocation SQLite makes would otherwise take a process-wide mutex).
 * hotpath-2b: a SQLite connection has no mutex of its own (every call on it took it, and
 *            a connection is used by one thread at a time).
 * hotpath-2c: a JSON string written eight bytes at a time is jansson's text, whatever
 *            byte is escaped, wherever it is.
 * hotpath-2d: an access line's latency_ms written digit by digit is what %.6g wrote.
 * hotpath-3: an instant written digit by digit (cf_time_format) is what snprintf's
 *            "%04d-%02d-%02dT%02d:%02d:%02d+08:00" wrote, over years 0 to 9999 and past.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../storage/db-int.h"
#include "../storage/store-int.h"
#include "core-helpers.h"
#include "cftime.h"
#include "jsonw.h"
#include "serve-int.h"
#include "store.h"
#include "task.h"

TEST_IMPL(hotpath_request_id)
{
    static const uint32_t boots[] = {0, 1, 0xf, 0x10, 0x6750a2c1u, UINT32_MAX};
    static const uint64_t seqs[] = {0, 1, 9, 10, 4096, 18446744073709551615ull};
    for (size_t b = 0; b < sizeof(boots) / sizeof(boots[0]); b++)
        for (size_t q = 0; q < sizeof(seqs) / sizeof(seqs[0]); q++) {
            char got[CF__REQUEST_ID_MAX], want[64];
            size_t n = cf__http_request_id(got, boots[b], seqs[q]);
            snprintf(want, sizeof(want), "%x-%llu", (unsigned)boots[b],
                     (unsigned long long)seqs[q]);
            ASSERT_STR_EQ(got, want);
            ASSERT_EQ(n, strlen(want));
        }
    return 0;
}

TEST_IMPL(hotpath_sqlite_memstatus)
{
    cf_store_t *s = cf_test_store("memstatus.db");
    sqlite3_int64 used = -1, high = -1;
    ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &high, 0), SQLITE_OK);
    ASSERT_EQ(used, 0); /* not counted: with the statistics on, the open connection's memory */
    cf_store_close(s);
    return 0;
}

TEST_IMPL(hotpath_sqlite_nomutex)
{
    CF_TEST_SQLITE_ONLY("SQLite's connection mutex");
    cf_store_t *s = cf_test_store("nomutex.db"), *r;
    cf_error_t err;
    ASSERT(sqlite3_db_mutex(s->db->lite) == NULL);
    char path[512];
    snprintf(path, sizeof(path), "%s/nomutex.db", cf_test_tmpdir());
    ASSERT_EQ(cf_store_open_readonly(path, &r, &err), 0);
    ASSERT(sqlite3_db_mutex(r->db->lite) == NULL);
    cf_store_close(r);
    cf_store_close(s);
    return 0;
}

TEST_IMPL(hotpath_jsonw_escape)
{
    /* every ASCII byte (NUL too), at every place of a string up to 24 bytes long (the
     * scan takes 8 at a time), among ASCII and among Chinese; jansson's text the measure */
    static const char *const fill[] = {"a", "中"};
    long checked = 0;
    for (int b = 0; b < 0x80; b++)
        for (size_t f = 0; f < 2; f++)
            for (size_t len = 1; len <= 24; len++)
                for (size_t at = 0; at < len; at++) {
                    char s[128];
                    size_t n = 0;
                    for (size_t i = 0; i < len; i++) {
                        const char *piece = i == at ? (char[]){(char)b, 0} : fill[f];
                        size_t k = i == at ? 1 : strlen(piece);
                        memcpy(s + n, piece, k);
                        n += k;
                    }
                    json_t *str = json_stringn(s, n);
                    ASSERT(str != NULL);
                    char *want = json_dumps(str, JSON_COMPACT | JSON_ENCODE_ANY);
                    cf__jsonw_t w = {0};
                    cf__jsonw_strn(&w, s, n);
                    char *got = cf__jsonw_finish(&w);
                    ASSERT_STR_EQ(got, want);
                    free(got);
                    free(want);
                    json_decref(str);
                    checked++;
                }
    ASSERT_EQ(checked, 128L * 2 * 300);
    return 0;
}

TEST_IMPL(hotpath_latency_ms)
{
    /* every microsecond of the first 20 ms, then a prime step to 2 s and past, and the
     * edges: %.6g of the milliseconds, ".0" when it has no point (put_real's rule) */
    static const int64_t edges[] = {-1000001, -5,      -1,           0,      999,
                                    1000,     99999,   100000,       999999, 1000000,
                                    1000001,  1234567, 86400000000LL};
    long checked = 0;
    for (int64_t k = -(int64_t)(sizeof(edges) / sizeof(edges[0])); k < 2100000; k++) {
        int64_t us = k < 0 ? edges[-k - 1] : k < 20000 ? k : 20000 + (k - 20000) * 997;
        if (k >= 20000 && us > 2100000)
            break;
        char want[64];
        snprintf(want, sizeof(want), "%.6g", (double)us / 1000.0);
        if (!strchr(want, '.') && !strchr(want, 'e'))
            strcat(want, ".0");
        if (strstr(want, "e+")) /* jansson's exponent: no '+', no leading zero */
            continue;
        cf__jsonw_t w = {0};
        cf__log_latency(&w, us);
        char *got = cf__jsonw_finish(&w);
        ASSERT_STR_EQ(got, want);
        free(got);
        checked++;
    }
    ASSERT(checked > 20000);
    return 0;
}

TEST_IMPL(hotpath_time_format)
{
    /* from before year 0 to past 9999, a prime step (every hour and minute and second
     * comes up), and the ends of a day in China time */
    const cf_time_t from = -62300000000LL, to = 253500000000LL, step = 7919LL * 3607LL;
    long checked = 0;
    for (cf_time_t t = from; t < to; t += step)
        for (int k = 0; k < 4; k++) {
            cf_time_t at = t + (cf_time_t[]){0, 1, 59, 86399}[k];
            cf_date_t d = cf_time_china_date(at);
            int64_t secs = at - cf_date_start(d);
            char got[CF_TIME_BUFSZ], want[64];
            snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d+08:00", d.year, d.month,
                     d.day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
            cf_time_format(at, got);
            ASSERT_STR_EQ(got, want);
            checked++;
        }
    ASSERT(checked > 40000);
    return 0;
}
