/*
 * test-cli.c -- the command line's own contract (api/cli/cli.c, cli-args.c),
 * run in-process through cf_cli_main over every line of the command table, so
 * a command added to the table is covered without a new test:
 *   cli-1.*: the table itself is consistent (options name known commands).
 *   cli-2.*: every command answers --help with exit 0 and does nothing else.
 *   cli-3.*: unknown options, missing values and arguments are usage errors
 *            (exit 1) naming the word, as text or, under --json, as JSON.
 *   cli-4.*: the top level: --version, help COMMAND, groups, unknown commands.
 */
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "task.h"

typedef struct run_s {
    int code;
    char out[16384];
    char err[16384];
} run_t;

static void slurp(FILE *f, char *buf, size_t size)
{
    rewind(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Runs `caseflow --db DB <pre...> <command words> <post...>` in-process. */
static void run(run_t *r, const char *db, const char *pre, const char *command, const char *post0,
                const char *post1)
{
    char words[128], *argv[16];
    int argc = 0;
    snprintf(words, sizeof(words), "%s", command);
    argv[argc++] = "caseflow";
    argv[argc++] = "--db";
    argv[argc++] = (char *)db;
    if (pre)
        argv[argc++] = (char *)pre;
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " "))
        argv[argc++] = w;
    if (post0)
        argv[argc++] = (char *)post0;
    if (post1)
        argv[argc++] = (char *)post1;
    argv[argc] = NULL;
    FILE *o = tmpfile(), *e = tmpfile();
    ASSERT(o && e);
    r->code = cf_cli_main(argc, argv, o, e);
    slurp(o, r->out, sizeof(r->out));
    slurp(e, r->err, sizeof(r->err));
}

static const char *fresh_db(void)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/never-made.db", cf_test_tmpdir());
    return path;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* cli-1.1: every option line names a command of the table; no command lists
 * an option twice; only the last positional argument may repeat. */
TEST_IMPL(cli_table_consistent)
{
    for (size_t i = 0; i < cf__cli_options_count; i++) {
        const cf__cli_option_t *o = &cf__cli_options[i];
        int known = 0;
        for (size_t k = 0; k < cf__cli_commands_count; k++)
            known |= strcmp(cf__cli_commands[k].name, o->command) == 0;
        if (!known)
            CF__FAIL("option %s names unknown command '%s'", o->name, o->command);
        ASSERT(o->help && *o->help);
        for (size_t k = i + 1; k < cf__cli_options_count; k++) {
            const cf__cli_option_t *p = &cf__cli_options[k];
            if (strcmp(p->command, o->command) != 0)
                continue;
            if (strcmp(p->name, o->name) == 0)
                CF__FAIL("'%s' lists %s twice", o->command, o->name);
            if (o->name[0] != '-' && (o->flags & CF_OPT_MANY) && p->name[0] != '-')
                CF__FAIL("'%s': %s repeats but %s follows it", o->command, o->name, p->name);
        }
    }
    return 0;
}

/* cli-2.1: `CMD --help` (and -h, and with --json, and after arguments) prints
 * the command's usage on stdout, exits 0 and creates no database: `serve
 * --help` starts no daemon (the test would time out), `init --help` makes no
 * file, `case list --help` lists nothing. */
TEST_IMPL(cli_help_every_command)
{
    const char *db = fresh_db();
    run_t r;
    for (size_t i = 0; i < cf__cli_commands_count; i++) {
        const char *name = cf__cli_commands[i].name;
        char usage[160];
        snprintf(usage, sizeof(usage), "usage: caseflow %s", name);
        const char *variants[][2] = {{NULL, "--help"}, {NULL, "-h"}, {"--json", "--help"}};
        for (size_t v = 0; v < 3; v++) {
            run(&r, db, variants[v][0], name, variants[v][1], NULL);
            if (r.code != 0 || !strstr(r.out, usage) || exists(db))
                CF__FAIL("%s %s: exit %d, db %s, out: %s err: %s", name, variants[v][1], r.code,
                         exists(db) ? "made" : "not made", r.out, r.err);
            ASSERT_CONTAINS(r.out, cf__cli_commands[i].summary + 1);
        }
        /* the usage lines (up to the first blank line) are folded before 80 columns */
        run(&r, db, NULL, name, "--help", NULL);
        for (const char *l = r.out, *e; l && *l && *l != '\n'; l = e ? e + 1 : NULL) {
            e = strchr(l, '\n');
            if ((e ? (size_t)(e - l) : strlen(l)) > 79)
                CF__FAIL("%s --help: a usage line over 79 columns: %.*s", name,
                         (int)(e ? e - l : (long)strlen(l)), l);
        }
        run(&r, db, NULL, name, "1", "--help"); /* after a positional */
        ASSERT_EQ(r.code, 0);
        ASSERT(!exists(db));
    }
    /* the help lists the command's own options */
    run(&r, db, NULL, "case list", "--help", NULL);
    ASSERT_CONTAINS(r.out, "--due-within SPAN");
    ASSERT_CONTAINS(r.out, "--overdue");
    run(&r, db, NULL, "case act", "--help", NULL);
    ASSERT_CONTAINS(r.out, "caseflow case act CASE ACTION --role ROLE");
    ASSERT_CONTAINS(r.out, "(repeatable)");
    return 0;
}

/* cli-3.1: an unknown option is a usage error naming it, for every command,
 * before the command runs (no database made); under --json the error is a
 * JSON object on stdout. */
