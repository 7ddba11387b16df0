/*
 * test-hotpath.c -- what the HTTP transition path was made cheaper with keeps its
 * meaning (docs/performance.md, "Every thread of a transition, counted").
 *
 * hotpath-1: a request's id written by hand is what snprintf's "%x-%llu" wrote,
 *            at the ends of both ranges.
 * hotpath-2: SQLite's memory statistics are off once a connection was opened (every
 *            allocation SQLite makes would otherwise take a process-wide mutex).
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core-helpers.h"
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
