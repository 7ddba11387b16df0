/*
 * store.h -- where cases live: the one storage interface.
 *
 * Everything the command line and the daemon keep goes through these functions:
 * workflow definitions (by id, version and content hash), calendars, the matter
 * catalog, document contents, and cases with their append-only, hash-chained
 * event logs. The engine knows nothing of it. The backend is SQLite in WAL mode
 * (store-sqlite.c, the default: one file, embedded) or PostgreSQL (store-pg.c),
 * chosen by the database's name: a postgresql:// (or postgres://) URI opens
 * PostgreSQL, anything else a SQLite file. Both run the same store-*.c files
 * through the driver in db.h (docs/postgresql.md).
 *
 * Atomicity: cf_store_case_open and cf_store_case_append write a case's events,
 * its row and its clock index in one transaction: all or nothing. Concurrency is
 * optimistic: a case carries a version (the seq of its last event), and an append
 * made against a version that is no longer current fails with CF_ECONFLICT, so
 * two processes acting on one case never lose an update.
 *
 * Errors: CF_ENOTFOUND, CF_ECONFLICT, CF_EBUSY (database locked past the busy
 * timeout), CF_EFULL (disk full), CF_EIO, CF_ECORRUPT, CF_ESTORE (other SQLite
 * errors), CF_ENOMEM; err names the SQLite message where there is one. On failure
 * OUT parameters are untouched and nothing was written.
 *
 * Map (each part below starts with a "----" comment naming its file): opening; workflow
 * definitions, calendars, the matter catalog, documents; cases (open, append, read); fault
 * injection; calendar years loaded while cases run; gauges; transactions held by the
 * caller (a change written ahead among them), tokens and agencies; a token's life;
 * alerts acknowledged and escalated; 案由 dictionaries; the log of all cases and its
 * checkpoints; the case file (summaries, stats); copying a database; sessions; due alerts
 * claimed by one daemon of several; the webhook outbox; the log read from a position on.
 */
#ifndef CF_STORE_H
#define CF_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "calendar.h"
#include "case.h"
#include "cause.h"
#include "error.h"
#include "workflow.h"

typedef struct cf_store_s cf_store_t;

/* Opens (creating if needed) the database at path and brings its schema up to
 * date. OUT *out. */
int cf_store_open(const char *path, cf_store_t **out, cf_error_t *err);
/* Opens an existing database only (CF_ENOTFOUND naming the path otherwise). */
int cf_store_open_existing(const char *path, cf_store_t **out, cf_error_t *err);
/* Opens an existing database for reading only (what the command line's reading
 * commands use): never takes the write lock, never migrates (CF_ESTORE naming the
 * versions when the schema is not this caseflow's), every write refused. On a
 * read-only mount it reads a WAL database whose log is empty without the -shm file
 * SQLite would need (opened immutable), and otherwise fails CF_EIO saying what is
 * possible there. */
int cf_store_open_readonly(const char *path, cf_store_t **out, cf_error_t *err);
void cf_store_close(cf_store_t *s);

/* ---- workflow definitions ---- */

/* Stores wf's source unless a definition with the same content hash exists. OUT
 * *version: the stored version (existing or new: one more than the highest stored
 * for this id); OUT *created: 1 if a new version was stored. Either may be NULL. */
int cf_store_workflow_put(cf_store_t *s, const cf_workflow_t *wf, int *version, int *created,
                          cf_error_t *err);
/* Loads definition id at stored version (0 = the newest). OUT *wf (free with
 * cf_workflow_free), OUT *stored_version (may be NULL). */
int cf_store_workflow_get(cf_store_t *s, const char *id, int version, cf_workflow_t **wf,
                          int *stored_version, cf_error_t *err);
/* Loads the definition with content hash hash (what a case pinned). */
int cf_store_workflow_get_hash(cf_store_t *s, const char *hash, cf_workflow_t **wf,
                               cf_error_t *err);
/* OUT *list: new array of {id, version, hash, power_type, title, loaded_at (ISO
 * 8601), author_version}. */
int cf_store_workflow_list(cf_store_t *s, json_t **list, cf_error_t *err);

/* ---- calendars ---- */

/* Stores (or replaces) one year's calendar YAML. */
int cf_store_calendar_put(cf_store_t *s, int year, const char *source, cf_error_t *err);
/* OUT *cal: every stored year loaded (free with cf_calendar_free), answering
 * for CF_CALENDAR_PROVISIONAL_YEARS more years provisionally (R11): the calendar
 * the cases count on. */
int cf_store_calendar_load(cf_store_t *s, cf_calendar_t **cal, cf_error_t *err);
/* OUT *sources: new object {"2025": "<YAML text>", ...} of every stored year. */
int cf_store_calendar_sources(cf_store_t *s, json_t **sources, cf_error_t *err);

/* ---- matter catalog ---- */

/* Stores (or replaces) a matter: an object with at least "id" (string). */
int cf_store_matter_put(cf_store_t *s, const json_t *matter, cf_error_t *err);
/* OUT *matter: new reference. */
int cf_store_matter_get(cf_store_t *s, const char *id, json_t **matter, cf_error_t *err);
/* OUT *list: new array of matters, by id; power_type filters when non-NULL (a
 * matter matches when its "power_types" list has it). */
int cf_store_matter_list(cf_store_t *s, const char *power_type, json_t **list, cf_error_t *err);

/* ---- documents (content-addressed) ---- */

/* Stores data under its SHA-256 (hex, 64), in chunks of 256 KiB (one row each,
 * so no row holds a whole large document). Storing the same content twice is a
 * no-op. The operation layer stores a document in the transaction of the change
 * that cites it: both or neither. */
int cf_store_document_put(cf_store_t *s, const char *sha256, const void *data, size_t len,
                          cf_error_t *err);
/* OUT *data (malloc'd, free it), *len: the bytes stored under sha256. CF_ENOTFOUND,
 * or CF_ECORRUPT when the chunks do not add up to its size. */
int cf_store_document_get(cf_store_t *s, const char *sha256, void **data, size_t *len,
                          cf_error_t *err);
/* Records that agency ("" for a case without one) gave the bytes stored under sha256, in
 * the transaction that stores them (a no-op when recorded already). The bytes are shared
 * by hash, their reading is not: a case that cites a hash by reference alone (sha256 and
 * size) reads the bytes only if its agency gave them too (cf_store_document_held), so an
 * agency that learns another's hash cannot read that agency's file by citing it. */
int cf_store_document_hold(cf_store_t *s, const char *sha256, const char *agency, cf_error_t *err);
/* 0 when agency ("" for none) gave the bytes of sha256, or they were stored before
 * schema 23 (held by '*', every agency, as they were then); CF_ENOTFOUND otherwise. */
int cf_store_document_held(cf_store_t *s, const char *sha256, const char *agency, cf_error_t *err);

/* ---- cases ---- */

/* Opens a case: allocates its id, seals events (from cf_engine_open) onto a new
 * chain and writes everything in one transaction. c must be cf_case_init'ed with
 * c->algo chosen; OUT c is the opened case. On failure c is as it was. Consumes
 * nothing: events stay the caller's (sealed on success). */
int cf_store_case_open(cf_store_t *s, cf_case_t *c, json_t *events, cf_error_t *err);
/* Appends events (from cf_engine_act/extend, decided on c as read) to case c in one
 * transaction. CF_ECONFLICT if the case's stored version is no longer c->version.
 * OUT c is the case after the events; on failure c is as it was. */
