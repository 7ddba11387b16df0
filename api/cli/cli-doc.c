/*
 * cli-doc.c -- the man page (`caseflow --man`) and the bash completion
 * (`caseflow --completion bash`), both written from the command and options
 * tables (cli.h), so that they name every command and option the parser
 * accepts and nothing else. The build writes them next to the binary
 * (caseflow.1, caseflow.bash); tests/cli/help.sh checks them.
 *
 * Rejected: help2man. It scrapes `--help` output, which lists the commands but
 * not each command's options, and it would be one more package to install.
 */
#include "cli.h"

#include <string.h>

/* ---- the man page ------------------------------------------------------------------ */

/* Writes text for roff: backslashes and hyphens escaped. */
static void roff(FILE *f, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-')
            fputs("\\-", f);
        else
            fputc(*p, f);
    }
}

static void man_command(FILE *f, const cf__cli_command_t *cmd)
{
    char synopsis[2048] = "";
    FILE *s = fmemopen(synopsis, sizeof(synopsis) - 1, "w");
    if (s) {
        cf__cli_synopsis(s, cmd->name);
        fclose(s);
    }
    fputs(".SS \"", f);
    roff(f, cmd->name);
    fputs("\"\n\\&", f);
    roff(f, synopsis);
    fputs("\n.PP\n\\&", f);
    roff(f, cmd->summary);
    fputs(".\n", f);
    for (size_t i = 0; i < cf__cli_options_count; i++) {
        const cf__cli_option_t *o = &cf__cli_options[i];
        if (strcmp(o->command, cmd->name) != 0)
            continue;
        fputs(".TP\n\\fB", f);
        roff(f, o->name);
        fputs("\\fR", f);
        if (o->value) {
            fputs(" \\fI", f);
            roff(f, o->value);
            fputs("\\fR", f);
        }
        fputs("\n\\&", f);
        roff(f, o->help);
        fputs(o->flags & CF_OPT_REQ ? " (required)" : "", f);
        fputs(o->flags & CF_OPT_MANY ? " (repeatable)" : "", f);
        fputc('\n', f);
    }
}

/* Exported, documented in cli.h */
void cf__cli_write_man(FILE *f)
{
    fprintf(f, ".TH CASEFLOW 1 \"\" \"caseflow %s\" \"User Commands\"\n", cf__cli_version());
    fputs(".SH NAME\ncaseflow \\- case workflows for medical-insurance administrative "
          "enforcement\n"
          ".SH SYNOPSIS\n.B caseflow\n[\\fB\\-\\-db\\fR \\fIFILE\\fR] [\\fB\\-\\-json\\fR] "
          "\\fICOMMAND\\fR [\\fIARGUMENTS\\fR]\n.br\n.B caseflow\n\\fICOMMAND\\fR "
          "\\fB\\-\\-help\\fR\n.br\n.B caseflow\n\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n"
          ".SH DESCRIPTION\ncaseflow opens and runs cases on workflow definitions (YAML state "
          "machines), counts their legal deadlines on the official calendar, keeps each case's "
          "events on a hash chain and serves them over HTTP.\n"
          ".SH GLOBAL OPTIONS\n.TP\n\\fB\\-\\-db\\fR \\fIFILE\\fR\nthe database "
          "(default $CASEFLOW_DB, else ./caseflow.db)\n"
          ".TP\n\\fB\\-\\-json\\fR\nanswer as JSON, errors included\n"
          ".TP\n\\fB\\-\\-help\\fR\nprint the help of caseflow or of the command, and do "
          "nothing else\n.TP\n\\fB\\-\\-version\\fR\nprint the version\n.SH COMMANDS\n",
          f);
    for (size_t i = 0; i < cf__cli_commands_count; i++)
        man_command(f, &cf__cli_commands[i]);
    fputs(".SH ENVIRONMENT\n.TP\n.B CASEFLOW_DB\nthe database when \\-\\-db is not given\n"
          ".TP\n.B CASEFLOW_NOW\nthe current time (ISO 8601), for examples and tests\n"
          ".TP\n.B CASEFLOW_ACTOR\nwho acts when \\-\\-actor is not given (else $USER)\n"
          ".TP\n.B CASEFLOW_CALENDARS\nthe calendar folder when \\-\\-calendars is not given\n"
          ".SH CONTROL CHARACTERS\nA word holding a control character other than tab, "
          "line feed, VT, FF and CR (ESC, BEL, DEL, U+0080..U+009F) is a usage error naming its "
          "option, as the HTTP API refuses it. Text output shows such characters stored "
          "earlier as \\\\x1b or \\\\u0085; \\-\\-json escapes them as JSON does.\n"
          ".SH EXIT STATUS\n0 success; 1 usage error; 2 invalid input (YAML, JSON, dates); "
          "3 not found; 4 refused by the procedure or the role; 5 conflict (the case changed "
          "concurrently: reload and retry); 6 storage or I/O error; 7 verification failed; 8 "
          "import: partial (the catalog "
          "written, some lines not placed).\n",
          f);
}

