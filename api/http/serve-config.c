/*
 * serve-config.c -- the daemon's settings: defaults, the config file, the
 * listen address. Flags given to `caseflow serve` override the file
 * (serve-cmd.c applies the file first, then the flags).
 *
 * CONFIG FILE FORMAT (docs/api.md, "Running the daemon"): one setting per line,
 * `key = value` or `key: value` (so a flat YAML mapping is a valid file), blank
 * lines and lines starting with '#' ignored, values optionally in double quotes.
 *   db               path of the database
 *   listen           HOST:PORT (IPv4; port 0 = any free port), or unix:PATH (a Unix
 *                    socket, http-unix.c)
 *   listen_mode      the Unix socket file's permissions, octal (0660: owner and group)
 *   max_body         request body limit in bytes
 *   alert_log        JSON-lines file alerts are appended to
 *   webhook          URL alerts are POSTed to (repeat the line for several)
 *   webhook_attempts tries per alert and URL
 *   webhook_retry_ms first retry delay in milliseconds (doubles each time)
 *   timeout_ms       HTTP request and webhook timeouts
 *   now              the clock's start instant (ISO 8601), for tests and demos
 *   test_clock       true: enable POST /v1/test/clock
 *   fire_chunk       most alerts fired (and committed, and delivered) at a time, 1..1024
 *   stream_max_pending  bytes an event stream may fall behind before it is ended
 *   streams_max_total   bytes all event streams together may hold (sched-deliver.c)
 *   streams_per_token   event streams one token may have open
 *   token_cache_ms   how long a token found valid is trusted before it is read again
 *   checkpoint_interval  seconds between signed checkpoints of the log (docs/audit.md)
 *   checkpoint_key   the Ed25519 private key (PEM file) checkpoints are signed with
 *   checkpoint_out   the file each checkpoint is written to
 *   export_key       the private key (PEM file) GET /v1/cases/{id}/export signs with
 *   doc_max          the largest document a request may carry, in bytes
 *   db_check_ms      how often the database file's identity is checked (serve.c)
 *   readers          threads reading for the GET endpoints (serve-readers.c)
 *   page_limit_max   the most rows one page of a list may ask for
 *   web              the workbench's folder (index.html, *.js, *.css), served at /
 *   session_ttl      seconds a workbench session lasts from sign-in (60..2592000)
 *   cookie_secure    true: the session cookie is always Secure (behind a TLS proxy)
 *   allowed_host     a host name the daemon answers for (repeat the line for several);
 *                    when set, other Host headers are 421 (http-host.c)
 *   alert_ack_timeout  seconds a fired alert waits for an acknowledgement before it
 *                    is escalated to the head (serve-alert-ack.c); unset: never
 *   writer_stuck_ms  how long a write may wait uncommitted before /readyz says 503
 *   auth_fail_burst  unknown tokens a client address may send in a row before 429
 *   prepare          auto | always | never: transitions prepared off the writer thread
 *                    (serve-writer.c, the preparer); auto: each to the shorter line
 * This list is the one place that names every key (serve.h points here); `setting`
 * below accepts exactly these, and cf_serve_config_number's table holds the ranges of
 * the numeric ones. An unknown key is an error naming its line: a typo must not be
 * silently ignored in a deployment's settings.
 */
#include "serve-int.h"

#include "ops.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Exported, documented in serve.h */
void cf_serve_config_init(cf_serve_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = "127.0.0.1";
    cfg->port = 8080;
    cfg->listen_mode = 0660;
    cfg->max_body = 1u << 20;
    cfg->webhook_attempts = 8;
    cfg->webhook_retry_ms = 1000;
    cfg->timeout_ms = 10000;
    cfg->fire_chunk = 1024;
    cfg->stream_max_pending = 16u << 20;
    cfg->token_cache_ms = 5000;
    cfg->db_check_ms = 1000;
    cfg->streams_max_total = (size_t)256 << 20;
    cfg->streams_per_token = 8;
    cfg->readers = 2;
    cfg->page_limit_max = 1000;
    cfg->session_ttl = 28800;
    cfg->writer_stuck_ms = 10000;
    cfg->auth_fail_burst = 30;
}

/* Exported, documented in serve.h */
int cf_serve_config_listen(cf_serve_config_t *cfg, char *text)
{
    if (strncmp(text, "unix:", 5) == 0) {
        if (!text[5])
            return CF_EINVAL;
        cfg->unix_path = text + 5;
        return 0;
    }
    char *colon = strrchr(text, ':'), *end;
    if (!colon || colon == text)
        return CF_EINVAL;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return CF_EINVAL;
    *colon = '\0';
    cfg->host = text;
    cfg->port = (int)port;
    cfg->unix_path = NULL;
    return 0;
}