int cf_store_case_append(cf_store_t *s, cf_case_t *c, json_t *events, cf_error_t *err);
/* The stored texts (each event's row body: its canonical text, then hash and prev) of
 * events, when they are the events the last case write on s sealed (an open, an append,
 * an operation's write through the store), in order: kept until the next case write or
 * the store closes, for the daemon's answer (written again from the events, they cost a
 * transition ~11,000 instructions). NULL when they are not (checked by each event's hash
 * and prev). */
char *const *cf_store_sealed(cf_store_t *s, const json_t *events);
/* Reads case id into c (which must not be initialized; dispose it after). */
int cf_store_case_get(cf_store_t *s, int64_t id, cf_case_t *c, cf_error_t *err);
/* OUT *events: new array of the case's events as stored, by seq. An event whose
 * body is not JSON (written outside caseflow) fails the read: CF_ECORRUPT. */
int cf_store_case_events(cf_store_t *s, int64_t id, json_t **events, cf_error_t *err);
/* The same for an audit, which reports such an event rather than stopping: it
 * stands in the array as {seq, case, type, hash (its row's columns),
 * unreadable: why} (cf_audit_verify and cf_audit_replay know it). */
int cf_store_case_events_audit(cf_store_t *s, int64_t id, json_t **events, cf_error_t *err);
/* What cf_store_case_events_rehashed fills, kept by its caller from case to
 * case so that its buffers are reused (an allocation of a kilobyte or more
 * costs glibc a sweep of its small-chunk lists). Zeroed before the first use;
 * cf_store_rehash_dispose after the last. */
typedef struct cf_store_rehash_s {
    char (*hashes)[CF_CHAIN_HEX]; /* the events read last: one hash per event, in order */
    size_t cap;
    char *text; /* the event being read, in the chain's canonical form */
    size_t text_cap;
} cf_store_rehash_t;
/* cf_store_case_events_audit, with each event's hash recomputed as the chain
 * defines it (cf_chain_hash of the event on its own "prev", with algo) into
 * h->hashes for cf_audit_verify_hashed ("" for an unreadable event). An event
 * stored in the canonical form (as caseflow writes them) is hashed from its text
 * as read, without writing it again; one in any other form from its value. */
int cf_store_case_events_rehashed(cf_store_t *s, int64_t id, cf_chain_algo_t algo, json_t **events,
                                  cf_store_rehash_t *h, cf_error_t *err);
void cf_store_rehash_dispose(cf_store_rehash_t *h);
/* Reads that follow see one snapshot of the database, until cf_store_read_end
 * (BEGIN / COMMIT of a read transaction). Outside one, every statement takes
 * and drops SQLite's read lock on its own, a few system calls each: a run of
 * many small reads (an audit, case by case) is cheaper inside one. Not while
 * a write transaction is open. */
int cf_store_read_begin(cf_store_t *s, cf_error_t *err);
void cf_store_read_end(cf_store_t *s);
/* Reads only the columns of case id's row into c (which must not be
 * initialized; dispose it after): id, workflow id, version and hash, algo,
 * matter_id, parent_id, state, version, head, opened_at, updated_at and
 * closed_at, without parsing its snapshot. The rest of c is empty (no facts,
 * no clocks): what an audit reads beside the events, not a case to act on. */
int cf_store_case_row(cf_store_t *s, int64_t id, cf_case_t *c, cf_error_t *err);
/* What an audit reads of case id's row, in one read: OUT c as cf_store_case_row
 * gives it; *row what the row caches as cf_store_case_cached gives it, but
 * without its snapshot, which is *snapshot (malloc'd, free(); *snapshot_len
 * bytes, NUL-terminated) as stored, for cf_audit_cache_fold to compare by its
 * bytes. A snapshot that is SQL NULL is in *row (null) and *snapshot is NULL.
 * CF_ENOTFOUND or a storage error, with the outputs untouched. */
int cf_store_case_audit_row(cf_store_t *s, int64_t id, cf_case_t *c, json_t **row, char **snapshot,
                            size_t *snapshot_len, cf_error_t *err);
/* OUT *ids (malloc'd, free()) and *count: the ids of every case by id or, when
 * closed is not NULL, of the cases closed in [closed[0], closed[1]). */
int cf_store_case_ids(cf_store_t *s, const cf_time_t *closed, int64_t **ids, size_t *count,
                      cf_error_t *err);

/* The most rows one page of a list may ask for (limit), on the command line and
 * over HTTP alike (docs/api.md "Paging"). */
#define CF_STORE_PAGE_MAX 1000

typedef struct cf_case_filter_s {
    const char *state;    /* or NULL */
    const char *workflow; /* or NULL */
    const char *matter;   /* or NULL */
    int64_t parent;       /* children of this case, or 0 */
    int open_only;        /* only cases not closed */
    cf_time_t now;        /* for the two below */
    int64_t due_within;   /* > 0: a running clock's deadline in (now, now + due_within] */
    int overdue;          /* a running clock's deadline before now (the party's own
                             periods lapse rather than fall overdue: not counted) */
    int64_t after;        /* the page's cursor: only cases with a greater id, or 0 */
    int64_t limit;        /* at most this many cases, or 0: all */
    const char *number;   /* the case with this 案号, 决定书文号 or 档案号, or NULL */
    const char *handler;  /* only cases this person handles or heads, or NULL */
    const char *q;        /* a substring of the party's name or of any number, or NULL */
    int by_deadline;      /* nearest running deadline first, none last; pages by offset */
    int64_t offset;       /* with by_deadline: rows skipped (after is then ignored) */
    /* only cases of this power type (行政处罚 ...), or NULL */
    const char *power_type;
    /* only cases whose 案由 name holds this text, or NULL */
    const char *cause;
} cf_case_filter_t;

/* OUT *list: new array of {id, workflow, workflow_version, version (the case's),
 * state, closed, party, matter, parent (null: none), updated_at, next_deadline?,
 * number? (案号), name? (案件名称), decision_number?, archive_number?}
 * by id, times ISO 8601. The due and overdue filters use the clock index, not a
 * scan of cases. */
int cf_store_case_list(cf_store_t *s, const cf_case_filter_t *f, json_t **list, cf_error_t *err);

/* ---- fault injection (tests) ---- */

/* Called at each named write point of a case transaction ("begin", "events",
 * "case", "clocks", "commit"; "idempotency_key", store-idem.c); a non-zero return is taken as that
 * SQLite result code (SQLITE_IOERR, SQLITE_FULL, SQLITE_BUSY, SQLITE_NOMEM ...) at that point, and
 * the transaction is rolled back as it would be for a real failure. */
typedef int (*cf_store_fault_cb)(void *ctx, const char *point);
void cf_store_set_fault(cf_store_t *s, cf_store_fault_cb cb, void *ctx);

/* ---- loading a calendar year while cases run (store-calendar.c) ---- */

/* What cf_store_calendar_install did. */
typedef struct cf_calendar_install_s {
    int year;          /* the year the file covers */
    char sha256[65];   /* of the file's text */
    int unchanged;     /* the same text was already stored: nothing done */
    int replaced;      /* it replaced a stored year (with replace) */
    size_t recomputed; /* clock.recomputed events written */
    json_t *changes;   /* [{case, clock, was, deadline, provisional?}] (new ref), NULL
                          when unchanged or on failure: the caller decrefs it */
} cf_calendar_install_t;

