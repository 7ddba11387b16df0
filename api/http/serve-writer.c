/*
 * serve-writer.c -- the writer thread: every change to the database, made
 * durable off the loop thread, many requests per fsync (group commit).
 *
 * Design. The loop queues jobs (cf__writer_submit) under a mutex and signals a
 * condition variable. The writer thread takes the WHOLE queue as one batch and
 * runs it in one transaction:
 *
 *     BEGIN IMMEDIATE
 *       for each job:  SAVEPOINT -> cf__job_exec -> RELEASE   (kept)
 *                                               \-> ROLLBACK TO (refused, conflict)
 *     COMMIT          (synchronous=FULL: durable when it returns)
 *
 * (on SQLite most requests take no savepoint: "Savepoints only when needed", below),
 * then moves the batch to the done list and wakes the loop with uv_async_send.
 * Whatever the loop queues while a COMMIT is waiting for fsync gathers into the
 * next batch, so under load one fsync covers many requests; when idle a batch is
 * one request and costs exactly what the command line costs. A failed COMMIT
 * turns every answer in the batch into a 503 and drops its stream notices and
 * alerts: nothing partial is answered as done. uv_async_send coalesces wake-ups,
 * which is why results travel in a list and not in the async handle.
 *
 * The log. A checkpointer thread copies the write-ahead log into the database, and
 * the writer starts the log over when it grows long (serve-checkpoint.c says why).
 *
 * Savepoints only when needed. A request that fails must not take the others' writes
 * with it, which a savepoint per request gives; but on SQLite a savepoint and its
 * release cost ~25,000 instructions a request (the copies of every page it changes into
 * the savepoint's journal: a tenth of the writer's work), and nearly every request
 * either is kept or is refused before it writes anything (its guards, its version).
 * So the batch's requests run without savepoints (cf_store_unsaved_begin) until one
 * fails after it wrote (SQLite counts the rows changed) or a job comes that keeps state
 * of the writer's own (firing, reading ahead: never run twice); then the transaction is
 * rolled back, begun again, and its requests so far run again, each in a savepoint, as
 * is every job after them (redo). Running a request again gives the same rows and
 * answer: it reads what the requests before it wrote, as the first time, at the same
 * `now`. PostgreSQL takes a savepoint per job as before (the rows changed are not
 * counted there, and any failed statement aborts the transaction).
 *
 * Firing shares its commits. A batch that fires alerts (or reads cases ahead of
 * them) takes in, after its last job, the jobs queued while it ran, once: a firing
 * chunk yields to a request queued meanwhile (serve-fire.c, chunk_over), and the
 * request is then written in the chunk's transaction and answered after its commit,
 * instead of waiting for that commit and then for one of its own. In a storm every
 * POST would otherwise pay two commits (an fsync each) and the writer make twice as
 * many. Only once a batch, so a commit is never put off by a steady stream of
 * requests.
 *
 * Requests share their commits. A batch of requests takes in the requests queued while
 * it ran, after its last job, and again after those, until none waits or the batch holds
 * CF__JOIN_MAX jobs (join); then it commits. Without it a request queued a moment after
 * the batch was taken waited for that batch's commit (its fsync: the larger part of a
 * batch's time under the HTTP bench) and then for a commit of its own; with it, it is
 * written in the open transaction and answered with the batch, and under load a commit
 * covers more requests (docs/performance.md, http12). The bound keeps the first request
 * of a batch from waiting behind a steady stream: at ~30 us a job on the writer, 256 jobs
 * are ~8 ms. Not while an alert waits to fire (its instant's commit is not put off), and
 * not past a queued job that fires or reads ahead (it keeps its own batch, as before).
 *
 * Answers before alerts. The loop gets a batch back whole: a firing chunk and the
 * requests that shared its commit. It sends the requests' answers first (job->reply,
 * cf__writer_hand_back), then runs every job's done in the batch's order, so a chunk's
 * alerts (the log, the streams, the webhooks) are delivered after the answers, and the
 * streams still see the notices and alerts in the transaction's order. Delivering a
 * chunk first put some 1 ms (loaded machine) on the median POST of a storm.
 *
 * Firing ahead (issue 26.1): a burst's first alerts written before their instant and
 * committed at it, the held commit's path -- serve-fire-ahead.c says how and why.
 *
 * Where a request's time goes. Each job carries its marks (queued, taken, executed,
 * committed) and the loop adds up, for the requests someone waits for, the phases
 * between them, apart for those queued while alerts fired:
 * caseflow_write_phase_seconds_total{phase, firing} (docs/performance.md).
 *
 * Rejected: uv_queue_work per request (one transaction and one fsync each, and
 * the thread pool's threads would need a connection each); a fixed batch size or
 * a batching delay (adds latency when idle; the natural batch is whatever arrived
 * during the previous fsync).
 *
 * Map (each part starts with a "----" comment): the thread (job marks,
 * a batch's failure, absorb); a job, with or without a savepoint of its own (redo,
 * cf__writer_run_batch); the writer's loop (writer_main and cf__writer_hand_over; firing
 * ahead is serve-fire-ahead.c); the preparer (its thread, the rows given back); the loop
 * side (submitting, handing answers back, start and stop). The checkpointer (its
 * thread, its pace while alerts fire, the log's restarts) is serve-checkpoint.c.
 */