/* Exported, documented in serve.h */
int cf_serve_config_mode(const char *text, unsigned *out)
{
    char *end;
    if (!*text || strspn(text, "01234567") != strlen(text))
        return CF_EINVAL;
    unsigned long mode = strtoul(text, &end, 8);
    if (*end || mode == 0 || mode > 0777)
        return CF_EINVAL;
    *out = (unsigned)mode;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    if (e - s >= 2 && s[0] == '"' && e[-1] == '"') {
        e[-1] = '\0';
        s++;
    }
    return s;
}

static int unsigned_value(const char *v, unsigned long *out)
{
    int64_t n;
    if (cf__http_decimal(v, 0, INT64_MAX, &n) != 0 || (uint64_t)n > ULONG_MAX)
        return CF_EINVAL;
    *out = (unsigned long)n;
    return 0;
}

/* Exported, documented in serve.h */
int cf_serve_config_number(const char *key, const char *text, unsigned long *out)
{
    static const struct {
        const char *key;
        unsigned long min, max;
    } limits[] = {
        {"max_body", 1, 1ul << 30},
        {"webhook_attempts", 1, 100},
        {"webhook_retry_ms", 1, 3600000},
        {"timeout_ms", 1, 3600000},
        {"fire_chunk", 1, 1024},
        {"stream_max_pending", 4096, 1ul << 34},
        {"token_cache_ms", 1, 3600000},
        {"streams_max_total", 4096, 1ul << 36},
        {"streams_per_token", 1, 100000},
        {"readers", 1, 64},
        {"page_limit_max", 1, 100000},
        {"db_check_ms", 10, 3600000},
        {"checkpoint_interval", 1, 604800},
        {"doc_max", 1, 1ul << 40},
        {"session_ttl", 60, 2592000},
        {"alert_ack_timeout", 1, 2592000},
        {"auth_fail_burst", 1, 100000},
        {"writer_stuck_ms", 100, 3600000},
    };
    unsigned long n;
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        if (strcmp(key, limits[i].key) == 0) {
            if (unsigned_value(text, &n) != 0 || n < limits[i].min || n > limits[i].max)
                return CF_EINVAL;
            *out = n;
            return 0;
        }
    return CF_ENOTFOUND;
}

/* A true/false setting (true, 1, false, 0) into *out (0 when not one of them: the
 * file is refused anyway). Returns 0 or CF_EINVAL. */
static int flag_setting(const char *v, int *out)
{
    *out = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
    return *out || strcmp(v, "false") == 0 || strcmp(v, "0") == 0 ? 0 : CF_EINVAL;
}

/* A setting repeated for a list (webhook, allowed_host): v added to list, which holds
 * *count of max. Returns 0 or CF_EINVAL (the list full, or an empty value when
 * not empty_ok). */
static int list_setting(const char **list, unsigned *count, unsigned max, int empty_ok, char *v)
{
    if (*count >= max || (!empty_ok && !*v))
        return CF_EINVAL;
    list[(*count)++] = v;
    return 0;
}

/* The settings that are a path or a name (pointing into the file's text), a list, the
 * listen address and mode. Returns 0, CF_EINVAL (a wrong value) or CF_ENOTFOUND (not
 * one of them). */