/* Validates a year's YAML (as cf_calendar_load; errors with line and column,
 * source naming the file), stores it, and recounts every running or paused clock
 * whose provisional deadline it may settle (all of them when it replaces a year)
 * with a clock.recomputed event on each case whose deadline moved
 * (cf_engine_recompute), rewrites those cases' pending alerts, and bumps the
 * calendar version -- in one transaction (the caller holds none): on failure
 * nothing is written. OUT *out. Returns 0; CF_EPARSE / CF_EINVALID for a bad
 * file; CF_EEXIST when the year is stored with different text and replace is 0;
 * CF_EINVALID when the year would leave a gap after the last stored one;
 * CF_ERANGE when a recount needs a day past the provisional horizon (err names
 * the case and clock); a store error. */
int cf_store_calendar_install(cf_store_t *s, const char *yaml, size_t len, const char *source,
                              int replace, cf_time_t at, const char *actor,
                              cf_calendar_install_t *out, cf_error_t *err);

/* OUT *version: the calendar version, bumped by every install; a daemon polls it
 * to reload its calendar (several daemons may share a database). */
int cf_store_calendar_version(cf_store_t *s, int64_t *version, cf_error_t *err);

/* OUT *count: running or paused clocks whose deadline is provisional (R11). */
int cf_store_clocks_provisional(cf_store_t *s, int64_t *count, cf_error_t *err);

/* ---- gauges (store-gauges.c) ---- */

/* What an operator watches, each counted from an index. */
typedef struct cf_store_gauges_s {
    int64_t open_cases;     /* cases not closed */
    int64_t overdue_clocks; /* running clocks whose deadline is before now */
    int64_t workflows;      /* workflow definitions stored (every version) */
} cf_store_gauges_t;

/* OUT *out: the gauges at instant now. Returns 0, or a CF_E* code (the database
 * unreadable) with *out untouched. */
int cf_store_gauges(cf_store_t *s, cf_time_t now, cf_store_gauges_t *out, cf_error_t *err);
/* OUT *out: the workflow definitions stored (a few rows: what /readyz reads, cheap
 * enough for a load balancer's every poll). 0 or a CF_E* code (*out untouched). */
int cf_store_workflows_count(cf_store_t *s, int64_t *out, cf_error_t *err);

/* ---- transactions held by the caller (store-tx.c), tokens and agencies
 * (store-tokens.c), the alerts index (store-alerts.c) ----
 *
 * The daemon's writer thread commits many requests in one transaction (group
 * commit): cf_store_tx_begin, then per request a savepoint around the *_tx
 * variants below, which write exactly what cf_store_case_open/append write but
 * never BEGIN or COMMIT themselves, so a refusal or conflict for one request is
 * rolled back to its savepoint without touching the others (on SQLite most requests run
 * without one: cf_store_unsaved_begin below); then cf_store_tx_commit. A failed commit
 * leaves nothing of the batch.
 */

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails). */
int cf_store_tx_begin(cf_store_t *s, cf_error_t *err);
int cf_store_tx_commit(cf_store_t *s, cf_error_t *err);
void cf_store_tx_rollback(cf_store_t *s);
/* The write-ahead log. By default a commit that leaves the log past 1,000
 * pages also copies it into the database (a checkpoint) before it returns; a
 * daemon rather sets pages to 0 on its writer and checkpoints from a connection
 * of its own (cf_store_checkpoint, PASSIVE: never blocks the writer), so no
 * request waits for it. */
int cf_store_set_autocheckpoint(cf_store_t *s, int pages, cf_error_t *err);
/* OUT *frames: frames in the log, *copied: how many are now in the database
 * (either may be NULL). SQLITE_BUSY (another checkpoint running) is CF_EBUSY. */
int cf_store_checkpoint(cf_store_t *s, int *frames, int *copied, cf_error_t *err);
/* Copies every frame of the log into the database and, when no reader is still
 * reading from the log, makes the next commit start the log over from its
 * beginning (SQLITE_CHECKPOINT_RESTART), so the file stops growing: it is then
 * cut back to CF_STORE_WAL_LIMIT bytes (PRAGMA journal_size_limit, set at open).
 * Never waits: it runs with no busy timeout, and a reader on an old snapshot or
 * another checkpoint running makes it CF_EBUSY (what could be copied was). Call it
 * between transactions, on the connection that writes. OUT *frames, *copied as
 * cf_store_checkpoint (either may be NULL). */
int cf_store_checkpoint_restart(cf_store_t *s, int *frames, int *copied, cf_error_t *err);
/* The same, waiting up to wait_ms for the readers in the way (SQLite's busy handler). */
int cf_store_checkpoint_restart_wait(cf_store_t *s, int wait_ms, int *frames, int *copied,
                                     cf_error_t *err);
/* The frames in the write-ahead log after s's last commit (0 before any, and after
 * the log was started over), as SQLite's WAL hook reports them. Installing the hook
 * replaces automatic checkpoints: call it after cf_store_set_autocheckpoint(s, 0). */
void cf_store_wal_track(cf_store_t *s);
int cf_store_wal_frames(const cf_store_t *s);
/* The frames s's commits wrote into the write-ahead log since cf_store_wal_track, in
 * all (a frame is a page and 24 bytes): what a burst of alerts costs the disk, whatever
 * the log's restarts (0 before the hook). */
uint64_t cf_store_wal_written(const cf_store_t *s);
/* In the open transaction: every page it changed written into the log, uncommitted
 * (invisible to readers, ignored by recovery), and the log synced, so that the COMMIT
 * writes and syncs little more than its commit frame (a transaction written ahead of
 * its instant: api/http/serve-writer.c). A no-op on PostgreSQL. On failure the commit
 * still writes and syncs what is left, and reports its own errors. */
int cf_store_wal_presync(cf_store_t *s);
/* SQLite's page cache of s, in KiB (PRAGMA cache_size=-kib; 2,000 by default). */
int cf_store_set_cache_kib(cf_store_t *s, int kib, cf_error_t *err);
/* What a write-ahead log is cut back to when it starts over (journal_size_limit). */
#define CF_STORE_WAL_LIMIT 67108864 /* 64 MB */

/* SAVEPOINT, RELEASE, and ROLLBACK TO + RELEASE of the one request savepoint. */
int cf_store_savepoint(cf_store_t *s, cf_error_t *err);
int cf_store_savepoint_release(cf_store_t *s, cf_error_t *err);
void cf_store_savepoint_rollback(cf_store_t *s);

/* A request of the group commit run without a savepoint of its own (SQLite): a
 * savepoint and its release cost ~25,000 instructions a request on the daemon's writer,
 * most of them copies of the pages the request changes into the savepoint's journal,
 * and nearly every request either writes and is kept or is refused before it writes
 * anything. cf_store_unsaved_begin marks where the request starts (its summary counts'
 * deltas, the rows changed so far): 0, or non-zero when the request must take a
 * savepoint instead (PostgreSQL, which does not count the rows changed; no memory).
 * cf_store_unsaved_end(s, kept) ends it: kept 1, its deltas stay; kept 0, they go, and
 * it returns 1 when the request wrote rows all the same (or the transaction is gone):
 * those cannot be undone alone, so the caller rolls the whole transaction back and
 * runs its requests again, each in a savepoint (api/http/serve-writer.c). */
int cf_store_unsaved_begin(cf_store_t *s);
int cf_store_unsaved_end(cf_store_t *s, int kept);

/* As cf_store_case_open, inside the caller's transaction; stamps the new case
 * with agency (which may be NULL: no stamp). OUT c; on failure c is as it was and
 * the caller must roll back its savepoint. */