/* ---- bash completion -------------------------------------------------------------- */

/* The first word of command i, and whether a command before it had the same. */
static int first_word(size_t i, char *out, size_t size)
{
    const char *name = cf__cli_commands[i].name;
    size_t n = strcspn(name, " ");
    snprintf(out, size, "%.*s", (int)n, name);
    for (size_t k = 0; k < i; k++)
        if (strncmp(cf__cli_commands[k].name, out, n) == 0 &&
            (cf__cli_commands[k].name[n] == ' ' || cf__cli_commands[k].name[n] == '\0'))
            return 1;
    return 0;
}

/* `case WORD) subs="..." ;;` for every command group (first word of two). */
static void completion_groups(FILE *f)
{
    char word[64];
    for (size_t i = 0; i < cf__cli_commands_count; i++) {
        if (first_word(i, word, sizeof(word)) || !strchr(cf__cli_commands[i].name, ' '))
            continue;
        fprintf(f, "    %s) subs=\"", word);
        const char *sep = "";
        for (size_t k = i; k < cf__cli_commands_count; k++) {
            const char *name = cf__cli_commands[k].name;
            size_t n = strlen(word);
            if (strncmp(name, word, n) == 0 && name[n] == ' ') {
                fprintf(f, "%s%s", sep, name + n + 1);
                sep = " ";
            }
        }
        fputs("\" ;;\n", f);
    }
}

/* What follows an option: its choices (a|b), files, or nothing to offer. */
static void completion_value(FILE *f, const cf__cli_option_t *o)
{
    fprintf(f, "    \"%s %s\") ", o->command, o->name);
    if (strchr(o->value, '|')) {
        fputs("COMPREPLY=($(compgen -W \"", f);
        for (const char *p = o->value; *p; p++)
            fputc(*p == '|' ? ' ' : *p, f);
        fputs("\" -- \"$cur\"))", f);
    } else if (strstr(o->value, "FILE") || strstr(o->value, "DIR")) {
        fputs("COMPREPLY=($(compgen -f -- \"$cur\"))", f);
    } else {
        fputs("COMPREPLY=()", f);
    }
    fputs("; return ;;\n", f);
}

static void completion_options(FILE *f)
{
    for (size_t i = 0; i < cf__cli_commands_count; i++) {
        fprintf(f, "    \"%s\") opts=\"", cf__cli_commands[i].name);
        for (size_t k = 0; k < cf__cli_options_count; k++)
            if (strcmp(cf__cli_options[k].command, cf__cli_commands[i].name) == 0 &&
                cf__cli_options[k].name[0] == '-')
                fprintf(f, "%s ", cf__cli_options[k].name);
        fputs("--db --json --help\" ;;\n", f);
    }
    fputs("    esac\n    case \"$cmd $prev\" in\n", f);
    for (size_t k = 0; k < cf__cli_options_count; k++)
        if (cf__cli_options[k].value)
            completion_value(f, &cf__cli_options[k]);
}

/* Exported, documented in cli.h */
int cf__cli_write_completion(FILE *f, const char *shell)
{
    if (!shell || strcmp(shell, "bash") != 0)
        return CF_EINVAL;
    char word[64];
    fputs("# bash completion for caseflow, written by `caseflow --completion bash` from its\n"
          "# command table. Use: source it, or put it in /etc/bash_completion.d/caseflow.\n"
          "_caseflow()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local i w cmd subs=\"\" opts=\"\" words=()\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        case $w in\n        --db) i=$((i + 1)) ;;\n        -*) ;;\n"
          "        *) words+=(\"$w\") ;;\n        esac\n    done\n"
          "    if [[ $prev == --db ]]; then COMPREPLY=($(compgen -f -- \"$cur\")); return; fi\n"
          "    if ((${#words[@]} == 0)); then\n        COMPREPLY=($(compgen -W \"",
          f);
    for (size_t i = 0; i < cf__cli_commands_count; i++)
        if (!first_word(i, word, sizeof(word)))
            fprintf(f, "%s ", word);
    fputs("--db --json --help --version\" -- \"$cur\"))\n        return\n    fi\n"
          "    case ${words[0]} in\n",
          f);
    completion_groups(f);
    fputs("    esac\n    cmd=${words[0]}\n    if [[ -n $subs ]]; then\n"
          "        if ((${#words[@]} == 1)); then\n"
          "            COMPREPLY=($(compgen -W \"$subs --help\" -- \"$cur\"))\n"
          "            return\n        fi\n        cmd=\"${words[0]} ${words[1]}\"\n    fi\n"
          "    case $cmd in\n",
          f);
    completion_options(f);
    fputs("    esac\n"
          "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); return; "
          "fi\n    COMPREPLY=($(compgen -f -- \"$cur\"))\n}\ncomplete -F _caseflow caseflow\n",
          f);
    return 0;
}