TEST_IMPL(cli_unknown_option_every_command)
{
    const char *db = fresh_db();
    run_t r;
    for (size_t i = 0; i < cf__cli_commands_count; i++) {
        const char *name = cf__cli_commands[i].name;
        run(&r, db, NULL, name, "--josn", NULL);
        if (r.code != CF_EXIT_USAGE || !strstr(r.err, "unknown option '--josn'") || exists(db))
            CF__FAIL("%s --josn: exit %d, err: %s", name, r.code, r.err);
        ASSERT_CONTAINS(r.err, name);
        run(&r, db, "--json", name, "--listne=3", NULL);
        ASSERT_EQ(r.code, CF_EXIT_USAGE);
        json_error_t je;
        json_t *o = json_loads(r.out, 0, &je);
        if (!o)
            CF__FAIL("%s --json --listne: not JSON: %s", name, r.out);
        ASSERT_STR_EQ(json_string_value(json_object_get(o, "error")), "EINVAL");
        ASSERT_STR_EQ(json_string_value(json_object_get(o, "text")), "unknown option '--listne'");
        ASSERT_CONTAINS(json_string_value(json_object_get(o, "usage")), name);
        ASSERT_EQ(r.err[0], '\0');
        json_decref(o);
        ASSERT(!exists(db));
    }
    return 0;
}

/* cli-3.2: the other usage errors name what is wrong. */
TEST_IMPL(cli_usage_errors)
{
    const char *db = fresh_db();
    run_t r;
    struct {
        const char *cmd, *a, *b, *says;
    } cases[] = {
        {"case act 1", "close", NULL, "--role ROLE is missing"},
        {"case act 1", "close", "--role", "--role needs a value (ROLE)"},
        {"case act", NULL, NULL, "CASE is missing"},
        {"case list", "--open=yes", NULL, "--open takes no value"},
        {"case list --state a", "--state", "b", "--state is given twice"},
        {"case show 1", "2", NULL, "unexpected argument '2'"},
        {"case list", "-x", NULL, "unknown option '-x'"},
        {"import a.txt", NULL, NULL, "--out FILE.yaml is missing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run(&r, db, NULL, cases[i].cmd, cases[i].a, cases[i].b);
        if (r.code != CF_EXIT_USAGE || !strstr(r.err, cases[i].says) || !strstr(r.err, "usage:"))
            CF__FAIL("%s: exit %d, err: %s", cases[i].cmd, r.code, r.err);
    }
    /* repeatable options and arguments may repeat */
    run(&r, db, NULL, "workflow check", "no-such-1.yaml", "no-such-2.yaml");
    ASSERT_EQ(r.code, CF_EXIT_INPUT);
    ASSERT(!exists(db));
    return 0;
}

/* cli-4.1: the top level. */
TEST_IMPL(cli_top_level)
{
    const char *db = fresh_db();
    run_t r;
    run(&r, db, NULL, "--version", NULL, NULL);
    ASSERT_EQ(r.code, 0);
    char want[64];
    snprintf(want, sizeof(want), "caseflow %s\n", cf__cli_version());
    ASSERT_STR_EQ(r.out, want);
    ASSERT(strcmp(cf__cli_version(), "unknown") != 0); /* CMake gave the project's version */
    run(&r, db, NULL, "help case open", NULL, NULL);
    ASSERT_EQ(r.code, 0);
    ASSERT_CONTAINS(r.out, "usage: caseflow case open");
    run(&r, db, NULL, "case", "--help", NULL);
    ASSERT_EQ(r.code, 0);
    ASSERT_CONTAINS(r.out, "case export");
    ASSERT(!strstr(r.out, "workflow list"));
    run(&r, db, NULL, "case", NULL, NULL);
    ASSERT_EQ(r.code, CF_EXIT_USAGE);
    ASSERT_CONTAINS(r.err, "'case' needs a subcommand");
    run(&r, db, NULL, "case frobnicate", NULL, NULL);
    ASSERT_EQ(r.code, CF_EXIT_USAGE);
    ASSERT_CONTAINS(r.err, "unknown command 'case frobnicate'");
    run(&r, db, "--json", "--josn", NULL, NULL);
    ASSERT_EQ(r.code, CF_EXIT_USAGE);
    ASSERT_CONTAINS(r.out, "\"text\": \"unknown option '--josn'\"");
    run(&r, db, NULL, "--completion", "zsh", NULL);
    ASSERT_EQ(r.code, CF_EXIT_USAGE);
    ASSERT(!exists(db));
    return 0;
}

/* cli-9.1: a file larger than CF_CLI_FILE_MAX is refused before it is read (a workflow,
 * calendar or 权责清单 of 65 MiB: CF_ERANGE naming the file and the limit), and the
 * outputs are left untouched (docs/security.md, attack-8.5). */
TEST_IMPL(cli_read_file_limit)
{
    char path[] = "/tmp/cf-read-limit-XXXXXX";
    int fd = mkstemp(path);
    ASSERT(fd >= 0);
    ASSERT_EQ(ftruncate(fd, (off_t)CF_CLI_FILE_MAX + 1), 0);
    close(fd);
    char *buf = (char *)path;
    size_t len = 7;
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf__read_file(path, &buf, &len, &err), CF_ERANGE);
    ASSERT(buf == (char *)path && len == 7);
    ASSERT(strstr(err.text, "larger than 64 MiB") != NULL);
    ASSERT(strcmp(err.source, path) == 0);
    unlink(path);
    return 0;
}
