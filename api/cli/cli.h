/*
 * cli.h -- the `caseflow` command line: option parsing, output and exit codes
 * shared by every command, and the command table.
 *
 * api/cli is a front end: it turns argv into the operation layer's input
 * (api/ops/ops.h) and prints what comes back; it reaches the daemon only through
 * api/http/serve.h (`caseflow serve`). Dependencies: api/cli -> api/ops ->
 * storage -> engine.
 *
 * A command is `int cf__cmd_<name>(cf_cli_t *cli, int argc, char **argv)`. argv[0]
 * is the first word after the command's name; the global options (--db, --json)
 * have already been taken out, and the rest has been checked against the
 * command's lines in CF_OPTIONS (below): only options it declares, each value
 * present, required ones there. A command writes its answer to cli->out (JSON when
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

#include <stddef.h>
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
    CF_EXIT_PARTIAL = 8, /* import: written, but a region of a file could not be read */
};

typedef struct cf_cli_s {
    const char *db_path; /* --db, else $CASEFLOW_DB, else ./caseflow.db */
    int json;            /* --json */
    cf_time_t now;       /* $CASEFLOW_NOW (ISO 8601) if set, else the system clock */
    FILE *out;           /* text: control characters shown as \x1b, \u0085 (cf__cli_visible) */
    FILE *err;
    FILE *raw; /* out as given, for bytes that are not text (a PDF, a file, JSON) */
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

/* Prints a usage error for command cmd (NULL: before any command): with --json
 * the JSON object {"error":"EINVAL","message":"usage error","text":…,"usage":…}
 * on cli->out, else "caseflow: CMD: TEXT", the synopsis and a pointer to --help
 * on cli->err. Returns CF_EXIT_USAGE. */
int cf__cli_usage_error(cf_cli_t *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads a whole file into a NUL-terminated malloc'd buffer. OUT buf, len.
 * Returns 0, or CF_EIO with err naming the path and the system's reason, or
 * CF_ERANGE for a file larger than CF_CLI_FILE_MAX (a workflow, calendar or 权责清单
 * file is far smaller: a larger one, or /dev/zero, is refused before it fills memory). */
#define CF_CLI_FILE_MAX ((size_t)64 << 20)
int cf__read_file(const char *path, char **buf, size_t *len, cf_error_t *err);

/* The command table: name (one or two words), function, one-line summary.
 * Add a command by adding one line here, and one line in CF_OPTIONS below for
 * each option and positional argument it takes (a command with none needs none). */
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
    X("case file", case_file,                                                                      \
      "a stored file of a case (a document, an evidence file) by its hash")                        \
    X("evidence add", evidence_add, "add an item to a case's evidence register (书证, 物证 ...)")  \
    X("evidence list", evidence_list, "list a case's evidence register")                           \
    X("record add", record_add, "add a 询问笔录 or 现场检查笔录 to a case")                        \
    X("record list", record_list, "list a case's 询问笔录 and 现场检查笔录")                       \
    X("alert list", alert_list, "an agency's alerts: pending, fired, who acknowledged")            \
    X("alert ack", alert_ack, "acknowledge a fired alert, on its case's chain")                    \
    X("alert deliveries", alert_deliveries, "webhook deliveries owed or given up (the outbox)")    \
    X("alert retry", alert_retry, "send a given-up webhook delivery again (a head)")               \
    X("bundle verify", bundle_verify, "check a signed case bundle's signature (no database)")      \
    X("doc list", doc_list, "the 文书 a case's state needs, which have templates, which exist")    \
    X("doc render", doc_render, "render a 文书 from the case as PDF (--out FILE)")                 \
    X("audit verify", audit_verify, "recompute every case's hash chain and report breaks")         \
    X("audit replay", audit_replay,                                                                \
      "replay cases against their pinned workflow; report deviations")                             \
    X("audit keygen", audit_keygen, "make the bureau's Ed25519 or SM2 key for signing")            \
    X("audit checkpoint", audit_checkpoint, "sign the head of the log's Merkle tree, to a file")   \
    X("audit prove", audit_prove, "prove an event is in the log or in a checkpoint's tree")        \
    X("serve", serve, "run the daemon: HTTP/JSON API, deadline alerts, webhooks")                  \
    X("token create", token_create, "issue a bearer token for the daemon's API")                   \
    X("token list", token_list, "list the daemon's tokens: holder, role, expiry, last use")        \
    X("token revoke", token_revoke,                                                                \
      "revoke a token (the daemon refuses it within its cache time)")                              \
    X("cause load", cause_load, "store 案由 dictionaries (subject types, causes, situations)")     \
    X("cause list", cause_list, "list the stored 案由 situations, by subject type and cause")      \
    X("period", period,                                                                            \
      "compute a legal deadline: --from TIME --add \"7 working_days\" [--explain]")                \
    X("calendar show", calendar_show, "print a month with rest days and adjusted working days")    \
    X("calendar load", calendar_load, "store a calendar year; recount provisional deadlines")      \
    X("calendar status", calendar_status, "loaded and provisional calendar years, horizon")        \
    X("stats", stats, "what the bureau reports: cases, fines, funds, on-time rates, by handler")   \
    X("migrate", migrate, "copy a database into a new store, then verify every chain there")       \
    /* PERIOD-COMMANDS */                                                                          \
    X("import", import, "read 权责清单 files into a matter catalog")                               \
    X("catalog load", catalog_load, "store a matter catalog's matters in the database")            \
    X("matter list", matter_list, "list stored matters, by power type")                            \
    X("matter show", matter_show, "show a stored matter")                                          \
    /* IMPORT-COMMANDS */

/* The options table: everything each command accepts, one line per option or
 * positional argument, X(command, name, value, flags, help):
 *   command  a name from CF_COMMANDS;
 *   name     "--option", or a positional argument in capitals ("CASE"), in order;
 *   value    what the option's value looks like ("ID", "TIME"), NULL for a flag;
 *   flags    0, CF_OPT_REQ (must be given), CF_OPT_MANY (may be repeated; for a
 *            positional: one or more), or both ORed;
 *   help     one line for --help, the man page and the completion.
 * cli.c checks argv against it before the command runs: `--help` prints the
 * command's help and exits 0 without running it; an unknown option, a missing
 * value, a flag given a value, a non-repeatable option given twice, a missing
 * required option or argument, or an extra argument is a usage error (exit 1)
 * naming it. --db, --json and --help belong to every command and are not listed.
 * `caseflow --man` and `caseflow --completion bash` are written from this table. */
enum { CF_OPT_REQ = 1, CF_OPT_MANY = 2 };

#define CF_OPTIONS(X)                                                                              \
    X("init", "--workflows", "DIR", 0,                                                             \
      "workflows, calendars/, causes/ ... (./workflows, else installed)")                          \
    X("init", "--agency", "NAME", 0, "the agency cases opened here belong to (stored)")            \
    X("init", "--abbr", "TEXT", 0, "the agency's abbreviation in its case numbers")                \
    X("init", "--number-pattern", "P", 0, "案号 pattern: {abbr}医保案〔{year}〕{seq}号")           \
    X("init", "--decision-pattern", "P", 0, "决定书文号 pattern: {abbr}医保罚〔{year}〕{seq}号")   \
    X("init", "--archive-pattern", "P", 0, "档案号 pattern: {abbr}医保档〔{year}〕{seq}号")        \
    X("workflow load", "FILE", NULL, CF_OPT_REQ | CF_OPT_MANY, "a workflow or overlay YAML file")  \
    X("workflow check", "FILE", NULL, CF_OPT_REQ | CF_OPT_MANY, "a workflow or overlay YAML file") \
    X("workflow check", "--templates", "DIRS", 0, "文书 templates to check (docs/documents.md)")   \
    X("workflow show", "ID", NULL, CF_OPT_REQ, "the workflow's id")                                \
    X("workflow show", "--version", "N", 0, "that stored version (default: the latest)")           \
    X("workflow show", "--overlay", "FILE", 0, "lay this overlay file over it first")              \
    X("workflow dot", "ID", NULL, CF_OPT_REQ, "the workflow's id")                                 \
    X("workflow dot", "--version", "N", 0, "that stored version (default: the latest)")            \
    X("workflow dot", "--overlay", "FILE", 0, "lay this overlay file over it first")               \
    X("case open", "--workflow", "ID", 0, "the workflow (or give --matter)")                       \
    X("case open", "--matter", "ID", 0, "the catalog matter; its first workflow by default")       \
    X("case open", "--party", "NAME", CF_OPT_REQ, "the party the case is about")                   \
    X("case open", "--party-type", "TYPE", 0, "the party's subject type (provider, insured ...)")  \
    X("case open", "--party-kind", "citizen|organisation", 0,                                      \
      "where the type may be either (a 个体诊所): the party's kind")                               \
    X("case open", "--parent", "CASE", 0, "the case this one comes from")                          \
    X("case open", "--cause", "ID", 0, "the 案由 situation")                                       \
    X("case open", "--agency", "NAME", 0, "the agency it belongs to (default: init --agency)")     \
    X("case open", "--officer", "NAME:CERTNO", CF_OPT_MANY, "a law-enforcement officer")           \
    X("case open", "--fact", "NAME=VALUE", CF_OPT_MANY, "a fact the workflow declares")            \
    X("case open", "--hash", "sha256|sm3", 0, "the case's hash chain algorithm (sha256)")          \
    X("case open", "--role", "ROLE", 0, "the acting role")                                         \
    X("case open", "--actor", "NAME", 0, "who acts ($CASEFLOW_ACTOR, else $USER; none: refused)")  \
    X("case open", "--at", "TIME", 0, "when it took place (not in the future; default now)")       \
    X("case act", "CASE", NULL, CF_OPT_REQ, "the case number")                                     \
    X("case act", "ACTION", NULL, CF_OPT_REQ, "the action's id (see case show)")                   \
    X("case act", "--role", "ROLE", CF_OPT_REQ, "the acting role")                                 \
    X("case act", "--actor", "NAME", 0, "who acts ($CASEFLOW_ACTOR, else $USER; none: refused)")   \
    X("case act", "--fact", "NAME=VALUE", CF_OPT_MANY, "a fact the action records")                \
    X("case act", "--doc", "NAME=FILE", CF_OPT_MANY, "a document; its SHA-256 goes on the chain")  \
    X("case act", "--render", "NAME", CF_OPT_MANY, "a 文书 rendered from the case and attached")   \
    X("case act", "--at", "TIME", 0, "when it took place (not in the future; default now)")        \
    X("case extend", "CASE", NULL, CF_OPT_REQ, "the case number")                                  \
    X("case extend", "--clock", "ID", CF_OPT_REQ, "the clock to extend")                           \
    X("case extend", "--by", "\"N UNIT\"", CF_OPT_REQ, "how much longer, e.g. \"30 days\"")        \
    X("case extend", "--role", "ROLE", CF_OPT_REQ, "the approving role the rule names")            \
    X("case extend", "--actor", "NAME", 0,                                                         \
      "who acts ($CASEFLOW_ACTOR, else $USER; none: refused)")                                     \
    X("case extend", "--reason", "TEXT", 0, "why")                                                 \
    X("case extend", "--at", "TIME", 0, "when it took place (not in the future; default now)")     \
    X("case exclude", "CASE", NULL, CF_OPT_REQ, "the case number")                                 \
    X("case exclude", "--clock", "ID", CF_OPT_REQ, "the clock the time does not count on")         \
    X("case exclude", "--from", "TIME", CF_OPT_REQ, "start of the excluded time")                  \
    X("case exclude", "--to", "TIME", CF_OPT_REQ, "end of the excluded time")                      \
    X("case exclude", "--reason", "TEXT", CF_OPT_REQ,                                              \
      "检测|检验|鉴定|听证|公告|专家评审|补充材料")                                                \
    X("case exclude", "--role", "ROLE", CF_OPT_REQ, "the acting role")                             \
    X("case exclude", "--actor", "NAME", 0,                                                        \
      "who acts ($CASEFLOW_ACTOR, else $USER; none: refused)")                                     \
    X("case exclude", "--at", "TIME", 0, "when it was recorded (not in the future; default now)")  \
    X("case show", "CASE", NULL, CF_OPT_REQ, "the case number")                                    \
    X("case show", "--explain", NULL, 0, "show how each deadline was counted")                     \
    X("case list", "--state", "STATE", 0, "only cases in this state")                              \
    X("case list", "--workflow", "ID", 0, "only cases on this workflow")                           \
    X("case list", "--matter", "ID", 0, "only cases opened for this matter")                       \
    X("case list", "--number", "案号", 0, "only the case with this 案号, 决定书文号 or 档案号")    \
    X("case list", "--handler", "NAME", 0, "only the cases this person handles or heads")          \
    X("stats", "--agency", "NAME", 0, "the agency (default: the database's, init --agency)")       \
    X("stats", "--from", "DATE", 0, "the period's first day, 2026-01-01 (default: 1 January)")     \
    X("stats", "--to", "DATE", 0, "the period's last day, included (default: today)")              \
    X("stats", "--handler", "NAME", 0, "only the cases this person handles or heads")              \
    X("stats", "--due-within", "SPAN", 0, "count cases due within this span: 7d (default), 12h")   \
    X("stats", "--format", "FORMAT", 0, "text (default) or csv; --json for JSON")                  \
    X("migrate", "--from", "FILE", CF_OPT_REQ, "the bureau's SQLite database (read only)")         \
    X("migrate", "--to", "TARGET", CF_OPT_REQ,                                                     \
      "the new store: a file (created) or a database URL")                                         \
    X("case list", "--parent", "CASE", 0, "only cases that come from this case")                   \
    X("case list", "--open", NULL, 0, "only cases not closed")                                     \
    X("case list", "--due-within", "SPAN", 0, "only cases with a deadline within 3d, 12h ...")     \
    X("case list", "--overdue", NULL, 0, "only cases past a deadline")                             \
    X("case list", "--limit", "N", 0, "at most N cases (1 to 1000; default all)")                  \
    X("case list", "--cursor", "ID", 0, "the page after this case id (the last one shown)")        \
    X("doc list", "CASE", NULL, CF_OPT_REQ, "the case number")                                     \
    X("doc list", "--templates", "DIRS", 0, "template folders, first wins (docs/documents.md)")    \
    X("doc render", "CASE", NULL, CF_OPT_REQ, "the case number")                                   \
    X("doc render", "NAME", NULL, CF_OPT_REQ, "the document, as the workflow names it")            \
    X("doc render", "--out", "FILE", 0, "write the PDF here (default: standard output)")           \
    X("doc render", "--at", "TIME", 0, "the document's date (default: when it was attached)")      \
    X("doc render", "--fact", "NAME=VALUE", CF_OPT_MANY, "a fact over the case's, for a preview")  \
    X("doc render", "--templates", "DIRS", 0, "template folders, first wins (docs/documents.md)")  \
    X("case file", "CASE", NULL, CF_OPT_REQ, "the case number")                                    \
    X("case file", "SHA256", NULL, CF_OPT_REQ, "the file's hash, as case show lists it")           \
    X("case file", "--out", "FILE", 0, "write the bytes here (default: standard output)")          \
    X("case export", "CASE", NULL, CF_OPT_REQ, "the case number")                                  \
    X("case export", "--sign", "FILE", 0,                                                          \
      "sign with this Ed25519 or SM2 key ($CASEFLOW_EXPORT_KEY)")                                  \
    X("case export", "--with-documents", NULL, 0,                                                  \
      "carry the documents' bytes, not only their hashes")                                         \
    X("bundle verify", "BUNDLE", NULL, CF_OPT_REQ, "the signed bundle (case export --sign)")       \
    X("bundle verify", "--pubkey", "FILE", 0, "the bureau's public key (PEM)")                     \
    X("audit verify", "--case", "CASE", 0, "only this case")                                       \
    X("audit verify", "--closed-from", "TIME", 0, "only cases closed at or after TIME")            \
    X("audit verify", "--closed-to", "TIME", 0, "only cases closed before TIME")                   \
    X("audit verify", "--bundle", "FILE", 0, "check an exported bundle instead of the database")   \
    X("audit verify", "--format", "text|json|html", 0,                                             \
      "the report's format (text; json with --json)")                                              \
    X("audit verify", "--jobs", "N", 0, "threads (default: one per processor)")                    \
    X("audit replay", "--case", "CASE", 0, "only this case")                                       \
    X("audit replay", "--closed-from", "TIME", 0, "only cases closed at or after TIME")            \
    X("audit replay", "--closed-to", "TIME", 0, "only cases closed before TIME")                   \
    X("audit replay", "--bundle", "FILE", 0, "replay an exported bundle instead of the database")  \
    X("audit replay", "--format", "text|json|html", 0,                                             \
      "the report's format (text; json with --json)")                                              \
    X("audit replay", "--jobs", "N", 0, "threads (default: one per processor)")                    \
    X("audit verify", "--checkpoint", "FILE", 0, "also check the log against this checkpoint")     \
    X("audit verify", "--pubkey", "FILE", 0, "the checkpoint's public key (PEM)")                  \
    X("audit replay", "--checkpoint", "FILE", 0, "also check the log against this checkpoint")     \
    X("audit replay", "--pubkey", "FILE", 0, "the checkpoint's public key (PEM)")                  \
    X("audit replay", "--summary", NULL, 0, "HTML: figures and deviating cases only")              \
    X("audit replay", "--kind", "KIND", 0, "HTML: only cases with this kind of deviation")         \
    X("audit replay", "--agency", "AGENCY", 0, "only cases opened for this agency")                \
    X("audit replay", "--cause", "CAUSE", 0,                                                       \
      "only cases of this 案由 (js-2024:14, its id or name)")                                      \
    X("audit verify", "--summary", NULL, 0, "HTML: figures and deviating cases only")              \
    X("audit verify", "--kind", "KIND", 0, "HTML: only cases with this kind of deviation")         \
    X("audit verify", "--agency", "AGENCY", 0, "only cases opened for this agency")                \
    X("audit verify", "--cause", "CAUSE", 0,                                                       \
      "only cases of this 案由 (js-2024:14, its id or name)")                                      \
    X("audit keygen", "--out", "FILE", CF_OPT_REQ, "where the private key goes (mode 0600)")       \
    X("audit keygen", "--algorithm", "ed25519|sm2", 0, "the key's algorithm (default ed25519)")    \
    X("audit checkpoint", "--key", "FILE", CF_OPT_REQ, "the Ed25519 or SM2 private key (PEM)")     \
    X("audit checkpoint", "--out", "FILE", 0, "write the checkpoint here (default: stdout)")       \
    X("audit prove", "CASE", NULL, CF_OPT_REQ, "the case number")                                  \
    X("audit prove", "SEQ", NULL, CF_OPT_REQ, "the event's sequence number in the case")           \
    X("audit prove", "--checkpoint", "FILE", 0, "prove it in this checkpoint's tree")              \
    X("audit prove", "--pubkey", "FILE", 0, "the checkpoint's public key (PEM)")                   \
    X("serve", "--doc-max", "BYTES", 0, "largest document a request may carry")                    \
    X("serve", "--checkpoint-interval", "SECONDS", 0, "take a signed checkpoint this often")       \
    X("serve", "--checkpoint-key", "FILE", 0,                                                      \
      "the Ed25519 private key checkpoints are signed with")                                       \
    X("serve", "--checkpoint-out", "FILE", 0, "the file each checkpoint is written to")            \
    X("serve", "--export-key", "FILE", 0,                                                          \
      "the Ed25519 or SM2 private key exports are signed with")                                    \
    X("serve", "--listen", "HOST:PORT|unix:PATH", 0,                                               \
      "where to listen (127.0.0.1:8080; port 0: any; unix:PATH a Unix socket)")                    \
    X("serve", "--listen-mode", "MODE", 0, "the Unix socket file's permissions (0660)")            \
    X("serve", "--config", "FILE", 0, "settings file; flags win over it")                          \
    X("serve", "--alert-log", "FILE", 0, "append each deadline alert to FILE as a JSON line")      \
    X("serve", "--webhook", "URL", CF_OPT_MANY, "POST each alert to URL")                          \
    X("serve", "--webhook-attempts", "N", 0, "tries per alert and webhook")                        \
    X("serve", "--webhook-retry-ms", "MS", 0, "first retry delay; doubles each time")              \
    X("serve", "--max-body", "BYTES", 0, "largest request body accepted")                          \
    X("serve", "--timeout-ms", "MS", 0, "request timeout; each webhook POST's too")                \
    X("serve", "--now", "TIME", 0, "start the clock at TIME (examples, tests)")                    \
    X("serve", "--test-clock", NULL, 0, "let POST /v1/test/clock move the clock (tests only)")     \
    X("serve", "--check-config", NULL, 0, "print the settings in effect, check them, exit")        \
    X("serve", "--allowed-host", "NAME", CF_OPT_MANY,                                              \
      "answer only requests whose Host is NAME (or loopback): DNS rebinding")                      \
    X("serve", "--web", "DIR", 0, "the workbench's files, served at / ($CASEFLOW_WEB)")            \
    X("token create", "--expires", "90d|12h|2w|TIME", 0, "when the token stops working")           \
    X("token revoke", "ID", NULL, CF_OPT_REQ, "the token's id (token list)")                       \
    X("token create", "--agency", "AGENCY", CF_OPT_REQ, "the agency the token acts for")           \
    X("token create", "--role", "handler|reviewer|head|auditor", CF_OPT_REQ, "the token's role")   \
    X("token create", "--name", "NAME", CF_OPT_REQ, "the person or system holding it")             \
    X("cause load", "FILE", NULL, CF_OPT_REQ | CF_OPT_MANY, "a 案由 dictionary YAML file")         \
    X("cause list", "--subject", "TYPE", 0, "only this subject type (id or name)")                 \
    X("period", "--from", "TIME", CF_OPT_REQ, "the start: ISO 8601, or a date (00:00 China time)") \
    X("period", "--add", "\"N UNIT\"", CF_OPT_REQ, "hours, days, working_days or months")          \
    X("period", "--explain", NULL, 0, "show the counting day by day")                              \
    X("period", "--calendars", "DIR", 0,                                                           \
      "calendar folder ($CASEFLOW_CALENDARS, else "                                                \
      "workflows/calendars, else the installed ones)")                                             \
    X("period", "--provisional", NULL, 0,                                                          \
      "past the loaded years, count on the provisional calendar (R11)")                            \
    X("calendar show", "YYYY-MM", NULL, CF_OPT_REQ, "the month")                                   \
    X("calendar show", "--provisional", NULL, 0, "a month past the loaded years, provisionally")   \
    X("calendar load", "FILE", NULL, CF_OPT_REQ, "one year's calendar YAML")                       \
    X("calendar load", "--replace", NULL, 0, "replace a year already loaded (recounts)")           \
    X("calendar load", "--actor", "NAME", 0, "who loads it ($CASEFLOW_ACTOR, else $USER)")         \
    X("calendar show", "--calendars", "DIR", 0,                                                    \
      "calendar folder ($CASEFLOW_CALENDARS, else "                                                \
      "workflows/calendars, else the installed ones)")                                             \
    X("import", "FILE", NULL, CF_OPT_REQ | CF_OPT_MANY,                                            \
      "a 权责清单 file (text, web page, .xlsx, .docx, .xls, .pdf)")                                \
    X("import", "--out", "FILE.yaml", CF_OPT_REQ, "the catalog to write")                          \
    X("import", "--agency", "NAME", 0, "the issuing agency")                                       \
    X("import", "--prefix", "P", 0, "prefix for the matter ids")                                   \
    X("import", "--strict", NULL, 0, "unplaced text is an error, not a warning")                   \
    X("import", "--verbose", NULL, 0, "list the text left unplaced")                               \
    X("import", "--explain", NULL, 0,                                                              \
      "how each table was found: header, columns, rows to matters")                                \
    X("import", "--headers", "WORDS.txt", 0, "a bureau's own column words (importer/headers.txt)") \
    X("catalog load", "FILE.yaml", NULL, CF_OPT_REQ | CF_OPT_MANY, "a matter catalog")             \
    X("matter list", "--power-type", "TYPE", 0, "only matters of this power type")                 \
    X("matter show", "ID", NULL, CF_OPT_REQ, "the matter's id")                                    \
    X("evidence add", "CASE", NULL, CF_OPT_REQ, "the case number")                                 \
    X("evidence add", "--kind", "KIND", CF_OPT_REQ, "书证|物证|视听资料|电子数据|证人证言|...")    \
    X("evidence add", "--title", "TEXT", CF_OPT_REQ, "what it is (处方单据12份)")                  \
    X("evidence add", "--source", "TEXT", CF_OPT_REQ, "where or from whom it came")                \
    X("evidence add", "--method", "TEXT", CF_OPT_REQ, "how it was obtained (调取, 现场检查 ...)")  \
    X("evidence add", "--officer", "NAME[:CERTNO]", CF_OPT_REQ | CF_OPT_MANY,                      \
      "an officer who obtained it (two at least)")                                                 \
    X("evidence add", "--obtained-at", "TIME", 0, "when it was obtained (default: --at)")          \
    X("evidence add", "--file", "FILE", 0, "its file, stored with it (CASEFLOW_DOC_MAX)")          \
    X("evidence add", "--note", "TEXT", 0, "what it proves, remarks")                              \
    X("evidence add", "--role", "ROLE", 0, "the acting role (default handler)")                    \
    X("evidence add", "--actor", "NAME", 0,                                                        \
      "who enters it ($CASEFLOW_ACTOR, else $USER; none: refused)")                                \
    X("evidence add", "--at", "TIME", 0, "when it is recorded (not in the future; default now)")   \
    X("evidence list", "CASE", NULL, CF_OPT_REQ, "the case number")                                \
    X("record add", "CASE", NULL, CF_OPT_REQ, "the case number")                                   \
    X("record add", "--kind", "询问笔录|现场检查笔录", CF_OPT_REQ, "the kind of record")           \
    X("record add", "--officer", "NAME[:CERTNO]", CF_OPT_REQ | CF_OPT_MANY,                        \
      "an officer who made it (two at least)")                                                     \
    X("record add", "--started-at", "TIME", CF_OPT_REQ,                                            \
      "when the questioning or inspection began (not before the case was opened, nor after --at)") \
    X("record add", "--ended-at", "TIME", 0, "when it ended")                                      \
    X("record add", "--place", "TEXT", CF_OPT_REQ, "where it took place")                          \
    X("record add", "--person", "NAME", 0, "询问笔录: who was asked")                              \
    X("record add", "--person-role", "当事人|证人|有关人员", 0, "询问笔录: as whom")               \
    X("record add", "--person-id", "ID", 0, "询问笔录: their identity document number")            \
    X("record add", "--site", "TEXT", 0, "现场检查笔录: the place or things inspected")            \
    X("record add", "--present", "TEXT", 0, "现场检查笔录: who was present")                       \
    X("record add", "--summary", "TEXT", 0, "what it records, in short")                           \
    X("record add", "--file", "FILE", 0, "the signed record's scan, stored with it")               \
    X("record add", "--role", "ROLE", 0, "the acting role (default handler)")                      \
    X("record add", "--actor", "NAME", 0,                                                          \
      "who enters it ($CASEFLOW_ACTOR, else $USER; none: refused)")                                \
    X("record add", "--at", "TIME", 0, "when it is recorded (not in the future; default now)")     \
    X("record list", "CASE", NULL, CF_OPT_REQ, "the case number")                                  \
    X("alert list", "--state", "pending|fired|unacknowledged", 0, "only those (default: all)")     \
    X("alert list", "--handler", "NAME", 0, "only the alerts of the cases this person handles")    \
    X("alert list", "--agency", "NAME", 0, "whose (default: the database's, init --agency)")       \
    X("alert list", "--limit", "N", 0, "at most N alerts (1 to 1000; default 1000)")               \
    X("alert list", "--cursor", "ALERT_ID", 0, "the page after this alert (the last one shown)")   \
    X("alert ack", "ALERT_ID", NULL, CF_OPT_REQ, "the alert's id (case:clock:point:due)")          \
    X("alert ack", "--role", "ROLE", CF_OPT_REQ, "the acknowledging role (handler, head ...)")     \
    X("alert ack", "--actor", "NAME", 0,                                                           \
      "who acknowledges ($CASEFLOW_ACTOR, else $USER; none: refused)")                             \
    X("alert deliveries", "--state", "pending|given_up", 0, "only those (default: both)")          \
    X("alert deliveries", "--agency", "NAME", 0, "whose (default: the database's, init --agency)") \
    X("alert deliveries", "--limit", "N", 0, "at most N delivery ids (1 to 1000; default 1000)")   \
    X("alert deliveries", "--cursor", "ALERT_ID", 0,                                               \
      "the page after this delivery id (the last one shown)")                                      \
    X("alert retry", "ALERT_ID", NULL, CF_OPT_REQ,                                                 \
      "the delivery id (an alert's id, or ID:escalated)")                                          \
    X("alert retry", "--role", "ROLE", CF_OPT_REQ, "the asking role: only a head sends again")     \
    X("alert retry", "--actor", "NAME", 0, "who asks ($CASEFLOW_ACTOR, else $USER)")               \
    X("alert retry", "--url", "URL", 0, "only the delivery to this webhook (default: every one)")  \
    X("alert retry", "--agency", "NAME", 0, "whose (default: the database's, init --agency)")

/* The two tables as arrays (cli.c), for the parser and the writers below. */
typedef struct cf__cli_command_s {
    const char *name; /* one or two words */
    cf_cmd_fn fn;
    const char *summary;
} cf__cli_command_t;

typedef struct cf__cli_option_s {
    const char *command, *name, *value; /* value NULL: a flag or a positional argument */
    int flags;                          /* CF_OPT_REQ | CF_OPT_MANY */
    const char *help;
} cf__cli_option_t;

extern const cf__cli_command_t cf__cli_commands[];
extern const size_t cf__cli_commands_count;
extern const cf__cli_option_t cf__cli_options[];
extern const size_t cf__cli_options_count;

/* caseflow's version (CMake's project version), a static string. */
const char *cf__cli_version(void);

/* Checks argv (the words after the command's name, the global options taken
 * out) against cmd's lines of CF_OPTIONS. Returns 0 when the command may run.
 * Returns 1 when it must not, with *code the exit code: CF_EXIT_OK after
 * printing the command's help on cli->out (--help or -h among the words), or
 * CF_EXIT_USAGE after reporting the first problem with cf__cli_usage_error. */
int cf__cli_check_args(cf_cli_t *cli, const cf__cli_command_t *cmd, int argc, char **argv,
                       int *code);

/* A stream writing to `to` with each control character a stored text may hold shown
 * visibly: C0 (but tab and LF) and DEL as \x1b, C1 as \u0085; NULL when out of memory.
 * Closing it flushes `to` and leaves it open. What a database written before the rule,
 * or imported, holds cannot drive the operator's terminal (docs/security.md). */
FILE *cf__cli_visible(FILE *to);

/* Refuses a word of argv[0..argc) holding a control character (cf_text_control, the
 * HTTP API's rule): returns 1 with *code CF_EXIT_USAGE after a usage error naming the
 * option ("--party holds the control character U+001B, ..."), else 0. */
int cf__cli_check_text(cf_cli_t *cli, const char *cmd, int argc, char **argv, int *code);

/* Writes "caseflow CMD ARG... --required VALUE [--option VALUE]..." (no newline). */
void cf__cli_synopsis(FILE *f, const char *cmd);

/* Writes cmd's help: synopsis, summary, one line per option. */
void cf__cli_help(FILE *f, const cf__cli_command_t *cmd);

/* Writes the man page (roff, man(7) macros) for every command (cli-doc.c). */
void cf__cli_write_man(FILE *f);

/* Writes the completion script for shell ("bash", the only one). Returns 0, or
 * CF_EINVAL for another shell. */
int cf__cli_write_completion(FILE *f, const char *shell);

/* cmd-token.c: a token's expiry from `--expires TEXT`: a span "90d", "12h", "2w"
 * counted from now, or an ISO 8601 instant after now. OUT *out; 0 or CF_EINVAL. */
int cf__token_expiry(const char *text, cf_time_t now, cf_time_t *out);

#define CF_CMD_DECLARE(name, fn, summary) int cf__cmd_##fn(cf_cli_t *cli, int argc, char **argv);
CF_COMMANDS(CF_CMD_DECLARE)
#undef CF_CMD_DECLARE

#endif
