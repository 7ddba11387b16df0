/*
 * cli-args.c -- checking a command's argv against the options table (cli.h
 * CF_OPTIONS) before the command runs, and the help each command prints.
 *
 * Design: the table is the one description of the command line. The check here,
 * `--help`, the man page and the bash completion (cli-doc.c) all read it, so they
 * cannot disagree, and a command is never started on words it does not know: a
 * misspelt `--josn` or `--listne` is a usage error naming the word, where the old
 * scanner ignored it and ran the command without it. The commands still read
 * their values with cf__opt_value() and friends; by the time they run, argv is
 * known to hold only what the table allows, each single option at most once.
 *
 * Rejected: getopt_long. It would need a `struct option` array per command built
 * from the table anyway, it permutes argv (the commands and `ps` see it), its
 * messages cannot be made JSON under --json, and it knows nothing of positional
 * arguments or of required options, which the help and the man page must show.
 */
#include "cli.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#define MAX_SEEN 64 /* options a command may declare */

/* ---- the table --------------------------------------------------------------------- */

static int is_positional(const cf__cli_option_t *o)
{
    return o->name[0] != '-';
}

/* The option of cmd named name (name_len bytes of it), or NULL. */
static const cf__cli_option_t *find_option(const char *cmd, const char *name, size_t name_len)
{
    for (size_t i = 0; i < cf__cli_options_count; i++) {
        const cf__cli_option_t *o = &cf__cli_options[i];
        if (!is_positional(o) && strcmp(o->command, cmd) == 0 && strlen(o->name) == name_len &&
            strncmp(o->name, name, name_len) == 0)
            return o;
    }
    return NULL;
}

/* The index-th positional argument cmd declares, or NULL. A repeatable one
 * stands for every word from its place on. */
static const cf__cli_option_t *positional_at(const char *cmd, int index)
{
    const cf__cli_option_t *last = NULL;
    for (size_t i = 0; i < cf__cli_options_count; i++) {
        const cf__cli_option_t *o = &cf__cli_options[i];
        if (!is_positional(o) || strcmp(o->command, cmd) != 0)
            continue;
        if (index-- == 0)
            return o;
        last = o;
    }
    return last && (last->flags & CF_OPT_MANY) ? last : NULL;
}

/* Exported, documented in cli.h */
void cf__cli_synopsis(FILE *f, const char *cmd)
{
    fprintf(f, "caseflow %s", cmd);
    for (int pass = 0; pass < 3; pass++) /* arguments, required options, the rest */
        for (size_t i = 0; i < cf__cli_options_count; i++) {
            const cf__cli_option_t *o = &cf__cli_options[i];
            int req = o->flags & CF_OPT_REQ;
            if (strcmp(o->command, cmd) != 0 || (pass == 0) != is_positional(o) ||
                (pass == 1 && !req) || (pass == 2 && req))
                continue;
            fprintf(f, " %s%s%s%s%s", req ? "" : "[", o->name, o->value ? " " : "",
                    o->value ? o->value : "", req ? "" : "]");
            if (o->flags & CF_OPT_MANY)
                fputs("...", f);
        }
}

/* Writes "usage: " and the synopsis, folded before 80 columns at the spaces
 * between options (never inside "[--option VALUE]"), continued under the
 * command's first argument. */
