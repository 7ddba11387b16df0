/*
 * store-int.h -- what the store's files share; not public. They run on SQLite and
 * PostgreSQL alike through the driver (db.h); /work/wt/PG-CONTRACT.md and
 * docs/postgresql.md say how to write a store function for both.
 */
#ifndef CF_STORE_INT_H
#define CF_STORE_INT_H

#include "db.h"
#include "store.h"

/* How many statements the store keeps prepared: more than the distinct SQL it
 * runs, so every statement is cached; past it, statements are prepared per use. */
#define CF__STORE_STMTS 64

/* How long a connection waits for another's write lock before CF_EBUSY. */
#define CF__STORE_BUSY_MS 5000

/* The summary counts' deltas of the open write transaction (store-counts.c): a log of
 * deltas, their strings in an arena, and a mark per open savepoint. */
typedef struct cf__count_s cf__count_t;
typedef struct cf__counts_mark_s {
    size_t count, used, written; /* the log, the arena and the part written, at the mark */
} cf__counts_mark_t;
typedef struct cf__counts_s {
    cf__count_t *items;
    size_t count, cap;
    char *arena;
    size_t used, arena_cap;
    size_t written; /* items[0, written) are in stat_counts already (this transaction) */
    cf__counts_mark_t *marks;
    size_t depth, marks_cap;
    uint64_t rows_written; /* upserts of stat_counts made, ever: for tests */
} cf__counts_t;

struct cf_store_s {
    cf_db_t *db;
    char *path;
    cf_store_fault_cb fault;
    void *fault_ctx;
    struct cf__stmt_slot_s {
        const char *sql; /* borrowed: the callers' SQL is static text */
        cf_db_stmt_t *stmt;
        int busy; /* handed out and not yet released */
    } stmts[CF__STORE_STMTS];
    unsigned stmts_count;
    char *snapshot; /* the case snapshot being written, reused (cf_case_snapshot_buf) */
    size_t snapshot_cap;
    int wal_frames;       /* the log's frames after the last commit (cf_store_wal_track) */
    uint64_t wal_written; /* frames the commits wrote into the log, in all (the same) */
    int unplaced;         /* PostgreSQL: this transaction wrote events without a position yet */
    cf__counts_t counts;  /* the summary counts this transaction changes (store-counts.c) */
    /* rows changed before the request run without a savepoint began (store-tx.c) */
    int64_t unsaved_from;
    /* SQLite: the position the next event of the open write transaction takes
     * (store-cases.c, next_position), known while pos_known is set and pos_tx is the
     * connection's cf_db_tx_ends (the same transaction); a savepoint rolled back clears it */
    int pos_known;
    int64_t next_pos;
    uint64_t pos_tx;
    uint64_t pos_reads; /* positions read from the log (MAX(pos)), ever: for tests */
    /* the stored texts of the events the last case write sealed (cf__store_case_next),
     * kept for its answer (cf_store_sealed) until the next one */
    char **sealed;
    size_t sealed_count;
};

/* Fills err with the database's message for rc, a negative CF_E* code from the
 * driver (or a positive SQLite result code, as fault hooks return them), what
 * naming the operation. Returns the CF_E* code. */
int cf__store_error(cf_store_t *s, int rc, const char *what, cf_error_t *err);

/* The schema (store-sqlite.c): SQLite's steps, cf__store_schema_version of them. */
extern const char *const cf__store_migrations[];
extern const int cf__store_schema_version;

/* cf_store_open (readonly 0) and cf_store_open_readonly (1) on a postgresql:// URI
 * (store-pg.c): connects, checks the schema version and, unless readonly,
 * migrates. */
int cf__store_open_pg(const char *uri, int readonly, cf_store_t **out, cf_error_t *err);

/* BEGIN IMMEDIATE on SQLite (the write lock taken at once), BEGIN on PostgreSQL, at
 * READ COMMITTED whatever the server's default (cf__store_place reads what committed
 * before its lock). */
