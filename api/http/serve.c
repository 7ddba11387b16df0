/*
 * serve.c -- the daemon's lifecycle: open, run, stop, drain, close; and its
 * clock. The state machine is drawn in serve.h.
 *
 * One libuv loop carries everything that is not a commit: the HTTP server
 * (http*.c), the scheduler's one timer (sched.c), webhook sockets and timers and
 * event streams (sched-deliver.c), the wake-up from the writer thread
 * (serve-writer.c), the stop request and the signals. The loop tick therefore
 * reads: timers (scheduler, curl, h2o timeouts, webhook retries) -> I/O (HTTP
 * connections, curl sockets) -> async (writer results: answer, notify, deliver,
 * re-arm the scheduler; stop) -> signals.
 *
 * Stopping drains instead of dropping: the listener closes at once; streams get
 * their final chunk; webhook deliveries still pending are cancelled (they are
 * not durable: see docs/api.md); every connection has its read side shut so
 * h2o closes it after its answer, and requests already queued to the writer are
 * committed and answered. When no connection and no write is left, the writer
 * thread is joined and every handle closed; uv_run returns, h2o's context is
 * disposed and uv_loop_close must return 0.
 *
 * The clock, in milliseconds: clock_base_ms (the configured start instant, whole
 * seconds, or the system clock at open, CLOCK_REALTIME to the millisecond) plus
 * the loop's monotonic time since open, plus what POST /v1/test/clock moved it
 * forward (clock_offset_ms). Events carry whole seconds (cf__serve_now); the
 * scheduler arms its timer in milliseconds (cf__serve_now_ms), so an alert fires
 * within a loop tick of its due second of wall-clock time. Monotonic by
 * construction: the engine refuses an event earlier than the case's last one, so
 * "now" must never go back; a system clock stepped after open is not followed.
 */
#include "serve-int.h"

#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- the clock --------------------------------------------------------------------------- */

/* The system clock in milliseconds since the epoch. Whole seconds (time(NULL)) would put
 * the daemon's clock up to 999 ms behind the wall: every alert would fire that much late. */
static int64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exported, documented in serve-int.h */
int64_t cf__serve_now_ms(cf_serve_t *srv)
{
    return srv->clock_base_ms + (int64_t)(uv_now(&srv->loop) - srv->clock_uv_ms) +
           srv->clock_offset_ms;
}

