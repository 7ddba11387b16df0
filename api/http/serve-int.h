/*
 * serve-int.h -- what the daemon's files share; not public.
 *
 * api/http is a front end: it turns requests into the operation layer's input
 * (api/ops/ops.h) and answers with what comes back. Dependencies: api/http ->
 * api/ops -> storage -> engine; h2o and curl are linked here only (cf_http).
 *
 * Map of the daemon (every file runs on the loop thread unless it says so):
 *   serve.c          open, run, stop, drain and close; the daemon's clock
 *   serve-config.c   defaults and the config file
 *   serve-cmd.c      `caseflow serve` and `caseflow token create`
 *   serve-writer.c   the writer thread: queue, group commit, results back by uv_async
 *   serve-checkpoint.c the checkpointer thread: the log copied into the database;
 *                    the log's restarts (writer thread)
 *   serve-jobs.c     a job inside the writer's transaction (writer thread): its JSON
 *                    translated into the operation layer (api/ops)
 *   serve-fire.c     a FIRE job (writer thread): one chunk of the alerts due, fired
 *   serve-ahead.c    a PREFETCH job (writer thread): the cases of an instant read ahead
 *   http.c           h2o setup, the listener, connections, h2o's timeouts
 *   http-unix.c      listening on a Unix socket: the path's checks, a stale file, the mode
 *   http-route.c     the table of routes, the order of checks, the framing check
 *   http-auth.c      who sent a request: bearer token (cache, tokens table) or session
 *   http-answer.c    JSON, text and error answers; query parameters
 *   http-read.c      the GET endpoints: parsed on the loop, read by the reader pool
 *   serve-readers.c  the reader pool: threads with read-only connections, results
 *                    back by uv_async
 *   http-write.c     the POST endpoints: parse, queue a job, answer when committed
 *   sched.c          the deadline scheduler: one uv_timer on the alerts index, fired
 *                    in chunks
 *   sched-deliver.c  alert delivery: SSE stream, JSON-lines log, webhooks (curl multi)
 *   sched-outbox.c   the webhook outbox: deliveries owed kept in the database until done
 *   serve-anchor.c   the signed checkpoint timer (work on libuv's thread pool)
 */
#ifndef CF_SERVE_INT_H
#define CF_SERVE_INT_H

#include <curl/curl.h>
#include <h2o.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <uv.h>

#include "cache.h"
#include "engine.h"
#include "jsonw.h"
#include "serve.h"
#include "store.h"

/* The monotonic clock in microseconds, for the durations the writer, the checkpointer,
 * the read-ahead and a firing chunk measure (one definition; each file had a copy). */