static int text_setting(cf_serve_config_t *cfg, const char *key, char *v)
{
    static const struct {
        const char *key;
        size_t at;
    } texts[] = {
        {"db", offsetof(cf_serve_config_t, db_path)},
        {"alert_log", offsetof(cf_serve_config_t, alert_log)},
        {"checkpoint_key", offsetof(cf_serve_config_t, checkpoint_key)},
        {"checkpoint_out", offsetof(cf_serve_config_t, checkpoint_out)},
        {"export_key", offsetof(cf_serve_config_t, export_key)},
        {"web", offsetof(cf_serve_config_t, web_dir)},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (strcmp(key, texts[i].key) == 0)
            return *(const char **)((char *)cfg + texts[i].at) = v, 0;
    if (strcmp(key, "listen") == 0)
        return cf_serve_config_listen(cfg, v);
    if (strcmp(key, "listen_mode") == 0)
        return cf_serve_config_mode(v, &cfg->listen_mode);
    if (strcmp(key, "webhook") == 0)
        return list_setting(cfg->webhooks, &cfg->webhooks_count, CF_SERVE_MAX_WEBHOOKS, 1, v);
    if (strcmp(key, "allowed_host") == 0)
        return list_setting(cfg->allowed_hosts, &cfg->allowed_hosts_count,
                            CF_SERVE_MAX_ALLOWED_HOSTS, 0, v);
    return CF_ENOTFOUND;
}

/* The settings that are a word: cookie_secure, test_clock, now, prepare. Returns 0,
 * CF_EINVAL (a wrong value) or CF_ENOTFOUND (not one of them). */
static int word_setting(cf_serve_config_t *cfg, const char *key, const char *v)
{
    cf_error_t e;
    if (strcmp(key, "cookie_secure") == 0)
        return flag_setting(v, &cfg->cookie_secure);
    if (strcmp(key, "test_clock") == 0)
        return flag_setting(v, &cfg->test_clock);
    if (strcmp(key, "now") == 0)
        return cf_time_parse(v, &cfg->now, &e) == 0 ? 0 : CF_EINVAL;
    if (strcmp(key, "prepare") == 0) {
        cfg->prepare = strcmp(v, "always") == 0  ? CF_SERVE_PREPARE_ALWAYS
                       : strcmp(v, "never") == 0 ? CF_SERVE_PREPARE_NEVER
                                                 : CF_SERVE_PREPARE_AUTO;
        return cfg->prepare || strcmp(v, "auto") == 0 ? 0 : CF_EINVAL;
    }
    return CF_ENOTFOUND;
}

/* The whole-number settings (cf_serve_config_number's keys and ranges). Returns 0 or
 * CF_EINVAL (not one of them, or a wrong value). */
static int number_setting(cf_serve_config_t *cfg, const char *key, const char *v)
{
#define CF__SIZE(k, field)                                                                         \
    {                                                                                              \
        k, offsetof(cf_serve_config_t, field), 1, 1                                                \
    }
#define CF__UINT(k, field)                                                                         \
    {                                                                                              \
        k, offsetof(cf_serve_config_t, field), 0, 1                                                \
    }
    static const struct {
        const char *key;
        size_t at;
        int is_size;    /* a size_t field; else unsigned */
        unsigned scale; /* the value is multiplied by it (seconds into milliseconds) */
    } fields[] = {
        CF__SIZE("max_body", max_body),
        CF__UINT("webhook_attempts", webhook_attempts),
        CF__UINT("webhook_retry_ms", webhook_retry_ms),
        CF__UINT("timeout_ms", timeout_ms),
        CF__UINT("fire_chunk", fire_chunk),
        CF__SIZE("stream_max_pending", stream_max_pending),
        CF__UINT("token_cache_ms", token_cache_ms),
        CF__UINT("db_check_ms", db_check_ms),
        CF__UINT("readers", readers),
        CF__UINT("page_limit_max", page_limit_max),
        CF__SIZE("streams_max_total", streams_max_total),
        CF__UINT("streams_per_token", streams_per_token),
        {"checkpoint_interval", offsetof(cf_serve_config_t, checkpoint_interval_ms), 0, 1000},
        CF__SIZE("doc_max", doc_max),
        CF__UINT("session_ttl", session_ttl),
        CF__UINT("alert_ack_timeout", alert_ack_timeout),
        CF__UINT("writer_stuck_ms", writer_stuck_ms),
        CF__UINT("auth_fail_burst", auth_fail_burst),
    };
#undef CF__SIZE
#undef CF__UINT
    unsigned long n = 0;
    if (cf_serve_config_number(key, v, &n) != 0)
        return CF_EINVAL;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char *at = (char *)cfg + fields[i].at;
        if (strcmp(key, fields[i].key) != 0)
            continue;
        if (fields[i].is_size)
            *(size_t *)at = n;
        else
            *(unsigned *)at = (unsigned)n * fields[i].scale;
        return 0;
    }
    return CF_EINVAL;
}

/* Applies one key = value (the keys: the file's header); CF_EINVAL when the key or the
 * value is wrong. */
static int setting(cf_serve_config_t *cfg, const char *key, char *v)
{
    int rc = text_setting(cfg, key, v);
    if (rc == CF_ENOTFOUND)
        rc = word_setting(cfg, key, v);
    if (rc == CF_ENOTFOUND)
        rc = number_setting(cfg, key, v);
    return rc == 0 ? 0 : CF_EINVAL;
}

/* Exported, documented in serve.h */
int cf_serve_config_load(cf_serve_config_t *cfg, const char *path, char **buf, cf_error_t *err)
{
    char *text;
    int rc = cf_ops_read_file(path, 1u << 20, &text, NULL, err);
    if (rc != 0)
        return rc;
    int line = 0;
    for (char *p = text, *next; p && *p; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        char *s = trim(p);
        if (!*s || *s == '#')
            continue;
        char *sep = strpbrk(s, "=:");
        if (sep)
            *sep = '\0';
        if (!sep || setting(cfg, trim(s), trim(sep + 1)) != 0) {
            free(text);
            return cf_error_set(err, CF_EPARSE, path, line, 1,
                                "expected `key = value` with a known key and a valid value");
        }
    }
    *buf = text;
    return 0;
}
