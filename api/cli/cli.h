/*
 * cli.h -- the `caseflow` command line: option parsing, output and exit codes
 * shared by every command, and the command table.
 *
 * A command is `int cf__cmd_<name>(cf_cli_t *cli, int argc, char **argv)`. argv[0]
 * is the first word after the command's name; the global options (--db, --json)
 * have already been taken out. A command writes its answer to cli->out (JSON when
 * cli->json) and reports failure by returning cf__cli_fail(...), which prints the
 * error (JSON on stdout with --json, text on stderr otherwise) and maps the CF_E*
 * code to the documented exit code.
 *
 * Exit codes (README, `caseflow --help`):
 *   0 success            1 usage error             2 invalid input (YAML, JSON, dates)
 *   3 not found          4 refused by the procedure (or the role)
 *   5 conflict (case changed concurrently; retry)  6 storage or I/O error
 *   7 verification failed (a chain or a check did not pass)
 */
#ifndef CF_CLI_H
#define CF_CLI_H

#include <stdio.h>

#include "cftime.h"
#include "error.h"

enum {
    CF_EXIT_OK = 0,
    CF_EXIT_USAGE = 1,
    CF_EXIT_INPUT = 2,
    CF_EXIT_NOTFOUND = 3,
    CF_EXIT_REFUSED = 4,
    CF_EXIT_CONFLICT = 5,
    CF_EXIT_STORE = 6,
    CF_EXIT_VERIFY = 7,
};

typedef struct cf_cli_s {
    const char *db_path; /* --db, else $CASEFLOW_DB, else ./caseflow.db */
    int json;            /* --json */
    cf_time_t now;       /* $CASEFLOW_NOW (ISO 8601) if set, else the system clock */
    FILE *out;
    FILE *err;
} cf_cli_t;

typedef int (*cf_cmd_fn)(cf_cli_t *cli, int argc, char **argv);

/* Runs the command line (argv as main() gets it) with output to out/err.
 * Returns the exit code. Tests call this in-process. */
int cf_cli_main(int argc, char **argv, FILE *out, FILE *err);

/* Prints the failure (JSON object {"error","code","message","source","line",
 * "column"} on cli->out with --json; "caseflow: <source>:<line>:<col>: <text>"
 * on cli->err otherwise) and returns the exit code for code. err may be NULL. */
int cf__cli_fail(cf_cli_t *cli, int code, const cf_error_t *err);

/* Prints a usage message for the command on cli->err and returns CF_EXIT_USAGE. */
int cf__cli_usage(cf_cli_t *cli, const char *usage);

/* The exit code for a CF_E* code. */
int cf__cli_exit_code(int code);

/* Option scanning over argv[0..argc). Options are "--name value" or
 * "--name=value"; positional words are whatever is left.
 * cf__opt_value: the last value of --name, or NULL. Borrowed from argv.
 * cf__opt_values: every value of a repeatable --name, in order, into OUT vals
 *   (at most max); returns the count.
 * cf__opt_flag: 1 if --name (a flag taking no value) is present.
 * cf__opt_positional: the index-th word that is neither an option nor an
 *   option's value, or NULL. flags lists the value-less flags, NULL-terminated. */
const char *cf__opt_value(int argc, char **argv, const char *name);
int cf__opt_values(int argc, char **argv, const char *name, const char **vals, int max);
int cf__opt_flag(int argc, char **argv, const char *name);
const char *cf__opt_positional(int argc, char **argv, int index, const char *const *flags);

/* Reads a whole file into a NUL-terminated malloc'd buffer. OUT buf, len.
 * Returns 0, or CF_EIO with err naming the path and the system's reason. */
int cf__read_file(const char *path, char **buf, size_t *len, cf_error_t *err);

/* The command table: name (one or two words), function, one-line summary.
 * Add a command by adding one line here. */
#define CF_COMMANDS(X)                                                                             \
    X("init", init, "create the database and store the workflows and calendars")                   \
    X("workflow list", workflow_list, "list stored workflow definitions")                          \
    X("workflow load", workflow_load, "store definitions; a changed one becomes a new version")    \
    X("workflow check", workflow_check, "validate workflow files and report every problem")        \
    X("workflow show", workflow_show, "print a stored workflow's states and transitions")          \
    X("workflow dot", workflow_dot, "print a stored workflow as Graphviz DOT")                     \
    X("case open", case_open, "open a case on a workflow (or a matter)")                           \
    X("case act", case_act, "take an action on a case")                                            \
    X("case extend", case_extend, "extend a clock with the approval its rule names")               \
    X("case exclude", case_exclude, "record time a clock does not count (检测、鉴定、听证 ...)")   \
    X("case show", case_show, "show a case: state, facts, clocks, timeline, allowed actions")      \
    X("case list", case_list, "list cases, by state, workflow, due date")                          \
    X("case export", case_export, "write a case, its events and its workflow as a bundle")         \
    X("doc list", doc_list, "the 文书 a case's state needs, which have templates, which exist")  \
    X("doc render", doc_render, "render a 文书 from the case as PDF (--out FILE)")                \
    X("audit verify", audit_verify, "recompute every case's hash chain and report breaks")         \
    X("audit replay", audit_replay,                                                                \
      "replay cases against their pinned workflow; report deviations")                             \
    X("audit keygen", audit_keygen, "make the bureau's Ed25519 key for signing checkpoints")    \
    X("audit checkpoint", audit_checkpoint, "sign the head of the log's Merkle tree, to a file")   \
    X("audit prove", audit_prove, "prove an event is in the log or in a checkpoint's tree")        \
    X("serve", serve, "run the daemon: HTTP/JSON API, deadline alerts, webhooks")                  \
    X("token create", token_create, "issue a bearer token for the daemon's API")                   \
    X("cause load", cause_load, "store 案由 dictionaries (subject types, causes, situations)")     \
    X("cause list", cause_list, "list the stored 案由 situations, by subject type and cause")      \
    X("period", period,                                                                            \
      "compute a legal deadline: --from TIME --add \"7 working_days\" [--explain]")                \
    X("calendar show", calendar_show, "print a month with rest days and adjusted working days")    \
    /* PERIOD-COMMANDS */                                                                          \
    X("import", import, "read 权责清单 files into a matter catalog")                               \
    X("catalog load", catalog_load, "store a matter catalog's matters in the database")            \
    X("matter list", matter_list, "list stored matters, by power type")                            \
    X("matter show", matter_show, "show a stored matter")                                          \
    /* IMPORT-COMMANDS */

#define CF_CMD_DECLARE(name, fn, summary) int cf__cmd_##fn(cf_cli_t *cli, int argc, char **argv);
CF_COMMANDS(CF_CMD_DECLARE)
#undef CF_CMD_DECLARE

#endif