#include "serve-int.h"

#include "ops.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void ready_free(cf_ops_ready_t *r)
{
    if (r)
        cf_ops_ready_dispose(r);
    free(r);
}

static int give_back(cf__writer_t *w, cf_ops_ready_t *r);

/* Exported, documented in serve-int.h */
void cf__job_free(cf__job_t *job)
{
    json_decref(job->body);
    json_decref(job->answer);
    free(job->answer_text);
    free(job->notices);
    free(job->texts);
    json_decref(job->alerts);
    if (!job->ready || !job->srv || !give_back(&job->srv->writer, job->ready))
        ready_free(job->ready);
    free(job);
}

/* ---- the thread --------------------------------------------------------------------- */

static void fail_batch(cf__job_t *batch, const cf_error_t *err)
{
    for (cf__job_t *j = batch; j; j = j->next) {
        json_decref(j->answer);
        json_decref(j->alerts);
        free(j->answer_text);
        free(j->notices);
        free(j->texts);
        j->alerts = NULL;
        j->texts = NULL;
        j->answer_text = j->notices = NULL;
        j->status = 503;
        j->answer = json_pack("{s:s, s:s}", "error", "ESTORE", "text", err->text);
    }
}

/* The jobs queued while a batch with firing work ran, taken into its transaction
 * after its last job (once a batch): appended after tail. A firing chunk yields to a
 * request queued meanwhile (serve-fire.c, chunk_over), and the request then shares
 * the chunk's commit instead of waiting for it and then for a commit of its own: in
 * a storm every POST would otherwise pay two commits (the file header says more). */
static int firing(const cf__job_t *j);

static void absorb(cf__writer_t *w, cf__job_t *tail)
{
    pthread_mutex_lock(&w->mu);
    tail->next = w->queue;
    for (cf__job_t *j = w->queue; j; j = j->next)
        j->at[1] = cf__micros();
    w->queue = w->queue_tail = NULL;
    w->queued = 0;
    w->queued_since_ms = 0;
    pthread_mutex_unlock(&w->mu);
    atomic_fetch_add(&w->absorbed, tail->next != NULL);
}

/* Jobs a batch of requests may hold before the requests queued meanwhile wait for the
 * next commit (the file header, "Requests share their commits", says why) */
#define CF__JOIN_MAX 256

/* Takes the requests queued while batch ran into its transaction, after its last job
 * (tail): 1 when some were, 0 when none waited, or batch holds CF__JOIN_MAX jobs, or an
 * alert waits to fire (w->held: its instant's commit is not put off), or a job that fires
 * or reads ahead is queued (it keeps a batch of its own, as before). Writer thread only. */
static int join(cf__writer_t *w, const cf__job_t *batch, cf__job_t *tail)
{
    unsigned jobs = 0;
    for (const cf__job_t *j = batch; j && jobs < CF__JOIN_MAX; j = j->next)
        jobs++;
    if (jobs >= CF__JOIN_MAX || w->held)
        return 0;
    pthread_mutex_lock(&w->mu);
    int ok = w->queue != NULL;
    for (cf__job_t *j = w->queue; ok && j; j = j->next)
        ok = !firing(j) && !j->ahead;
    if (ok) {
        uint64_t now = cf__micros();
        for (cf__job_t *j = w->queue; j; j = j->next)
            j->at[1] = now;
        tail->next = w->queue;
        w->queue = w->queue_tail = NULL;
        w->queued = 0;
        w->queued_since_ms = 0;
    }
    pthread_mutex_unlock(&w->mu);
    if (ok)
        atomic_fetch_add(&w->joined, 1);
    return ok;
}