int cf_store_case_open_tx(cf_store_t *s, cf_case_t *c, json_t *events, const char *agency,
                          cf_error_t *err);
/* As cf_store_case_append, inside the caller's transaction (CF_ECONFLICT when the
 * stored version is no longer c->version). */
int cf_store_case_append_tx(cf_store_t *s, cf_case_t *c, json_t *events, cf_error_t *err);
/* The same for a caller that knows the case's agency (the one its rows carry; "" for a
 * case opened without one): bound into the rows written, not read again. NULL: read
 * from the case row, once per write. */
int cf_store_case_append_as(cf_store_t *s, cf_case_t *c, json_t *events, const char *agency,
                            cf_error_t *err);

/* A change sealed ahead of its write (a burst's alert events, built while the case was
 * read ahead: api/http/serve-jobs.c): the case after the change, its snapshot already
 * serialized, and the events already sealed onto the chain with their stored texts. The
 * change must leave the case's state, whether it is closed and its clocks as they were
 * (an alert event): only the row's version, head, update time and snapshot are written. */
typedef struct cf_store_sealed_s {
    int64_t id;           /* the case */
    int64_t expected;     /* the version the change was sealed onto */
    const char *prev;     /* and the head (the stored row must be at both) */
    int64_t version;      /* the case's version after it */
    const char *head;     /* the chain's head after it */
    cf_time_t updated_at; /* the case after it, as cf_case_t has them */
    cf_time_t closed_at;  /* (0: open) */
    const char *snapshot; /* the case after it, as cf_case_snapshot_buf writes it */
    const json_t *events; /* sealed (case, seq, prev, hash set) */
    char *const *bodies;  /* each event's stored text (cf_case_append_body) */
    const char *agency;   /* the agency the case's rows carry ("" for none) */
} cf_store_sealed_t;

/* Writes w inside the caller's transaction, only if the stored case is still at
 * w->expected: 0, CF_ECONFLICT (it moved on, or is gone: CF_ENOTFOUND) with nothing
 * written by this call, or a store error (the caller rolls back its savepoint). */
int cf_store_case_put_sealed(cf_store_t *s, const cf_store_sealed_t *w, cf_error_t *err);

/* A change decided and sealed before its write (the daemon's transitions, prepared off
 * the writer thread: api/ops/ops-ready.c): next is before with the events folded in and
 * sealed (cf_case_append_body, each event's stored text in bodies), snapshot its
 * cf_case_snapshot_buf text. Writes, inside the caller's transaction, what
 * cf_store_case_append_as writes for the same change (the case row, the events, the
 * clock rows), the case row first and only if the stored case is still at before's
 * version and head: else CF_ECONFLICT (CF_ENOTFOUND: gone) with nothing written. agency:
 * the case's (its rows carry it; the update's key names it). */
int cf_store_case_put_next(cf_store_t *s, const cf_case_t *before, const cf_case_t *next,
                           const char *snapshot, const json_t *events, char *const *bodies,
                           const char *agency, cf_error_t *err);

/* One daemon per database (store-lock.c): takes the lock on "<db_path>-serve.lock"
 * and writes this process's pid into it. OUT *fd: hold it while the daemon runs,
 * release with cf_store_daemon_unlock. CF_EBUSY when another daemon holds it, err
 * naming its pid; CF_EIO when the lock file cannot be made. A crashed daemon's
 * lock is gone with its process. */
int cf_store_daemon_lock(const char *db_path, int *fd, cf_error_t *err);
/* Nonzero when path names a PostgreSQL database (postgresql:// or postgres://)
 * rather than a SQLite file: no file to stat, lock or create beside it. */
int cf_store_is_pg(const char *path);
void cf_store_daemon_unlock(int fd);

/* Makes this connection refuse writes (PRAGMA query_only): the daemon's reader. */
int cf_store_query_only(cf_store_t *s, cf_error_t *err);

/* A bearer token's holder. */
typedef struct cf_principal_s {
    char agency[128];
    char role[32];
    char name[128];
} cf_principal_t;

/* Stores a token by the SHA-256 (hex) of its secret; the secret is never stored.
 * CF_EEXIST if that hash is already there. */
int cf_store_token_put(cf_store_t *s, const char *hash_hex, const cf_principal_t *p,
                       cf_time_t created_at, cf_error_t *err);
/* OUT *p: the holder of the token whose SHA-256 is hash_hex, or CF_ENOTFOUND. */
int cf_store_token_get(cf_store_t *s, const char *hash_hex, cf_principal_t *p, cf_error_t *err);

/* ---- a token's life (store-token-life.c): expiry, revocation, last use ---- */

/* OUT *p: the holder of the token whose SHA-256 is hash_hex when it is neither
 * revoked nor expired at now; else CF_ENOTFOUND (p untouched). */
int cf_store_token_check(cf_store_t *s, const char *hash_hex, cf_time_t now, cf_principal_t *p,
                         cf_error_t *err);
/* Sets when the token whose SHA-256 is hash_hex expires. CF_ENOTFOUND if none. */
int cf_store_token_expire_at(cf_store_t *s, const char *hash_hex, cf_time_t expires_at,
                             cf_error_t *err);
/* Records that the token was used at now (kept when a later use is recorded). */
int cf_store_token_touch(cf_store_t *s, const char *hash_hex, cf_time_t now, cf_error_t *err);
/* Revokes the token whose id (the first hex digits of its hash, 6 at least, as
 * cf_store_token_list shows) is id, at now. CF_EINVAL (not an id), CF_ENOTFOUND,
 * CF_EINVALID (the prefix names several tokens), CF_EEXIST (already revoked). */
int cf_store_token_revoke(cf_store_t *s, const char *id, cf_time_t now, cf_error_t *err);
/* OUT *out (new reference): every token, oldest first, as {id (12 hex digits of its
 * hash), name, role, agency, created_at, expires_at, revoked_at, last_used_at}, times
 * ISO 8601 or null. Never the secret, which is not stored. */
int cf_store_token_list(cf_store_t *s, json_t **out, cf_error_t *err);

/* OUT agency (size bytes): the agency case id was opened for. CF_ENOTFOUND when
 * the case does not exist or carries no agency (opened from the command line). */
int cf_store_case_agency(cf_store_t *s, int64_t id, char *agency, size_t size, cf_error_t *err);

/* The same, and OUT head: the case's head (its last event's hash), read without
 * its snapshot. Equal heads mean equal chains, hence equal cases: what tells a
 * cached copy of the case (the daemon writer's) is still current. */
int cf_store_case_agency_head(cf_store_t *s, int64_t id, char *agency, size_t size,
                              char head[CF_CHAIN_HEX], cf_error_t *err);
/* The database's settings (issue 20): CF_SETTING_AGENCY is the agency a case
 * opened from the command line belongs to unless it names another. get: OUT
 * value (size bytes), CF_ENOTFOUND when unset. set: stores or replaces it. */
#define CF_SETTING_AGENCY "agency"
/* The 案号 pattern ({abbr}: the agency's abbreviation, setting "abbr:<agency>",
 * else its name less a final 医疗保障局; {year}; {seq}: per agency and year). */