/* Exported, documented in serve-int.h */
cf_time_t cf__serve_now(cf_serve_t *srv)
{
    int64_t ms = cf__serve_now_ms(srv);
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

/* ---- the log ------------------------------------------------------------------------------- */

/* Exported, documented in serve-int.h */
void cf__serve_log(cf_serve_t *srv, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (srv->cfg.log)
        srv->cfg.log(srv->cfg.log_ctx, line);
    else
        fprintf(stderr, "caseflow: %s\n", line);
}

/* ---- the database's identity ----------------------------------------------------------------
 *
 * SQLite keeps the file it opened: deleted, or replaced by a rename, the daemon would
 * go on committing into an unlinked inode (every acknowledged write gone at the next
 * start) or into a file nobody reads. So the path's st_dev/st_ino, taken at open, is
 * compared again before every write is queued (once a turn of the loop: the POSTs
 * read in one turn share a stat()), before every commit (writer thread),
 * and every cfg.db_check_ms on a timer; once they differ (or the path is gone) the
 * daemon takes no more writes (503 EDBLOST), fires no more alerts, answers /healthz
 * 503, and says so loudly in its log. Reads go on from the file it has open. Only a
 * restart, by an operator who knows which file is the database, ends it: reopening
 * whatever the path names now could be the wrong file. */

static int db_identity(const char *path, dev_t *dev, ino_t *ino)
{
    struct stat st;
    if (cf_store_is_pg(path)) { /* no file: a lost connection is the driver's 503 */
        *dev = 0;
        *ino = 0;
        return 0;
    }
    if (stat(path, &st) != 0)
        return -1;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__serve_db_check(cf_serve_t *srv)
{
    dev_t dev;
    ino_t ino;
    if (atomic_load(&srv->db_lost))
        return CF_EIO;
    int gone = db_identity(srv->cfg.db_path, &dev, &ino) != 0;
    if (!gone && dev == srv->db_dev && ino == srv->db_ino)
        return 0;
    if (atomic_exchange(&srv->db_lost, 1) == 0)
        cf__serve_log(srv,
                      "DATABASE LOST: %s %s since the daemon opened it; refusing every write "
                      "(503) and firing no alert until restarted",
                      srv->cfg.db_path, gone ? "was deleted" : "was replaced by another file");
    return CF_EIO;
}

/* Exported, documented in serve-int.h */
int cf__serve_db_check_loop(cf_serve_t *srv)
{
    if (srv->turns && srv->turns == srv->db_checked_turn && !atomic_load(&srv->db_lost))
        return 0;
    srv->db_checked_turn = srv->turns;
    return cf__serve_db_check(srv);
}

static void on_db_timer(uv_timer_t *t)
{
    cf__serve_db_check(t->data);
}

static int db_watch(cf_serve_t *srv, cf_error_t *err)
{
    if (db_identity(srv->cfg.db_path, &srv->db_dev, &srv->db_ino) != 0)
        return cf_error_set(err, CF_EIO, srv->cfg.db_path, 0, 0, "cannot stat the database");
    uv_timer_init(&srv->loop, &srv->db_timer);
    srv->db_timer.data = srv;
    uv_timer_start(&srv->db_timer, on_db_timer, srv->cfg.db_check_ms, srv->cfg.db_check_ms);
    return 0;
}

/* ---- stalls ---------------------------------------------------------------------------------
 *
 * A callback that holds the loop (a big answer, a slow disk under the alert log)
 * must not make h2o take waiting clients for idle ones: after every poll, h2o's
 * request timeouts that are due wait for one more poll (cf__http_after_poll). A
 * uv_check handle runs right after each poll; it is unreferenced, so it never keeps
 * the loop alive. (Measuring the loop's busy time instead, with
 * UV_METRICS_IDLE_TIME, missed the stall: libuv counted a callback's time as idle.) */

static void on_poll_done(uv_check_t *check)
{
    cf__http_after_poll(check->data);
}

static void stall_watch(cf_serve_t *srv)
{
    uv_check_init(&srv->loop, &srv->stall_check);
    srv->stall_check.data = srv;
    uv_check_start(&srv->stall_check, on_poll_done);
    uv_unref((uv_handle_t *)&srv->stall_check);
}

/* ---- invariants ------------------------------------------------------------------------- */

static unsigned list_length(const h2o_linklist_t *anchor)
{
    unsigned n = 0;
    for (const h2o_linklist_t *l = anchor->next; l != anchor; l = l->next)
        n++;
    return n;
}

/* Exported, documented in serve-int.h */
int cf__serve_check(const cf_serve_t *srv)
{
    unsigned conns = list_length(&srv->conns), sse = list_length(&srv->sse);
    size_t held = 0;
    for (const h2o_linklist_t *l = srv->sse.next; l != &srv->sse; l = l->next) {
        const cf__sse_t *s = H2O_STRUCT_FROM_MEMBER(cf__sse_t, link, l);
        assert(s->pending_off <= s->pending_len);
        held += s->pending_len + s->inflight_len;
    }
    assert(held == srv->sse_bytes);
    (void)held;
    unsigned hooks = list_length(&srv->hooks);
    assert(srv->state >= CF__RUNNING && srv->state <= CF__CLOSED);
    assert(srv->fires_inflight <= srv->writer.inflight);
    assert(conns == srv->conns_count);
    assert(sse == atomic_load(&srv->writer.streams));
    assert(srv->state != CF__CLOSED || (!conns && !srv->writer.inflight && !hooks));
    (void)conns, (void)sse, (void)hooks, (void)srv;
    return 1;
}

/* ---- stopping ------------------------------------------------------------------------------- */

static void begin_stop(cf_serve_t *srv, const char *reason)
{
    if (srv->state != CF__RUNNING)
        return;
    srv->state = CF__STOPPING;
    cf__log("info", "shutdown",
            json_pack("{s:s, s:I, s:I}", "reason", reason, "connections",
                      (json_int_t)srv->conns_count, "writes_in_flight",
                      (json_int_t)srv->writer.inflight));
    /* A handle's loop is set by its init: a daemon that failed half way through
     * cf_serve_open stops the same way, closing only what it opened. */
    if (srv->listener.handle.loop)
        uv_close(&srv->listener.handle, NULL);
    cf__unix_remove(srv); /* the socket's file, if it still is this daemon's */
    if (srv->sigint.loop)
        uv_close((uv_handle_t *)&srv->sigint, NULL);
    cf__calendar_watch_close(srv);
    if (srv->sigterm.loop)
        uv_close((uv_handle_t *)&srv->sigterm, NULL);
    if (srv->db_timer.loop)
        uv_close((uv_handle_t *)&srv->db_timer, NULL);
    if (srv->stall_check.loop)
        uv_close((uv_handle_t *)&srv->stall_check, NULL);
    cf__sched_close(srv);
    cf__follow_close(srv);
    cf__escalate_close(srv);
    cf__anchor_close(srv);
    cf__deliver_shutdown(srv);
    cf__outbox_shutdown(srv);
    cf__http_shutdown(srv);
    cf__serve_maybe_finish(srv);
}

/* Exported, documented in serve-int.h */
void cf__serve_maybe_finish(cf_serve_t *srv)
{
    if (srv->state != CF__STOPPING || srv->conns_count || srv->writer.inflight ||
        srv->readers.inflight || !h2o_linklist_is_empty(&srv->hooks) || srv->anchor.busy)
        return;
    srv->state = CF__CLOSED;
    assert(cf__serve_check(srv));
    cf__readers_stop(srv);
    cf__writer_stop(srv);
    cf__deliver_close(srv);
    cf__log_stop(srv);
    uv_close((uv_handle_t *)&srv->stop_async, NULL);
    uv_stop(&srv->loop);
}

static void on_stop(uv_async_t *async)
{
    begin_stop(async->data, "stop requested");
}

static void on_signal(uv_signal_t *sig, int signum)
{
    begin_stop(sig->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Exported, documented in serve.h */
void cf_serve_stop(cf_serve_t *srv)
{
    uv_async_send(&srv->stop_async);
}

/* ---- opening --------------------------------------------------------------------------------- */

static void apply_defaults(cf_serve_config_t *c)
{
    if (!c->host)
        c->host = "127.0.0.1";
    if (!c->listen_mode)
        c->listen_mode = 0660;
    if (!c->max_body)
        c->max_body = 1u << 20;
    if (!c->webhook_attempts)
        c->webhook_attempts = 8;
    if (!c->webhook_retry_ms)
        c->webhook_retry_ms = 1000;
    if (!c->timeout_ms)
        c->timeout_ms = 10000;
    if (!c->fire_chunk)
        c->fire_chunk = 1024;
    if (c->fire_chunk > 1024)
        c->fire_chunk = 1024;
    if (!c->stream_max_pending)
        c->stream_max_pending = 16u << 20;
    if (!c->token_cache_ms)
        c->token_cache_ms = 5000;
    if (!c->db_check_ms)
        c->db_check_ms = 1000;
    if (!c->streams_max_total)
        c->streams_max_total = (size_t)256 << 20;
    if (!c->streams_per_token)
        c->streams_per_token = 8;
    if (!c->readers)
        c->readers = 2;
    if (c->readers > CF__READERS_MAX)
        c->readers = CF__READERS_MAX;
    if (!c->page_limit_max)
        c->page_limit_max = 1000;
    if (!c->auth_fail_burst)
        c->auth_fail_burst = 30;
}

static int open_reader(cf_serve_t *srv, cf_error_t *err)
{
    int rc = cf_store_open_existing(srv->cfg.db_path, &srv->reader, err);
    if (rc == 0)
        rc = cf_store_calendar_load(srv->reader, &srv->cal, err);
    if (rc == 0) /* before query_only: it stores a key when the database has none */
        rc = cf__session_key(srv, srv->reader, err);
    if (rc == 0)
        rc = cf_store_query_only(srv->reader, err);
    return rc;
}

static int start_signals(cf_serve_t *srv, cf_error_t *err)
{
    if (!srv->cfg.handle_signals)
        return 0;
    uv_signal_init(&srv->loop, &srv->sigint);
    uv_signal_init(&srv->loop, &srv->sigterm);
    srv->sigint.data = srv->sigterm.data = srv;
    if (uv_signal_start(&srv->sigint, on_signal, SIGINT) != 0 ||
        uv_signal_start(&srv->sigterm, on_signal, SIGTERM) != 0)
        return cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot handle SIGINT and SIGTERM");
    return 0;
}

/* The test clock lets whoever can connect move the daemon's time (and fire every
 * alert up to then): refused unless the daemon listens on loopback, and logged when
 * on. Returns 0 or CF_EINVAL. */
static int check_test_clock(cf_serve_t *srv, cf_error_t *err)
{
    struct sockaddr_in a;
    if (!srv->cfg.test_clock)
        return 0;
    if (srv->cfg.unix_path) {
        cf__serve_log(srv,
                      "the TEST CLOCK is on: POST /v1/test/clock moves the daemon's time "
                      "(allowed because it listens on the Unix socket %s only)",
                      srv->cfg.unix_path);
        return 0;
    }
    if (uv_ip4_addr(srv->cfg.host, 0, &a) != 0 || (ntohl(a.sin_addr.s_addr) >> 24) != 127)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "--test-clock lets anyone who can connect move the daemon's clock: "
                            "it is refused unless listening on loopback (127.0.0.1), not %s",
                            srv->cfg.host);
    cf__serve_log(srv,
                  "the TEST CLOCK is on: POST /v1/test/clock moves the daemon's time "
                  "(allowed because it listens on loopback %s only)",
                  srv->cfg.host);
    return 0;
}

/* This run's names: boot_id and node_id. */
static void name_run(cf_serve_t *srv)
{
    srv->boot_id = (uint32_t)time(NULL);
    char host[64] = "";
    gethostname(host, sizeof(host) - 1);
    /* new for every run, to the nanosecond: what a run holds (alert claims, webhook
     * deliveries) is told from what an earlier run left, even for a daemon restarted
     * within the second under the same pid (a container's pid 1) */
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    snprintf(srv->node_id, sizeof(srv->node_id), "%s:%d:%u.%09ld", host, (int)getpid(),
             srv->boot_id, (long)start.tv_nsec);
}

/* The settings refused at start (after apply_defaults): returns 0, or CF_EINVAL (a test
 * clock off loopback) or CF_EINVALID (an export key that cannot sign) with err set. */
static int refused_config(cf_serve_t *srv, cf_error_t *err)
{
    if (check_test_clock(srv, err) != 0)
        return CF_EINVAL;
    /* An export key that cannot sign would fail every export: refused at start, as a
     * checkpoint key is (serve-anchor.c). */
    if (srv->cfg.export_key && cf__serve_key_check("export_key", srv->cfg.export_key, err) != 0)
        return CF_EINVALID;
    return 0;
}

/* The loop's clock, the daemon's lists and its stop's wake-up (after uv_loop_init). */
static void loop_parts(cf_serve_t *srv, const cf_serve_config_t *cfg)
{
    uv_update_time(&srv->loop);
    srv->clock_base_ms = cfg->now ? (int64_t)cfg->now * 1000 : realtime_ms();
    srv->clock_uv_ms = uv_now(&srv->loop);
    h2o_linklist_init_anchor(&srv->sse);
    h2o_linklist_init_anchor(&srv->hooks);
    h2o_linklist_init_anchor(&srv->curlsocks);
    h2o_linklist_init_anchor(&srv->conns);
    uv_async_init(&srv->loop, &srv->stop_async, on_stop);
    srv->stop_async.data = srv;
}

/* Exported, documented in serve.h */
int cf_serve_open(const cf_serve_config_t *cfg, cf_serve_t **out, cf_error_t *err)
{
    cf_serve_t *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return CF_ENOMEM;
    srv->cfg = *cfg;
    name_run(srv);
    srv->shared = cfg->shared || cf_store_is_pg(cfg->db_path); /* several nodes may serve it */
    apply_defaults(&srv->cfg);
    int rc = refused_config(srv, err);
    if (rc == 0)
        signal(SIGPIPE, SIG_IGN);
    if (rc == 0)
        rc = cf_store_daemon_lock(srv->cfg.db_path, &srv->lock_fd, err);
    if (rc != 0) {
        free(srv);
        return rc;
    }
    rc = uv_loop_init(&srv->loop) == 0 ? 0 : CF_EIO;
    if (rc != 0)
        goto fail_loop;
    loop_parts(srv, cfg);
    cf__log_start(srv);
    if ((rc = cf__writer_start(srv, srv->cfg.db_path, err)) != 0)
        goto fail_writer;
    stall_watch(srv);
    if ((rc = db_watch(srv, err)) != 0 || (rc = open_reader(srv, err)) != 0 ||
        (rc = cf__readers_start(srv, err)) != 0 || (rc = cf__http_init(srv, err)) != 0 ||
        (rc = cf__sched_init(srv)) != 0 || (rc = cf__deliver_init(srv, err)) != 0 ||
        (rc = cf__anchor_init(srv, err)) != 0 || (rc = start_signals(srv, err)) != 0 ||
        (rc = cf__calendar_watch_init(srv, err)) != 0 || (rc = cf__follow_init(srv, err)) != 0)
        goto fail_started;
    cf__escalate_init(srv);
    cf__outbox_init(srv);
    *out = srv;
    return 0;
fail_started:
    /* Everything opened so far is closed by the ordinary stop. */
    begin_stop(srv, "the daemon could not open");
    cf_serve_run(srv);
    cf_serve_free(srv);
    return rc;
fail_writer:
    cf__log_stop(srv);
    uv_close((uv_handle_t *)&srv->stop_async, NULL);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv->loop);
fail_loop:
    cf_store_daemon_unlock(srv->lock_fd);
    free(srv);
    return rc;
}

/* Exported, documented in serve.h */
int cf_serve_port(const cf_serve_t *srv)
{
    return srv->port;
}

/* Exported, documented in serve.h */
int cf_serve_run(cf_serve_t *srv)
{
    if (srv->state == CF__RUNNING)
        cf__sched_rearm(srv); /* alerts missed while down fire now, late */
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    if (srv->h2o_ready) {
        h2o_context_dispose(&srv->ctx);
        h2o_config_dispose(&srv->h2o);
        srv->h2o_ready = 0;
    }
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    return uv_loop_close(&srv->loop);
}

/* Exported, documented in serve.h */
void cf_serve_free(cf_serve_t *srv)
{
    if (!srv)
        return;
    if (srv->state != CF__CLOSED) { /* opened but never run */
        begin_stop(srv, "freed without running");
        cf_serve_run(srv);
    }
    cf_wfcache_free(&srv->wfs);
    cf__sessions_free(srv);
    cf__authfail_free(srv);
    free(srv->answer);
    cf_calendar_free(srv->cal);
    cf_store_close(srv->reader);
    cf_store_daemon_unlock(srv->lock_fd);
    free(srv);
}
