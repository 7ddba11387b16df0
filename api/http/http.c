/*
 * http.c -- the HTTP side of the daemon: libh2o 2.2.5 on the daemon's libuv
 * loop, in the call order of h2o's own example, examples/libh2o/simple.c in
 * h2o's sources (h2o_config_init, one host, one path "/" whose handler routes;
 * h2o_context_init on our loop; uv_tcp listener; h2o_uv_socket_create +
 * h2o_accept per connection). On a Unix socket (cfg.unix_path) the listener and the
 * connections are uv_pipe_t, handed to h2o the same way (http-unix.c has the file's
 * checks).
 *
 * The HTTP side is four files, by concern: this one (the listener, the
 * connections, h2o's set-up and timeouts), http-route.c (the table of routes, the
 * order of checks, the framing check), http-auth.c (tokens and sessions: who sent
 * a request) and http-answer.c (answers and query strings, which every endpoint
 * calls). The endpoints themselves are the other http-*.c files.
 *
 * Connections are tracked (cf__conn_t) so that stopping can end them: shutdown(2)
 * of the read side makes h2o see end-of-file on an idle keep-alive connection and
 * close it through its own path, and a connection whose answer is still being
 * committed closes once that answer was sent. h2o 2.2.5's HTTP/1 has no graceful
 * shutdown of its own (its request_shutdown callback is NULL).
 */
#include "serve-int.h"

#include <stdlib.h>
#include <sys/socket.h>

/* ---- connections --------------------------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *h)
{
    cf__conn_t *c = (cf__conn_t *)h;
    cf_serve_t *srv = c->srv;
    h2o_linklist_unlink(&c->link);
    srv->conns_count--;
    free(c);
    cf__serve_maybe_finish(srv);
}

static void on_accept(uv_stream_t *listener, int status)
{
    cf_serve_t *srv = listener->data;
    if (status != 0)
        return;
    cf__conn_t *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->srv = srv;
    if (srv->cfg.unix_path)
        uv_pipe_init(listener->loop, &c->io.pipe, 0);
    else
        uv_tcp_init(listener->loop, &c->io.tcp);
    h2o_linklist_insert(&srv->conns, &c->link);
    srv->conns_count++;
    if (uv_accept(listener, (uv_stream_t *)&c->io) != 0) {
        uv_close((uv_handle_t *)&c->io, on_conn_closed);
        return;
    }
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->io, on_conn_closed);
    h2o_accept(&srv->accept, sock);
}

/* Exported, documented in serve-int.h
 *
 * A keep-alive connection waiting for its next request has h2o's request timeout
 * running. When the loop is held past that timeout (a long callback), a client may
 * send its next request meanwhile: it waits in the socket. libuv runs the expired
 * timers before it polls the sockets again, so h2o closed the connection as idle,
 * and the request that had come, maybe a write, was never answered. So after each
 * poll, when the timeout's one libuv timer is due (or within 10 ms), it is moved
 * 10 ms on, once: the next iteration polls first, h2o reads the waiting requests
 * (which ends their timeouts), and only the connections still idle are then closed.
 * Once, so that under constant load an idle connection is still closed: one poll is
 * all the waiting requests need. Cost: a timeout fires up to 10 ms later. h2o 2.2.5
 * has no hook into its timeouts, so this re-arms the timer it owns (h2o_timeout_t's
 * backend is in its public header) with the callback it set (libuv's timer_cb). */
void cf__http_after_poll(cf_serve_t *srv)
{
    uv_timer_t *t = &srv->ctx.http1.req_timeout._backend.timer;
    int defer = 0;
    if (srv->h2o_ready && !srv->timeouts_deferred && uv_is_active((uv_handle_t *)t)) {
        uv_update_time(&srv->loop);
        defer = uv_timer_get_due_in(t) < 10;
    }
    srv->timeouts_deferred = defer;
    if (defer) {
        srv->timeouts_deferred_total++;
        uv_timer_start(t, t->timer_cb, 10, 0);
    }
}

/* Exported, documented in serve-int.h */
void cf__http_shutdown(cf_serve_t *srv)
{
    for (h2o_linklist_t *n = srv->conns.next; n != &srv->conns; n = n->next) {
        cf__conn_t *c = H2O_STRUCT_FROM_MEMBER(cf__conn_t, link, n);
        uv_os_fd_t fd;
        if (uv_fileno((uv_handle_t *)&c->io, &fd) == 0)
            shutdown(fd, SHUT_RD);
    }
}

/* The listener on cfg.host:cfg.port; srv->port the port bound (port 0: any free one). */
static int listen_tcp(cf_serve_t *srv, cf_error_t *err)
{
    struct sockaddr_in addr;
    uv_tcp_init(&srv->loop, &srv->listener.tcp);
    srv->listener.tcp.data = srv;
    int rc = uv_ip4_addr(srv->cfg.host, srv->cfg.port, &addr);
    if (rc == 0)
        rc = uv_tcp_bind(&srv->listener.tcp, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener.tcp, 128, on_accept);
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    if (rc == 0)
        rc = uv_tcp_getsockname(&srv->listener.tcp, (struct sockaddr *)&bound, &len);
    if (rc != 0)
        return cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot listen on %s:%d: %s", srv->cfg.host,
                            srv->cfg.port, uv_strerror(rc));
    srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_init(cf_serve_t *srv, cf_error_t *err)
{
    h2o_config_init(&srv->h2o);
    srv->h2o.max_request_entity_size = srv->cfg.max_body;
    srv->h2o.http1.req_timeout = srv->cfg.timeout_ms;
    srv->h2o.http2.idle_timeout = srv->cfg.timeout_ms;
    /* HTTP/1.1 only: no h2c upgrade, and a prior-knowledge HTTP/2 preface is a
     * malformed HTTP/1 request (docs/api.md says HTTP/1.1; TLS and HTTP/2 belong to
     * the proxy in front). */
    srv->h2o.http1.upgrade_to_http2 = 0;
    /* "Server: caseflow", not h2o's "h2o/2.2.5": the name and version of the HTTP library
     * tell a scanner which published flaws to try (docs/security.md, attack-12.1). */
    srv->h2o.server_name = h2o_iovec_init(H2O_STRLIT("caseflow"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&srv->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    cf__handler_t *h = (cf__handler_t *)h2o_create_handler(path, sizeof(*h));
    h->super.on_req = cf__http_on_req;
    h->srv = srv;
    cf__log_register(srv, path);
    cf__http_h2o_errors(srv, &host->fallback_path);
    h2o_context_init(&srv->ctx, &srv->loop, &srv->h2o);
    srv->h2o_ready = 1;
    srv->accept.ctx = &srv->ctx;
    srv->accept.hosts = srv->h2o.hosts;
    h2o_linklist_init_anchor(&srv->conns);
    return srv->cfg.unix_path ? cf__unix_listen(srv, on_accept, err) : listen_tcp(srv, err);
}
