/*
 * serve-fire-ahead.c -- firing ahead: the writer's work for a burst's first alerts, written
 * before their instant in a transaction held open and committed at it (writer thread only;
 * the writer itself, its batches and savepoints, is serve-writer.c; the cases read ahead,
 * serve-ahead.c; the FIRE job's rows, serve-fire.c).
 *
 * Firing ahead (issue 26.1). At a burst's instant the writer's work was the rows themselves
 * (the case row, the event, the alert's mark: ~78,000 instructions an alert, 90% inside
 * SQLite) and the commit, so the last of 10,000 alerts waited for all of them. Once the
 * instant's cases are read ahead with their rows made (serve-ahead.c), the scheduler queues
 * one FIRE job marked `ahead` for the instant (sched.c). The writer runs it only when no
 * other job waits: it begins a transaction, writes up to fire_ahead_max alerts' rows at
 * `now` the instant, and then holds the transaction open, uncommitted, until the loop's
 * timer says the instant came (cf__writer_go); then it commits, and the loop delivers the
 * alerts and queues the rest of the instant as ordinary chunks. Nothing is visible or
 * durable before the COMMIT, so nothing is recorded before it is due, and a crash before it
 * leaves nothing (SQLite ignores log frames without a commit). Requests win: a job queued
 * meanwhile ends the work at the next alert, the transaction is rolled back (the rows made
 * ahead stay in their table: ah->keep), the job is served as ever, and the work is done
 * again after it while the instant is still ahead. An instant that comes while the work is
 * rolled back, or whose `now` is not the job's instant (a late timer, an earlier alert),
 * fires the held job as any chunk at that now (rows sealed again: serve-fire.c). The bound:
 * the whole burst's log must stay under 64 MB (issue 26.4) and an alert writes ~2.25 frames
 * of 4 KB, so one transaction holds at most CF__FIRE_AHEAD_MAX alerts; its commit is not a
 * firing chunk's size for the log's restart (w->fire_frames: a restart right after it waited
 * for the checkpointer to copy all of it, 0.5-0.9 s on the alerts' time). Rejected: firing
 * ahead and committing early (an alert would be recorded before it is due).
 *
 * The held commit's path (burst11). Three things keep the log's work off the alerts' path
 * after the instant: (1) before the rows are written the log is started over
 * (cf__wal_restart_ahead, serve-checkpoint.c), so the held frames begin at its start and
 * the chunks after the instant have the rest of the firing bound to run in while the
 * checkpointer copies the held frames; (2) the transaction's pages stay in memory while
 * the rows are written (the cache raised to CF__HELD_CACHE_KIB, 64 MB, for that time), and
 * once written they are written into the log, each once, and synced before the instant
 * (cf_store_wal_presync: uncommitted frames, invisible, and ignored at recovery), so the
 * COMMIT at the instant writes and syncs one frame. In the 16 MB cache, pages spilled and
 * changed again were written over in the log, and the COMMIT then re-read and
 * re-checksummed every frame after the first one written over (SQLite's
 * walRewriteChecksums) and synced the whole ~40 MB again at the instant. (cache_spill off
 * would keep them in memory too, but a connection's pager flags change only outside a
 * transaction, and off, sqlite3_db_cacheflush writes nothing.) A request that comes during
 * the presync waits for it, then rolls the work back as ever. (3) after
 * the held commit the next chunk counts as the held commit's frames an alert
 * (cf__fire_ahead_chunk_frames), and the checkpointer runs after every commit until the log
 * restarts (ahead_pace).
 *
 * Map: the frames of the chunk after a held commit (cf__fire_ahead_chunk_frames), the held
 * job waiting for its instant (cf__fire_ahead_hold_until_instant), the held job taken out
 * of a batch (cf__fire_ahead_hold), and its run (run_ahead, cf__fire_ahead_fire_held).
 */
#include "serve-int.h"

#include <assert.h>

/* The frames a full chunk after the held commit j (which wrote `frames`) may write: as
 * many an alert as j's, for the most alerts a chunk takes (cfg.fire_chunk). The log's
 * restart counts on it for the first chunk after the held commit (cf__wal_restart):
 * fire_frames held the read-ahead's last commit, 0 or 1 frame, and that chunk could take
 * the log past its bound. */
int cf__fire_ahead_chunk_frames(const cf__writer_t *w, const cf__job_t *j, int frames)
{
    const cf_serve_t *srv = H2O_STRUCT_FROM_MEMBER(cf_serve_t, writer, w);
    size_t n = json_array_size(j->alerts);
    return n ? (int)(((uint64_t)frames * srv->cfg.fire_chunk + n - 1) / n) : w->fire_frames;
}

