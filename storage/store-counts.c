/*
 * store-counts.c -- the summary counts' deltas of a write transaction (stat_counts,
 * store-summary.c says what they count), kept in memory and written once, merged by
 * key and sorted by it, just before COMMIT.
 *
 * Why: every change of a case moves it between count rows (a transition takes one
 * from its old state's row and gives one to its new state's), and each upsert of a
 * row costs about as much as the event itself (docs/performance.md: ~15,000
 * instructions on SQLite, a round trip on PostgreSQL). The daemon commits a group of
 * changes at once, and the changes of a group mostly move cases between the same few
 * rows, so most of their deltas cancel or add up: merged, a group of 50 transitions
 * writes a handful of rows instead of a hundred. Sorted by the row's key, two nodes
 * writing the same rows on one PostgreSQL database lock them in the same order, so
 * their upserts cannot deadlock; on SQLite the rows are visited in index order.
 *
 * Design. The deltas are a log (appended, never merged in place) with their strings
 * in an arena; a savepoint marks the log's length, and rolling it back cuts the log
 * (and the arena) back to the mark, so a request rolled back to its savepoint leaves
 * no delta behind. cf__store_counts_flush writes the log's unwritten part (merged,
 * sorted) into stat_counts inside the open transaction: cf__store_commit calls it
 * before COMMIT, and a reader of stat_counts on the same connection calls it first
 * (cf_store_stats), so it sees every change of its transaction. A flush inside a
 * savepoint that is then rolled back is undone by the database; the mark remembers
 * how much of the log had been written when the savepoint began, and what was written
 * after that is unwritten again. Outside a transaction (autocommit) a delta is written
 * at once, as before; outside any savepoint, the log is written and started over every
 * CF__STORE_COUNTS_FLUSH_AT deltas (a backfill's transaction holds every case's).
 *
 * Rejected: merging into a map as the deltas come (a rollback to a savepoint would
 * have to subtract what it added, and the log is a few hundred entries a group);
 * a multi-row INSERT per flush (its text depends on the number of rows, and the
 * statement cache keeps static text only).
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* One delta: strings as offsets into the arena (it moves as it grows), dim one of the
 * callers' literals (borrowed). */
struct cf__count_s {
    size_t agency, handler, key;
    const char *dim;
    int64_t day, n, fen;
};

/* Appends text (with its NUL) to the arena. OUT *at its offset. */
static int arena_put(cf__counts_t *c, const char *text, size_t *at)
{
    size_t n = strlen(text) + 1;
    if (c->used + n > c->arena_cap) {
        size_t cap = c->arena_cap ? c->arena_cap : 4096;
        while (cap < c->used + n)
            cap *= 2;
        char *more = realloc(c->arena, cap);
        if (!more)
            return CF_ENOMEM;
        c->arena = more;
        c->arena_cap = cap;
    }
    memcpy(c->arena + c->used, text, n);
    *at = c->used;
    c->used += n;
    return 0;
}

/* The upsert of one row of stat_counts. */
static int count_write(cf_store_t *s, const char *agency, const char *handler, int64_t day,
                       const char *dim, const char *key, int64_t n, int64_t fen, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO stat_counts(agency, handler, day, dim, key, n, fen) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(agency, handler, day, "
                               "dim, key) DO UPDATE SET n = stat_counts.n + excluded.n, fen = "
                               "stat_counts.fen + excluded.fen",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, agency, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, handler, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 3, day);
    cf_db_bind_text(st, 4, dim, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 5, key, -1, CF_DB_STATIC);
    cf_db_bind_int64(st, 6, n);
    cf_db_bind_int64(st, 7, fen);
    s->counts.rows_written++;
    return cf__store_step_done(s, st, "count a case", err);
}

/* Exported, documented in store-int.h */
int cf__store_count(cf_store_t *s, const char *agency, const char *handler, int64_t day,
                    const char *dim, const char *key, int64_t n, int64_t fen, cf_error_t *err)
{
    if (n == 0 && fen == 0)
        return 0;
    if (!cf_db_in_tx(s->db))
        return count_write(s, agency, handler, day, dim, key, n, fen, err);
    cf__counts_t *c = &s->counts;
    if (c->count == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        cf__count_t *more = realloc(c->items, cap * sizeof(*more));
        if (!more)
            return CF_ENOMEM;
        c->items = more;
        c->cap = cap;
    }
    cf__count_t *it = &c->items[c->count];
    size_t used = c->used;
    if (arena_put(c, agency, &it->agency) != 0 || arena_put(c, handler, &it->handler) != 0 ||
        arena_put(c, key, &it->key) != 0) {
        c->used = used;
        return CF_ENOMEM;
    }
    it->dim = dim;
    it->day = day;
    it->n = n;
    it->fen = fen;
    c->count++;
    if (c->depth > 0 || c->count - c->written < CF__STORE_COUNTS_FLUSH_AT)
        return 0;
    /* a long transaction outside any savepoint (a backfill of every case): written now,
     * and the log started over, so that its memory stays bounded */
    int rc = cf__store_counts_flush(s, err);
    if (rc == 0)
        c->count = c->used = c->written = 0;
    return rc;
}