#define CF_SETTING_NUMBER_PATTERN "case_number_pattern"
#define CF_NUMBER_PATTERN_DEFAULT "{abbr}医保案〔{year}〕{seq}号"
int cf_store_setting_get(cf_store_t *s, const char *key, char *value, size_t size, cf_error_t *err);
int cf_store_setting_set(cf_store_t *s, const char *key, const char *value, cf_error_t *err);
/* 案号 (issue 20 item 1), inside the caller's transaction. next: OUT *seq, the
 * next number of agency's counter for year (1, 2, ...), the counter row updated
 * in that transaction, so a rollback gives the number back and two writers never
 * get the same one. put: records number for case id (CF_EEXIST when already
 * given). get: OUT number (size bytes), CF_ENOTFOUND when the case has none. */
int cf_store_case_number_next(cf_store_t *s, const char *agency, int year, int64_t *seq,
                              cf_error_t *err);
int cf_store_case_number_put(cf_store_t *s, int64_t id, const char *number, cf_error_t *err);
int cf_store_case_number_get(cf_store_t *s, int64_t id, char *number, size_t size, cf_error_t *err);
/* As cf_store_case_list, restricted to agency's cases, and paged: f->after and
 * f->limit (a caller wanting to know whether more follow asks for one more row). */
int cf_store_case_list_agency(cf_store_t *s, const char *agency, const cf_case_filter_t *f,
                              json_t **list, cf_error_t *err);

/* An alert: one warning point or the deadline of one running clock. Its id is
 * stable, "<case>:<clock>:<point>:<due instant>" with the instant in ISO 8601
 * basic form, China time ("7:decision:warning:20270308T235959+0800"), so a
 * receiver can de-duplicate; no epoch integer in it. */
typedef struct cf_alert_s {
    char id[160];
    int64_t case_id;
    char clock[64];
    char point[16]; /* "warning" | "deadline" */
    cf_time_t due_at;
    cf_time_t deadline;
    cf_time_t fired_at; /* 0 while pending */
    int64_t row;        /* SQLite's rowid, as read for firing (cf_store_alerts_due); 0: unknown */
} cf_alert_t;

/* Writes the id of case_id's alert at point of clock, due at due, into OUT out
 * (size bytes). Returns 0, or CF_EINVAL when it does not fit (out then empty). */
int cf_store_alert_id(int64_t case_id, const char *clock, const char *point, cf_time_t due,
                      char *out, size_t size);

/* Reads an alert id, in today's form or in the form before schema 10
 * ("<case>:<clock>:<point>:<epoch seconds>", as alert events written before then
 * carry it). OUT *due: its due instant; OUT canon (size bytes): the id in today's
 * form, which the alerts index holds. Returns 0, or CF_EINVAL when id is neither
 * (outputs untouched). */
int cf_store_alert_id_canon(const char *id, cf_time_t *due, char *canon, size_t size);

/* Rewrites c's pending alerts after a change (inside the caller's transaction):
 * drops the unfired ones, then adds, for every running clock, its warning points
 * (cf_engine_warn_points; those before the clock started are skipped) and its
 * deadline. An alert already fired keeps its row and never fires again. */
int cf_store_alerts_sync(cf_store_t *s, const cf_case_t *c, const cf_workflow_t *wf,
                         const cf_calendar_t *cal, cf_error_t *err);
/* SQLite: the rowid a new alert row due at DUE (SQL text: a parameter or a column) takes,
 * so that the table is clustered by due instant (schema 22, store-alerts.c "Row ids"):
 * DUE * 2^24 plus one more than the last row of that second (found by one seek), or
 * NULL (SQLite then picks one past the largest) once a second holds 2^24 rows. For
 * whoever writes alert rows by hand (the bench's loader). */
#define CF_STORE_ALERT_ROWID(DUE)                                                                  \
    "(SELECT CASE WHEN m IS NULL THEN " DUE " * 16777216 WHEN m < " DUE                            \
    " * 16777216 + 16777215 THEN m + 1 END FROM (SELECT (SELECT rowid FROM alerts WHERE rowid "    \
    "BETWEEN " DUE " * 16777216 AND " DUE " * 16777216 + 16777215 ORDER BY rowid DESC LIMIT 1) "   \
    "AS m))"
/* OUT *due: the earliest unfired alert's instant (an index lookup), or
 * CF_ENOTFOUND when none is pending. */
int cf_store_alerts_next(cf_store_t *s, cf_time_t *due, cf_error_t *err);
/* OUT *n: how many unfired alerts are due at instant exactly, counted up to max (a
 * range of the index alerts_due: the daemon's read-ahead lead, api/http/sched.c). */
int cf_store_alerts_count_at(cf_store_t *s, cf_time_t instant, int max, int *n, cf_error_t *err);
/* The unfired alerts due at or before now, earliest first, into OUT out (at most
 * max). Returns the count (>= 0) or a CF_E* code. */
int cf_store_alerts_due(cf_store_t *s, cf_time_t now, cf_alert_t *out, int max, cf_error_t *err);
/* The same, only those after (after_due, after_id) in that order (after_id NULL:
 * from the first): the next page of a read that marks nothing (the daemon's
 * reading ahead of an instant, serve-jobs.c). */
int cf_store_alerts_due_after(cf_store_t *s, cf_time_t now, cf_time_t after_due,
                              const char *after_id, cf_alert_t *out, int max, cf_error_t *err);
/* Marks alert id fired at fired_at (inside the caller's transaction): from then on it
 * waits for its acknowledgement, or escalation (cf_store_alerts_unacked). CF_ECONFLICT
 * when it is not pending (fired already, or not there). */
int cf_store_alert_mark(cf_store_t *s, const char *id, cf_time_t fired_at, cf_error_t *err);
/* The same for alert a as cf_store_alerts_due read it: by its row (SQLite's rowid, and its
 * id checked on the row) rather than by its id's key, when the read gave one. */
int cf_store_alert_mark_read(cf_store_t *s, const cf_alert_t *a, cf_time_t fired_at,
                             cf_error_t *err);
/* Marks alert id fired at fired_at without its event (it could not be written), so it
 * neither fires again nor is ever escalated; CF_ECONFLICT as cf_store_alert_mark. */
int cf_store_alert_drop(cf_store_t *s, const char *id, cf_time_t fired_at, cf_error_t *err);
/* OUT *list: new array of agency's alerts {alert_id, case, clock, point, due_at,
 * deadline, fired_at?, provisional?} by due_at; pending: 1 only unfired, -1 only
 * fired, 0 all. provisional (the years, e.g. [2027]) on a pending alert whose
 * clock's deadline was counted on provisional calendar years (R11). */
int cf_store_alert_list(cf_store_t *s, const char *agency, int pending, json_t **list,
                        cf_error_t *err);
/* One page of cf_store_alert_list: the alerts after (after_due, after_id) in its
 * order (after_id NULL: from the first), at most limit of them (0: every one). */
int cf_store_alert_page(cf_store_t *s, const char *agency, int pending, cf_time_t after_due,
                        const char *after_id, int limit, json_t **list, cf_error_t *err);
/* The same, only the alerts of the cases handler handles or heads (NULL: all;
 * issue 20 item 1b). */
int cf_store_alert_page_by(cf_store_t *s, const char *agency, const char *handler, int pending,
                           cf_time_t after_due, const char *after_id, int limit, json_t **list,
                           cf_error_t *err);

/* ---- alerts acknowledged and escalated (store-alert-ack.c) ---- */

typedef struct cf_alert_ack_s {
    cf_time_t acked_at;     /* 0: not acknowledged */
    cf_time_t escalated_at; /* 0: not escalated */
} cf_alert_ack_t;

/* OUT *a and *ack: alert id, fired or not; CF_ENOTFOUND when there is none (outputs
 * untouched). */
