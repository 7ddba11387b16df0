/*
 * cli.c -- the `caseflow` command line: dispatch, global options, option
 * scanning, failure reporting. See cli.h for the contract and exit codes.
 *
 * Design: one flat table of commands (cli.h CF_COMMANDS) matched on one or two
 * words, and one table of what each command accepts (CF_OPTIONS), so `--help`,
 * the check of argv (cli-args.c), the man page and the completion (cli-doc.c)
 * and dispatch cannot disagree. A command runs only on words its table lines
 * allow; it then reads them by name (cf__opt_value, cf__opt_values,
 * cf__opt_flag), which keeps commands short and makes a repeated option (--fact,
 * --doc) just cf__opt_values().
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef CF_VERSION
#define CF_VERSION "unknown"
#endif

const cf__cli_command_t cf__cli_commands[] = {
#define CF_CMD_ENTRY(name, fn, summary) {name, cf__cmd_##fn, summary},
    CF_COMMANDS(CF_CMD_ENTRY)
#undef CF_CMD_ENTRY
};
const size_t cf__cli_commands_count = sizeof(cf__cli_commands) / sizeof(cf__cli_commands[0]);

const cf__cli_option_t cf__cli_options[] = {
#define CF_OPT_ENTRY(command, name, value, flags, help) {command, name, value, flags, help},
    CF_OPTIONS(CF_OPT_ENTRY)
#undef CF_OPT_ENTRY
};
const size_t cf__cli_options_count = sizeof(cf__cli_options) / sizeof(cf__cli_options[0]);

typedef cf__cli_command_t command_t;

/* Exported, documented in cli.h */
const char *cf__cli_version(void)
{
    return CF_VERSION;
}

static const char *const exit_help =
    "Exit codes: 0 success; 1 usage error; 2 invalid input (YAML, JSON, dates);\n"
    "  3 not found; 4 refused by the procedure or the role; 5 conflict (the case\n"
    "  changed concurrently: reload and retry); 6 storage or I/O error;\n"
    "  7 verification failed; 8 import: partial (the catalog written, some lines\n"
    "  not placed).\n";

/* The commands whose name starts with group (NULL: all) as "  name  summary" lines. */
static int print_commands(FILE *f, const char *group)
{
    size_t n = group ? strlen(group) : 0;
    int count = 0;
    for (size_t i = 0; i < cf__cli_commands_count; i++)
        if (!group || (strncmp(cf__cli_commands[i].name, group, n) == 0 &&
                       cf__cli_commands[i].name[n] == ' '))
            count++,
                fprintf(f, "  %-18s %s\n", cf__cli_commands[i].name, cf__cli_commands[i].summary);
    return count;
}

/* 1 if word is the first of some two-word command names (case, workflow ...). */
static int is_group(const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < cf__cli_commands_count; i++)
        if (strncmp(cf__cli_commands[i].name, word, n) == 0 && cf__cli_commands[i].name[n] == ' ')
            return 1;
    return 0;
}

static void print_help(FILE *f)
{
    fprintf(f, "usage: caseflow [--db FILE] [--json] COMMAND ...\n"
               "       caseflow COMMAND --help | caseflow --help | caseflow --version\n\n"
               "Commands:\n");
    print_commands(f, NULL);
    fprintf(f,
            "\nEvery command takes --db FILE (default $CASEFLOW_DB, else ./caseflow.db),\n"
            "--json (answers as JSON, errors too) and --help (its options; does nothing\n"
            "else). $CASEFLOW_NOW (ISO 8601) fixes the current time, for examples and\n"
            "tests.\n\n%s",
            exit_help);
}

/* Exported, documented in cli.h */
int cf__cli_exit_code(int code)
{
    switch (code) {
    case CF_OK:
        return CF_EXIT_OK;
    case CF_EINVAL:
        return CF_EXIT_USAGE;
    case CF_EPARSE:
    case CF_EINVALID:
    case CF_ERANGE:
        return CF_EXIT_INPUT;
    case CF_ENOTFOUND:
        return CF_EXIT_NOTFOUND;
    case CF_EREFUSED:
    case CF_EFORBIDDEN:
    case CF_ECLOSED:
    case CF_EEXIST:
        return CF_EXIT_REFUSED;
    case CF_ECONFLICT:
        return CF_EXIT_CONFLICT;
    case CF_ECORRUPT:
        return CF_EXIT_VERIFY;
    default:
        return CF_EXIT_STORE;
    }
}