/* The order of stat_counts' key (agency, handler, day, dim, key), bytewise. */
static int key_cmp(const cf__counts_t *c, const cf__count_t *a, const cf__count_t *b)
{
    int d = strcmp(c->arena + a->agency, c->arena + b->agency);
    if (d == 0)
        d = strcmp(c->arena + a->handler, c->arena + b->handler);
    if (d == 0)
        d = a->day < b->day ? -1 : a->day > b->day;
    if (d == 0)
        d = a->dim == b->dim ? 0 : strcmp(a->dim, b->dim);
    if (d == 0)
        d = strcmp(c->arena + a->key, c->arena + b->key);
    return d;
}

/* Sorts the n pointers of v by key_cmp: a bottom-up merge sort through tmp (n more),
 * stable (qsort takes no context before C23, and an insertion sort was a third of a
 * flush: a group's opens bring a few hundred deltas). */
static void sort_items(const cf__counts_t *c, const cf__count_t **v, const cf__count_t **tmp,
                       size_t n)
{
    const cf__count_t **from = v, **to = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n,
                   hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = key_cmp(c, from[j], from[i]) < 0 ? from[j++] : from[i++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        const cf__count_t **swap = from;
        from = to;
        to = swap;
    }
    if (from != v)
        memcpy(v, from, n * sizeof(*v));
}

/* Exported, documented in store-int.h */
int cf__store_counts_flush(cf_store_t *s, cf_error_t *err)
{
    cf__counts_t *c = &s->counts;
    size_t n = c->count - c->written;
    if (n == 0)
        return 0;
    const cf__count_t **v = malloc(2 * n * sizeof(*v));
    if (!v)
        return CF_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = &c->items[c->written + i];
    sort_items(c, v, v + n, n);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n;) {
        int64_t sum_n = 0, sum_fen = 0;
        size_t j = i;
        for (; j < n && key_cmp(c, v[i], v[j]) == 0; j++)
            sum_n += v[j]->n, sum_fen += v[j]->fen;
        if (sum_n != 0 || sum_fen != 0)
            rc = count_write(s, c->arena + v[i]->agency, c->arena + v[i]->handler, v[i]->day,
                             v[i]->dim, c->arena + v[i]->key, sum_n, sum_fen, err);
        i = j;
    }
    free(v);
    if (rc == 0)
        c->written = c->count;
    return rc;
}

/* Exported, documented in store-int.h */
int cf__store_counts_mark(cf_store_t *s)
{
    cf__counts_t *c = &s->counts;
    if (c->depth == c->marks_cap) {
        size_t cap = c->marks_cap ? 2 * c->marks_cap : 8;
        cf__counts_mark_t *more = realloc(c->marks, cap * sizeof(*more));
        if (!more)
            return CF_ENOMEM;
        c->marks = more;
        c->marks_cap = cap;
    }
    c->marks[c->depth++] = (cf__counts_mark_t){c->count, c->used, c->written};
    return 0;
}

/* Exported, documented in store-int.h */
void cf__store_counts_unmark(cf_store_t *s, int rollback)
{
    cf__counts_t *c = &s->counts;
    if (c->depth == 0)
        return;
    cf__counts_mark_t m = c->marks[--c->depth];
    if (!rollback)
        return;
    c->count = m.count;
    c->used = m.used;
    c->written = m.written; /* what was written since is undone with the savepoint */
}

/* Exported, documented in store-int.h */
void cf__store_counts_clear(cf_store_t *s)
{
    cf__counts_t *c = &s->counts;
    c->count = c->used = c->written = c->depth = 0;
}

/* Exported, documented in store-int.h */
void cf__store_counts_free(cf_store_t *s)
{
    cf__counts_t *c = &s->counts;
    free(c->items);
    free(c->arena);
    free(c->marks);
    memset(c, 0, sizeof(*c));
}