int cf_store_alert_get(cf_store_t *s, const char *id, cf_alert_t *a, cf_alert_ack_t *ack,
                       cf_error_t *err);
/* Marks fired alert id acknowledged at at (inside the caller's transaction);
 * CF_EEXIST when it is not fired, not there, or acknowledged already. */
int cf_store_alert_ack(cf_store_t *s, const char *id, cf_time_t at, cf_error_t *err);
/* Marks alert id escalated (or found moot) at at; CF_EEXIST when already marked. */
int cf_store_alert_escalated(cf_store_t *s, const char *id, cf_time_t at, cf_error_t *err);
/* The fired alerts fired at or before fired_before that are neither acknowledged nor
 * escalated, oldest first, into OUT out (at most max): the count (>= 0) or a CF_E*. */
int cf_store_alerts_unacked(cf_store_t *s, cf_time_t fired_before, cf_alert_t *out, int max,
                            cf_error_t *err);

/* ---- 案由 dictionaries (store-causes.c) ----
 *
 * Each dictionary (engine/cause.h, docs/causes.md) is kept as its YAML text under
 * the id it declares; the store refuses text that does not load.
 */

/* Parses text (len bytes; source names it in errors) as a 案由 dictionary and
 * stores it under its own id, replacing a dictionary stored with that id. OUT id
 * (id_size bytes; may be NULL): the dictionary's id. Returns 0; CF_EPARSE or
 * CF_EINVALID with err at the line (cf_causes_load), nothing stored; or a storage
 * error. */
int cf_store_causes_put(cf_store_t *s, const char *text, size_t len, const char *source, char *id,
                        size_t id_size, cf_error_t *err);
/* OUT *set: every stored dictionary, by id (free with cf_causes_free); an empty
 * set when none is stored. CF_ECORRUPT if a stored one no longer loads. */
int cf_store_causes_load(cf_store_t *s, cf_causes_t **set, cf_error_t *err);

/* Keeps in ids (in their order) the cases whose 案由 is cause: "<dictionary>:<n>"
 * (a situation, as given at filing: "js-2024:14"), the 案由's id
 * ("provider-fund-use", every situation of it), "<dictionary>:<id>", or its name
 * ("违反医疗保障基金使用规定"); cases without a 案由 are dropped. OUT *count: how many
 * are kept. 0, or a storage error (ids and *count then as they were, or ids partly
 * compacted: discard them). */
int cf_store_cases_keep_cause(cf_store_t *s, const char *cause, int64_t *ids, size_t *count,
                              cf_error_t *err);

/* ---- the log of all cases, and its checkpoints (store-anchor.c) ----
 *
 * Every event is given, in the transaction that commits it, its position in
 * one log over all cases: 0, 1, 2, ... in commit order, whichever writer (the
 * command line, the daemon's group commit) commits it. The Merkle tree over
 * that log (engine/merkle.h) is what a signed checkpoint (engine/anchor.h)
 * anchors outside the database.
 */

/* One event as the log sees it. pos is -1 for an event stored without one
 * (written behind caseflow's back). */
typedef struct cf_store_leaf_s {
    int64_t pos;
    int64_t case_id;
    int64_t seq;
    char hash[CF_CHAIN_HEX]; /* its chain hash as stored ("" if not 64 characters) */
} cf_store_leaf_t;

/* Calls cb for every event by position (those without one first), in one read
 * transaction (or the caller's, when one is open); a non-zero return from cb
 * stops the walk and is returned. */
typedef int (*cf_store_leaf_cb)(void *ctx, const cf_store_leaf_t *leaf);
int cf_store_log_each(cf_store_t *s, cf_store_leaf_cb cb, void *ctx, cf_error_t *err);
/* OUT *leaf: event seq of case case_id as the log sees it; CF_ENOTFOUND. */
int cf_store_log_find(cf_store_t *s, int64_t case_id, int64_t seq, cf_store_leaf_t *leaf,
                      cf_error_t *err);
/* Records a signed checkpoint (its JSON, without its index) in the anchors
 * table. The record is for the operator's listing; an auditor trusts only the
 * copy kept outside the database. */
int cf_store_anchor_put(cf_store_t *s, const json_t *checkpoint, cf_error_t *err);
/* OUT *row: what case id's row caches, as an audit compares it with the fold
 * of the events (new reference): {id, workflow_id, workflow_version,
 * workflow_hash, matter_id, parent_id, party, algo, state, closed, version,
 * head, opened_at, updated_at, closed_at, snapshot}, each column as stored
 * (SQL NULL as JSON null; party and snapshot parsed, or their text when it is
 * not JSON). CF_ENOTFOUND or a storage error. */
int cf_store_case_cached(cf_store_t *s, int64_t id, json_t **row, cf_error_t *err);

/* ---- the case file (store-summary.c, store-stats.c; issue 20) ----
 *
 * Besides the 案号, a case is given a 决定书文号 (kind "decision_number") when a
 * penalty is decided and a 档案号 ("archive_number") when it is archived, each
 * from a counter row of its kind, agency and year taken in the transaction of
 * the action that gives it; and it keeps one summary row (what it is called,
 * who handles it, its days and amounts) from which the statistics are counted.
 */
#define CF_SETTING_DECISION_PATTERN "decision_number_pattern"
#define CF_DECISION_PATTERN_DEFAULT "{abbr}医保罚〔{year}〕{seq}号"
#define CF_SETTING_ARCHIVE_PATTERN  "archive_number_pattern"
#define CF_ARCHIVE_PATTERN_DEFAULT  "{abbr}医保档〔{year}〕{seq}号"

/* As cf_store_case_number_next/put/get for a number of kind ("case_number",
 * "decision_number" or "archive_number"), inside the caller's transaction: next
 * takes the next of the kind's counter for agency and year (a rollback gives it
 * back); put records it (CF_EEXIST when the case has one of that kind, or the
 * number is taken); get reads it (CF_ENOTFOUND when none). */
int cf_store_ref_next(cf_store_t *s, const char *kind, const char *agency, int year, int64_t *seq,
                      cf_error_t *err);
int cf_store_ref_put(cf_store_t *s, int64_t id, const char *kind, const char *number,
                     cf_error_t *err);
int cf_store_ref_get(cf_store_t *s, int64_t id, const char *kind, char *number, size_t size,
                     cf_error_t *err);

/* A case's summary as the writer builds it (its fields are listed in
 * store-summary.c; store-summary-body.c writes and reads its text). Every
 * member is owned by the summary. */
typedef struct cf_summary_clock_s {
    char *clock; /* the clock's id */
    int met;     /* 1: met, 0: late */
    int64_t day; /* the day it stopped */
} cf_summary_clock_t;

typedef struct cf_summary_s {
    char *agency, *power_type, *workflow, *cause, *state; /* never NULL once made */
    char *name, *head;                                    /* NULL: none (null in the text) */
    char **handlers;
    size_t handlers_count;
    int64_t opened, filed, decided, closed; /* days (cf_store_day); 0: not yet */
    int64_t fine, paid, refund, recovered;  /* fen */
    cf_summary_clock_t *clocks;
    size_t clocks_count;
    int rewrite; /* read from a row whose text is not the one cf_summary_write gives
                    (a member missing, say): a write in its place writes the row even
                    when the summary is the same */
} cf_summary_t;

void cf_summary_dispose(cf_summary_t *sum);
/* 1 if a and b hold the same summary (rewrite aside). */
int cf_summary_equal(const cf_summary_t *a, const cf_summary_t *b);
/* Appends sum's text to w: byte for byte json_dumps(JSON_COMPACT | JSON_SORT_KEYS) of
 * the object it stands for (what case_summary.body holds). */