/* 1 for a job that fires or reads ahead (not a request anyone waits for). */
static int firing(const cf__job_t *j)
{
    return j->kind == CF__JOB_FIRE || j->kind == CF__JOB_PREFETCH;
}

/* ---- a job, with or without a savepoint of its own ------------------------------------ */

/* 1 for a job that may run without a savepoint of its own (the file header says why):
 * a request whose only effects are its rows and its answer, so that it can be run again
 * from the start of the transaction (the writer's caches are keyed by the head a case was
 * written at, and a case cached at a head that never committed is read again: cache.h).
 * Firing, reading ahead and the others keep state of the writer's own (the due alerts
 * read, the rows made ahead, claims) and always take one. */
static int redoable(const cf__job_t *j)
{
    return j->kind == CF__JOB_OPEN || j->kind == CF__JOB_ACT || j->kind == CF__JOB_EXTEND ||
           j->kind == CF__JOB_EXCLUDE || j->kind == CF__JOB_TOKEN_USED;
}

/* Runs j in a savepoint of its own: kept, or rolled back alone. 0, or the savepoint's
 * own failure (the transaction then fails). */
static int run_saved(cf__writer_t *w, cf_serve_t *srv, cf__job_t *j, cf_error_t *err)
{
    if (cf_store_savepoint(w->store, err) != 0)
        return -1;
    if (j->kind == CF__JOB_FIRE && srv->cfg.fire_probe)
        srv->cfg.fire_probe(srv->cfg.fire_probe_ctx, j->chunk);
    j->at[2] = cf__micros();
    int kept = cf__job_exec(w->store, w->cal, &w->wfs, j) == 0;
    j->at[3] = cf__micros();
    if (kept)
        return cf_store_savepoint_release(w->store, err);
    cf_store_savepoint_rollback(w->store);
    return 0;
}

/* Runs j (redoable) without a savepoint: 0 when done (kept, or refused having written
 * nothing); 1 when it must run in a savepoint instead, nothing done (the backend cannot
 * tell what a job wrote: PostgreSQL); 2 when it failed after it wrote, which only a
 * rollback of the whole transaction undoes. */
static int run_unsaved(cf__writer_t *w, cf__job_t *j)
{
    if (cf_store_unsaved_begin(w->store) != 0)
        return 1;
    j->at[2] = cf__micros();
    int kept = cf__job_exec(w->store, w->cal, &w->wfs, j) == 0;
    j->at[3] = cf__micros();
    atomic_fetch_add(&w->unsaved, 1);
    return cf_store_unsaved_end(w->store, kept) ? 2 : 0;
}

/* Forgets what a job's run answered, before it runs again. */
/* Exported, documented in serve-int.h */
void cf__job_forget(cf__job_t *j)
{
    json_decref(j->answer);
    free(j->answer_text);
    free(j->notices);
    j->answer = NULL;
    j->answer_text = j->notices = NULL;
    j->answer_len = j->notices_len = 0;
    j->notice_count = 0;
    j->status = 0;
    if (j->kind == CF__JOB_OPEN)
        j->case_id = 0; /* an opening's answer, not its input */
}

/* A job run without a savepoint failed after it wrote (last): the transaction is rolled
 * back and begun again, and the jobs from batch to last run again, each in a savepoint
 * (all of them redoable: the first job that is not ends the jobs without savepoints). */
static int redo(cf__writer_t *w, cf_serve_t *srv, cf__job_t *batch, cf__job_t *last,
                cf_error_t *err)
{
    atomic_fetch_add(&w->redone, 1);
    cf_store_tx_rollback(w->store);
    int rc = cf_store_tx_begin(w->store, err);
    for (cf__job_t *j = batch; rc == 0; j = j->next) {
        cf__job_forget(j);
        rc = run_saved(w, srv, j, err);
        if (j == last)
            break;
    }
    return rc;
}

