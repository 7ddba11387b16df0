/*
 * serve-checkpoint.c -- the checkpointer: the write-ahead log copied into the database
 * off the writer thread, and started over when it grows long.
 *
 * The log. A checkpointer thread copies the write-ahead log into the database
 * (PASSIVE, on its own connection, every CF__CKPT_INTERVAL_MS after commits), but a
 * PASSIVE checkpoint never makes the log start over: SQLite starts it over only when
 * a commit finds every frame already copied, which never happens while commits keep
 * coming, so under load the log grew to 2.9 GB and stayed that size until the daemon
 * stopped. So after a commit that leaves more than wal_restart_frames frames in the
 * log (16 MB), the writer itself, between two batches, copies what the checkpointer
 * has not yet copied (at most the commits of its last interval) and asks SQLite to
 * start the log over (cf_store_checkpoint_restart: RESTART, never waiting for a
 * reader; a reader on an old snapshot makes it try again after a later commit). The
 * next commit then writes from the start of the file and cuts it back to 64 MB
 * (journal_size_limit). It runs on the writer thread, never the loop, after the
 * batch's answers were handed to the loop: only requests queued meanwhile wait for
 * it (a few ms), as they wait for a commit. While alerts fire, the log restarts only
 * near a larger bound, and the checkpointer runs after every commit as it nears it
 * (cf__wal_restart, cf__ckpt_pace).
 *
 * The writer (serve-writer.c) calls in at start and stop (cf__ckpt_defaults,
 * cf__ckpt_start, cf__ckpt_stop), after each commit (cf__ckpt_pace, cf__ckpt_poke),
 * between two batches, after the answers went (cf__wal_restart), and before it writes a
 * firing ahead of its instant (cf__wal_restart_ahead). Split off
 * serve-writer.c, whose map named this its next part to go: a thread, a connection
 * and a policy of their own, apart from the group commit.
 */
#include "serve-int.h"

#include <time.h>

/* ---- the checkpointer ------------------------------------------------------------------ */

/* Least time between two checkpoints: often enough to keep the log short (a few
 * megabytes at full load), seldom enough to copy many commits at once (not while
 * alerts fire near the log's bound: cf__ckpt_pace). */
#define CF__CKPT_INTERVAL_MS 100