#define CF__STORE_BEGIN(s)                                                                         \
    cf_db_pick((s)->db, "BEGIN IMMEDIATE", "BEGIN ISOLATION LEVEL READ COMMITTED")

/* Ends a write transaction: COMMIT, after cf__store_place. Every write transaction
 * ends here or in cf__store_rollback (never with a bare COMMIT or ROLLBACK), so that
 * no event commits without its position. */
int cf__store_commit(cf_store_t *s, cf_error_t *err);
void cf__store_rollback(cf_store_t *s);

/* PostgreSQL: gives the events this transaction wrote (s->unplaced) their positions
 * in the log, under the log's lock, held until the transaction ends (store-tx.c says
 * why that is commit order). Nothing to do on SQLite or when no event was written.
 * Called by cf__store_commit, and before reading the log inside a transaction that
 * wrote to it. */
int cf__store_place(cf_store_t *s, cf_error_t *err);
#define CF__STORE_LOG_LOCK "7306323" /* the log's advisory lock (7306322: migrations) */

/* A prepared statement for sql, which must be static text (the cache keeps the
 * pointer). OUT *stmt: hand it back with cf__store_release, never finalize it.
 * Statements are prepared once per store and reused (transitions ran 6-8
 * prepares each, 30% of their CPU, before the cache). */
int cf__store_prepare(cf_store_t *s, const char *sql, cf_db_stmt_t **stmt, cf_error_t *err);

/* Hands back a statement from cf__store_prepare: resets it and clears its
 * bindings (so no pointer bound CF_DB_STATIC outlives its buffer, and no read
 * transaction stays open). NULL is ignored. */
void cf__store_release(cf_store_t *s, cf_db_stmt_t *stmt);

/* What a case row caches, as cf_store_case_cached gives it (new reference, NULL
 * on ENOMEM), from the columns of st's current row starting at first, in the
 * order id, workflow_id, workflow_version, workflow_hash, matter_id, parent_id,
 * party, algo, state, closed, version, head, opened_at, updated_at, closed_at,
 * snapshot (store-anchor.c). Without snapshot set, the snapshot column is
 * neither read nor put in the row. */
json_t *cf__store_cached_json(cf_db_stmt_t *st, int first, int snapshot);

/* Runs one statement of static text (no results wanted) through the statement
 * cache: what the transaction and savepoint statements run on every request
 * use (cf_db_exec parses its text each time, and the parser's allocation was
 * a tenth of the daemon writer's CPU). */
int cf__store_run(cf_store_t *s, const char *sql, cf_error_t *err);

/* Runs sql (no results; several statements allowed) with cf_db_exec. */
int cf__store_exec(cf_store_t *s, const char *sql, cf_error_t *err);

/* The fault hook at point, or 0. */
int cf__store_fault(cf_store_t *s, const char *point);

/* Steps st, a one-row write, and hands it back: 0, or the store's error naming what
 * (store-tx.c). */
int cf__store_step_done(cf_store_t *s, cf_db_stmt_t *st, const char *what, cf_error_t *err);

/* Copies text column col of the current row into out (size bytes; "" for NULL). */
void cf__store_copy_col(cf_db_stmt_t *st, int col, char *out, size_t size);

/* Collects every row of a prepared query through row_fn into OUT *list (a new
 * array), then hands st back. */
int cf__store_collect(cf_store_t *s, cf_db_stmt_t *st, json_t *(*row_fn)(cf_db_stmt_t *),
                      json_t **list, const char *what, cf_error_t *err);

/* Collects column 0 of every row of a prepared query (integers: ids) into OUT *ids (new,
 * free()) and *count, then hands st back. */
int cf__store_collect_ids(cf_store_t *s, cf_db_stmt_t *st, int64_t **ids, size_t *count,
                          const char *what, cf_error_t *err);

/* Binds text that may be NULL. */
int cf__store_bind_text(cf_db_stmt_t *st, int index, const char *text);

/* Fills *a from the current row, whose columns are alert_id, case_id, clock_id,
 * point, due_at, deadline and, when with_fired, fired_at in the seventh (0 when
 * NULL); every other field 0 (store-alerts.c). */