struct cf__jsonw_s;
void cf_summary_write(struct cf__jsonw_s *w, const cf_summary_t *sum);
/* The summary a body holds (a member missing or of another type reads as "", 0 or
 * none). OUT sum (dispose it). CF_ENOMEM. */
int cf_summary_from_json(const json_t *body, cf_summary_t *sum);
/* The summary as a JSON object (new reference), NULL when out of memory. */
json_t *cf_summary_to_json(const cf_summary_t *sum);

/* Case id's summary as last written, as cf_store_summary_get reads it. OUT sum
 * (dispose it). CF_ENOTFOUND, CF_ECORRUPT as below. */
int cf_store_summary_read(cf_store_t *s, int64_t id, cf_summary_t *sum, cf_error_t *err);
/* Writes case id's summary sum in place of old (cf_store_summary_read's, or NULL
 * when it has none): as cf_store_summary_put. */
int cf_store_summary_write(cf_store_t *s, int64_t id, const cf_summary_t *old,
                           const cf_summary_t *sum, cf_error_t *err);
/* The same with sum's text already made (cf_summary_text: a transition prepared off the
 * writer makes it there), or NULL to make it here. Borrows text. */
int cf_store_summary_write_text(cf_store_t *s, int64_t id, const cf_summary_t *old,
                                const cf_summary_t *sum, const char *text, cf_error_t *err);
/* sum's text (what case_summary.body holds: cf_summary_write's), new, or NULL when out of
 * memory. */
char *cf_summary_text(const cf_summary_t *sum);

/* The summary of case id as last written (new reference), or CF_ENOTFOUND (a case
 * not written since schema 10). Its fields are listed in store-summary.c. */
int cf_store_summary_get(cf_store_t *s, int64_t id, json_t **summary, cf_error_t *err);
/* Writes case id's summary sum, replacing old (what cf_store_summary_get gave, or
 * NULL): the row, its people (when they changed) and the counts (by the
 * difference between what old and sum contribute), inside the caller's
 * transaction. Borrows both. */
int cf_store_summary_put(cf_store_t *s, int64_t id, const json_t *old, const json_t *sum,
                         cf_error_t *err);

/* Adds sign (+1 or -1) times what summary sum (NULL: nothing) contributes to the
 * counts into acc, an object {"<handler>\x1f<day>\x1f<dim>\x1f<key>": [n, fen]}:
 * what cf_store_summary_put applies, for a bulk writer (the bench) to sum first. */
void cf_store_summary_counts(json_t *acc, const json_t *sum, int sign);

/* Cases last changed before schema 10 have no summary; migration 14 marks such a
 * database with this setting. OUT *ids (new array): the ids of the cases without
 * a summary while it is marked, [] otherwise (a lookup, not a scan). */
#define CF_SETTING_SUMMARY_BACKFILL "summary_backfill"
int cf_store_summary_missing(cf_store_t *s, json_t **ids, cf_error_t *err);
/* Clears the mark, inside the transaction that wrote their summaries. */
int cf_store_summary_missing_done(cf_store_t *s, cf_error_t *err);

/* The day of t as the counts key it: days since 1970-01-01 in China time (UTC+8). */
int64_t cf_store_day(cf_time_t t);

typedef struct cf_stats_query_s {
    const char *agency;       /* the agency ("" for cases opened without one) */
    const char *handler;      /* only this handler's cases, or NULL */
    int64_t from_day, to_day; /* the period: days [from_day, to_day) (cf_store_day) */
    cf_time_t now;            /* for overdue and due */
    int64_t due_within;       /* seconds; 0: due is 0 */
} cf_stats_query_t;

/* OUT *out (new): the statistics of q: {opened, filed, decided, closed (cases
 * opened, filed, decided, closed in the period), by_power_type, by_state,
 * by_cause, by_handler ({key: cases opened in the period}), fines {decided, paid,
 * outstanding}, funds {ordered, recovered} (yuan strings; for the decisions of
 * the period), clocks {clock: {met, late, on_time_rate (null: none stopped)}}
 * (clocks stopped in the period), overdue, due (cases with a running clock of the
 * agency's own past its deadline at now, or due within q->due_within)}. */
int cf_store_stats(cf_store_t *s, const cf_stats_query_t *q, json_t **out, cf_error_t *err);

/* ---- copying a whole database into another (store-copy.c; `caseflow migrate`) ---- */

/* The most tables a copy reports. */
#define CF_STORE_COPY_TABLES 32

/* What cf_store_copy copied: rows per table, in the order copied. */
typedef struct cf_store_copy_s {
    size_t tables_count;
    struct {
        const char *name; /* static text */
        int64_t rows;
    } tables[CF_STORE_COPY_TABLES];
} cf_store_copy_t;

/* Copies every row of every table of from (read in one snapshot) into to, every
 * column as stored: the events byte for byte with their log positions, case ids,
 * counters, alerts fired, tokens, settings, documents. to must be new (its schema
 * created, nothing in it): CF_EEXIST naming a table that has rows. A table of
 * from this caseflow does not know is refused (CF_ESTORE naming it). Everything
 * is written in one transaction on to: on failure nothing is, and *out is
 * untouched. Neither store may be inside a transaction. OUT *out. */
int cf_store_copy(cf_store_t *from, cf_store_t *to, cf_store_copy_t *out, cf_error_t *err);

/* ---- the workbench's sessions, shared by every daemon (store-session.c) ---- */

#define CF_SETTING_SESSION_KEY "session_key"
/* The key that signs session cookies (64 hex digits) into OUT key: the stored one,
 * or candidate (64 hex digits, the caller's random) stored first when there is
 * none. Two daemons starting at once get the same key. CF_ECORRUPT when the stored
 * value is not 64 characters. */
int cf_store_session_key(cf_store_t *s, const char *candidate, char key[65], cf_error_t *err);
/* Records that session id (64 hex digits) was signed out; it would have expired at
 * expires_at. Forgets the sign-outs of sessions expired by now. Inside the
 * caller's transaction or on its own; recording one twice changes nothing. */
int cf_store_session_end(cf_store_t *s, const char *id, cf_time_t expires_at, cf_time_t now,
                         cf_error_t *err);
/* OUT *ended: 1 if session id was signed out, else 0. */
int cf_store_session_ended(cf_store_t *s, const char *id, int *ended, cf_error_t *err);

/* ---- the Idempotency-Key of POST /v1/cases (store-idem.c) ---- */

/* How long a key's first answer is kept, in seconds from the opening: 24 hours
 * (docs/api.md "Retrying"). */
#define CF_IDEM_KEEP 86400
/* The longest key taken, in bytes. */
#define CF_IDEM_KEY_MAX 255
typedef struct cf_store_idem_s {
    int found;            /* cf_store_idem_get: 1 if the key has an answer kept */
    char body_sha256[65]; /* the SHA-256 of the first request's canonical JSON body */
    int64_t case_id;      /* the case it opened */
    int status;           /* its answer's status */
    char *answer;         /* its answer's JSON text (get: malloc'd, free() it) */
} cf_store_idem_t;
/* OUT *out: the answer kept for who's key (found 0 when none, or past CF_IDEM_KEEP at
 * now). */
int cf_store_idem_get(cf_store_t *s, const cf_principal_t *who, const char *key, cf_time_t now,
                      cf_store_idem_t *out, cf_error_t *err);
