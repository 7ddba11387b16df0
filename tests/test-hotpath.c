/*
 * test-hotpath.c -- what the HTTP transition path was made cheaper with keeps its
 * meaning (docs/performance.md, "Every thread of a transition, counted").
 *
 * hotpath-1: a request's id written by hand is what snprintf's "%x-%llu" wrote,
 *            at the ends of both ranges.
 * hotpath-2: SQLite's memory statistics are off once a connection was opened (every
 *            allocation SQLite makes would otherwise take a process-wide mutex).
 * hotpath-3: an instant written digit by digit (cf_time_format) is what snprintf's
 *            "%04d-%02d-%02dT%02d:%02d:%02d+08:00" wrote, over years 0 to 9999 and past.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core-helpers.h"
#include "cftime.h"
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