/* After a firing commit of frames frames: the frames an alert of batch's firing, times 16
 * and rounded up, for the next chunk's most alerts at the log's bound (serve-fire.c,
 * log_room). The batch's requests' frames count as its alerts' (a little more room
 * kept). */
static void alert_frames(cf__writer_t *w, const cf__job_t *batch, int frames)
{
    size_t n = 0;
    for (; batch; batch = batch->next)
        n += batch->kind == CF__JOB_FIRE ? json_array_size(batch->alerts) : 0;
    if (n && frames > 0)
        w->alert_frames16 = (unsigned)(((uint64_t)frames * 16 + n - 1) / n);
}

/* After batch's commit (written: the log's frames before it): the log's size for the
 * checkpointer, and for a firing the frames the next chunk may write. */
static void committed_frames(cf__writer_t *w, const cf__job_t *batch, int fired, uint64_t written)
{
    atomic_store(&w->wal_written, cf_store_wal_written(w->store));
    int frames = (int)(cf_store_wal_written(w->store) - written);
    if (fired)
        alert_frames(w, batch, frames);
    if (fired && !batch->ahead) /* (a chunk's size; not the instant's held at once) */
        w->fire_frames = frames;
    else if (batch->ahead) { /* the log restarts once the next chunk would not fit */
        w->fire_frames = cf__fire_ahead_chunk_frames(w, batch, frames);
        w->ahead_pace = 1; /* the checkpointer copies the held frames meanwhile */
    }
    cf__ckpt_pace(w);
    cf__ckpt_poke(w);
}

/* One transaction for the whole batch. Its first jobs run without savepoints while they
 * are redoable (on SQLite), every other job in a savepoint of its own. Returns 0, or 1
 * when the batch is a job fired ahead (alone) that was rolled back before its instant
 * (cf__fire_ahead_hold_until_instant): nothing of it done, to run again. */
/* Exported, documented in serve-int.h */
int cf__writer_run_batch(cf__writer_t *w, cf__job_t *batch)
{
    cf_serve_t *srv = H2O_STRUCT_FROM_MEMBER(cf_serve_t, writer, w);
    cf_error_t err;
    cf_error_clear(&err);
    cf__calendar_reload_writer(w); /* a calendar year loaded meanwhile (serve-calendar.c) */
    uint64_t t0 = cf__micros(), n = 0;
    int rc = cf_store_tx_begin(w->store, &err), fired = 0, absorbed = 0, unsaved = 1;
    /* n counts the requests' jobs; a token's last use (bookkeeping) is not one */
    for (cf__job_t *j = batch; rc == 0 && j; n += j->kind < CF__JOB_TOKEN_USED, j = j->next) {
        int how = (unsaved = unsaved && redoable(j)) ? run_unsaved(w, j) : 1;
        if (how == 1)
            rc = run_saved(w, srv, j, &err);
        else if (how == 2)
            rc = redo(w, srv, batch, j, &err);
        unsaved &= how == 0;
        fired |= firing(j);
        if (j->kind == CF__JOB_FIRE)
            w->firing = j->more; /* a chunk follows at once: the log waits (cf__wal_restart) */
        if (!j->next && fired && !batch->ahead && !absorbed++)
            absorb(w, j);
        else if (!j->next && !fired && !batch->ahead)
            join(w, batch, j);
    }
    if (rc == 0 && cf__serve_db_check(srv) != 0)
        rc = cf_error_set(&err, CF_EIO, NULL, 0, 0,
                          "EDBLOST: the database file was deleted "
                          "or replaced under the daemon");
    if (batch->ahead && cf__fire_ahead_hold_until_instant(w, batch, rc) != 0)
        return 1;
    uint64_t committing = cf__micros(), written = cf_store_wal_written(w->store);
    if (rc == 0 && (rc = cf_store_tx_commit(w->store, &err)) == 0)
        committed_frames(w, batch, fired, written);
    uint64_t committed = cf__micros();
    for (cf__job_t *j = batch; j; j = j->next)
        j->at[4] = committing, j->at[5] = committed;
    if (rc != 0) {
        cf_store_tx_rollback(w->store);
        cf__log("error", "commit_failed",
                json_pack("{s:I, s:s}", "jobs", (json_int_t)n, "text", err.text));
        fail_batch(batch, &err);
        atomic_fetch_add(&w->failed_commits, 1);
    }
    atomic_fetch_add(&w->batches, 1);
    atomic_fetch_add(&w->jobs, n);
    atomic_fetch_add(&w->commit_us, cf__micros() - t0);
    if (n > atomic_load(&w->max_batch))
        atomic_store(&w->max_batch, n);
    return 0;
}