void cf__store_alert_from_row(cf_db_stmt_t *st, int with_fired, cf_alert_t *a);
/* with_fired for a read whose column 6 is the row's rowid (cf_alert_t.row), not fired_at */
#define CF__ALERT_ROWID 2

/* Steps st, a query of such rows, to its end and hands it back: the first max rows
 * into out (cf__store_alert_from_row). Returns how many, or the store's error naming
 * what (out then holds rows read before it). */
int cf__store_alerts_read(cf_store_t *s, cf_db_stmt_t *st, int with_fired, cf_alert_t *out, int max,
                          const char *what, cf_error_t *err);

/* The body of cf_store_case_open (opening = 1) and cf_store_case_append (0)
 * without BEGIN and COMMIT: checks the version (CF_ECONFLICT), seals events onto
 * a copy of c, writes events, case row and clock index, and swaps the copy into
 * c. The caller owns the transaction (or savepoint) and rolls it back on
 * failure; on failure c is as it was. For the daemon's group commit. */
int cf__store_case_write(cf_store_t *s, cf_case_t *c, json_t *events, int opening,
                         const char *agency, cf_error_t *err);

/* The same, leaving c as it is: OUT *next, the case after the writes (dispose
 * it), for a caller with more to write before it takes the new case
 * (cf_store_case_open_tx stamps the agency). agency: the case's (its rows carry it,
 * bound; NULL: "" when opening; when appending, read from the case row once on SQLite,
 * returned by the case row's UPDATE on PostgreSQL). The case row is updated only at c's
 * version and head (else CF_ECONFLICT). On failure nothing to dispose. */
int cf__store_case_next(cf_store_t *s, const cf_case_t *c, json_t *events, int opening,
                        const char *agency, cf_case_t *next, cf_error_t *err);

/* The WHERE filters of a case listing (cf_case_filter_t bound as ?1 state, ?2
 * workflow, ?3 matter, ?4 parent, ?5 open only, ?6 due within, ?7 now, ?8
 * overdue; ?10 and ?11 the page, ?12 a 案号, 决定书文号 or 档案号, ?13 a handler or
 * head: cf__store_bind_list), shared by
 * cf_store_case_list and the daemon's per-agency listing.
 * PARENT is CF__LIST_ANY_PARENT, or CF__LIST_CHILDREN when a parent is given:
 * a plain equality, which SQLite can answer from the cases_parent index (an
 * "?4 = 0 OR" form makes it scan every case). Due and overdue read the partial
 * index on running clocks; a party's own period lapses and is never overdue. */
#define CF__LIST_ANY_PARENT "(?4 = 0 OR c.parent_id = ?4)"
#define CF__LIST_CHILDREN   "c.parent_id = ?4"
#define CF__LIST_FILTERS_WITHOUT_ORDER(PARENT)                                                     \
    PARENT                                                                                         \
    " AND (?1 IS NULL OR c.state = ?1) AND (?2 IS NULL OR c.workflow_id = ?2) AND (?3 IS "         \
    "NULL OR c.matter_id = ?3) AND (?5 = 0 OR c.closed = 0) AND (?6 = 0 OR c.id IN (SELECT "       \
    "case_id FROM clocks WHERE state = 'running' AND deadline > ?7 AND deadline <= ?7 + "          \
    "?6)) AND (?8 = 0 OR c.id IN (SELECT case_id FROM clocks WHERE state = 'running' AND "         \
    "deadline < ?7 AND party = 0)) AND (?10 IS NULL OR c.id > ?10) AND (?12 IS NULL OR c.id IN "   \
    "(SELECT case_id FROM case_numbers WHERE number = ?12 UNION ALL SELECT case_id FROM "          \
    "case_refs WHERE number = ?12)) AND (?13 IS NULL OR c.id IN (SELECT case_id FROM "             \
    "case_people WHERE name = ?13)) AND (?14 IS NULL OR instr(json_extract(c.party, '$.name'), "   \
    "?14) > 0 OR c.id IN (SELECT case_id FROM case_numbers WHERE instr(number, ?14) > 0 UNION "    \
    "ALL SELECT case_id FROM case_refs WHERE instr(number, ?14) > 0)) AND (?16 IS NULL OR "        \
    "(SELECT json_extract(m.body, '$.power_type') FROM case_summary m WHERE m.case_id = c.id) = "  \
    "?16) AND (?17 IS NULL OR instr((SELECT json_extract(m.body, '$.cause') FROM case_summary m "  \
    "WHERE m.case_id = c.id), ?17) > 0)"
