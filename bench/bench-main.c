/*
 * bench-main.c -- caseflow-bench, the benchmark behind `make bench` (issue #8):
 * one subcommand per figure, each printing RESULT lines (bench.h) that
 * bench/run.sh gathers into the table of docs/performance.md.
 *
 *   caseflow-bench [--quick] --src DIR --dir SCRATCH [--caseflow BIN] [--pg DIR] COMMAND [options]
 *
 * --pg DIR: the databases are PostgreSQL's, on the unix socket in DIR (bench/run.sh's
 * row pg starts one with tests/pg/pg.sh); engine, raw and http then give the rows
 * pg_durable_batch, pg_raw_batch, pg_http (and, with --nodes 3, pg_http3).
 * Commands: engine, raw, http, load, alerts, audit, stats, storm, downtime (see
 * each bench-*.c).
 * --quick makes every count smaller (a run of a minute or two, for trying the
 * bench, not for quoting). Exits 0 whatever the figures are; 1 only when the
 * machinery failed, with a line saying what.
 *
 * Rejected: one program per figure (six mains repeating the same setup), and
 * linking the daemon into the bench (its figures must be those of the shipped
 * `caseflow serve`, in its own process, with its own memory).
 */
#include "bench.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

typedef int (*command_fn)(cf_bench_env_t *env, int argc, char **argv);

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"engine", cf_bench_engine}, {"raw", cf_bench_raw},       {"http", cf_bench_http_cmd},
    {"load", cf_bench_load},     {"alerts", cf_bench_alerts}, {"audit", cf_bench_audit},
    {"stats", cf_bench_stats},   {"storm", cf_bench_storm},   {"downtime", cf_bench_downtime},
};

static int usage(void)
{
    fprintf(stderr,
            "usage: caseflow-bench [--quick] --src DIR --dir SCRATCH [--caseflow BIN] [--pg DIR] "
            "engine|raw|http|load|alerts|audit|stats|storm|downtime [options]\n");
    return 1;
}

int main(int argc, char **argv)
{
    cf_bench_env_t env = {0};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            env.quick = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--src") == 0)
            env.src = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--dir") == 0)
            env.dir = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--caseflow") == 0)
            env.caseflow = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--pg") == 0)
            env.pg = argv[++i];
        else
            return usage();
    }
    if (i >= argc || !env.src || !env.dir)
        return usage();
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
        if (strcmp(argv[i], commands[k].name) != 0)
            continue;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        cf_bench_env_load(&env);
        command_fn fn = env.pg && commands[k].fn == cf_bench_raw ? cf_bench_raw_pg : commands[k].fn;
        int rc = fn(&env, argc - i - 1, argv + i + 1);
        cf_bench_env_free(&env);
        curl_global_cleanup();
        return rc;
    }
    return usage();
}