/* ---- the writer's loop (firing ahead: serve-fire-ahead.c) ------------------------------ */

/* The jobs of batch someone waits for (not firing, not reading ahead): a firing chunk
 * in the same batch yields to them as to the requests queued behind it, or they would
 * wait for its whole time budget (serve-fire.c, chunk_over). */
static unsigned requests_in(const cf__job_t *batch)
{
    unsigned n = 0;
    for (; batch; batch = batch->next)
        n += batch->kind != CF__JOB_FIRE && batch->kind != CF__JOB_PREFETCH;
    return n;
}

static void *writer_main(void *arg)
{
    cf__writer_t *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->queue && !w->quit && !(w->held && atomic_load(&w->go)))
            pthread_cond_wait(&w->cv, &w->mu);
        cf__job_t *batch = w->queue;
        uint64_t taken = cf__micros();
        for (cf__job_t *j = batch; j; j = j->next)
            j->at[1] = taken;
        w->queue = w->queue_tail = NULL;
        w->queued = 0;
        atomic_store(&w->writing_since_ms, w->queued_since_ms);
        w->queued_since_ms = 0;
        atomic_store(&w->waiting, requests_in(batch));
        pthread_mutex_unlock(&w->mu);
        batch = cf__fire_ahead_hold(w, batch);
        if (!batch && !w->held)
            break; /* quit, and nothing left to write */
        if (batch) {
            cf__writer_run_batch(w, batch);
            cf__writer_hand_over(w, batch);
        }
        if (w->held)
            cf__fire_ahead_fire_held(w);
    }
    return NULL;
}

/* Gives a written batch back to the loop. */
/* Exported, documented in serve-int.h */
void cf__writer_hand_over(cf__writer_t *w, cf__job_t *batch)
{
    atomic_store(&w->last_batch_ms, uv_hrtime() / 1000000u);
    atomic_store(&w->writing_since_ms, 0);
    cf__job_t *tail = batch;
    while (tail->next)
        tail = tail->next;
    pthread_mutex_lock(&w->mu);
    if (w->done_tail)
        w->done_tail->next = batch;
    else
        w->done = batch;
    w->done_tail = tail;
    pthread_mutex_unlock(&w->mu);
    uv_async_send(&w->async);
    cf__wal_restart(w); /* after the answers went: they never wait for it */
}

/* ---- the preparer ----------------------------------------------------------------------- */

/* Queues job for the writer's next batch (any thread) and returns 1; with shorter, only
 * when fewer jobs wait for that batch than for the preparer (else 0, job not queued):
 * a job goes to the shorter line (the preparer, below, says why). */
static int enqueue(cf__writer_t *w, cf__job_t *job, const unsigned *shorter)
{
    uint64_t now_ms = uv_hrtime() / 1000000u;
    pthread_mutex_lock(&w->mu);
    if (shorter && w->queued > *shorter) {
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    w->queued++;
    if (!w->queue)
        w->queued_since_ms = now_ms ? now_ms : 1;
    if (w->queue_tail)
        w->queue_tail->next = job;
    else
        w->queue = job;
    w->queue_tail = job;
    atomic_fetch_add(&w->waiting, 1);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 1;
}

/* The loop thread's side of freeing an answered job's prepared rows: they go back to the
 * preparer, which allocated them, rather than being freed here. glibc's malloc (the
 * binary's without mimalloc: api/CMakeLists.txt) gives each thread an arena and a cache
 * of freed blocks (tcache): a block freed by another thread goes through the slow path
 * under the owning arena's lock, contended by the preparer, and never reaches the
 * preparer's cache, so each of its allocations took the slow path too
 * (docs/performance.md, "A request's work on every thread"). 1 when given back (the
 * preparer runs), 0 when the caller frees r. Loop thread only (prep.started is its). */
static int give_back(cf__writer_t *w, cf_ops_ready_t *r)
{
    if (!w->prep.started)
        return 0;
    pthread_mutex_lock(&w->prep.mu);
    if (w->prep.spent_n == w->prep.spent_cap) {
        size_t cap = w->prep.spent_cap ? w->prep.spent_cap * 2 : CF__PREP_SPENT_WAKE * 2;
        cf_ops_ready_t **grown = realloc(w->prep.spent, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&w->prep.mu);
            return 0;
        }
        w->prep.spent = grown;
        w->prep.spent_cap = cap;
    }
    w->prep.spent[w->prep.spent_n++] = r;
    if (w->prep.spent_n == CF__PREP_SPENT_WAKE && !w->prep.queue)
        pthread_cond_signal(&w->prep.cv);
    pthread_mutex_unlock(&w->prep.mu);
    return 1;
}