static void *ckpt_main(void *arg)
{
    cf__writer_t *w = arg;
    pthread_mutex_lock(&w->ckpt.mu);
    while (!w->ckpt.quit) {
        if (!w->ckpt.pending) {
            pthread_cond_wait(&w->ckpt.cv, &w->ckpt.mu);
            continue;
        }
        w->ckpt.pending = 0;
        pthread_mutex_unlock(&w->ckpt.mu);
        cf_error_t err;
        int copied = 0;
        pthread_mutex_lock(&w->ckpt.run);
        if (cf_store_checkpoint(w->ckpt.store, NULL, &copied, &err) == 0)
            atomic_fetch_add(&w->checkpoints, 1);
        atomic_store(&w->ckpt.copied, copied);
        pthread_mutex_unlock(&w->ckpt.run);
        struct timespec until;
        long ms = atomic_load(&w->ckpt.interval_ms);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ms / 1000;
        until.tv_nsec += ms % 1000 * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&w->ckpt.mu);
        /* woken by a commit: still wait out the interval, unless alerts fire */
        while (!w->ckpt.quit && !atomic_load(&w->ckpt.eager) &&
               pthread_cond_timedwait(&w->ckpt.cv, &w->ckpt.mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&w->ckpt.mu);
    return NULL;
}

/* Starts the checkpointer on a connection of its own and turns the writer's
 * own checkpoints off. If it cannot start, the writer keeps checkpointing
 * inside its commits, as SQLite does by default: slower, never unbounded. */
/* Exported, documented in serve-int.h */
void cf__ckpt_start(cf__writer_t *w, const char *path)
{
    cf_error_t err;
    if (cf_store_open_existing(path, &w->ckpt.store, &err) != 0)
        return;
    pthread_mutex_init(&w->ckpt.mu, NULL);
    pthread_mutex_init(&w->ckpt.run, NULL);
    pthread_cond_init(&w->ckpt.cv, NULL);
    if (pthread_create(&w->ckpt.thread, NULL, ckpt_main, w) != 0) {
        pthread_cond_destroy(&w->ckpt.cv);
        pthread_mutex_destroy(&w->ckpt.run);
        pthread_mutex_destroy(&w->ckpt.mu);
        cf_store_close(w->ckpt.store);
        w->ckpt.store = NULL;
        return;
    }
    w->ckpt.started = 1;
    cf_store_set_autocheckpoint(w->store, 0, &err);
    cf_store_wal_track(w->store); /* after: it replaces the automatic checkpoints' hook */
}

/* Exported, documented in serve-int.h */
void cf__ckpt_stop(cf__writer_t *w)
{
    if (!w->ckpt.started)
        return;
    pthread_mutex_lock(&w->ckpt.mu);
    w->ckpt.quit = 1;
    pthread_cond_signal(&w->ckpt.cv);
    pthread_mutex_unlock(&w->ckpt.mu);
    pthread_join(w->ckpt.thread, NULL);
    pthread_cond_destroy(&w->ckpt.cv);
    pthread_mutex_destroy(&w->ckpt.run);
    pthread_mutex_destroy(&w->ckpt.mu);
    cf_store_close(w->ckpt.store);
    w->ckpt.store = NULL;
    w->ckpt.started = 0;
}

/* After a commit: the log grew; the checkpointer copies it when its interval is up. */
/* Exported, documented in serve-int.h */
void cf__ckpt_poke(cf__writer_t *w)
{
    if (!w->ckpt.started)
        return;
    pthread_mutex_lock(&w->ckpt.mu);
    w->ckpt.pending = 1;
    pthread_cond_signal(&w->ckpt.cv);
    pthread_mutex_unlock(&w->ckpt.mu);
}

/* Frames in the log past which the writer makes it start over: 16 MB of 4 KB pages.
 * It does so once the checkpointer has copied all but CF__WAL_REST_FRAMES of them (the
 * writer then copies only those), or, if the checkpointer falls behind, once the log
 * is twice as long (a burst of alerts writes 16 MB in a fraction of a second: a
 * restart at every 16 MB made the writer copy most of it itself, on the alerts' time). */
#define CF__WAL_RESTART_FRAMES 4096
#define CF__WAL_REST_FRAMES    1024
/* While alerts fire, the log starts over only near this many frames: 62 MB of pages
 * (62.4 MB with the frames' headers), under the 64 MB the log may take (issue 26). A
 * burst's chunks come back to back, so the checkpointer never catches up with them,
 * and each restart copied thousands of frames and synced the database on the alerts'
 * time: 90-180 ms each, five in a 10,000-alert burst on a million cases. A chunk fires
 * no more alerts than fit under it (serve-fire.c, log_room), so the log is filled up to
 * it; 14,336 (56 MB) before burst12, when a chunk could pass it by as much as the last
 * one wrote. */
#define CF__WAL_FIRING_FRAMES 15872
/* While alerts fire, the log starts over once fewer than this many alerts fit under the
 * firing bound (at the last firing commit's frames an alert: log_room). */
#define CF__WAL_MIN_ALERTS 128

/* 1 when the log of frames frames would pass the firing bound after `chunks` more
 * firing commits as large as the last one. */
static int wal_firing_full(const cf__writer_t *w, int frames, int chunks)
{
    return frames + chunks * w->fire_frames > atomic_load(&w->wal_firing_frames);
}

/* The frames a chunk writes beside its alerts' (the pages every chunk writes) */
#define CF__CHUNK_FIXED_FRAMES 32

/* Exported, documented in serve-int.h */
long cf__wal_room_alerts(const cf__writer_t *w, int frames)
{
    if (!w->ckpt.started || !w->alert_frames16)
        return -1;
    long room = (long)atomic_load(&w->wal_firing_frames) - frames - CF__CHUNK_FIXED_FRAMES;
    unsigned long per = w->alert_frames16 + (w->alert_frames16 + 3) / 4; /* (times 16) */
    return room > 0 ? (long)((unsigned long)room * 16 / per) : 0;
}

/* 1 when the log of frames frames is full while alerts fire: fewer than CF__WAL_MIN_ALERTS
 * alerts fit under the firing bound (a chunk stops there: serve-fire.c, log_room); before
 * any firing commit, when the next chunk, as large as the last, would pass it. */
static int wal_firing_at_bound(const cf__writer_t *w, int frames)
{
    long room = cf__wal_room_alerts(w, frames);
    return room < 0 ? wal_firing_full(w, frames, 1) : room < CF__WAL_MIN_ALERTS;
}

/* After a commit: while alerts fire and the log is within two chunks of its firing
 * bound, the checkpointer runs after every commit rather than once an interval, so
 * that the restart at the bound finds little left to copy: an interval's commits
 * (up to ~4,600 frames) were the writer's to copy there, 130-190 ms on the alerts'
 * time (burst8, docs/performance.md). Not for the whole firing: the checkpointer's
 * runs and syncs share the machine's two cores and its disk with the chunks. */
/* Exported, documented in serve-int.h */
void cf__ckpt_pace(cf__writer_t *w)
{
    w->ahead_pace &= w->firing != 0; /* (the firing ended without a restart) */
    atomic_store(&w->ckpt.eager,
                 w->firing &&
                     (w->ahead_pace || wal_firing_full(w, cf_store_wal_frames(w->store), 2)));
}

/* After a commit: when the log is long, copy the rest of it and start it over (the
 * file header says why). Only when the checkpointer is running (otherwise SQLite's
 * own checkpoints run inside the commits), and not while it copies (it has the log
 * in hand: look again after the next commit). While alerts fire (the last firing
 * chunk left more due: w->firing), only once fewer than CF__WAL_MIN_ALERTS alerts fit
 * under CF__WAL_FIRING_FRAMES (wal_firing_at_bound; a restart after the commit that
 * passed it let the log grow a chunk more: 16,000 frames, 64 MB); then after the
 * checkpointer's run if one is under way, which copies most of it, never skipped (the
 * log would pass its bound). The first commit after the last chunk restarts it. */
/* Exported, documented in serve-int.h */
void cf__wal_restart(cf__writer_t *w)
{
    int limit = atomic_load(&w->wal_restart_frames), frames = cf_store_wal_frames(w->store);
    if (!w->ckpt.started || frames <= limit || (w->firing && !wal_firing_at_bound(w, frames)))
        return;
    if (!w->firing && frames - atomic_load(&w->ckpt.copied) > CF__WAL_REST_FRAMES &&
        frames <= 2 * limit)
        return; /* the checkpointer is still copying: let it, and look again next commit */
    uint64_t t0 = cf__micros();
    if (w->firing)
        pthread_mutex_lock(&w->ckpt.run);
    else if (pthread_mutex_trylock(&w->ckpt.run) != 0)
        return;
    int left = frames - atomic_load(&w->ckpt.copied); /* the writer's to copy */
    if (cf_store_checkpoint_restart(w->store, NULL, NULL, NULL) == 0) {
        w->ahead_pace = 0;
        atomic_fetch_add(&w->wal_restarts, 1);
        atomic_fetch_add(&w->wal_restart_copied, left > 0 ? (unsigned)left : 0);
    }
    pthread_mutex_unlock(&w->ckpt.run);
    atomic_fetch_add(&w->wal_restart_us, cf__micros() - t0);
}

/* How long the restart before a firing written ahead waits for a reader in the way (a
 * read of the loop's or the preparer's, a few ms): it is well before the instant. */
#define CF__WAL_AHEAD_WAIT_MS 100

/* Before a firing is written ahead of its instant: the log is started over if it holds
 * any frame. The held transaction's frames then begin at the log's start, and after its
 * commit at the instant the chunks that follow have the rest of the firing bound to run
 * in while the checkpointer copies the held frames. Without it, the log left by the
 * commits before (up to CF__WAL_RESTART_FRAMES, 16 MB, not yet started over) put the
 * held commit near the bound, and the writer restarted the log right after it, waiting
 * for the checkpointer to copy every held frame before the next chunk: 182 ms on the
 * alerts' path in the quiet run of 2026-12-07 20:05. Here, before the instant, nothing
 * is left to copy but the last interval's commits, and the checkpointer has usually
 * copied them. A reader in the way: the held frames follow the log as before. */
/* Exported, documented in serve-int.h */
void cf__wal_restart_ahead(cf__writer_t *w)
{
    if (!w->ckpt.started || cf_store_wal_frames(w->store) == 0)
        return;
    uint64_t t0 = cf__micros();
    pthread_mutex_lock(&w->ckpt.run);
    int left = cf_store_wal_frames(w->store) - atomic_load(&w->ckpt.copied);
    int rc = cf_store_checkpoint_restart_wait(w->store, CF__WAL_AHEAD_WAIT_MS, NULL, NULL, NULL);
    if (rc == 0) {
        atomic_fetch_add(&w->wal_restarts, 1);
        atomic_fetch_add(&w->wal_restarts_ahead, 1);
        atomic_fetch_add(&w->wal_restart_copied, left > 0 ? (unsigned)left : 0);
    }
    pthread_mutex_unlock(&w->ckpt.run);
    atomic_fetch_add(&w->wal_restart_us, cf__micros() - t0);
}

/* Exported, documented in serve-int.h */
void cf__ckpt_defaults(cf__writer_t *w)
{
    atomic_store(&w->wal_restart_frames, CF__WAL_RESTART_FRAMES);
    atomic_store(&w->wal_firing_frames, CF__WAL_FIRING_FRAMES);
    atomic_store(&w->ckpt.interval_ms, CF__CKPT_INTERVAL_MS);
}
