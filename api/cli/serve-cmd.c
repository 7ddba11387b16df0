/*
 * serve-cmd.c -- `caseflow serve` (run the daemon in the foreground until
 * SIGINT or SIGTERM) and `caseflow token create` (issue a bearer token).
 * Under systemd (Type=notify, packaging/caseflow.service) it tells the service
 * manager READY=1 once it accepts connections and STOPPING=1 when it is done.
 *
 * Settings are applied in order: defaults, then --config FILE, then $CASEFLOW_NOW,
 * then the flags, so a flag always wins. `serve` prints one line,
 * "caseflow: listening on HOST:PORT" (or "on unix:PATH"), once it accepts connections
 * (with port 0 that is how a caller learns the port), and exits 0 after a clean stop.
 *
 * Tokens: 32 random bytes from OpenSSL's RAND_bytes, printed once as 64 hex
 * digits; the database keeps only the SHA-256 of that text, so a stolen database
 * yields no usable token. Roles: handler, reviewer, head, auditor (read-only),
 * metrics (GET /metrics and nothing else).
 */
#include "cli.h"
#include "datadir.h"
#include "serve.h"
#include "store.h"

#include <openssl/rand.h>
#include <systemd/sd-daemon.h>
#include <uv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const serve_usage =
    "serve [--db FILE] [--listen HOST:PORT|unix:PATH [--listen-mode 0660]] [--config FILE]\n"
    "       [--alert-log FILE]\n"
    "       [--webhook URL]... [--max-body BYTES] [--doc-max BYTES] [--webhook-attempts N]\n"
    "       [--webhook-retry-ms MS] [--timeout-ms MS] [--now TIME] [--test-clock]\n"
    "       [--checkpoint-interval SECONDS --checkpoint-key FILE [--checkpoint-out FILE]]\n"
    "       [--export-key FILE] [--web DIR] [--allowed-host NAME]... [--check-config]";

/* Flag name's value, range-checked as config key (cf_serve_config_number): 1 with OUT
 * *out, 0 when absent, -1 when not a number in range. */
static int number_flag(int argc, char **argv, const char *name, const char *key, unsigned long *out)
{
    const char *v = cf__opt_value(argc, argv, name);
    if (!v)
        return 0;
    return cf_serve_config_number(key, v, out) == 0 ? 1 : -1;
}

/* Applies the flags over cfg; listen (size bytes) keeps the --listen text, which
 * cf_serve_config_listen cuts in two (argv itself is left alone: it is what `ps`
 * shows). Returns 0 or -1 (usage). */
static int apply_flags(cf_serve_config_t *cfg, int argc, char **argv, char *listen, size_t size,
                       cf_error_t *err)
{
    const char *hooks[CF_SERVE_MAX_WEBHOOKS], *hosts[CF_SERVE_MAX_ALLOWED_HOSTS + 1];
    const char *addr = cf__opt_value(argc, argv, "--listen");
    const char *now = cf__opt_value(argc, argv, "--now");
    const char *mode = cf__opt_value(argc, argv, "--listen-mode");
    unsigned long n;
    if (addr && (strlen(addr) >= size || !memcpy(listen, addr, strlen(addr) + 1) ||
                 cf_serve_config_listen(cfg, listen) != 0))
        return -1;
    if (mode && cf_serve_config_mode(mode, &cfg->listen_mode) != 0)
        return -1;
    if (now && cf_time_parse(now, &cfg->now, err) != 0)
        return -1;
    if (cf__opt_value(argc, argv, "--alert-log"))
        cfg->alert_log = cf__opt_value(argc, argv, "--alert-log");
    int count = cf__opt_values(argc, argv, "--webhook", hooks, CF_SERVE_MAX_WEBHOOKS);
    for (int i = 0; i < count && cfg->webhooks_count < CF_SERVE_MAX_WEBHOOKS; i++)
        cfg->webhooks[cfg->webhooks_count++] = hooks[i];
    /* A name dropped past the 16th, or an empty one, would be a host answered 421 with
     * nothing said at start: refused, as the config file refuses them. */
    count = cf__opt_values(argc, argv, "--allowed-host", hosts, CF_SERVE_MAX_ALLOWED_HOSTS + 1);
    if (cfg->allowed_hosts_count + (unsigned)count > CF_SERVE_MAX_ALLOWED_HOSTS)
        return -1;
    for (int i = 0; i < count; i++) {
        if (!*hosts[i])
            return -1;
        cfg->allowed_hosts[cfg->allowed_hosts_count++] = hosts[i];
    }
    int rc = number_flag(argc, argv, "--max-body", "max_body", &n);
    if (rc > 0)
        cfg->max_body = n;
    if (rc >= 0 && (rc = number_flag(argc, argv, "--webhook-attempts", "webhook_attempts", &n)) > 0)
        cfg->webhook_attempts = (unsigned)n;
    if (rc >= 0 && (rc = number_flag(argc, argv, "--webhook-retry-ms", "webhook_retry_ms", &n)) > 0)
        cfg->webhook_retry_ms = (unsigned)n;
    if (rc >= 0 && (rc = number_flag(argc, argv, "--timeout-ms", "timeout_ms", &n)) > 0)
        cfg->timeout_ms = (unsigned)n;
    if (rc >= 0 && (rc = number_flag(argc, argv, "--doc-max", "doc_max", &n)) > 0)
        cfg->doc_max = n;
    if (cf__opt_flag(argc, argv, "--test-clock"))
        cfg->test_clock = 1;
    if (rc >= 0 &&
        (rc = number_flag(argc, argv, "--checkpoint-interval", "checkpoint_interval", &n)) > 0)
        cfg->checkpoint_interval_ms = (unsigned)n * 1000;
    if (cf__opt_value(argc, argv, "--checkpoint-key"))
        cfg->checkpoint_key = cf__opt_value(argc, argv, "--checkpoint-key");
    if (cf__opt_value(argc, argv, "--checkpoint-out"))
        cfg->checkpoint_out = cf__opt_value(argc, argv, "--checkpoint-out");
    if (cf__opt_value(argc, argv, "--export-key"))
        cfg->export_key = cf__opt_value(argc, argv, "--export-key");
    return rc < 0 ? -1 : 0;
}

