/*
 * serve-config-print.c -- `caseflow serve --check-config`: the settings in
 * effect, printed in the config file's own format (so the output is itself a
 * valid config file), and the checks that can be made without starting.
 *
 * Why a printer beside the parser: an operator who merged a packaged
 * /etc/caseflow/caseflow.conf with flags in a systemd drop-in needs to see what
 * the daemon will actually use, defaults included, before a restart takes the
 * service down. Every setting is printed, set or not, in the order of the
 * config file's documentation (serve-config.c). Rejected: printing only what
 * differs from the defaults (the operator then has to know the defaults).
 */
#include "anchor.h"
#include "ops.h"
#include "serve-int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

static void str_line(FILE *f, const char *key, const char *v)
{
    if (v)
        fprintf(f, "%s = %s\n", key, v);
    else
        fprintf(f, "# %s: not set\n", key);
}

/* Exported, documented in serve.h */
void cf_serve_config_print(const cf_serve_config_t *cfg, FILE *f)
{
    str_line(f, "db", cfg->db_path);
    if (cfg->unix_path)
        fprintf(f, "listen = unix:%s\n", cfg->unix_path);
    else
        fprintf(f, "listen = %s:%d\n", cfg->host, cfg->port);
    fprintf(f, "listen_mode = %04o\n", cfg->listen_mode ? cfg->listen_mode : 0660);
    fprintf(f, "max_body = %zu\n", cfg->max_body);
    fprintf(f, "timeout_ms = %u\n", cfg->timeout_ms);
    str_line(f, "alert_log", cfg->alert_log);
    for (unsigned i = 0; i < cfg->webhooks_count; i++)
        fprintf(f, "webhook = %s\n", cfg->webhooks[i]);
    if (!cfg->webhooks_count)
        fprintf(f, "# webhook: none\n");
    for (unsigned i = 0; i < cfg->allowed_hosts_count; i++)
        fprintf(f, "allowed_host = %s\n", cfg->allowed_hosts[i]);
    if (!cfg->allowed_hosts_count)
        fprintf(f, "# allowed_host: any\n");
    fprintf(f, "webhook_attempts = %u\n", cfg->webhook_attempts);
    fprintf(f, "webhook_retry_ms = %u\n", cfg->webhook_retry_ms);
    fprintf(f, "fire_chunk = %u\n", cfg->fire_chunk);
    fprintf(f, "stream_max_pending = %zu\n", cfg->stream_max_pending);
    fprintf(f, "token_cache_ms = %u\n", cfg->token_cache_ms);
    fprintf(f, "streams_max_total = %zu\n", cfg->streams_max_total);
    fprintf(f, "streams_per_token = %u\n", cfg->streams_per_token);
    fprintf(f, "readers = %u\n", cfg->readers);
    fprintf(f, "page_limit_max = %u\n", cfg->page_limit_max);
    fprintf(f, "db_check_ms = %u\n", cfg->db_check_ms);
    fprintf(f, "prepare = %s\n",
            cfg->prepare == CF_SERVE_PREPARE_ALWAYS  ? "always"
            : cfg->prepare == CF_SERVE_PREPARE_NEVER ? "never"
                                                     : "auto");
    fprintf(f, "writer_stuck_ms = %u\n", cfg->writer_stuck_ms);
    fprintf(f, "auth_fail_burst = %u\n", cfg->auth_fail_burst);
    if (cfg->doc_max)
        fprintf(f, "doc_max = %zu\n", cfg->doc_max);
    else
        fprintf(f, "# doc_max: not set (64 MiB, the operation layer's default)\n");
    if (cfg->checkpoint_interval_ms)
        fprintf(f, "checkpoint_interval = %u\n", cfg->checkpoint_interval_ms / 1000);
    else
        fprintf(f, "# checkpoint_interval: not set (no signed checkpoints)\n");
    str_line(f, "checkpoint_key", cfg->checkpoint_key);
    str_line(f, "checkpoint_out", cfg->checkpoint_out);
    str_line(f, "export_key", cfg->export_key);
    if (cfg->now) {
        char when[64];
        cf_time_format(cfg->now, when);
        fprintf(f, "now = %s\n", when);
    }
    fprintf(f, "test_clock = %s\n", cfg->test_clock ? "true" : "false");
    str_line(f, "web", cfg->web_dir);
    fprintf(f, "session_ttl = %u\n", cfg->session_ttl);
    fprintf(f, "cookie_secure = %s\n", cfg->cookie_secure ? "true" : "false");
    if (cfg->alert_ack_timeout)
        fprintf(f, "alert_ack_timeout = %u\n", cfg->alert_ack_timeout);
    else
        fprintf(f, "# alert_ack_timeout: not set (alerts are never escalated)\n");
}

