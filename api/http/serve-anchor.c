/*
 * serve-anchor.c -- the daemon's signed checkpoints: every
 * cfg.checkpoint_interval_ms, a checkpoint of the log (anchor-run.h) signed
 * with cfg.checkpoint_key and written to cfg.checkpoint_out.
 *
 * Design: a repeating uv_timer on the loop queues one piece of work on libuv's
 * thread pool; the work opens its own connection, reads the log in a read
 * transaction (WAL: it never holds up the writer, and it sees only committed
 * events) and writes the file; recording the checkpoint in the database is one
 * small write transaction of its own. Not a writer job: inside the writer's
 * group commit the log would include the batch's uncommitted events, and a
 * batch that then failed would leave a checkpoint of a history that never was.
 * A tick that finds the last checkpoint still being taken is skipped. The key
 * is checked when the daemon opens, so a wrong path fails at start, not an
 * interval later.
 */
#include "anchor-run.h"
#include "ops.h"
#include "serve-int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_taken(uv_work_t *work, int status)
{
    cf_serve_t *srv = work->data;
    srv->anchor.busy = 0;
    if (status == 0 && srv->anchor.rc == 0) {
        srv->anchor.taken++;
    } else {
        srv->anchor.failed++;
        fprintf(stderr, "caseflow: CHECKPOINT FAILED: %s%s%s\n", srv->anchor.err.source,
                srv->anchor.err.source[0] ? ": " : "",
                srv->anchor.err.text[0] ? srv->anchor.err.text : cf_strerror(srv->anchor.rc));
    }
    cf__serve_maybe_finish(srv);
}

/* On a thread-pool thread. */
static void take(uv_work_t *work)
{
    cf_serve_t *srv = work->data;
    cf_store_t *s = NULL;
    cf_error_clear(&srv->anchor.err);
    int rc = cf_store_open_existing(srv->cfg.db_path, &s, &srv->anchor.err);
    if (rc == 0)
        rc = cf__anchor_take(s, srv->cfg.checkpoint_key, srv->cfg.checkpoint_out, srv->anchor.now,
                             NULL, &srv->anchor.err);
    cf_store_close(s);
    srv->anchor.rc = rc;
}

static void on_tick(uv_timer_t *timer)
{
    cf_serve_t *srv = timer->data;
    if (srv->anchor.busy || srv->state != CF__RUNNING)
        return;
    srv->anchor.now = cf__serve_now(srv);
    srv->anchor.work.data = srv;
    srv->anchor.rc = CF_ENOMEM;
    if (uv_queue_work(&srv->loop, &srv->anchor.work, take, on_taken) == 0)
        srv->anchor.busy = 1;
}

/* Exported, documented in serve-int.h */
int cf__anchor_init(cf_serve_t *srv, cf_error_t *err)
{
    if (!srv->cfg.checkpoint_interval_ms)
        return 0;
    if (!srv->cfg.checkpoint_key)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "a checkpoint interval needs the key to sign with "
                            "(--checkpoint-key FILE)");
    char *pem = NULL, *pub = NULL;
    size_t len = 0;
    int rc = cf_ops_read_file(srv->cfg.checkpoint_key, 1u << 20, &pem, &len, err);
    if (rc == 0 && (rc = cf_anchor_public_of(pem, len, &pub, err)) != 0 && err)
        snprintf(err->source, sizeof(err->source), "%s", srv->cfg.checkpoint_key);
    if (pem)
        OPENSSL_cleanse(pem, len);
    free(pem);
    free(pub);
    if (rc != 0)
        return rc;
    uv_timer_init(&srv->loop, &srv->anchor.timer);
    srv->anchor.timer.data = srv;
    uv_timer_start(&srv->anchor.timer, on_tick, srv->cfg.checkpoint_interval_ms,
                   srv->cfg.checkpoint_interval_ms);
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__anchor_close(cf_serve_t *srv)
{
    if (srv->anchor.timer.loop)
        uv_close((uv_handle_t *)&srv->anchor.timer, NULL);
}