static inline uint64_t cf__micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- token cache (the loop's) ---- */

/* Bearer tokens recently found in the database, by their text, direct-mapped: a
 * request with a known token skips hashing it and reading the tokens table
 * (together a fifth of the loop's time under load). An entry is trusted for
 * cfg.token_cache_ms; only tokens found valid are kept. */
#define CF__TOKEN_SLOTS 64
#define CF__TOKEN_MAX   128 /* longer tokens are looked up every time */

typedef struct cf__token_slot_s {
    uint64_t until; /* trusted while uv_now() is before this; 0: empty */
    size_t len;
    char text[CF__TOKEN_MAX];
    cf_principal_t who;
} cf__token_slot_t;

/* ---- jobs: requests to the writer ---- */

typedef enum cf__job_kind_e {
    CF__JOB_OPEN = 0,
    CF__JOB_ACT,
    CF__JOB_EXTEND,
    CF__JOB_FIRE,        /* fire one chunk of the alerts due at job->now */
    CF__JOB_PREFETCH,    /* read the cases of the alerts due at job->now ahead (a slice) */
    CF__JOB_EXCLUDE,     /* record an excluded period on a clock */
    CF__JOB_TOKEN_USED,  /* record a token's last use (body: its hash, a JSON string) */
    CF__JOB_EVIDENCE,    /* add an item to the case's evidence register (serve-jobs.c) */
    CF__JOB_RECORD,      /* add a 询问笔录 or 现场检查笔录 */
    CF__JOB_ACK,         /* acknowledge an alert (body: {alert_id}; serve-alert-ack.c) */
    CF__JOB_ESCALATE,    /* escalate the alerts nobody acknowledged in time */
    CF__JOB_SESSION_END, /* record a sign-out (body: {id, expires_at}; http-session.c) */
    CF__JOB_OUTBOX,      /* the webhook outbox's rows: done, given up, claimed (sched-outbox.c) */
} cf__job_kind_t;

typedef struct cf__job_s cf__job_t;
typedef struct cf__reqlink_s cf__reqlink_t;

/* A write's phases (serve-writer.c): queued (until the writer takes it), behind (the jobs
 * before it in its batch), exec, after (the jobs after it), commit, back (until the loop
 * has it). */
enum { CF__PHASE_MARKS = 6, CF__PHASES = 6 };

typedef void (*cf__job_cb)(cf__job_t *job);

struct cf__job_s {
    cf__job_t *next;
    cf__job_kind_t kind;
    cf_principal_t who;
    int64_t case_id;
    int64_t if_match; /* the version the client read, or -1 */
    json_t *body;     /* the request's JSON, owned */
    /* OPEN: the Idempotency-Key ("" when none) and the SHA-256 of the body's canonical JSON
     * (http-write.c); idem_replayed, set by the writer: answered with the key's first answer */
    char idem_key[CF_IDEM_KEY_MAX + 1];
    char idem_sha[65];
    int idem_replayed;
    cf_time_t now;
    /* filled by the writer thread */
    int status;        /* HTTP status of the answer */
    json_t *answer;    /* the answer's body, owned; or NULL and answer_text */
    char *answer_text; /* a change's answer, written as text by the writer, owned */
    size_t answer_len;
    char *notices; /* stream notices (SSE frames) for who.agency, owned; sent after commit */
    size_t notices_len;
    unsigned notice_count;
    json_t *alerts; /* FIRE: the alerts fired, each with "agency", owned */
    int more;       /* FIRE: the chunk was full, more alerts may be due; PREFETCH: more to read */
    unsigned fired; /* FIRE: alerts fired by the chunks before this one; PREFETCH: cases ready */
    unsigned chunk; /* FIRE: how many chunks came before this one */
    int ahead;      /* FIRE: written before its instant j->now and committed at it
                       (serve-fire-ahead.c); 0 once the instant came */
    char *texts;    /* FIRE, ESCALATE: each of alerts' JSON text, NUL-ended, in order, as the
                       outbox stored it (sched-outbox.c), owned; NULL: none written */
    /* back on the loop */
    cf__job_cb done;
    cf_serve_t *srv;
    cf__reqlink_t *link; /* the waiting HTTP request, NULL once it went away */
    /* Sends the HTTP answer alone, before the alerts of the job's batch are delivered
     * (serve-writer.c, cf__writer_hand_back); done then does the rest. NULL: done answers. */
    cf__job_cb reply;
    /* Where a request's time went (serve-writer.c), monotonic microseconds: queued, taken
     * by the writer, its execution begun and ended, its batch's commit begun and ended */
    uint64_t at[CF__PHASE_MARKS];
    int queued_firing; /* a firing was in flight when it was queued */
    /* ACT: the transition prepared off the writer thread (serve-writer.c, the preparer),
     * owned, or NULL; prepared with the writer's calendar of generation cal_gen */
    struct cf_ops_ready_s *ready;
    uint64_t cal_gen;
};

/* Ties a job to its h2o request: allocated in the request's pool, so when h2o
 * disposes the request (client gone) the job forgets it. */
struct cf__reqlink_s {
    cf__job_t *job;
    h2o_req_t *req;
};

/* Frees a job and what it owns (not its link). */
void cf__job_free(cf__job_t *job);

/* Runs one job inside the writer's open transaction (writer thread). Fills
 * job->status, answer, notices, alerts (and more, for FIRE). Returns 0 when the
 * job's writes are to be kept, non-zero when its savepoint must be rolled back. */
int cf__job_exec(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *job);

/* Prepares an ACT job off the writer thread (the preparer, serve-writer.c), on a
 * read-only connection s and the writer's calendar cal: the transition decided, sealed
 * and summarized (cf_ops_act_prepare) into job->ready, its answer and notices written as
 * text. Leaves job->ready NULL for anything the writer is to do whole. */
void cf__job_prepare(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *job);

/* FIRE candidates: the due alerts read from the index by one query, fired a chunk at
 * a time (writer thread only). The query sorts every due row (ORDER BY due_at,
 * alert_id), so reading it again for every chunk of a 10,000-alert second would cost
 * more than the chunk. A candidate is only a hint: fire_one re-checks its clock, and
 * cf_store_alert_mark refuses a row that is no longer pending, in the savepoint that
 * holds the event. */
typedef struct cf__firelist_s {
    cf_alert_t *alerts; /* CF__FIRE_READ of them, malloc'd on first use */
    int count, next;    /* read, and the first not yet tried */
    int full;           /* the last read filled the list: more may be due */
    unsigned reads;     /* how many times it was read (a rollback rewinds it: serve-writer.c) */
} cf__firelist_t;

/* The cases read ahead of one instant's alerts (sched-ahead.c; writer thread only):
 * PREFETCH jobs put them, a slice at a time, firing takes them. */
#define CF__AHEAD_MAX 16384 /* cases at most (a day's burst of one bureau, with room) */
/* Prepared rows given back to an idle preparer that wake it to free them (prep.spent) */
#define CF__PREP_SPENT_WAKE 64
/* An alert's rows made while its case was read ahead (serve-ahead.c): the event sealed
 * onto the case's head as it was read, the case's next snapshot, what is delivered. Used
 * only for that alert, fired at the instant it was sealed for, and written only if the
 * case is still at the version it was sealed onto (cf_store_case_put_sealed). */
typedef struct cf__ahead_prep_s {
    char alert_id[160];         /* the alert it was made for */
    cf_time_t at;               /* its event's `at`: the instant */
    cf_time_t due_at, deadline; /* the alert's, as it was read ahead */
    cf_store_sealed_t w;        /* its rows; w.head, snapshot, bodies, agency point below */
    char head[CF_CHAIN_HEX];
    char agency[128];
    char *snapshot, *body;
    json_t *events; /* [the sealed event] */
    json_t *fired;  /* what is delivered (cf__alert_json) */
    /* To seal it again at a later second (a burst that runs past its instant's second):
     * the head it chains onto, and where `at`, the hash and the update time lie in the
     * texts (at_off 0: not found, used only at the instant). */
    char prev[CF_CHAIN_HEX];
    cf_chain_algo_t algo;
    size_t canon_len, at_off, at_len, snap_head_off, snap_upd_off, upd_len;
} cf__ahead_prep_t;

/* Frees p (NULL accepted). */
void cf__ahead_prep_free(cf__ahead_prep_t *p);

typedef struct cf__ahead_s {
    cf_case_t *slots;        /* open addressing by id, allocated by the first put */
    char **agency;           /* each slot's case's agency (malloc'd), beside slots */
    cf__ahead_prep_t **prep; /* each slot's alert rows made ahead, or NULL, beside slots */
    unsigned count;          /* cases put since the reset (taken ones too) */
    cf_time_t instant;       /* the instant they are read for (0: none) */
    cf_alert_t *page;        /* due alerts read from the index, whose cases are read next */
    int page_n, page_next;
    int done; /* every alert due at the instant has been read */
    int keep; /* firing ahead: rows written stay in the table until their commit */
} cf__ahead_t;

/* Empties a (frees its cases) and makes it the table of instant. */
void cf__ahead_reset(cf__ahead_t *a, cf_time_t instant);
/* 1 if a holds case id at head. */
int cf__ahead_has(const cf__ahead_t *a, int64_t id, const char *head);
/* Keeps *c (moved in: the caller no longer disposes it) with its agency (copied),
 * replacing a copy of the same case. Returns 0, or -1 when the table is full or out of
 * memory (c is then still the caller's). */
int cf__ahead_put(cf__ahead_t *a, cf_case_t *c, const char *agency);
/* OUT out (moved out: dispose it): case id if a holds it at head, and a no longer
 * does; else CF_ENOTFOUND and out untouched. */
int cf__ahead_take(cf__ahead_t *a, int64_t id, const char *head, cf_case_t *out);
/* The same whatever its head, OUT agency (size bytes) too: the caller verifies the
 * case is still at that head (firing: the write's version check, serve-fire.c). */
int cf__ahead_take_any(cf__ahead_t *a, int64_t id, cf_case_t *out, char *agency, size_t size);
/* Keeps p (owned: consumed on every path) as the rows made ahead for case id, which a
 * holds: 0, or CF_ENOTFOUND (p freed). A case put again or taken loses its rows. */
int cf__ahead_prepare(cf__ahead_t *a, int64_t id, cf__ahead_prep_t *p);
/* The rows made ahead for case id (borrowed), or NULL. */
const cf__ahead_prep_t *cf__ahead_prepared(const cf__ahead_t *a, int64_t id);
/* Takes case id's rows made ahead out of a with the case (disposed): OUT a new owned
 * prep (cf__ahead_prep_free), or NULL when there are none (the case then stays). */
cf__ahead_prep_t *cf__ahead_take_prep(cf__ahead_t *a, int64_t id);

/* An alert fired more than this many seconds after it was due is marked late. */
#define CF__LATE_AFTER 60
/* The instants an alert event carries, kept from the alert before (serve-fire.c): the
 * alerts of a chunk share `at`, and those of a burst their due_at and deadline, so each
 * is formatted once (3,300 instructions) and its string made once, then shared by the
 * chunk's events and deliveries (jansson counts references atomically). */
typedef struct cf__fire_times_s {
    cf_time_t t[3];
    json_t *text[3];
} cf__fire_times_t;
void cf__fire_times_dispose(cf__fire_times_t *m);
/* The alert event of a on c at now (new reference; NULL when out of memory), its
 * instants' strings from m (serve-fire.c). */
json_t *cf__alert_event(cf__fire_times_t *m, const cf_case_t *c, const cf_alert_t *a, cf_time_t now,
                        int late);
/* Sets job's answer to the error {"error": NAME, "text": text} with code's status;
 * returns -1 (the job's writes are rolled back). */
int cf__job_fail(cf__job_t *j, int code, const char *text);
/* A FIRE job: one chunk of the alerts due at j->now, fired in the writer's transaction;
 * j->more when alerts may be left (serve-fire.c). 0, or -1 to roll it back. */
int cf__job_exec_fire(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j);
/* A PREFETCH job: one slice of reading ahead of j->now (serve-ahead.c). */
int cf__exec_prefetch(cf_store_t *s, cf_wfcache_t *wfs, cf__job_t *j);

typedef struct cf__writer_s {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cf__job_t *queue, *queue_tail; /* waiting for the next batch */
    unsigned queued;               /* how many (under mu) */
    cf__job_t *done, *done_tail;   /* committed (or failed), for the loop */
    int quit;
    int started;
    uv_async_t async;
    cf_store_t *store; /* the writer's own connection */
    cf_calendar_t *cal;
    cf_wfcache_t wfs;
    cf_casecache_t cases; /* wfs.cases points here */
    /* the checkpointer: copies the log into the database on its own connection
     * and thread, so no commit waits for it (serve-checkpoint.c) */
    struct {
        pthread_t thread;
        cf_store_t *store;
        int started, quit, pending; /* pending: commits since its last run */
        atomic_int copied;          /* frames of the log in the database after its last run */
        atomic_int eager;           /* a firing has chunks left: it runs after every commit */
        atomic_int interval_ms;     /* else once an interval: CF__CKPT_INTERVAL_MS; tests */
        pthread_mutex_t mu;
        pthread_cond_t cv;
        pthread_mutex_t run; /* held while it copies: the writer's restart at the firing
                                bound waits for it (serve-checkpoint.c) */
    } ckpt;
    atomic_ullong checkpoints;
    /* the log started over (serve-checkpoint.c): after a commit that left it past
     * wal_restart_frames frames, the writer copies the rest and restarts it */
    atomic_ullong wal_restarts;
    atomic_int wal_restart_frames; /* CF__WAL_RESTART_FRAMES; tests lower it */
    atomic_int wal_firing_frames;  /* CF__WAL_FIRING_FRAMES; tests lower it */
    /* what the writer's restarts cost it: the frames they copied themselves (the
     * checkpointer had not reached them), and the time they took (microseconds) */
    atomic_ullong wal_restart_copied, wal_restart_us;
    atomic_ullong wal_written; /* frames the writer's commits wrote (cf_store_wal_written) */
    int firing;      /* writer thread: the last firing chunk left alerts due (serve-writer.c) */
    int fire_frames; /* writer thread: the frames the last firing commit wrote */
    int ahead_pace;  /* writer thread: a held firing committed, the log not yet started over */
    unsigned alert_frames16;       /* writer thread: frames an alert of the last firing commit,
                                      times 16 (0: none yet): a chunk stops at the log's bound */
    atomic_ullong chunks_at_bound; /* firing chunks that stopped at the log's bound */
    atomic_ullong absorbed;        /* batches with firing work that took in the requests
                                      queued meanwhile (serve-writer.c, absorb) */
    atomic_ullong joined;          /* times a batch of requests took in the requests
                                      queued meanwhile (serve-writer.c, join) */
    atomic_ullong unsaved, redone; /* jobs run without a savepoint of their own, and
                                      transactions begun again because one of them failed
                                      after it wrote (serve-writer.c, redo) */
    atomic_uint waiting;           /* requests in this batch and queued for the next: a firing
                                      chunk yields to them (serve-fire.c) */
    atomic_uint streams;           /* event streams open (the loop counts them; jobs read it) */
    cf__firelist_t fire;
    unsigned fire_read; /* due alerts read from the index at a time: the firing's page
                           (serve-fire.c); 0: CF__FIRE_READ; tests lower it */
    cf__ahead_t ahead;
    /* Firing ahead (serve-fire-ahead.c): the FIRE job written before its instant, held by the
     * writer thread until the loop says the instant came (go, under mu: the loop's now then,
     * or -1 to drop it at a stop); at most fire_ahead_max alerts (CF__FIRE_AHEAD_MAX; tests
     * lower it); the alerts committed so, and the times the work was rolled back for a
     * request */
    cf__job_t *held;
    atomic_llong go;
    unsigned fire_ahead_max;
    atomic_ullong fired_ahead, ahead_rollbacks;
    atomic_ullong ahead_presyncs; /* held transactions whose log was synced before the instant */
    atomic_ullong wal_restarts_ahead; /* the log started over before a firing written ahead */
    atomic_int ahead_held;            /* 1 while its rows wait, written, for the instant */
    unsigned inflight;                /* loop thread only: jobs submitted and not yet done */
    /* statistics, written by the writer thread */
    atomic_ullong batches, jobs, max_batch, failed_commits, commit_us;
    atomic_int cal_stale; /* a new calendar version: reload cal before the next batch */
    /* cal is swapped under cal_lock (write-locked by the writer thread, read-locked by the
     * preparer while it prepares with cal); cal_gen counts the swaps */
    pthread_rwlock_t cal_lock;
    uint64_t cal_gen;
    /* The preparer (serve-writer.c): a thread that prepares ACT jobs on a read-only
     * connection of its own before they are queued for the writer. SQLite only. */
    struct {
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        cf__job_t *queue, *queue_tail;
        atomic_uint queued; /* jobs in queue */
        int quit, started;
        cf_store_t *store;
        cf_wfcache_t wfs; /* wfs.cases: the writer's (cases_mu) */
        /* What the loop gives back of answered jobs (their prepared rows: cf__job_free),
         * freed by the preparer, whose memory it is; under mu. freed counts them. Given
         * back and not yet freed, CF__PREP_SPENT_WAKE wake an idle preparer to free them (a
         * busy one frees them each time it takes a job): what it holds while idle. */
        struct cf_ops_ready_s **spent;
        size_t spent_n, spent_cap;
        atomic_ullong freed;
    } prep;
    pthread_mutex_t cases_mu;              /* cases.lock while the preparer runs */
    atomic_ullong prepared, prepared_used; /* ACT jobs prepared; of them, written as such */
    /* progress, for /readyz (serve-health.c), in uv_hrtime milliseconds: when the
     * oldest job waiting in queue was queued (0: queue empty; under mu), when the
     * oldest job of the batch being written was (0: none being written), when the
     * last batch ended */
    uint64_t queued_since_ms;
    atomic_ullong writing_since_ms, last_batch_ms;
} cf__writer_t;

/* The writer's page cache (SQLite's default is 2 MB). */
#define CF__WRITER_CACHE_KIB 16384
/* The writer's page cache while it writes a firing ahead: the held pages (~40-46 MB for
 * CF__FIRE_AHEAD_MAX alerts) stay in it until the presync writes each once (serve-fire-ahead.c
 * says why) */
#define CF__HELD_CACHE_KIB 65536
/* Alerts written ahead of their instant in one transaction (serve-fire-ahead.c says why):
 * ~2.25 frames of 4 KB an alert at a million cases, 46 MB, with a log of up to 16 MB not
 * yet started over before it (CF__WAL_RESTART_BYTES) under 64 MB */
#define CF__FIRE_AHEAD_MAX 5000

/* ---- between the writer (serve-writer.c) and firing ahead (serve-fire-ahead.c) ---- */

/* One transaction for the whole batch (serve-writer.c): 0, or 1 when the batch is a job
 * fired ahead (alone) that was rolled back before its instant. Writer thread. */
int cf__writer_run_batch(cf__writer_t *w, cf__job_t *batch);
/* Gives a written batch back to the loop. Writer thread. */
void cf__writer_hand_over(cf__writer_t *w, cf__job_t *batch);
/* Forgets what a job's run answered, before it runs again. */
void cf__job_forget(cf__job_t *j);
/* The frames a full chunk after the held commit j (which wrote frames) may write. */
int cf__fire_ahead_chunk_frames(const cf__writer_t *w, const cf__job_t *j, int frames);
/* The job fired ahead (j, alone in its transaction, rc its run's result) waits for its
 * instant: 0 to commit, 1 when it was rolled back (serve-fire-ahead.c). */
int cf__fire_ahead_hold_until_instant(cf__writer_t *w, cf__job_t *j, int rc);
/* Takes the job to fire ahead out of batch into w->held; returns the rest. */
cf__job_t *cf__fire_ahead_hold(cf__writer_t *w, cf__job_t *batch);
/* Runs the held job when nothing else waits, or once the loop said its instant came. */
void cf__fire_ahead_fire_held(cf__writer_t *w);

/* Tells the writer the instant of the FIRE job it holds ahead (serve-fire-ahead.c) came: now
 * the loop's now (the job commits if it is the job's instant, else fires as any chunk at
 * now), or -1 to give the job back unfired (a stop). Loop thread. */
void cf__writer_go(cf_serve_t *srv, cf_time_t now);

/* Starts the writer thread on its own connection to path. Returns 0 or a CF_E*. */
int cf__writer_start(cf_serve_t *srv, const char *path, cf_error_t *err);
/* Queues job (ownership passes to the writer; job->done runs on the loop). */
void cf__writer_submit(cf_serve_t *srv, cf__job_t *job);
/* Hands a batch the writer is done with back on the loop (its async callback): the
 * requests' answers first (job->reply), then every job's done in the batch's order. */
void cf__writer_hand_back(cf_serve_t *srv, cf__job_t *list);
/* Stops and joins the thread (after the loop has no job in flight), closes its
 * async handle. */
void cf__writer_stop(cf_serve_t *srv);

/* ---- the checkpointer (serve-checkpoint.c): the writer's calls ---- */

/* The alerts a firing chunk may fire before the log of frames frames (the writer's,
 * at its last commit) passes its firing bound, at the last firing commit's frames an
 * alert and a quarter more (0 when none fit); -1 when not known (no checkpointer: SQLite's
 * own checkpoints, or PostgreSQL; no firing commit yet). Writer thread (serve-checkpoint.c). */
long cf__wal_room_alerts(const cf__writer_t *w, int frames);

/* Sets the log's bounds (wal_restart_frames, wal_firing_frames) and the checkpointer's
 * interval to their defaults; tests lower them later. */
void cf__ckpt_defaults(cf__writer_t *w);
/* Starts the checkpointer thread on a connection of its own to path and turns the
 * writer's own checkpoints off; if it cannot, w->ckpt.started stays 0 and the writer
 * keeps SQLite's checkpoints inside its commits. Before the writer thread runs. */
void cf__ckpt_start(cf__writer_t *w, const char *path);
/* Stops and joins the checkpointer if it started (after the writer thread stopped). */
void cf__ckpt_stop(cf__writer_t *w);
/* Writer thread, after a commit: whether the checkpointer runs after every commit
 * (alerts fire near the log's bound) or once an interval. */
void cf__ckpt_pace(cf__writer_t *w);
/* Writer thread, after a commit: the log grew; the checkpointer copies it when its
 * interval is up. */
void cf__ckpt_poke(cf__writer_t *w);
/* Writer thread, between two batches (after the answers went): when the log is long,
 * copies what the checkpointer has not and starts the log over. */
void cf__wal_restart(cf__writer_t *w);
/* Writer thread, before it writes a firing ahead of its instant (outside a transaction):
 * a log holding any frame is started over (after the checkpointer's run under way), so
 * that the held transaction's frames begin at the log's start. */
void cf__wal_restart_ahead(cf__writer_t *w);

/* ---- the reader pool (serve-readers.c) ---- */

typedef struct cf__read_s cf__read_t;
/* Runs a read on a reader thread, on its connection s and workflow cache wfs: fills
 * r->status and r->text (cf__read_answer or cf__read_error), and r->etag and
 * r->next_cursor when it has them. */
typedef void (*cf__read_fn)(cf_store_t *s, cf_wfcache_t *wfs, cf__read_t *r);

struct cf__read_s {
    cf__read_t *next;
    cf_serve_t *srv;
    h2o_req_t *req;    /* loop only: NULL once the client went away */
    cf__read_t **link; /* in req's pool: forgets this job when req goes */
    cf__read_fn run;
    cf_principal_t who;
    cf_time_t now; /* the daemon's clock when the request came */
    /* what to read (copied: the request's pool may go first) */
    int64_t id;
    cf_case_filter_t filter; /* strings point into strings */
    int pending;             /* alerts: 0 all, 1 pending, -1 fired */
    int unacked;             /* alerts: only the fired ones nobody acknowledged */
    cf_time_t after_due;     /* alerts: the cursor's instant and id (after_id[0]: none) */
    char after_id[160];
    int limit; /* rows per page */
    char *strings;
    /* the answer */
    int status;
    char *text; /* JSON, malloc'd; NULL: out of memory */
    size_t text_len;
    const char *content_type; /* a 200 that is not JSON (a 文书's PDF): text is its bytes */
    char etag[32];
    char next_cursor[200];
};

typedef struct cf__reader_s {
    pthread_t thread;
    struct cf__readers_s *pool;
    cf_store_t *store; /* its own read-only connection */
    cf_wfcache_t wfs;
} cf__reader_t;

#define CF__READERS_MAX 64

typedef struct cf__readers_s {
    cf__reader_t threads[CF__READERS_MAX];
    unsigned count;
    int ready;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cf__read_t *queue, *queue_tail, *done, *done_tail;
    int quit;
    uv_async_t async;
    unsigned inflight; /* loop only */
    atomic_ullong reads;
} cf__readers_t;

/* A read job for req as who, to run with run; NULL after answering 500. */
cf__read_t *cf__read_new(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who,
                         cf__read_fn run);
/* Queues r to the pool (ownership passes; the loop answers req when it is done). */
void cf__read_submit(cf__read_t *r);
/* A read of case id for req as who, run on the pool with run (cf__read_new, then
 * cf__read_submit with r->id set): the whole of a GET on one case that has nothing else
 * to parse. Returns 0: req is answered when the read is done, or at once (500) when out
 * of memory. (http-read.c) */
int cf__read_case(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id,
                  cf__read_fn run);
void cf__read_free(cf__read_t *r);
/* Reader thread: sets the answer to body (consumed) as JSON text, with status. */
void cf__read_answer(cf__read_t *r, int status, json_t *body);
/* Reader thread: sets the answer {"error": name, "text": text}. */
void cf__read_error(cf__read_t *r, int status, const char *name, const char *text);
/* Starts cfg.readers threads, each on its own read-only connection. */
int cf__readers_start(cf_serve_t *srv, cf_error_t *err);
/* Joins them (nothing may be in flight) and closes the async handle. */
void cf__readers_stop(cf_serve_t *srv);

/* ---- alert delivery ---- */

typedef struct cf__sse_s {
    h2o_generator_t gen; /* first: h2o hands it back to us */
    h2o_linklist_t link;
    h2o_req_t *req;
    cf_serve_t *srv;
    char agency[128];
    uint64_t token_id; /* FNV-1a of the token's SHA-256 (sched-deliver.c): streams per token */
    char *pending;     /* bytes waiting for the next send, from pending_off */
    size_t pending_len, pending_off;
    char *inflight; /* bytes h2o is sending (at most CF__SSE_SEND_MAX) */
    size_t inflight_len;
    uint64_t behind_since; /* uv_hrtime when it last got unsent bytes; 0: none */
    int sending;
    int finishing;
} cf__sse_t;

/* Most bytes handed to h2o in one send of a stream: what a client that stopped reading
 * pins beyond its unsent bytes (the send buffer h2o holds until it is written). */
#define CF__SSE_SEND_MAX (64u << 10)

typedef struct cf__hook_s {
    uv_timer_t retry; /* first */
    h2o_linklist_t link;
    cf_serve_t *srv;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    const char *url;
    char *url_owned; /* url, when it is no longer one of cfg.webhooks (a reloaded row) */
    char alert_id[160];
    char agency[128]; /* the case's: part of the outbox row's key */
    unsigned attempt;
    int durable; /* its row is in the outbox (sched-outbox.c): marked when done */
    char errbuf[CURL_ERROR_SIZE];
} cf__hook_t;

typedef struct cf__curlsock_s {
    uv_poll_t poll; /* first */
    h2o_linklist_t link;
    curl_socket_t fd;
    cf_serve_t *srv;
} cf__curlsock_t;

/* ---- the daemon ---- */

typedef struct cf__conn_s {
    union {
        uv_tcp_t tcp;   /* accepted on TCP */
        uv_pipe_t pipe; /* accepted on a Unix socket (cfg.unix_path) */
    } io;               /* first: on_conn_closed casts the handle back */
    h2o_linklist_t link;
    cf_serve_t *srv;
} cf__conn_t;

/* The one h2o handler (path "/"): h2o passes it to cf__http_on_req. */
typedef struct cf__handler_s {
    h2o_handler_t super;
    cf_serve_t *srv;
} cf__handler_t;

/* serve-health.c's histogram: its bucket bounds and the routes it tells apart */
#define CF__LATENCY_BUCKETS 13
#define CF__LATENCY_ROUTES  40

typedef struct cf__metrics_s {
    uint64_t status[6]; /* answers by class: [2] = 2xx ... [5] = 5xx */
    uint64_t by_code[600];
    uint64_t alerts_fired, alerts_late;
    uint64_t alerts_prefetched; /* cases made ready ahead of their alerts' instant */
    uint64_t fire_chunks;       /* firing chunks (FIRE jobs) come back, each a commit */
    uint64_t webhook_ok, webhook_failed, webhook_retries;
    uint64_t sse_sent, sse_overflows; /* events queued to streams; streams ended behind */
    uint64_t calendar_reloads;        /* calendar versions picked up (serve-calendar.c) */
    uint64_t sse_dropped;             /* of those, ended by the cap on all streams' memory */
    uint64_t sse_refused;             /* streams refused: the token had streams_per_token open */
    /* request latency by route pattern and method (serve-health.c); the loop's */
    struct cf__latency_s {
        uint64_t buckets[CF__LATENCY_BUCKETS]; /* each counts what fell at or under its bound */
        uint64_t count, sum_us;
    } latency[CF__LATENCY_ROUTES][3]; /* [route][GET, POST, other] */
    /* requests' writes by phase (serve-writer.c), [0] none firing, [1] while alerts fired */
    struct cf__phases_s {
        uint64_t us[CF__PHASES], count;
    } phases[2];
} cf__metrics_t;

enum { CF__RUNNING = 0, CF__STOPPING, CF__CLOSED };

struct cf_serve_s {
    cf_serve_config_t cfg;
    uint64_t req_seq; /* the loop's: requests seen, for X-Request-Id (serve-log.c) */
    uint32_t boot_id; /* the start's seconds: request ids differ across restarts */
    uv_loop_t loop;
    h2o_globalconf_t h2o;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    union {
        uv_handle_t handle;
        uv_tcp_t tcp;
        uv_pipe_t pipe; /* cfg.unix_path */
    } listener;
    dev_t unix_dev; /* the socket file made at cfg.unix_path; unix_ino 0: none (http-unix.c) */
    ino_t unix_ino;
    int port;
    uv_async_t stop_async;
    uv_prepare_t log_prepare; /* the access log's flush, once a turn (serve-log.c) */
    uint64_t turns;           /* turns of the loop it counted; 0: it is not running */
    cf__jsonw_t log_buf;      /* its lines gathered meanwhile (loop thread only) */
    uv_signal_t sigint, sigterm;
    int state;
    int h2o_ready;
    int lock_fd; /* the one-daemon-per-database lock (cf_store_daemon_lock), or -1 */
    cf_store_t *reader;
    cf_calendar_t *cal;
    int64_t cal_version;  /* the calendar version cal was loaded at (serve-calendar.c) */
    uv_timer_t cal_timer; /* polls it */
    uv_signal_t sighup;   /* checks it at once */
    cf_time_t cal_warned; /* when the missing-year warning was last logged */
    cf_wfcache_t wfs;
    cf__writer_t writer;
    cf__readers_t readers;
    /* the clock, in ms since the epoch: clock_base_ms at uv time clock_uv_ms, plus what
     * tests moved it */
    int64_t clock_base_ms;
    uint64_t clock_uv_ms;
    int64_t clock_offset_ms;
    /* scheduler */
    uv_timer_t sched_timer;
    uv_timer_t prefetch_timer; /* the read-ahead's lead before sched_timer (sched.c) */
    cf_time_t prefetched_for;  /* the instant last read ahead (0: none) */
    cf_time_t lead_for;        /* the instant lead_ms was counted for (0: none) */
    int64_t lead_ms;           /* its read-ahead's lead, by its alerts (cf__sched_lead_ms) */
    unsigned fires_inflight;
    cf_time_t sched_armed_for;   /* 0: not armed */
    cf__job_t *fire_ahead;       /* the FIRE job written ahead of its instant, until it is back */
    int fire_ahead_go;           /* its instant came: the writer was told (cf__writer_go) */
    uv_timer_t fire_ahead_timer; /* queues it at its hold before the instant (sched.c) */
    cf_time_t fire_ahead_for;    /* the instant fire_ahead_timer is for */
    /* delivery */
    h2o_linklist_t sse;
    size_t sse_bytes; /* what every stream holds: unsent and in flight (cfg.streams_max_total) */
    char *answer;     /* the loop's buffer for answers being written (cf__http_json), reused */
    cf__token_slot_t tokens[CF__TOKEN_SLOTS];
    size_t answer_cap;
    FILE *alert_log;
    CURLM *multi;
    uv_timer_t curl_timer;
    uv_timer_t sse_ping; /* every cfg.timeout_ms: a comment on each idle stream */
    h2o_linklist_t hooks;
    h2o_linklist_t curlsocks;
    /* the webhook outbox (sched-outbox.c) */
    struct {
        uv_timer_t timer;
        json_t *done;     /* [[alert_id, url, agency], ...] delivered, not yet deleted */
        json_t *given_up; /* [[alert_id, url, agency, attempts], ...] */
        int busy;         /* an OUTBOX job is in the writer */
        unsigned ticks;
        uint64_t reloaded; /* deliveries taken back from the database */
        uint64_t claims;   /* claims made (each a look for rows owed by a daemon gone) */
    } outbox;
    /* connections */
    h2o_linklist_t conns;
    unsigned conns_count;
    cf__metrics_t m;
    /* signed checkpoints (serve-anchor.c) */
    struct {
        uv_timer_t timer;
        uv_work_t work;
        int busy; /* a checkpoint is being taken on the thread pool */
        cf_time_t now;
        int rc;
        cf_error_t err;
        uint64_t taken, failed;
    } anchor;
    /* the database file's identity at open (serve.c, "the database's identity") */
    dev_t db_dev;
    ino_t db_ino;
    atomic_int db_lost; /* 1 once the path names another file, or none */
    uv_timer_t db_timer;
    uint64_t db_checked_turn; /* srv->turns at the last cf__serve_db_check_loop */
    /* stalls (serve.c, "stalls"; http.c, cf__http_after_poll) */
    uv_check_t stall_check;
    int timeouts_deferred; /* the last poll's check deferred h2o's request timeouts */
    uint64_t timeouts_deferred_total;
    /* the workbench's sessions (http-session.c); NULL until the first sign-in */
    struct cf__sessions_s *sessions;
    struct cf__authfail_s *authfail; /* failed authentications by address (http-authfail.c) */
    unsigned char session_key[32];   /* signs the cookies: the database's (cf__session_key) */
    /* several daemons on one database (issue 24): due alerts are then claimed with a
     * lease under this daemon's node id (store-claim.c) and the scheduler polls */
    int shared;
    char node_id[96];
    uv_timer_t shared_poll;
    uv_timer_t follow_timer; /* the log followed for the streams (serve-follow.c) */
    int64_t follow_next;     /* the next position to read */
    /* escalation of alerts nobody acknowledged (serve-alert-ack.c) */
    uv_timer_t escalate_timer;
    int escalate_busy; /* an ESCALATE job is in the writer */
};

/* serve-calendar.c: the calendar loaded while running (issue 16). Starts the
 * poll of the calendar version (cfg.calendar_poll_ms) and SIGHUP (when
 * handle_signals). Returns 0 or a CF_E*. */
int cf__calendar_watch_init(cf_serve_t *srv, cf_error_t *err);
void cf__calendar_watch_close(cf_serve_t *srv);
/* Reads the version; if it changed, reloads the loop's calendar, flags the
 * writer's and re-arms the scheduler. Logs the missing-year warning daily. */
void cf__calendar_check(cf_serve_t *srv);
/* Writer thread, before a batch: reloads w->cal when flagged. */
void cf__calendar_reload_writer(cf__writer_t *w);
/* Appends the calendar's Prometheus samples to buf (len used of size); returns
 * the new length. */
size_t cf__calendar_metrics(cf_serve_t *srv, char *buf, size_t size, size_t len);
/* serve-health.c: GET /readyz: 200 {status: "ready", warnings: [...]}, or 503
 * {status: "not ready", reasons: [...], warnings: [...]} when the database cannot
 * be read, no workflow or no calendar is loaded, or the writer is stuck. */
int cf__http_readyz(cf_serve_t *srv, h2o_req_t *req);
/* serve-health.c: counts one answered request in its route's latency histogram
 * (called by the access logger, on the loop). */
void cf__metrics_observe(cf_serve_t *srv, h2o_req_t *req, double seconds);
/* serve-health.c: appends the latency histograms, process_* (from /proc/self),
 * the open cases, overdue clocks and the webhook queue to buf (len used of size);
 * returns the new length. */
size_t cf__metrics_more(cf_serve_t *srv, char *buf, size_t size, size_t len);

/* serve.c: the daemon's "now" (seconds), and in milliseconds. */
cf_time_t cf__serve_now(cf_serve_t *srv);
int64_t cf__serve_now_ms(cf_serve_t *srv);
/* serve.c: writes one log line (printf format) through cfg.log. */
void cf__serve_log(cf_serve_t *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* serve.c: 0 while cfg.db_path still names the file the daemon opened; otherwise
 * CF_EIO, and from then on always: the first caller marks the database lost and logs
 * it (any thread: the loop before a write and on a timer, the writer before a
 * commit). */
int cf__serve_db_check(cf_serve_t *srv);
/* The same on the loop thread before a write is queued, once a turn of the loop
 * (srv->turns): the other POSTs read in that turn reuse the answer, the commit's own
 * check still catches what they miss. */
int cf__serve_db_check_loop(cf_serve_t *srv);
/* serve.c: called when something the drain waits for ended; finishes the stop
 * once nothing is left. */
void cf__serve_maybe_finish(cf_serve_t *srv);
/* serve.c: the daemon's invariants (counts match their lists, FIRE jobs are
 * writer jobs, a closed daemon has nothing in flight); 1, or an assert fails.
 * Use as assert(cf__serve_check(srv)). */
int cf__serve_check(const cf_serve_t *srv);

/* serve-anchor.c: the checkpoint timer (nothing when no interval is set). init
 * checks the key; close stops the timer; a checkpoint being taken holds the
 * drain (cf__serve_maybe_finish waits for anchor.busy). */
int cf__anchor_init(cf_serve_t *srv, cf_error_t *err);
void cf__anchor_close(cf_serve_t *srv);

/* http.c */
int cf__http_init(cf_serve_t *srv, cf_error_t *err);
void cf__http_shutdown(cf_serve_t *srv); /* stop reading on every connection */
/* After each poll: h2o's request timeouts that are due fire only after the sockets
 * were polled once more (http.c says why). */
void cf__http_after_poll(cf_serve_t *srv);

/* http-unix.c: the listener on cfg.unix_path. path_check: the path (and the private
 * name it is bound at first) fits a socket address and is not a file other than a
 * socket (0, or CF_EINVALID with err naming it); listen: that, then a stale socket
 * (nobody answers on it) removed, another daemon answering on it refused, the socket
 * made with cfg.listen_mode and listening, calling on_accept (0, or CF_EINVALID / CF_EIO
 * with err naming the path; CF_EINVALID "does not exist" for a missing directory).
 * remove: the file removed if the path still is the one listen made (any time after
 * listen; once). */
int cf__unix_path_check(const char *path, cf_error_t *err);
int cf__unix_listen(cf_serve_t *srv, uv_connection_cb on_accept, cf_error_t *err);
void cf__unix_remove(cf_serve_t *srv);

/* http-route.c */
/* h2o's on_req for every request (self is the cf__handler_t): the framing check, the
 * route, then its checks and handler (http-route.c's opening comment gives the
 * order); 0 once answered. */
int cf__http_on_req(h2o_handler_t *self, h2o_req_t *req);
/* The route pattern of path, as the latency histograms label it
 * ("/v1/cases/{id}/actions"; "other" for a path no endpoint serves): a static
 * string, one of a bounded set, never the raw path. */
const char *cf__http_route_pattern(h2o_iovec_t path);
/* The labels, from http-route.c's one table of routes: how many there are, "other"
 * included (at most CF__LATENCY_ROUTES); label i's text ("other" for 0 and for an i
 * out of range); the label of path (0 for a path no endpoint serves). */
int cf__http_route_labels_count(void);
const char *cf__http_route_label(int label);
int cf__http_route_label_of(h2o_iovec_t path);
/* The label of req's route: the one the router found for it (kept in the request),
 * or, for a request refused before routing, that of its path. */
int cf__http_route_label_req(h2o_req_t *req);
/* A request's id (X-Request-Id, the access log's request_id): the daemon's boot id in
 * hexadecimal, '-', the request's number in decimal ("%x-%llu"), into out (at least
 * CF__REQUEST_ID_MAX bytes, '\0' ended); returns its length. */
#define CF__REQUEST_ID_MAX 32
size_t cf__http_request_id(char *out, uint32_t boot_id, uint64_t seq);

/* http-auth.c */
/* The holder of req's token into OUT *who: 0, or an HTTP status (401, 429 from an
 * address that sent too many unknown tokens, 400 EAUTH for two Authorization headers, or
 * 403 ECSRF) already answered. A request
 * without an Authorization header may authenticate by the workbench's session cookie
 * (http-session.c). */
int cf__http_authenticate(cf_serve_t *srv, h2o_req_t *req, cf_principal_t *who);

/* serve-config-print.c */
/* Checks the private key file path of setting key (checkpoint_key, export_key): it can be
 * read and holds an Ed25519 or SM2 private key in PEM. 0, or CF_EINVALID with err naming
 * the file and the setting. */
int cf__serve_key_check(const char *key, const char *path, cf_error_t *err);

/* http-write.c: the request's body as a JSON object (new reference), or NULL after
 * answering 400: malformed JSON, invalid UTF-8, a NUL, a duplicate key, nested past
 * CF_OPS_JSON_DEPTH, not an object, or a field not among fields (" a b c "; NULL takes
 * any field). Every endpoint that reads a JSON body reads it through this. */
json_t *cf__http_body(cf_serve_t *srv, h2o_req_t *req, const char *fields);

/* http-answer.c */
/* Sends a JSON answer (consumes body). */
void cf__http_json(h2o_req_t *req, cf_serve_t *srv, int status, json_t *body);
/* Answers status with len bytes of data (copied) as content_type. */
void cf__http_bytes(h2o_req_t *req, cf_serve_t *srv, int status, const char *content_type,
                    const void *data, size_t len);
/* Sends len bytes of JSON text as the answer (h2o copies them; the caller keeps
 * text). NULL text answers 500 ENOMEM: the text could not be made. */
void cf__http_text(h2o_req_t *req, cf_serve_t *srv, int status, const char *text, size_t len);
/* 1 if text[0..len) is well-formed UTF-8 (no overlongs, no surrogates; NUL allowed). */
int cf__utf8_valid(const char *text, size_t len);
/* Answers 400 {"error": "EINVAL", "text": text, "parameter": name}: the request's
 * parameter name (query or path) is not what the route takes, text says what it takes. */
void cf__http_bad_param(h2o_req_t *req, cf_serve_t *srv, const char *name, const char *text);
/* Sends {"error": name, "text": text} with status (text must be UTF-8: else 500 ENOMEM,
 * the JSON writer cannot write it). */
void cf__http_error(h2o_req_t *req, cf_serve_t *srv, int status, const char *name,
                    const char *text);
/* The HTTP status for a CF_E* code. */
int cf__http_status(int code);
/* Turns the errors h2o answers by itself, before any handler runs (413 over max_body,
 * 400 for a broken Content-Length or chunked body, 417), from plain text into the
 * daemon's JSON error: a filter on path, the host's fallback path, which h2o uses for
 * them. */
void cf__http_h2o_errors(cf_serve_t *srv, h2o_pathconf_t *path);
/* The value of query parameter name (percent-decoded, in req->pool), or NULL.
 * OUT *bad |= 1 when the value is no text: not valid UTF-8 once decoded, a %00, or a '%'
 * without two hex digits; *bad |= 2 when the parameter is given more than once (neither
 * value may be taken: parameter pollution). Untouched when the value is good. */
const char *cf__http_query(h2o_req_t *req, const char *name, int *bad);
/* As cf__http_query, for a parameter that is text: when its value is not (not UTF-8 once
 * decoded, a %00, a '%' without two hex digits) and *failed is 0, answers 400 {"error":
 * "EINVAL", "parameter": name} and sets *failed (the first bad parameter is named). */
const char *cf__http_query_text(cf_serve_t *srv, h2o_req_t *req, const char *name, int *failed);
/* 0 when every query parameter of req is one of known (names separated by spaces; NULL:
 * the route takes none), else answers 400 {"error": "EINVAL", "parameter": the first
 * other, "text": what the route takes} and returns -1: a misspelt filter
 * ("due_witin=3d") would otherwise filter nothing and list everything. */
int cf__http_query_only(cf_serve_t *srv, h2o_req_t *req, const char *known);

/* http-host.c: 1 if req, whose Host header is host (NULL base: none), may be answered
 * under cfg's allowed_host list (always when the list is empty; localhost, 127.x.x.x,
 * [::1] and the listen address always; a missing Host passes), its X-Forwarded-Host's
 * first name too when it has one; else 0 (421 EHOST). */
int cf__http_host_allowed(const cf_serve_config_t *cfg, h2o_req_t *req, h2o_iovec_t host);

/* Parses text as a whole decimal number (an optional '-', digits, nothing else) in
 * [min, max]: 0 with OUT *out, or -1 (*out untouched) for anything else, a number
 * past the int64 range included. */
int cf__http_decimal(const char *text, int64_t min, int64_t max, int64_t *out);
/* Query parameter name as a whole number in [min, max]: 1 with OUT *out when given,
 * 0 when absent (*out untouched), -1 after answering 400 {"error": "EINVAL",
 * "parameter": name}. */
int cf__http_query_int(cf_serve_t *srv, h2o_req_t *req, const char *name, int64_t min, int64_t max,
                       int64_t *out);

/* http-read.c: the GET endpoints; each returns 0 once it answered. */
int cf__http_get_case(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
int cf__http_get_events(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
/* GET /v1/cases/{id}/documents/{name}.pdf: the 文书 rendered (http-doc.c). */
int cf__http_get_document(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
/* GET /v1/cases/{id}/files/{sha256}: the bytes of a file the case cites (a document or an
 * evidence item's file), as an attachment with its stored name (http-files.c). */
int cf__http_get_file(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
/* http-export.c: GET /v1/cases/{id}/export (?documents=bytes|hashes): the case's bundle, as
 * `caseflow case export` writes it; signed with cfg.export_key when set. */
int cf__http_get_export(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
/* http-export.c: GET /v1/cases/{id}/documents: the case's 文书 (cf_ops_doc_list). */
int cf__http_get_doc_list(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
/* GET /v1/cases/{id}/evidence (record 0) or /records (record 1): the case's register,
 * an array (http-evidence.c). */
int cf__http_get_register(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id,
                          int record);
int cf__http_list_cases(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
int cf__http_workflows(cf_serve_t *srv, h2o_req_t *req);
/* GET /v1/stats (http-stats.c): the token's agency's statistics (issue 20). */
int cf__http_stats(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
/* GET /v1/workflows/{id}[?version=N]: cf_ops_workflow_form of the stored definition. */
int cf__http_workflow(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
/* GET /v1/causes[?subject_type=T]: cf_ops_cause_list of the stored dictionaries. */
int cf__http_causes(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
/* GET /v1/cases/{id}/replay: the case's chain verified and replayed (http-replay.c). */
int cf__http_replay(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, int64_t id);
int cf__http_alerts(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
int cf__http_metrics(cf_serve_t *srv, h2o_req_t *req);

/* http-write.c: the POST endpoints. */
int cf__http_post(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, cf__job_kind_t kind,
                  int64_t id);
int cf__http_test_clock(cf_serve_t *srv, h2o_req_t *req);

/* sched.c */
int cf__sched_init(cf_serve_t *srv);
/* Re-reads the next due instant and arms the one timer for it. */
void cf__sched_rearm(cf_serve_t *srv);
/* How long before an instant with `due` alerts their cases are read ahead (ms): the
 * base lead, and more for each case, so that a burst's cases are all read before it. */
int64_t cf__sched_lead_ms(int due);
/* Queues a FIRE job at the current instant and returns it (the loop's until it
 * is done), or NULL when out of memory. The job fires at most cfg.fire_chunk
 * alerts; while chunks come back full, the next chunk is queued once the last
 * one was delivered, and the caller's link (job->link, which it may set) moves
 * along: it is answered {"fired": n} once every alert due was committed and
 * delivered. */
cf__job_t *cf__sched_fire(cf_serve_t *srv);
/* Ties job to req (see cf__reqlink_t); 0, or CF_ENOMEM. */
int cf__http_link(cf__job_t *job, h2o_req_t *req);
void cf__sched_close(cf_serve_t *srv);

/* serve-follow.c: a shared daemon's streams follow the log of all cases (cfg.shared;
 * nothing to do otherwise). */
int cf__follow_init(cf_serve_t *srv, cf_error_t *err);
void cf__follow_close(cf_serve_t *srv);

/* sched-deliver.c */
int cf__deliver_init(cf_serve_t *srv, cf_error_t *err);
/* Starts a Server-Sent Events stream on req for who's agency. */
int cf__deliver_stream(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
/* Appends len bytes of count Server-Sent Events frames to every stream of agency. */
void cf__deliver_frames(cf_serve_t *srv, const char *agency, const char *frames, size_t len,
                        unsigned count);
/* Delivers a chunk of fired alerts (an array): streams, log (one flush for the
 * chunk), webhooks. texts: their JSON texts as the firing wrote them in the outbox
 * (job->texts: sent as they are, never written again), or NULL (written here). */
void cf__deliver_alerts(cf_serve_t *srv, const json_t *alerts, const char *texts);
/* One event of another type (alert.escalated) about an alert, delivered as alerts are:
 * `event: type` with id on the streams of data's "agency", a line of the alert log,
 * a POST to every webhook with X-Caseflow-Alert-Id: id (data is borrowed). text: data's
 * JSON as the outbox stored it, the deliveries' rows written (durable), or NULL
 * (written here; delivered from memory only). */
void cf__deliver_event(cf_serve_t *srv, const char *type, const char *id, const json_t *data,
                       const char *text);
/* Ends every stream and cancels every webhook delivery (stopping). */
void cf__deliver_shutdown(cf_serve_t *srv);
void cf__deliver_close(cf_serve_t *srv);
/* Starts one webhook delivery of body (borrowed) to url with X-Caseflow-Alert-Id: id;
 * durable: its row (keyed by id, url and agency) is in the outbox, deleted when
 * delivered, marked when given up. */
void cf__deliver_hook(cf_serve_t *srv, const char *url, const char *id, const char *agency,
                      const char *body, int durable);

/* sched-outbox.c: how the API shows a webhook's URL (GET /v1/alerts/deliveries, the
 * retry's answer), into out (size bytes): its scheme and host, without a user or password,
 * then, when the URL has more (a path or a query, where the robot webhooks of WeCom,
 * DingTalk or Feishu keep their key), "/…#" and the first 8 hex digits of the URL's
 * SHA-256, which tell two webhooks apart. A handler or an auditor reads the listing: a
 * URL's key would let them post to the bureau's group as the daemon. The retry's "url"
 * takes this form (or the URL itself). */
#define CF__WEBHOOK_SHOWN_MAX 320
void cf__webhook_shown(const char *url, char *out, size_t size);

/* sched-outbox.c: the webhook outbox (store-outbox.c), nothing without webhooks.
 * Starts the timer that flushes delivered and given-up rows, renews this daemon's
 * leases and claims rows owed by a daemon gone (at once, then every few seconds). */
void cf__outbox_init(cf_serve_t *srv);
/* Stopping: the rows left are released to any daemon (one last job). */
void cf__outbox_shutdown(cf_serve_t *srv);
/* A durable delivery ended: delivered (attempts 0), or given up after attempts. */
void cf__outbox_ended(cf_serve_t *srv, const char *id, const char *url, const char *agency,
                      unsigned attempts, int delivered);
/* Writer thread, in a FIRE job: records the deliveries its fired alerts owe (one row per
 * alert and webhook), and each alert's text in j->texts, written once for the row and
 * the loop's delivery. Nothing without webhooks. 0 or a CF_E* code (err set). */
int cf__outbox_put(cf_store_t *s, cf__job_t *j, cf_error_t *err);
/* The same for the notices in j->alerts, each under delivery id "<alert_id>suffix"
 * (suffix NULL: the alert's id): cf__outbox_put is cf__outbox_put_as(s, j, NULL, err). */
#define CF__ESCALATED_SUFFIX ":escalated"
int cf__outbox_put_as(cf_store_t *s, cf__job_t *j, const char *suffix, cf_error_t *err);
/* Writer thread: an OUTBOX job (with "retry" in its body: an operator's retry). */
int cf__job_outbox(cf_store_t *s, cf__job_t *j);
/* GET /v1/alerts/deliveries: the agency's deliveries owed or given up; POST
 * /v1/alerts/{alert_id}/retry: a given-up one sent again. 0 once answered (or queued). */
int cf__http_deliveries(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
int cf__http_retry(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);

/* ---- the operator's log (serve-log.c) ---- */

/* Writes one JSON line {time, level, event, ...fields} to standard error. Takes
 * fields (may be NULL). Any thread. */
void cf__log(const char *level, const char *event, json_t *fields);
/* The access lines of a turn of the loop are gathered in srv->log_buf and written
 * with one write() before the loop waits again (a uv_prepare handle); start once
 * the loop is initialized, stop when the daemon has closed (writes what is left). */
void cf__log_start(cf_serve_t *srv);
void cf__log_stop(cf_serve_t *srv);
/* An access line's latency_ms for a request of us microseconds: what jansson writes for
 * us / 1000.0 with JSON_REAL_PRECISION(6) (%.6g, ".0" for a whole number). */
void cf__log_latency(cf__jsonw_t *w, int64_t us);
/* Registers the access log (one "request" line per request) on path. */
void cf__log_register(cf_serve_t *srv, h2o_pathconf_t *path);
/* http-auth.c: the agency of the token req was authenticated with (from the token
 * cache), into agency (size bytes): 0, or -1 when unknown. */
int cf__http_agency_of(cf_serve_t *srv, h2o_req_t *req, char *agency, size_t size);
/* The request's environment entry (h2o_req_getenv) that carries the action of a POST
 * .../actions whose body was parsed (http-write.c), for its access log line: the body
 * is then not parsed again there. */
#define CF__ENV_ACTION "cf-action"

/* ---- alerts for people (serve-alert-ack.c) ---- */

/* POST /v1/alerts/{alert_id}/ack; returns 0 once answered (or queued). */
int cf__http_ack(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who);
/* Writer thread: the ACK job (answer, notices), and the ESCALATE job for alerts fired
 * more than timeout seconds before job->now (job->alerts: those escalated, routed). 0 to
 * keep the writes, -1 to roll them back. */
int cf__job_ack(cf_store_t *s, cf__job_t *j);
int cf__job_escalate(cf_store_t *s, cf__job_t *j, unsigned timeout);
/* The routing of an alert of c: the names its facts handlers (or officers) give (new
 * array), and "warning" or "breach" for a point ("warning" | "deadline"). */
json_t *cf__alert_handlers(const cf_case_t *c);
json_t *cf__alert_handlers_in(const json_t *facts); /* the same from a case's facts */
const char *cf__alert_level(const char *point);
/* What is delivered for a fired alert: its event ev (as appended, or as read from the
 * log) without prev, type, actor and role, its "at" as fired_at, plus agency (NULL:
 * null), workflow and the routing (level, handlers from facts, to). New object. */
json_t *cf__alert_json(const char *agency, const char *workflow, const json_t *facts,
                       const json_t *ev);
/* Starts the escalation timer (when cfg.alert_ack_timeout is set); closes it. */
void cf__escalate_init(cf_serve_t *srv);
void cf__escalate_close(cf_serve_t *srv);

/* ---- the workbench: sessions (http-session.c), its files (http-static.c) ---- */

typedef struct cf__sessions_s cf__sessions_t;
/* Authenticates req by its session cookie: 0 with OUT *who; 1 when req has no
 * cookie cf_session (nothing answered: try the bearer token); 401 (unknown or ended
 * session), 403 ECSRF (a change without the session's X-CSRF-Token) or 503 (the
 * database could not be read), answered. */
int cf__session_auth(cf_serve_t *srv, h2o_req_t *req, cf_principal_t *who);
/* The SHA-256 (hex) of the token behind req's session cookie into digest: 0, or -1
 * when req has no live session. */
int cf__session_token_digest(cf_serve_t *srv, h2o_req_t *req, char digest[65]);
/* POST, GET and DELETE /v1/session; returns 0 once answered. */
int cf__http_session(cf_serve_t *srv, h2o_req_t *req);
/* Answers 503 EUNAVAILABLE (the database could not be read to authenticate: it is
 * away, and the daemon reconnects on its own) and returns 503 (http-auth.c). */
int cf__http_unavailable(cf_serve_t *srv, h2o_req_t *req);
/* Frees every session (cf_serve_free). */
void cf__sessions_free(cf_serve_t *srv);
/* Reads (or, the first time, creates) the key that signs session cookies from s, a
 * connection that may write, into srv->session_key (cf_store_session_key). */
int cf__session_key(cf_serve_t *srv, cf_store_t *s, cf_error_t *err);
/* http-auth.c: the holder of bearer token text sent by req (cache, else the tokens table):
 * 0 with OUT *who; -1 for an unknown, revoked or expired token (a failure counted
 * against req's address; OUT err, may be NULL, says which); 429 when that address has
 * sent too many unknown tokens (answered, the tokens table not read); -2 when the
 * database could not be read. */
int cf__http_token_holder(cf_serve_t *srv, h2o_req_t *req, const char *text, size_t len,
                          cf_principal_t *who, cf_error_t *err);

/* ---- failed authentications by client address (http-authfail.c) ---- */

typedef struct cf__authfail_s cf__authfail_t;
/* 1 when req's address has sent cfg.auth_fail_burst unknown tokens and not waited
 * since: answered 429 with Retry-After. 0 otherwise (nothing answered). */
int cf__authfail_spent(cf_serve_t *srv, h2o_req_t *req);
/* Counts one unknown token sent by req's address. */
void cf__authfail_count(cf_serve_t *srv, h2o_req_t *req);
/* Frees the table (cf_serve_free). */
void cf__authfail_free(cf_serve_t *srv);
/* The file of web/ that path[0..len) (as the client sent it, no query) names: 0 with
 * OUT *rel (borrowed from path, or a literal) and *rel_len; -1 when the path is not
 * one the workbench serves (http-static.c says which are). */
int cf__static_path(const char *path, size_t len, const char **rel, size_t *rel_len);
/* GET "/", "/favicon.ico" and "/web/<file>": the file with the security headers, or
 * 404 (with them too). Returns 0 once answered. */
int cf__http_static(cf_serve_t *srv, h2o_req_t *req);

#endif