/* The job fired ahead (j, alone in its transaction, rc its run's result) waits for its
 * instant with its rows written: 0 when the instant came and it is to commit; 1 when a job
 * came first, or the instant's now is not j's, or the run failed: the transaction is then
 * rolled back and j made as if it never ran (the due alerts are read again). */
int cf__fire_ahead_hold_until_instant(cf__writer_t *w, cf__job_t *j, int rc)
{
    pthread_mutex_lock(&w->mu);
    if (rc == 0 && !w->queue && !atomic_load(&w->go) && !w->quit) {
        pthread_mutex_unlock(&w->mu); /* the log synced ahead too (the file header says why) */
        if (cf_store_wal_presync(w->store) == 0)
            atomic_fetch_add(&w->ahead_presyncs, 1);
        cf_store_set_cache_kib(w->store, CF__WRITER_CACHE_KIB, NULL); /* (written: clean) */
        pthread_mutex_lock(&w->mu);
    }
    atomic_store(&w->ahead_held, rc == 0);
    while (rc == 0 && !w->queue && !atomic_load(&w->go) && !w->quit)
        pthread_cond_wait(&w->cv, &w->mu);
    atomic_store(&w->ahead_held, 0);
    int commit = rc == 0 && j->status == 200 && atomic_load(&w->go) == j->now;
    pthread_mutex_unlock(&w->mu);
    if (commit) {
        atomic_fetch_add(&w->fired_ahead, json_array_size(j->alerts));
        return 0;
    }
    cf_store_tx_rollback(w->store);
    atomic_fetch_add(&w->ahead_rollbacks, 1);
    cf__job_forget(j);
    json_decref(j->alerts);
    free(j->texts);
    j->alerts = NULL;
    j->texts = NULL;
    j->more = 0;
    w->firing = 0;
    return 1;
}

/* Takes the job to fire ahead out of batch into w->held (one at a time: the scheduler
 * queues one an instant); returns the rest. */
cf__job_t *cf__fire_ahead_hold(cf__writer_t *w, cf__job_t *batch)
{
    for (cf__job_t **p = &batch; *p; p = &(*p)->next)
        if ((*p)->ahead) {
            assert(!w->held);
            w->held = *p;
            *p = w->held->next;
            w->held->next = NULL;
            break;
        }
    return batch;
}

/* Runs held job j ahead of its instant: 0 when it committed at its instant, 1 when it was
 * rolled back. The due alerts it took are due again: the list read is rewound, or read
 * again if the run read further pages. */
static int run_ahead(cf__writer_t *w, cf__job_t *j)
{
    unsigned reads = w->fire.reads;
    int next = w->fire.next;
    cf__wal_restart_ahead(w); /* the held frames from the log's start */
    cf_store_set_cache_kib(w->store, CF__HELD_CACHE_KIB, NULL); /* (the file header says why) */
    int rc = cf__writer_run_batch(w, j);
    cf_store_set_cache_kib(w->store, CF__WRITER_CACHE_KIB, NULL);
    if (rc == 0)
        return 0;
    if (w->fire.reads == reads) {
        w->fire.next = next;
    } else {
        w->fire.count = w->fire.next = 0;
        w->fire.full = 1;
    }
    return 1;
}

/* Runs the held job when nothing else waits, or once the loop said its instant came (go):
 * ahead of it (written, held open, committed at it), or at go as any chunk, or given back
 * unfired (go -1: a stop). While jobs wait, it waits for their batch. */
void cf__fire_ahead_fire_held(cf__writer_t *w)
{
    cf__job_t *j = w->held;
    pthread_mutex_lock(&w->mu);
    cf_time_t go = atomic_load(&w->go);
    int idle = !w->queue;
    if (idle)
        atomic_store(&w->waiting, 0);
    pthread_mutex_unlock(&w->mu);
    if (!go && !idle)
        return;
    if (go && go != j->now)
        j->ahead = 0, j->now = go > 0 ? go : j->now;
    if (go < 0) {
        j->status = 503;
        j->alerts = json_array();
    } else if ((j->ahead ? run_ahead(w, j) : cf__writer_run_batch(w, j)) != 0) {
        if (!atomic_load(&w->go))
            return;   /* a job came first: after its batch, again */
        j->ahead = 0; /* the instant came meanwhile: at once, as any chunk */
        j->now = atomic_load(&w->go);
        cf__writer_run_batch(w, j);
    }
    if (!j->more && w->ahead.instant && w->ahead.instant <= j->now)
        cf__ahead_reset(&w->ahead, 0); /* the instant is fired */
    w->held = NULL;
    atomic_store(&w->go, 0);
    cf__writer_hand_over(w, j);
}
