/*
 * bench-raw.h -- the rows the raw writers write again (bench-raw.c for SQLite,
 * bench-raw-pg.c for PostgreSQL): every event the store wrote in engine's
 * durable_batch run, cut into transitions, each with the case snapshot the store
 * wrote with it.
 */
#ifndef CF_BENCH_RAW_H
#define CF_BENCH_RAW_H

#include "bench.h"

typedef struct cf_bench_row_s {
    int64_t case_id, seq;
    char *type, *at, *body, *hash;
    int grouped; /* part of a transition (else written with the opening) */
} cf_bench_row_t;

/* One transition: rows[first .. first + count), then the case row it leaves. */
typedef struct cf_bench_group_s {
    size_t first, count;
    char state[16];
    char *snapshot; /* the case's snapshot after the transition, as the store wrote it */
} cf_bench_group_t;

typedef struct cf_bench_source_s {
    cf_bench_row_t *rows;
    size_t rows_count;
    cf_bench_group_t *groups;
    size_t groups_count;
    char **snapshots;       /* by case id: the snapshot after its opening */
    int64_t *open_versions; /* by case id: its version after the opening */
    const char *path;       /* the source database (engine-batch.db, or pg-engine-batch) */
    int64_t cases;
} cf_bench_source_t;

/* Cuts src->rows into transitions: a "transition" event and the clock events that
 * follow it in the same case (the rest, the openings, are left ungrouped). */
void cf_bench_raw_group(cf_bench_source_t *src);

/* Refolds every case from its rows (untimed) to give each write the snapshot
 * the store wrote with it: the opening's, then each transition's. A snapshot
 * grows by a few bytes per step, and rows that grow in place cost the b-tree
 * more than rows rewritten at one size, so the final snapshot would not do. */
void cf_bench_raw_fold(cf_bench_source_t *src);

#endif