/* Takes what was given back (prep.mu held): the two lists trade places, so neither
 * side allocates while the other fills. *n must be 0 (spent_free emptied it). */
static void spent_swap(cf__writer_t *w, cf_ops_ready_t ***list, size_t *n, size_t *cap)
{
    cf_ops_ready_t **mine = *list;
    size_t mine_cap = *cap;
    *list = w->prep.spent;
    *n = w->prep.spent_n;
    *cap = w->prep.spent_cap;
    w->prep.spent = mine;
    w->prep.spent_n = 0;
    w->prep.spent_cap = mine_cap;
}

/* Frees the n prepared rows of list (the preparer's thread) and empties it. */
static void spent_free(cf__writer_t *w, cf_ops_ready_t **list, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        ready_free(list[i]);
    if (*n)
        atomic_fetch_add(&w->prep.freed, *n);
    *n = 0;
}

/* The preparer: the writer's thread is the bound of the HTTP rate (one core), so what
 * a transition needs no write for (reading the case, the engine, sealing, the summary,
 * the answer's text: ops-ready.c) is done here first, on a read-only connection, with
 * the writer's calendar (read-locked; cal_gen tells the writer it is still the one it
 * has). Then the job joins the writer's queue, which writes the prepared rows if the
 * case is still as read, else does the transition whole. A job's answer still comes
 * only after its commit. A transition prepared here may be written after a request on
 * the same case queued after it (an extension, say): its case then moved, and the
 * writer does it whole, as two requests in flight at once may be ordered either way.
 *
 * Which transitions (cf__writer_submit; cfg.prepare): with AUTO each goes to the
 * shorter line, the writer's queue or the preparer's (to the writer on a tie). Preparing
 * every one moves more work than the other core has room for (docs/performance.md, "A
 * transition prepared off the writer": the loop, the clients and the preparer then
 * become the bound). Whether jobs wait for the writer alone does not tell: they gather
 * behind every commit's fsync, which is waiting, not work. A line that grows is the
 * thread that falls behind, so the jobs go where there is room until both cores are
 * busy; none is prepared while the writer keeps up (nothing waits for it), where it
 * would only add a thread to the request's way. */
static void *prep_main(void *arg)
{
    cf__writer_t *w = arg;
    cf_ops_ready_t **spent = NULL; /* the list given back, swapped with the loop's */
    size_t spent_n = 0, spent_cap = 0;
    for (;;) {
        pthread_mutex_lock(&w->prep.mu);
        while (!w->prep.queue && !w->prep.quit && w->prep.spent_n < CF__PREP_SPENT_WAKE)
            pthread_cond_wait(&w->prep.cv, &w->prep.mu);
        cf__job_t *job = w->prep.queue;
        if (job && !(w->prep.queue = job->next))
            w->prep.queue_tail = NULL;
        if (job)
            atomic_fetch_sub(&w->prep.queued, 1);
        int quit = w->prep.quit;
        spent_swap(w, &spent, &spent_n, &spent_cap);
        pthread_mutex_unlock(&w->prep.mu);
        spent_free(w, spent, &spent_n); /* first: its blocks serve this job's allocations */
        if (!job && quit)
            break; /* quit, and nothing left */
        if (!job)
            continue; /* woken to free what was given back */
        job->next = NULL;
        pthread_rwlock_rdlock(&w->cal_lock);
        job->cal_gen = w->cal_gen;
        cf__job_prepare(w->prep.store, w->cal, &w->prep.wfs, job);
        pthread_rwlock_unlock(&w->cal_lock);
        atomic_fetch_add(&w->prepared, job->ready != NULL);
        enqueue(w, job, NULL);
    }
    free(spent);
    return NULL;
}