/* Exported, documented in cli.h */
int cf__cli_fail(cf_cli_t *cli, int code, const cf_error_t *err)
{
    const char *text = err && err->text[0] ? err->text : cf_strerror(code);
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "error", cf_errname(code), "message",
                              cf_strerror(code), "text", text);
        if (o && err && err->source[0])
            json_object_set_new(o, "source", json_string(err->source));
        if (o && err && err->line) {
            json_object_set_new(o, "line", json_integer(err->line));
            json_object_set_new(o, "column", json_integer(err->column));
        }
        if (o) {
            json_dumpf(o, cli->out, JSON_INDENT(2));
            fputc('\n', cli->out);
            json_decref(o);
        }
    } else if (err && err->source[0] && err->line) {
        fprintf(cli->err, "caseflow: %s:%d:%d: %s\n", err->source, err->line, err->column, text);
    } else if (err && err->source[0]) {
        fprintf(cli->err, "caseflow: %s: %s\n", err->source, text);
    } else {
        fprintf(cli->err, "caseflow: %s\n", text);
    }
    return cf__cli_exit_code(code);
}

/* Exported, documented in cli.h */
int cf__cli_usage(cf_cli_t *cli, const char *usage)
{
    if (!cli->json) {
        fprintf(cli->err, "usage: caseflow %s\n", usage);
        return CF_EXIT_USAGE;
    }
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s+}", "error", cf_errname(CF_EINVAL), "message", "usage error",
                  "text", "the arguments do not fit", "usage", "caseflow ", usage);
    if (o) {
        json_dumpf(o, cli->out, JSON_INDENT(2));
        fputc('\n', cli->out);
        json_decref(o);
    }
    return CF_EXIT_USAGE;
}

/* --name=value or --name value at argv[i]. OUT value, OUT consumed (1 or 2). */
static int match_opt(int argc, char **argv, int i, const char *name, const char **value,
                     int *consumed)
{
    size_t n = strlen(name);
    if (strncmp(argv[i], name, n) != 0)
        return 0;
    if (argv[i][n] == '=') {
        *value = argv[i] + n + 1;
        *consumed = 1;
        return 1;
    }
    if (argv[i][n] == '\0') {
        *value = i + 1 < argc ? argv[i + 1] : NULL;
        *consumed = i + 1 < argc ? 2 : 1;
        return 1;
    }
    return 0;
}

/* Exported, documented in cli.h */
const char *cf__opt_value(int argc, char **argv, const char *name)
{
    const char *vals[64];
    int n = cf__opt_values(argc, argv, name, vals, 64);
    return n > 0 ? vals[n - 1] : NULL;
}

/* Exported, documented in cli.h */
int cf__opt_values(int argc, char **argv, const char *name, const char **vals, int max)
{
    int count = 0;
    for (int i = 0; i < argc;) {
        const char *v;
        int used = 1;
        if (match_opt(argc, argv, i, name, &v, &used) && v && count < max)
            vals[count++] = v;
        i += used;
    }
    return count;
}

/* Exported, documented in cli.h */
int cf__opt_flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

static int is_flag(const char *arg, const char *const *flags)
{
    for (; flags && *flags; flags++)
        if (strcmp(arg, *flags) == 0)
            return 1;
    return 0;
}

/* Exported, documented in cli.h */
const char *cf__opt_positional(int argc, char **argv, int index, const char *const *flags)
{
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            if (!is_flag(argv[i], flags) && !strchr(argv[i], '='))
                i++; /* skip the option's value */
            continue;
        }
        if (index-- == 0)
            return argv[i];
    }
    return NULL;
}

/* Exported, documented in cli.h */
int cf__read_file(const char *path, char **buf, size_t *len, cf_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st; /* a regular file is read into one buffer of its size */
    int regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
    if (regular && (uint64_t)st.st_size > CF_CLI_FILE_MAX) {
        fclose(f);
        return cf_error_set(err, CF_ERANGE, path, 0, 0,
                            "the file is larger than %zu MiB (%lld bytes): refused",
                            CF_CLI_FILE_MAX >> 20, (long long)st.st_size);
    }
    size_t cap = regular && st.st_size > 0 ? (size_t)st.st_size + 2 : 8192, n = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n > CF_CLI_FILE_MAX) { /* not a regular file: a pipe, a device */
            free(b);
            fclose(f);
            return cf_error_set(err, CF_ERANGE, path, 0, 0,
                                "more than %zu MiB read and no end: refused",
                                CF_CLI_FILE_MAX >> 20);
        }
        if (n + 1 == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (!b)
        return cf_error_set(err, CF_ENOMEM, path, 0, 0, "out of memory reading file");
    if (failed) {
        free(b);
        return cf_error_set(err, CF_EIO, path, 0, 0, "read error");
    }
    b[n] = '\0';
    *buf = b;
    if (len)
        *len = n;
    return 0;
}

/* Takes --db, --json out of argv (anywhere), so commands see only their own. */
static int take_globals(cf_cli_t *cli, int *argc, char **argv)
{
    int w = 0;
    for (int i = 0; i < *argc; i++) {
        const char *v;
        int used = 1;
        if (strcmp(argv[i], "--json") == 0) {
            cli->json = 1;
            continue;
        }
        if (match_opt(*argc, argv, i, "--db", &v, &used)) {
            if (!v)
                return -1;
            cli->db_path = v;
            i += used - 1;
            continue;
        }
        argv[w++] = argv[i];
    }
    *argc = w;
    return 0;
}