/* The workbench's folder when neither the file nor --web gave one: $CASEFLOW_WEB, else
 * "web" beside the workflows folder in use (./web in a source tree, the installed
 * share/caseflow/web otherwise: cf__datadir_workflows), else the installed one; NULL
 * when none of them is a folder (the daemon then answers / with 404 saying so).
 * Borrowed (a static buffer). */
static const char *web_dir(void)
{
    static char dir[4200];
    struct stat st;
    const char *env = getenv("CASEFLOW_WEB");
    if (env && *env)
        return env;
    const char *wf = cf__datadir_workflows();
    const char *slash = strrchr(wf, '/');
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s/web", (int)(slash - wf), wf);
    else
        snprintf(dir, sizeof(dir), "web");
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    snprintf(dir, sizeof(dir), "%s/web", cf__datadir_installed());
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* --check-config: the settings in effect on standard output, then the checks; exit 0
 * when they pass, 2 (invalid) with the reason when they do not. Starts nothing. */
static int check_config(cf_cli_t *cli, const cf_serve_config_t *cfg)
{
    cf_error_t err;
    cf_error_clear(&err);
    cf_serve_config_print(cfg, cli->out);
    int rc = cf_serve_config_check(cfg, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    fprintf(cli->err, "caseflow: configuration OK\n");
    return CF_EXIT_OK;
}

/* The line "caseflow: listening on WHERE" on standard output (WHERE, OUT, size bytes:
 * HOST:PORT or unix:PATH), and where the workbench is on standard error. */
static void announce(cf_cli_t *cli, const cf_serve_config_t *cfg, cf_serve_t *srv, char *where,
                     size_t size)
{
    if (cfg->unix_path)
        snprintf(where, size, "unix:%s", cfg->unix_path);
    else
        snprintf(where, size, "%s:%d", cfg->host, cf_serve_port(srv));
    fprintf(cli->out, "caseflow: listening on %s\n", where);
    if (cfg->web_dir && cfg->unix_path)
        fprintf(cli->err,
                "caseflow: the workbench is at / through the proxy in front of %s "
                "(files: %s)\n",
                where, cfg->web_dir);
    else if (cfg->web_dir)
        fprintf(cli->err, "caseflow: the workbench is at http://%s/ (files: %s)\n", where,
                cfg->web_dir);
    else
        fprintf(cli->err, "caseflow: no workbench files found (give --web DIR)\n");
    fflush(cli->out);
}

/* The daemon opened on cfg and run until it stops: the command's exit code. */
static int run(cf_cli_t *cli, const cf_serve_config_t *cfg)
{
    cf_error_t err;
    cf_serve_t *srv;
    cf_error_clear(&err);
    int rc = cf_serve_open(cfg, &srv, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    char where[4300];
    announce(cli, cfg, srv, where, sizeof(where));
    /* systemd (Type=notify): ready once accepting; a no-op outside a service. */
    sd_notifyf(0, "READY=1\nSTATUS=listening on %s", where);
    int closed = cf_serve_run(srv);
    sd_notify(0, "STOPPING=1");
    cf_serve_free(srv);
    if (closed != 0) {
        fprintf(cli->err, "caseflow: the loop did not close cleanly (%s)\n", uv_strerror(closed));
        return CF_EXIT_STORE;
    }
    return CF_EXIT_OK;
}

/* Exported, documented in cli.h */
int cf__cmd_serve(cf_cli_t *cli, int argc, char **argv)
{
    cf_serve_config_t cfg;
    cf_error_t err;
    char *file = NULL;
    const char *config = cf__opt_value(argc, argv, "--config");
    const char *env_now = getenv("CASEFLOW_NOW");
    cf_serve_config_init(&cfg);
    cf_error_clear(&err);
    int rc = config ? cf_serve_config_load(&cfg, config, &file, &err) : 0;
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    /* --db (or $CASEFLOW_DB) wins over the file; the file wins over the default. */
    if (!cfg.db_path || strcmp(cli->db_path, "caseflow.db") != 0)
        cfg.db_path = cli->db_path;
    if (env_now && *env_now)
        cfg.now = cli->now;
    char listen[4200]; /* a path too long for a socket is refused by name, not as usage */
    if (apply_flags(&cfg, argc, argv, listen, sizeof(listen), &err) != 0) {
        free(file);
        return cf__cli_usage(cli, serve_usage);
    }
    if (cf__opt_value(argc, argv, "--web"))
        cfg.web_dir = cf__opt_value(argc, argv, "--web");
    else if (!cfg.web_dir)
        cfg.web_dir = web_dir();
    if (cf__opt_flag(argc, argv, "--check-config")) {
        rc = check_config(cli, &cfg);
        free(file);
        return rc;
    }
    cfg.handle_signals = 1;
    rc = run(cli, &cfg);
    free(file);
    return rc;
}

/* ---- token create ---------------------------------------------------------------------------- */

static int valid_role(const char *role)
{
    static const char *const roles[] = {"handler", "reviewer", "head", "auditor", "metrics"};
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

/* Exported, documented in cli.h */
int cf__cmd_token_create(cf_cli_t *cli, int argc, char **argv)
{
    const char *agency = cf__opt_value(argc, argv, "--agency");
    const char *role = cf__opt_value(argc, argv, "--role");
    const char *name = cf__opt_value(argc, argv, "--name");
    const char *expires = cf__opt_value(argc, argv, "--expires");
    cf_time_t expires_at = 0;
    cf_principal_t p;
    if (!agency || !role || !name || !valid_role(role) || strlen(agency) >= sizeof(p.agency) ||
        strlen(name) >= sizeof(p.name) || !*agency || !*name ||
        (expires && cf__token_expiry(expires, cli->now, &expires_at) != 0))
        return cf__cli_usage(cli, "token create --agency AGENCY --role "
                                  "handler|reviewer|head|auditor|metrics --name NAME\n"
                                  "       [--expires 90d|12h|2w|TIME]");
    snprintf(p.agency, sizeof(p.agency), "%s", agency);
    snprintf(p.role, sizeof(p.role), "%s", role);
    snprintf(p.name, sizeof(p.name), "%s", name);
    unsigned char secret[32];
    char token[65], digest[65];
    cf_error_t err;
    cf_error_clear(&err);
    if (RAND_bytes(secret, sizeof(secret)) != 1)
        return cf__cli_fail(cli, CF_EIO, NULL);
    cf_chain_hex(secret, sizeof(secret), token);
    if (cf_chain_sha256_hex(token, 64, digest) != 0)
        return cf__cli_fail(cli, CF_ENOMEM, NULL);
    cf_store_t *s;
    int rc = cf_store_open_existing(cli->db_path, &s, &err);
    if (rc == 0) {
        rc = cf_store_tx_begin(s, &err);
        if (rc == 0)
            rc = cf_store_token_put(s, digest, &p, cli->now, &err);
        if (rc == 0 && expires_at)
            rc = cf_store_token_expire_at(s, digest, expires_at, &err);
        if (rc == 0)
            rc = cf_store_tx_commit(s, &err);
        else
            cf_store_tx_rollback(s);
        cf_store_close(s);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "token", token, "agency", agency, "role",
                              role, "name", name);
        json_dumpf(o, cli->out, JSON_INDENT(2));
        fputc('\n', cli->out);
        json_decref(o);
    } else {
        fprintf(cli->out, "%s\n", token);
    }
    return CF_EXIT_OK;
}