/* Exported, documented in serve-int.h */
int cf__serve_key_check(const char *key, const char *path, cf_error_t *err)
{
    char *pem = NULL, *pub = NULL;
    size_t len = 0;
    cf_error_t e;
    cf_error_clear(&e);
    if (access(path, R_OK) != 0)
        return cf_error_set(err, CF_EINVALID, path, 0, 0, "%s: the key file cannot be read (%s)",
                            key, strerror(errno));
    int rc = cf_ops_read_file(path, 1u << 20, &pem, &len, &e);
    if (rc == 0)
        rc = cf_anchor_public_of(pem, len, &pub, &e);
    if (pem) /* the private key does not linger in freed memory */
        OPENSSL_cleanse(pem, len);
    free(pem);
    free(pub);
    if (rc != 0)
        return cf_error_set(err, CF_EINVALID, path, 0, 0, "%s: %s", key, e.text);
    return 0;
}

/* The address and the webhooks: listen an IPv4 address or a Unix socket's path that can
 * be bound (else the start fails), each webhook an http:// or https:// URL (the only
 * schemes alerts are POSTed over). */
static int check_network(const cf_serve_config_t *cfg, cf_error_t *err)
{
    struct sockaddr_in a;
    if (cfg->unix_path) {
        int rc = cf__unix_path_check(cfg->unix_path, err);
        if (rc != 0)
            return rc;
    } else if (uv_ip4_addr(cfg->host, cfg->port, &a) != 0)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "listen: '%s' is not an IPv4 address (HOST:PORT, 127.0.0.1:8080)",
                            cfg->host);
    for (unsigned i = 0; i < cfg->webhooks_count; i++)
        if (strncmp(cfg->webhooks[i], "http://", 7) != 0 &&
            strncmp(cfg->webhooks[i], "https://", 8) != 0)
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                                "webhook: '%s' is not an http:// or https:// URL",
                                cfg->webhooks[i]);
    return 0;
}

/* The files and folders the daemon opens at start: the alert log can be appended to
 * (it exists and is writable, or its folder is), the workbench's folder is one. */
static int check_paths(const cf_serve_config_t *cfg, cf_error_t *err)
{
    struct stat st;
    if (cfg->alert_log) {
        char dir[4096];
        const char *slash = strrchr(cfg->alert_log, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - cfg->alert_log) + 1 : 1,
                 slash ? cfg->alert_log : ".");
        errno = 0;
        int ok = stat(cfg->alert_log, &st) == 0
                     ? S_ISREG(st.st_mode) && access(cfg->alert_log, W_OK) == 0
                     : access(dir, W_OK | X_OK) == 0;
        if (!ok)
            return cf_error_set(err, CF_EINVALID, cfg->alert_log, 0, 0,
                                "alert_log: the file cannot be appended to (%s)",
                                errno ? strerror(errno) : "not a regular file");
    }
    if (cfg->web_dir && (stat(cfg->web_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        return cf_error_set(err, CF_EINVALID, cfg->web_dir, 0, 0,
                            "web: not a folder (the workbench's files, --web DIR)");
    return 0;
}

/* Exported, documented in serve.h */
int cf_serve_config_check(const cf_serve_config_t *cfg, cf_error_t *err)
{
    if (!cfg->db_path || !*cfg->db_path)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "db: no database given");
    if (!cf_store_is_pg(cfg->db_path) && access(cfg->db_path, R_OK | W_OK) != 0)
        return cf_error_set(err, CF_EINVALID, cfg->db_path, 0, 0,
                            "db: the database cannot be read and written (create it with "
                            "`caseflow init`)");
    if (cfg->checkpoint_interval_ms && !cfg->checkpoint_key)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "checkpoint_interval is set but checkpoint_key is not");
    int rc = 0;
    if (cfg->checkpoint_key)
        rc = cf__serve_key_check("checkpoint_key", cfg->checkpoint_key, err);
    if (rc == 0 && cfg->export_key)
        rc = cf__serve_key_check("export_key", cfg->export_key, err);
    if (rc == 0)
        rc = check_network(cfg, err);
    if (rc == 0)
        rc = check_paths(cfg, err);
    if (rc != 0)
        return rc;
    if (cfg->test_clock && !cfg->unix_path && strcmp(cfg->host, "127.0.0.1") != 0)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "test_clock is for tests: listen on 127.0.0.1 (or a Unix socket) "
                            "with it");
    return 0;
}