static int init_cli(cf_cli_t *cli, FILE *out, FILE *err)
{
    memset(cli, 0, sizeof(*cli));
    cli->out = out;
    cli->err = err;
    cli->raw = out;
    cli->db_path = getenv("CASEFLOW_DB");
    if (!cli->db_path || !*cli->db_path)
        cli->db_path = "caseflow.db";
    const char *now = getenv("CASEFLOW_NOW");
    if (now && *now) {
        cf_error_t e;
        if (cf_time_parse(now, &cli->now, &e) != 0) {
            fprintf(err, "caseflow: CASEFLOW_NOW: %s\n", e.text);
            return -1;
        }
    } else {
        cli->now = (cf_time_t)time(NULL);
    }
    return 0;
}

static const command_t *find_command(int argc, char **argv, int *words)
{
    char two[128];
    if (argc >= 2) {
        snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
        for (size_t i = 0; i < cf__cli_commands_count; i++)
            if (strcmp(cf__cli_commands[i].name, two) == 0) {
                *words = 2;
                return &cf__cli_commands[i];
            }
    }
    for (size_t i = 0; argc >= 1 && i < cf__cli_commands_count; i++)
        if (strcmp(cf__cli_commands[i].name, argv[0]) == 0) {
            *words = 1;
            return &cf__cli_commands[i];
        }
    return NULL;
}

/* `caseflow` alone, --help, help [COMMAND], --version, --man, --completion SHELL
 * and a group name alone (`caseflow case`). Returns 1 with *code set when argv
 * was one of them, else 0. */
static int top_level(cf_cli_t *cli, int argc, char **argv, int *code)
{
    const char *a = argc ? argv[0] : "";
    int words = 0;
    const command_t *cmd;
    *code = CF_EXIT_OK;
    if (argc == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
        (strcmp(a, "help") == 0 && argc == 1)) {
        print_help(argc == 0 ? cli->err : cli->out);
        *code = argc == 0 ? CF_EXIT_USAGE : CF_EXIT_OK;
    } else if (strcmp(a, "help") == 0 && (cmd = find_command(argc - 1, argv + 1, &words)) &&
               words == argc - 1) {
        cf__cli_help(cli->out, cmd);
    } else if (strcmp(a, "--version") == 0 && argc == 1) {
        fprintf(cli->out, "caseflow %s\n", cf__cli_version());
    } else if (strcmp(a, "--man") == 0 && argc == 1) {
        cf__cli_write_man(cli->out);
    } else if (strcmp(a, "--completion") == 0) {
        if (cf__cli_write_completion(cli->out, argc == 2 ? argv[1] : NULL) != 0)
            *code = cf__cli_usage_error(cli, NULL, "--completion takes one shell: bash");
    } else if (is_group(a) && (argc == 1 || (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
                                                           strcmp(argv[1], "-h") == 0)))) {
        if (argc == 1)
            *code = cf__cli_usage_error(cli, NULL, "'%s' needs a subcommand", a);
        else
            fprintf(cli->out, "usage: caseflow %s SUBCOMMAND ...\n\n", a),
                print_commands(cli->out, a);
    } else {
        return 0;
    }
    return 1;
}

/* cf_cli_main with out and err (filtered or not) and raw, the unfiltered out. */
static int run(int argc, char **argv, FILE *out, FILE *err, FILE *raw)
{
    cf_cli_t cli;
    int code;
    if (init_cli(&cli, out, err) != 0)
        return CF_EXIT_USAGE;
    cli.raw = raw;
    argc--, argv++;
    if (take_globals(&cli, &argc, argv) != 0)
        return cf__cli_usage_error(&cli, NULL, "--db needs a file name");
    if (top_level(&cli, argc, argv, &code))
        return code;
    int words = 0;
    const command_t *cmd = find_command(argc, argv, &words);
    if (!cmd && argv[0][0] == '-')
        return cf__cli_usage_error(&cli, NULL, "unknown option '%s'", argv[0]);
    if (!cmd)
        return cf__cli_usage_error(&cli, NULL, "unknown command '%s%s%s'", argv[0],
                                   argc > 1 && argv[1][0] != '-' ? " " : "",
                                   argc > 1 && argv[1][0] != '-' ? argv[1] : "");
    if (cf__cli_check_text(&cli, cmd->name, argc - words, argv + words, &code) ||
        cf__cli_check_args(&cli, cmd, argc - words, argv + words, &code))
        return code;
    return cmd->fn(&cli, argc - words, argv + words);
}

/* Exported, documented in cli.h */
int cf_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    /* text out and errors through cf__cli_visible; --json answers as jansson escapes them */
    int json = 0;
    for (int i = 1; i < argc; i++)
        json |= strcmp(argv[i], "--json") == 0;
    FILE *vout = json ? NULL : cf__cli_visible(out), *verr = cf__cli_visible(err);
    int code = run(argc, argv, vout ? vout : out, verr ? verr : err, out);
    if (vout)
        fclose(vout);
    if (verr)
        fclose(verr);
    return code;
}