/* Starts the preparer on a read-only connection of its own: SQLite only (on PostgreSQL
 * every transition is done whole by the writer), and not when cfg.prepare is NEVER.
 * Without it, every job goes to the writer as it comes. */
static void prep_start(cf_serve_t *srv, const char *path)
{
    cf__writer_t *w = &srv->writer;
    cf_error_t err;
    if (srv->cfg.prepare == CF_SERVE_PREPARE_NEVER || cf_store_is_pg(path) ||
        cf_store_open_readonly(path, &w->prep.store, &err) != 0)
        return;
    pthread_mutex_init(&w->prep.mu, NULL);
    pthread_cond_init(&w->prep.cv, NULL);
    pthread_mutex_init(&w->cases_mu, NULL);
    w->cases.lock = &w->cases_mu; /* the preparer copies cases out of the writer's cache */
    w->prep.wfs.cases = &w->cases;
    if (pthread_create(&w->prep.thread, NULL, prep_main, w) != 0) {
        pthread_cond_destroy(&w->prep.cv);
        pthread_mutex_destroy(&w->prep.mu);
        w->cases.lock = NULL; /* (the writer does not run yet) */
        pthread_mutex_destroy(&w->cases_mu);
        cf_store_close(w->prep.store);
        w->prep.store = NULL;
        return;
    }
    w->prep.started = 1;
}

/* Stops the preparer (before the writer: what it holds goes to the writer's queue). */
static void prep_stop(cf__writer_t *w)
{
    if (!w->prep.started)
        return;
    pthread_mutex_lock(&w->prep.mu);
    w->prep.quit = 1;
    pthread_cond_signal(&w->prep.cv);
    pthread_mutex_unlock(&w->prep.mu);
    pthread_join(w->prep.thread, NULL);
    spent_free(w, w->prep.spent, &w->prep.spent_n); /* given back after its last turn */
    free(w->prep.spent);
    w->prep.spent = NULL;
    w->prep.spent_cap = 0;
    pthread_cond_destroy(&w->prep.cv);
    pthread_mutex_destroy(&w->prep.mu);
    cf_wfcache_free(&w->prep.wfs);
    cf_store_close(w->prep.store);
    w->prep.store = NULL;
    w->prep.started = 0;
}

/* ---- the loop side ------------------------------------------------------------------- */

/* Adds up the phases of a request someone waits for (the file header says why), the
 * last until now. Not firing's own jobs, nor a job the writer never took. */
static void count_phases(cf_serve_t *srv, const cf__job_t *j)
{
    if (!j->link || firing(j) || !j->at[5])
        return;
    struct cf__phases_s *p = &srv->m.phases[j->queued_firing != 0];
    uint64_t now = cf__micros();
    for (int k = 0; k < CF__PHASES; k++) {
        uint64_t from = j->at[k], to = k + 1 < CF__PHASE_MARKS ? j->at[k + 1] : now;
        p->us[k] += to > from ? to - from : 0;
    }
    p->count++;
}

/* Exported, documented in serve-int.h */
void cf__writer_hand_back(cf_serve_t *srv, cf__job_t *list)
{
    for (cf__job_t *j = list; j; j = j->next)
        if (j->reply) {
            count_phases(srv, j);
            j->reply(j);
            j->reply = NULL;
        }
    while (list) {
        cf__job_t *j = list;
        list = j->next;
        j->next = NULL;
        srv->writer.inflight--;
        count_phases(srv, j); /* (a job that replied has no link left) */
        j->done(j);           /* frees j */
    }
}

static void on_done(uv_async_t *async)
{
    cf_serve_t *srv = async->data;
    cf__writer_t *w = &srv->writer;
    pthread_mutex_lock(&w->mu);
    cf__job_t *list = w->done;
    w->done = w->done_tail = NULL;
    pthread_mutex_unlock(&w->mu);
    cf__writer_hand_back(srv, list);
    assert(cf__serve_check(srv));
    cf__sched_rearm(srv);
    cf__serve_maybe_finish(srv);
}