#define CF__LIST_FILTERS(PARENT) CF__LIST_FILTERS_WITHOUT_ORDER(PARENT) CF__LIST_ORDER

/* The order of a case list: by id (the cursor ?10 is the last id seen), or with sort=deadline
 * (f->by_deadline) nearest running clock's deadline first, cases with none last, then id,
 * paged by offset (?15): the deadline of a case moves, so a keyset on it could skip or repeat
 * a case between two pages anyway. CF__LIST_FILTERS_BY_DEADLINE is CF__LIST_FILTERS in that
 * order. ?14 is the search text (f->q): a substring of the party's name or of any of the
 * case's numbers (案号, 决定书文号, 档案号). ?16 is the power type (f->power_type) and ?17
 * a part of the 案由's name (f->cause), both read from the case's summary row. */
#define CF__LIST_ORDER " ORDER BY c.id LIMIT ?11"
#define CF__LIST_NEXT_DEADLINE                                                                     \
    "(SELECT MIN(deadline) FROM clocks k WHERE k.case_id = c.id AND k.state = 'running')"
#define CF__LIST_FILTERS_BY_DEADLINE(PARENT)                                                       \
    CF__LIST_FILTERS_WITHOUT_ORDER(PARENT)                                                         \
    " ORDER BY " CF__LIST_NEXT_DEADLINE " IS NULL, " CF__LIST_NEXT_DEADLINE ", c.id LIMIT ?11 "    \
    "OFFSET coalesce(?15, 0)"

/* Binds a case filter to CF__LIST_FILTERS's parameters: ?1..?8 as above, the page
 * (?10 the cursor, f->after, unbound when 0: from the first case; ?11 the most rows,
 * f->limit, INT64_MAX when 0: all of them, a bound both dialects take, where
 * SQLite's LIMIT -1 is an error on PostgreSQL), ?12 the 案号 (f->number), ?14 the search
 * text (f->q) and ?15 the offset (f->offset, sort=deadline). ?9 is the caller's (the
 * daemon's agency). */
void cf__store_bind_list(cf_db_stmt_t *st, const cf_case_filter_t *f);

/* The columns a case list ends with (issue 20): its 案号, name, 决定书文号, 档案号. */
#define CF__LIST_REFS                                                                              \
    "(SELECT number FROM case_numbers n WHERE n.case_id = c.id), (SELECT name FROM case_summary "  \
    "m WHERE m.case_id = c.id), (SELECT number FROM case_refs r WHERE r.case_id = c.id AND "       \
    "r.kind = 'decision_number'), (SELECT number FROM case_refs r WHERE r.case_id = c.id AND "     \
    "r.kind = 'archive_number') "

/* One row of a case list, from the columns id, workflow_id, workflow_version,
 * state, closed, party, matter_id, parent_id, updated_at, version, the next
 * deadline (NULL: none), the first provisional year, and CF__LIST_REFS (案号,
 * name, 决定书文号, 档案号), in that order. New reference, NULL on ENOMEM. */
json_t *cf__store_case_list_row(cf_db_stmt_t *st);