/* Keeps in (body_sha256, case_id, status, answer) as who's key's first answer, at now,
 * inside the caller's transaction (the one that opened the case), after forgetting
 * who's agency's keys past CF_IDEM_KEEP. CF_ECONFLICT when the key was kept meanwhile
 * by another transaction (another daemon): nothing written then. */
int cf_store_idem_put(cf_store_t *s, const cf_principal_t *who, const char *key,
                      const cf_store_idem_t *in, cf_time_t now, cf_error_t *err);

/* ---- due alerts claimed by one daemon of several (store-claim.c) ---- */

/* Claims for owner (a daemon's node id) the unfired alerts due at or before now that
 * no other daemon holds a live claim on, at most max, earliest first, each until
 * lease_ms from now on the database's clock, inside the caller's transaction (the
 * claim commits with it). Alerts owner already holds are claimed again (the lease
 * renewed). On PostgreSQL rows another transaction is claiming are skipped, not
 * waited for. Returns the count (>= 0, into OUT out) or a CF_E* code. */
int cf_store_alerts_claim(cf_store_t *s, const char *owner, cf_time_t now, int64_t lease_ms,
                          cf_alert_t *out, int max, cf_error_t *err);
/* Gives up owner's claims on alerts not fired (a daemon stopping cleanly). */
int cf_store_alerts_unclaim(cf_store_t *s, const char *owner, cf_error_t *err);
/* OUT *due: the earliest unfired alert's instant; OUT *wait_ms: 0 when owner may
 * claim it, else how long another daemon's claim on it still runs. CF_ENOTFOUND
 * when none is pending. */
int cf_store_alerts_claim_next(cf_store_t *s, const char *owner, cf_time_t *due, int64_t *wait_ms,
                               cf_error_t *err);

/* ---- the webhook outbox: deliveries owed, kept until done (store-outbox.c) ---- */

/* One delivery owed: an alert's JSON to one webhook. Borrowed pointers when handed in;
 * from cf_store_deliveries_claim every string is the array's own (free it with
 * cf_store_deliveries_free). */
typedef struct cf_delivery_s {
    const char *alert_id; /* the delivery id: the alert's, or "<alert_id>:escalated" */
    const char *url;
    const char *body;   /* the JSON POSTed, as delivered */
    unsigned attempts;  /* tries made (cf_store_deliveries_give_up records them) */
    const char *agency; /* the case's agency, part of the row's key (NULL is '') */
} cf_delivery_t;

/* Records n deliveries owed (state pending), held by owner (a daemon's node id) for
 * lease_ms from now on the database's clock, created at now, inside the caller's
 * transaction (the alert events' own). A row already there is left as it is. Rows
 * are written CF_STORE_DELIVERY_ROWS to a statement. Returns 0 or a CF_E* code. */
#define CF_STORE_DELIVERY_ROWS 15
int cf_store_deliveries_add(cf_store_t *s, const char *owner, int64_t lease_ms, cf_time_t now,
                            const cf_delivery_t *rows, size_t n, cf_error_t *err);
/* Deletes n delivered rows (alert_id, url, agency; the rest ignored). 0 or a CF_E* code. */
int cf_store_deliveries_done(cf_store_t *s, const cf_delivery_t *rows, size_t n, cf_error_t *err);
/* Marks n rows given up (state given_up, with their attempts): never claimed again. */
int cf_store_deliveries_give_up(cf_store_t *s, const cf_delivery_t *rows, size_t n,
                                cf_error_t *err);
/* Extends owner's leases on its pending rows to lease_ms from now (it still holds them
 * in memory), or, when lease_ms is 0, ends them (a daemon stopping cleanly: any daemon
 * may take them at once). */
int cf_store_deliveries_renew(cf_store_t *s, const char *owner, int64_t lease_ms, cf_error_t *err);
/* Claims for owner at most max pending rows whose lease ran out, or, with orphans, every
 * pending row another owner holds (one daemon alone on its database: no other is
 * alive), each until lease_ms from now, oldest lease first, inside the caller's
 * transaction; on PostgreSQL rows another transaction is claiming are skipped. OUT
 * *out: a new array of the rows (cf_store_deliveries_free), NULL when none; returns
 * how many (>= 0) or a CF_E* code (*out untouched). */
int cf_store_deliveries_claim(cf_store_t *s, const char *owner, int64_t lease_ms, int orphans,
                              int max, cf_delivery_t **out, cf_error_t *err);
/* Frees n rows from cf_store_deliveries_claim or _retry. */
void cf_store_deliveries_free(cf_delivery_t *rows, int n);
/* Sets agency's given-up rows of delivery id (to every URL, or to url alone when not
 * NULL) pending again, attempts 0, held by owner for lease_ms from now (it delivers them
 * at once), inside the caller's transaction. OUT *out: a new array of them, at most
 * CF_STORE_DELIVERY_RETRY_MAX (cf_store_deliveries_free), NULL when none; returns how
 * many (0: no such row given up) or a CF_E* code (*out untouched). */
#define CF_STORE_DELIVERY_RETRY_MAX 64
int cf_store_deliveries_retry(cf_store_t *s, const char *owner, int64_t lease_ms,
                              const char *agency, const char *id, const char *url,
                              cf_delivery_t **out, cf_error_t *err);
/* The rows of agency, in state "pending" or "given_up" (NULL: both; anything else is
 * CF_EINVAL), of the delivery ids after `after` (NULL: from the first), at most max ids
 * (every row of each), by id then URL. OUT *list (new): [{alert_id, url, state, attempts,
 * created_at (ISO 8601), alert (the JSON posted, parsed; null if it is not JSON)}].
 * Another agency's rows are never read. 0 or a CF_E* code (*list untouched). */
int cf_store_deliveries_list(cf_store_t *s, const char *agency, const char *state,
                             const char *after, int max, json_t **list, cf_error_t *err);
/* How many rows are pending (and OUT *given_up, when not NULL, how many given up). */
int cf_store_deliveries_count(cf_store_t *s, int64_t *pending, int64_t *given_up, cf_error_t *err);

/* ---- the log read from a position on (store-follow.c) ---- */

/* One event as a follower of the log reads it: borrowed until the callback returns. */
typedef struct cf_store_logged_s {
    int64_t pos, case_id, seq;
    const char *type, *body; /* body: the event's JSON as stored */
    /* The case's version and state right after the change the event belongs to (its
     * run of consecutive events in the log: one request's) for the events a stream
     * notices (case.opened, transition, clock.extended); for others the case's now. */
    int64_t version;
    const char *state;
    const char *agency;   /* NULL: a case opened without one */
    const char *workflow; /* the case's workflow id */
    const char *facts;    /* an "alert" event only: the case's facts (JSON) now; else NULL */
} cf_store_logged_t;
typedef int (*cf_store_logged_cb)(void *ctx, const cf_store_logged_t *e);

/* OUT *end: one more than the last position in the log (0 when it is empty). */
int cf_store_log_end(cf_store_t *s, int64_t *end, cf_error_t *err);
/* Calls cb for the events at positions from on, in position (commit) order, at most
 * max; a non-zero return from cb stops and is returned. Returns the count read (>= 0)
 * or a CF_E* code; when max are read, the last change (its consecutive events) may be
 * left for the next read, which then starts after the last event cb was given. */
int cf_store_log_after(cf_store_t *s, int64_t from, int max, cf_store_logged_cb cb, void *ctx,
                       cf_error_t *err);

#endif