/* Exported, documented in serve-int.h */
int cf__writer_start(cf_serve_t *srv, const char *path, cf_error_t *err)
{
    cf__writer_t *w = &srv->writer;
    int64_t backfilled = 0;
    int rc = cf_store_open_existing(path, &w->store, err);
    if (rc == 0) /* the summaries of cases from before schema 10, once */
        rc = cf_ops_summaries_backfill(w->store, &backfilled, err);
    if (rc == 0 && srv->cfg.store_fault)
        cf_store_set_fault(w->store, srv->cfg.store_fault, srv->cfg.store_fault_ctx);
    if (rc == 0)
        rc = cf_store_calendar_load(w->store, &w->cal, err);
    if (rc == 0) /* a chunk of alerts dirties ~3 pages each: 2 MB spilled into the log */
        rc = cf_store_set_cache_kib(w->store, CF__WRITER_CACHE_KIB, err);
    if (rc == 0 && uv_async_init(&srv->loop, &w->async, on_done) != 0)
        rc = cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot create the writer's wake-up");
    if (rc != 0)
        goto fail_store;
    w->async.data = srv;
    w->wfs.cases = &w->cases;
    w->fire_ahead_max = CF__FIRE_AHEAD_MAX;
    cf__ckpt_defaults(w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_rwlock_init(&w->cal_lock, NULL);
    cf__ckpt_start(w, path); /* before the writer runs: it changes the writer's connection */
    prep_start(srv, path);   /* before it too: it puts a lock on the writer's case cache */
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        rc = cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot start the writer thread");
        goto fail_thread;
    }
    w->started = 1;
    return 0;
fail_thread:
    prep_stop(w);
    if (w->cases.lock) {
        w->cases.lock = NULL;
        pthread_mutex_destroy(&w->cases_mu);
    }
    cf__ckpt_stop(w);
    pthread_rwlock_destroy(&w->cal_lock);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    uv_close((uv_handle_t *)&w->async, NULL);
fail_store:
    cf_calendar_free(w->cal);
    cf_store_close(w->store);
    w->cal = NULL;
    w->store = NULL;
    return rc;
}

/* Exported, documented in serve-int.h */
void cf__writer_submit(cf_serve_t *srv, cf__job_t *job)
{
    cf__writer_t *w = &srv->writer;
    job->srv = srv;
    job->next = NULL;
    job->at[0] = cf__micros();
    job->queued_firing = srv->fires_inflight > 0;
    w->inflight++;
    int act = job->kind == CF__JOB_ACT && w->prep.started;
    unsigned prep = act ? atomic_load(&w->prep.queued) : 0;
    if (!act || srv->cfg.prepare != CF_SERVE_PREPARE_ALWAYS)
        if (enqueue(w, job, act ? &prep : NULL)) /* (a transition: to the shorter line) */
            return;
    atomic_fetch_add(&w->prep.queued, 1);
    pthread_mutex_lock(&w->prep.mu); /* prepared first (the preparer) */
    if (w->prep.queue_tail)
        w->prep.queue_tail->next = job;
    else
        w->prep.queue = job;
    w->prep.queue_tail = job;
    pthread_cond_signal(&w->prep.cv);
    pthread_mutex_unlock(&w->prep.mu);
}

/* Exported, documented in serve-int.h */
void cf__writer_go(cf_serve_t *srv, cf_time_t now)
{
    cf__writer_t *w = &srv->writer;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->go, now);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Exported, documented in serve-int.h */
void cf__writer_stop(cf_serve_t *srv)
{
    cf__writer_t *w = &srv->writer;
    if (!w->started)
        return;
    prep_stop(w);
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    cf__ckpt_stop(w);
    pthread_rwlock_destroy(&w->cal_lock);
    if (w->cases.lock) {
        w->cases.lock = NULL;
        pthread_mutex_destroy(&w->cases_mu);
    }
    /* Several daemons: the due alerts this one claimed and did not fire are anyone's
     * at once, not after their lease (a daemon that dies leaves them to the lease). */
    if (srv->shared)
        cf_store_alerts_unclaim(w->store, srv->node_id, NULL);
    w->started = 0;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    uv_close((uv_handle_t *)&w->async, NULL);
    cf_wfcache_free(&w->wfs);
    cf_casecache_free(&w->cases);
    free(w->fire.alerts);
    memset(&w->fire, 0, sizeof(w->fire));
    cf__ahead_reset(&w->ahead, 0);
    cf_calendar_free(w->cal);
    cf_store_close(w->store);
    w->cal = NULL;
    w->store = NULL;
}