/* The position an event takes in the log of all cases (store-anchor.c): 0, 1, 2 ...
 * in commit order with no gap (an audit's tree has a leaf at every position).
 * SQLite: one more than the largest so far, in the transaction that commits it.
 * SQLite serializes writers (a write holds the database's write lock from BEGIN
 * IMMEDIATE to COMMIT, the daemon's group commit included), so positions follow commit
 * order, and a request rolled back to its savepoint gives its positions back. The
 * UNIQUE index on pos makes the MAX a single index lookup. Inside a write transaction
 * the store reads it once and counts on from there (store-cases.c, next_position: no
 * other writer can add an event before the commit); outside one the INSERT reads it. PostgreSQL:
 * concurrent writers would read the same MAX (and a sequence is taken at INSERT, not at commit), so
 * the INSERT leaves pos NULL and cf__store_place numbers the transaction's events at its end, under
 * a lock held to its commit; the append-only trigger lets a NULL position be set once, nothing
 * else. */
#define CF__STORE_NEXT_POS "(SELECT COALESCE(MAX(pos), -1) + 1 FROM events)"

/* Adds (n, fen) to the stat_counts row (agency, handler, day, dim, key) (store-counts.c):
 * in a transaction, kept in memory until cf__store_counts_flush (the strings are
 * copied; dim must be static text); outside one, written at once. A delta of nothing
 * is dropped. 0, CF_ENOMEM or the store's error. */
int cf__store_count(cf_store_t *s, const char *agency, const char *handler, int64_t day,
                    const char *dim, const char *key, int64_t n, int64_t fen, cf_error_t *err);

/* The deltas kept in memory, outside any savepoint, before they are written (and the
 * log started over) inside the transaction: a bound on the log's memory. */
#define CF__STORE_COUNTS_FLUSH_AT 4096

/* Writes the deltas kept since the last flush into stat_counts, merged by key and in the
 * key's order, inside the open transaction: before COMMIT (cf__store_commit) and before
 * stat_counts is read on this connection. */
int cf__store_counts_flush(cf_store_t *s, cf_error_t *err);

/* A savepoint opens (mark; CF_ENOMEM) or ends (unmark): released (rollback 0), its
 * deltas stay; rolled back (1), they go. cf__store_counts_clear forgets every delta (the
 * transaction ended); cf__store_counts_free frees the memory (the store closes). */
int cf__store_counts_mark(cf_store_t *s);
void cf__store_counts_unmark(cf_store_t *s, int rollback);
void cf__store_counts_clear(cf_store_t *s);
void cf__store_counts_free(cf_store_t *s);

/* Frees the sealed texts kept by the last case write (store-cases.c; the store closes). */
void cf__store_sealed_free(cf_store_t *s);

/* The agency of the case whose id is the SQL expression id: every table keyed by a
 * case carries it at the end of its key (schema 18; docs/postgresql.md). A write
 * takes it from the case row, written first ('' for a case not stored: the rows
 * of a case opened without an agency carry '' too). */
#define CF__STORE_AGENCY_OF(id) "COALESCE((SELECT agency FROM cases WHERE id = " id "), '')"

/* The statements of a case's write that carry its agency bound, not looked up per row
 * (store-cases.c: the event's INSERT, both ways, the clock's upsert, the one read of the case
 * row's agency when the caller does not give it; store-summary.c: a person of its
 * summary, its row's UPDATE), for the test of their plans. */
#define CF__STORE_AGENCY_WRITES 6
/* A case's summary row (store-summary.c), found by its whole key (case_id ?3, agency ?4):
 * a single-row write, so SQLite opens no statement journal for it. */
#define CF__STORE_SUMMARY_UPDATE                                                                   \
    "UPDATE case_summary SET name = ?, body = ? WHERE case_id = ? AND agency = ?"
/* One person of a case's summary (store-summary.c), the agency bound as ?4. */
#define CF__STORE_PEOPLE_INSERT                                                                    \
    "INSERT INTO case_people(case_id, role, name, agency) VALUES (?, ?, ?, ?) ON CONFLICT DO "     \
    "NOTHING"
extern const char *const cf__store_agency_writes[CF__STORE_AGENCY_WRITES];

/* The three UPDATEs of a case row (store-cases.c: every change, a change that keeps
 * state and closed, a change that keeps closed), for the test that each is planned
 * by the case's key and never by an index of many rows. */
#define CF__STORE_CASE_UPDATES 3
extern const char *const cf__store_case_updates[CF__STORE_CASE_UPDATES];

#endif