static void usage_folded(FILE *f, const char *cmd)
{
    char text[2048] = "";
    FILE *s = fmemopen(text, sizeof(text) - 1, "w");
    if (s) {
        cf__cli_synopsis(s, cmd);
        fclose(s);
    }
    size_t indent = strlen("usage: caseflow ") + strlen(cmd) + 1, col = 0;
    const char *p = text;
    fputs("usage: ", f);
    col = strlen("usage: ");
    while (*p) {
        /* the next unit: up to a space that is not inside brackets */
        size_t n = 0;
        int depth = 0;
        while (p[n] && (p[n] != ' ' || depth > 0))
            depth += (p[n] == '[') - (p[n] == ']'), n++;
        if (col > indent && col + 1 + n > 79)
            col = (size_t)fprintf(f, "\n%*s", (int)indent, "") - 1;
        else if (p != text)
            col += (size_t)fprintf(f, " ");
        col += (size_t)fprintf(f, "%.*s", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* Exported, documented in cli.h */
void cf__cli_help(FILE *f, const cf__cli_command_t *cmd)
{
    usage_folded(f, cmd->name);
    /* the summary as a sentence: first letter up (ASCII), a full stop */
    fprintf(f, "\n\n%c%s.\n", toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
    int header = 0;
    for (size_t i = 0; i < cf__cli_options_count; i++) {
        const cf__cli_option_t *o = &cf__cli_options[i];
        char left[96];
        if (strcmp(o->command, cmd->name) != 0)
            continue;
        if (!header++)
            fputs("\n", f);
        snprintf(left, sizeof(left), "%s%s%s", o->name, o->value ? " " : "",
                 o->value ? o->value : "");
        fprintf(f, "  %-26s %s%s%s\n", left, o->help, o->flags & CF_OPT_REQ ? " (required)" : "",
                o->flags & CF_OPT_MANY ? " (repeatable)" : "");
    }
    fputs("\nEvery command also takes --db FILE, --json and --help (caseflow --help).\n", f);
}

/* ---- usage errors ----------------------------------------------------------------- */

/* Exported, documented in cli.h */
int cf__cli_usage_error(cf_cli_t *cli, const char *cmd, const char *fmt, ...)
{
    char text[512], usage[2048] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    FILE *u = cmd ? fmemopen(usage, sizeof(usage) - 1, "w") : NULL;
    if (u) {
        cf__cli_synopsis(u, cmd);
        fclose(u);
    }
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "error", cf_errname(CF_EINVAL), "message",
                              "usage error", "text", text);
        if (o && cmd)
            json_object_set_new(o, "usage", json_string(usage));
        if (o) {
            json_dumpf(o, cli->out, JSON_INDENT(2));
            fputc('\n', cli->out);
            json_decref(o);
        }
    } else if (cmd) {
        fprintf(cli->err, "caseflow: %s: %s\nusage: %s\n(caseflow %s --help says more)\n", cmd,
                text, usage, cmd);
    } else {
        fprintf(cli->err, "caseflow: %s (see caseflow --help)\n", text);
    }
    return CF_EXIT_USAGE;
}

/* ---- the check -------------------------------------------------------------------- */

typedef struct check_s {
    const char *cmd;
    const cf__cli_option_t *seen[MAX_SEEN];
    int seen_count;
    int positionals;
} check_t;

static int seen_before(check_t *c, const cf__cli_option_t *o)
{
    for (int i = 0; i < c->seen_count; i++)
        if (c->seen[i] == o)
            return 1;
    if (c->seen_count < MAX_SEEN)
        c->seen[c->seen_count++] = o;
    return 0;
}

/* Checks the option at argv[*i], moving *i past its value. 0, or a usage error. */
static int check_option(cf_cli_t *cli, check_t *c, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const cf__cli_option_t *o = strncmp(arg, "--", 2) == 0 ? find_option(c->cmd, arg, len) : NULL;
    if (!o)
        return cf__cli_usage_error(cli, c->cmd, "unknown option '%.*s'", (int)len, arg);
    if (!o->value && eq)
        return cf__cli_usage_error(cli, c->cmd, "%s takes no value", o->name);
    if (o->value && !eq && ++*i >= argc)
        return cf__cli_usage_error(cli, c->cmd, "%s needs a value (%s)", o->name, o->value);
    if (!(o->flags & CF_OPT_MANY) && seen_before(c, o))
        return cf__cli_usage_error(cli, c->cmd, "%s is given twice", o->name);
    if (o->flags & CF_OPT_MANY)
        seen_before(c, o);
    return 0;
}

/* After the words: every required option and argument is there. */
static int check_required(cf_cli_t *cli, check_t *c)
{
    int index = 0;
    for (size_t i = 0; i < cf__cli_options_count; i++) {
        const cf__cli_option_t *o = &cf__cli_options[i];
        if (strcmp(o->command, c->cmd) != 0 || !(o->flags & CF_OPT_REQ))
            continue;
        if (is_positional(o) && index++ >= c->positionals)
            return cf__cli_usage_error(cli, c->cmd, "%s is missing", o->name);
        if (!is_positional(o)) {
            int found = 0;
            for (int k = 0; k < c->seen_count; k++)
                found |= c->seen[k] == o;
            if (!found)
                return cf__cli_usage_error(cli, c->cmd, "%s %s is missing", o->name, o->value);
        }
    }
    return 0;
}

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* Exported, documented in cli.h */
int cf__cli_check_args(cf_cli_t *cli, const cf__cli_command_t *cmd, int argc, char **argv,
                       int *code)
{
    check_t c = {.cmd = cmd->name};
    int rc = 0;
    for (int i = 0; i < argc; i++)
        if (is_help(argv[i])) {
            cf__cli_help(cli->out, cmd);
            *code = CF_EXIT_OK;
            return 1;
        }
    for (int i = 0; rc == 0 && i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            rc = check_option(cli, &c, argc, argv, &i);
        else if (!positional_at(c.cmd, c.positionals++))
            rc = cf__cli_usage_error(cli, c.cmd, "unexpected argument '%s'", argv[i]);
    }
    if (rc == 0)
        rc = check_required(cli, &c);
    *code = rc;
    return rc != 0;
}
