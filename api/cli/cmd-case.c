/*
 * cmd-case.c -- `case open`, `case act`, `case extend`, `case exclude` and
 * `alert ack` (a person acknowledges a fired alert): the commands that change a case. Each
 * translates its argv into the operation layer's input (api/ops/ops.h), which reads, decides and
 * writes (in a transaction of its own, the alerts index kept in step), and prints the answer: the
 * events, or the case's summary under --json. `case show` and `case list` are in cmd-case-show.c.
 *
 * Limits a bureau may set in the environment (README, "What a case handler does"):
 *   CASEFLOW_DOC_MAX        largest document --doc stores (bytes, or 64M, 1G)
 *   CASEFLOW_BACKDATE_DAYS  how far in the past --at may lie (days; 0: not at all)
 */
#include "cmd-cause.h"
#include "cmd-evidence.h"
#include "ops.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Who acts and when, from --actor, --role and --at. */
static int by_of(cf_cli_t *cli, int argc, char **argv, cf_ops_by_t *by, cf_error_t *err)
{
    const char *at = cf__opt_value(argc, argv, "--at");
    *by = (cf_ops_by_t){.actor = cf__actor_of(argc, argv),
                        .role = cf__opt_value(argc, argv, "--role"),
                        .now = cli->now,
                        .if_match = -1};
    return at ? cf_time_parse(at, &by->at, err) : 0;
}

/* The limits the environment sets (CASEFLOW_DOC_MAX, CASEFLOW_BACKDATE_DAYS). */
static int limits_of(cf_ops_limits_t *l, cf_error_t *err)
{
    const char *size = getenv("CASEFLOW_DOC_MAX"), *days = getenv("CASEFLOW_BACKDATE_DAYS");
    memset(l, 0, sizeof(*l));
    if (size && cf_ops_parse_size(size, &l->doc_max) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "CASEFLOW_DOC_MAX '%s' is not a size (bytes, or 64M, 1G)", size);
    if (days && cf_ops_parse_days(days, &l->backdate_secs) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "CASEFLOW_BACKDATE_DAYS '%s' is not a number of days", days);
    return 0;
}

/* A case number as typed. */
static int case_id_of(const char *text, int64_t *id, cf_error_t *err)
{
    char *end = NULL;
    long long n = text ? strtoll(text, &end, 10) : 0;
    if (!text || *end || n <= 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "'%s' is not a case number",
                            text ? text : "");
    *id = n;
    return 0;
}

/* Prints what the events did, one line each, for people. */
static void print_events(cf_cli_t *cli, const json_t *events)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        const char *clock = json_string_value(json_object_get(ev, "clock"));
        const char *deadline = json_string_value(json_object_get(ev, "deadline"));
        long long seq = (long long)json_integer_value(json_object_get(ev, "seq"));
        if (strcmp(type, "transition") == 0)
            fprintf(cli->out, "  #%lld %s: %s -> %s\n", seq,
                    json_string_value(json_object_get(ev, "label")),
                    json_string_value(json_object_get(ev, "from")),
                    json_string_value(json_object_get(ev, "to")));
        else if (clock)
            fprintf(cli->out, "  #%lld %s %s%s%s%s%s%s\n", seq, type, clock,
                    json_object_get(ev, "outcome") ? " " : "",
                    json_object_get(ev, "outcome")
                        ? json_string_value(json_object_get(ev, "outcome"))
                        : "",
                    deadline ? ", deadline " : "", deadline ? deadline : "",
                    json_object_get(ev, "provisional") ? " (provisional, R11)" : "");
    }
}

/* Answers a successful change: the case summary (JSON) or the events (text). */
static void answer(cf_cli_t *cli, const cf_case_t *c, const json_t *events, const char *verb)
{
    if (cli->json) {
        json_t *o =
            json_pack("{s:I, s:s, s:I, s:s, s:O}", "id", (json_int_t)c->id, "state", c->state,
                      "version", (json_int_t)c->version, "head", c->head, "events", events);
        cf__print_json(cli, o);
        json_decref(o);
    } else {
        fprintf(cli->out, "case %lld %s: state %s, version %lld\n", (long long)c->id, verb,
                c->state, (long long)c->version);
        print_events(cli, events);
    }
}

/* One change: fills its input from argv and runs its operation. Returns 0 or the
 * operation's code; verb is what the answer says was done. */
typedef int (*change_fn)(cf_cli_t *cli, cf_ops_t *ops, int argc, char **argv, cf_ops_out_t *out,
                         const char **verb);

/* Runs fn with the store, calendar and operation layer open, and reports. */
static int run_change(cf_cli_t *cli, int argc, char **argv, change_fn fn)
{
    cf__session_t s;
    cf_wfcache_t wfs = {0};
    cf_ops_out_t out;
    const char *verb = "changed";
    cf_ops_out_init(&out);
    int rc = cf__session_open(cli, &s, 1, &out.err);
    cf_ops_t ops = {.store = s.store, .cal = s.cal, .wfs = &wfs};
    if (rc == 0)
        rc = limits_of(&ops.limits, &out.err);
    if (rc == 0)
        rc = fn(cli, &ops, argc, argv, &out, &verb);
    if (rc == 0)
        answer(cli, &out.c, out.events, verb);
    cf_wfcache_free(&wfs);
    cf__session_close(&s);
    int exit = rc == 0       ? CF_EXIT_OK
               : out.refused ? cf__print_refusal(cli, rc, &out.why)
                             : cf__cli_fail(cli, rc, &out.err);
    cf_ops_out_dispose(&out);
    return exit;
}

/* ---- case open ------------------------------------------------------------------ */

static int open_case(cf_cli_t *cli, cf_ops_t *ops, int argc, char **argv, cf_ops_out_t *out,
                     const char **verb)
{
    const char *algo = cf__opt_value(argc, argv, "--hash");
    const char *parent = cf__opt_value(argc, argv, "--parent");
    json_t *facts = NULL, *officers = NULL;
    /* s*: a type or kind not given is left out, as the API leaves it out (not null) */
    json_t *party = json_pack("{s:s, s:s*, s:s*}", "name", cf__opt_value(argc, argv, "--party"),
                              "type", cf__opt_value(argc, argv, "--party-type"), "kind",
                              cf__opt_value(argc, argv, "--party-kind"));
    cf_ops_open_t in = {.workflow = cf__opt_value(argc, argv, "--workflow"),
                        .matter = cf__opt_value(argc, argv, "--matter"),
                        .party = party,
                        .cause = cf__opt_value(argc, argv, "--cause"),
                        .agency = cf__opt_value(argc, argv, "--agency")};
    int rc = party ? 0 : cf_error_set(&out->err, CF_EINVAL, NULL, 0, 0, "--party is not UTF-8");
    if (rc == 0 && algo && cf_chain_algo_parse(algo, &in.algo) != 0)
        rc = cf_error_set(&out->err, CF_EINVAL, NULL, 0, 0, "--hash must be sha256 or sm3");
    if (rc == 0 && parent)
        rc = case_id_of(parent, &in.parent, &out->err);
    if (rc == 0 && !in.workflow && !in.matter)
        rc = cf_error_set(&out->err, CF_EINVAL, NULL, 0, 0, "give --workflow ID or --matter ID");
    if (rc == 0)
        rc = by_of(cli, argc, argv, &in.by, &out->err);
    if (rc == 0)
        rc = cf__facts_of(argc, argv, &facts, &out->err);
    if (rc == 0)
        rc = cf__officers_of(argc, argv, &officers, &out->err);
    in.facts = facts;
    in.officers = officers;
    if (rc == 0)
        rc = cf_ops_open(ops, &in, out);
    *verb = "opened";
    json_decref(party);
    json_decref(facts);
    json_decref(officers);
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_case_open(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_value(argc, argv, "--party"))
        return cf__cli_usage(cli, "case open (--workflow ID | --matter ID) --party NAME "
                                  "[--party-type T] [--parent CASE] [--fact K=V]... [--actor A] "
                                  "[--role R] [--at TIME] [--hash sha256|sm3] [--cause ID] "
                                  "[--officer NAME:CERTNO]... [--party-kind K] [--agency NAME]");
    return run_change(cli, argc, argv, open_case);
}

/* ---- case act --------------------------------------------------------------------- */

/* Every --doc NAME=FILE as a document to read. OUT *docs (free()), *n. */
static int docs_of(int argc, char **argv, cf_ops_doc_t **docs, size_t *n, char ***names,
                   cf_error_t *err)
{
    const char *vals[64];
    int count = cf__opt_values(argc, argv, "--doc", vals, 64);
    cf_ops_doc_t *d = calloc(count ? (size_t)count : 1, sizeof(*d));
    char **keys = calloc(count ? (size_t)count : 1, sizeof(*keys));
    int rc = d && keys ? 0 : CF_ENOMEM;
    for (int i = 0; rc == 0 && i < count; i++)
        if (cf__split_kv(vals[i], &keys[i], &d[i].path) != 0)
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--doc '%s' is not NAME=FILE", vals[i]);
        else
            d[i].name = keys[i];
    *docs = d;
    *n = (size_t)count;
    *names = keys;
    return rc;
}

/* --render NAME...: each 文书 rendered from the case as read (cmd-doc.c), with
 * the action's facts over it and dated at its time, appended to *docs (grown)
 * as bytes to store, file "NAME.pdf"; in->by.if_match becomes the version read,
 * so a case changed since is a conflict rather than a stale document. OUT
 * *bufs: 32 pointers, the PDFs and file names the appended entries point into
 * (free each, then it). */
static int renders_of(cf_ops_t *ops, cf_ops_act_t *in, int argc, char **argv, const json_t *facts,
                      cf_ops_doc_t **docs, size_t *n, void ***bufs, cf_error_t *err)
{
    const char *names[16];
    int count = cf__opt_values(argc, argv, "--render", names, 16);
    if (count == 0)
        return 0;
    cf_case_t c;
    const cf_workflow_t *wf;
    cf_ops_doc_t *grown = realloc(*docs, (*n + (size_t)count) * sizeof(*grown));
    void **keep = calloc(2 * 16, sizeof(*keep)); /* act_case frees every entry */
    int rc = grown && keep ? 0 : CF_ENOMEM;
    if (grown)
        *docs = grown;
    *bufs = keep;
    if (rc == 0 && (rc = cf_ops_case(ops, &in->by, in->case_id, &c, &wf, err)) == 0) {
        in->by.if_match = c.version;
        for (int i = 0; rc == 0 && i < count; i++) {
            unsigned char *pdf = NULL;
            size_t len = 0;
            char *file = malloc(strlen(names[i]) + 5);
            rc = file ? cf__doc_render(ops->store, NULL, wf, &c, names[i], facts,
                                       in->by.at ? in->by.at : in->by.now, &pdf, &len, err)
                      : CF_ENOMEM;
            keep[2 * i] = pdf;
            keep[2 * i + 1] = file;
            if (rc == 0) {
                sprintf(file, "%s.pdf", names[i]);
                (*docs)[(*n)++] =
                    (cf_ops_doc_t){.name = names[i], .file = file, .data = pdf, .len = len};
            }
        }
        cf_case_dispose(&c);
    }
    return rc;
}

static int act_case(cf_cli_t *cli, cf_ops_t *ops, int argc, char **argv, cf_ops_out_t *out,
                    const char **verb)
{
    json_t *facts = NULL;
    cf_ops_doc_t *docs = NULL;
    char **names = NULL;
    void **bufs = NULL;
    size_t n = 0;
    cf_ops_act_t in = {.action = cf__opt_positional(argc, argv, 1, NULL)};
    int rc = case_id_of(cf__opt_positional(argc, argv, 0, NULL), &in.case_id, &out->err);
    if (rc == 0)
        rc = by_of(cli, argc, argv, &in.by, &out->err);
    if (rc == 0)
        rc = cf__facts_of(argc, argv, &facts, &out->err);
    size_t given = 0;
    if (rc == 0)
        rc = docs_of(argc, argv, &docs, &n, &names, &out->err);
    given = n;
    if (rc == 0)
        rc = renders_of(ops, &in, argc, argv, facts, &docs, &n, &bufs, &out->err);
    in.facts = facts;
    in.docs = docs;
    in.docs_count = n;
    if (rc == 0)
        rc = cf_ops_act(ops, &in, out);
    *verb = in.action;
    for (size_t i = 0; names && i < given; i++)
        free(names[i]);
    for (size_t i = 0; bufs && i < 2 * 16; i++)
        free(bufs[i]);
    free(bufs);
    free(names);
    free(docs);
    json_decref(facts);
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_case_act(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 1, NULL) || !cf__opt_value(argc, argv, "--role"))
        return cf__cli_usage(cli, "case act CASE ACTION --role ROLE [--actor NAME] "
                                  "[--fact K=V]... [--doc NAME=FILE]... [--render NAME]... "
                                  "[--at TIME]");
    return run_change(cli, argc, argv, act_case);
}

/* ---- case extend ------------------------------------------------------------------ */

static int extend_case(cf_cli_t *cli, cf_ops_t *ops, int argc, char **argv, cf_ops_out_t *out,
                       const char **verb)
{
    cf_ops_extend_t in = {.clock = cf__opt_value(argc, argv, "--clock"),
                          .period = cf__opt_value(argc, argv, "--by"),
                          .reason = cf__opt_value(argc, argv, "--reason")};
    int rc = case_id_of(cf__opt_positional(argc, argv, 0, NULL), &in.case_id, &out->err);
    if (rc == 0)
        rc = by_of(cli, argc, argv, &in.by, &out->err);
    if (rc == 0)
        rc = cf_ops_extend(ops, &in, out);
    *verb = "extended";
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_case_extend(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL) || !cf__opt_value(argc, argv, "--clock") ||
        !cf__opt_value(argc, argv, "--by") || !cf__opt_value(argc, argv, "--role"))
        return cf__cli_usage(cli, "case extend CASE --clock ID --by \"30 days\" --role ROLE "
                                  "[--actor NAME] [--reason TEXT] [--at TIME]");
    return run_change(cli, argc, argv, extend_case);
}

/* ---- case exclude ----------------------------------------------------------------- */

static int exclude_case(cf_cli_t *cli, cf_ops_t *ops, int argc, char **argv, cf_ops_out_t *out,
                        const char **verb)
{
    cf_ops_exclude_t in = {.clock = cf__opt_value(argc, argv, "--clock"),
                           .from = cf__opt_value(argc, argv, "--from"),
                           .to = cf__opt_value(argc, argv, "--to"),
                           .reason = cf__opt_value(argc, argv, "--reason")};
    int rc = case_id_of(cf__opt_positional(argc, argv, 0, NULL), &in.case_id, &out->err);
    if (rc == 0)
        rc = by_of(cli, argc, argv, &in.by, &out->err);
    if (rc == 0)
        rc = cf_ops_exclude(ops, &in, out);
    *verb = "excluded";
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_case_exclude(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL) || !cf__opt_value(argc, argv, "--clock") ||
        !cf__opt_value(argc, argv, "--from") || !cf__opt_value(argc, argv, "--to") ||
        !cf__opt_value(argc, argv, "--reason") || !cf__opt_value(argc, argv, "--role"))
        return cf__cli_usage(
            cli, "case exclude CASE --clock ID --from TIME --to TIME --reason "
                 "检测|检验|鉴定|听证|公告|专家评审|补充材料 --role ROLE [--actor NAME] "
                 "[--at TIME]");
    return run_change(cli, argc, argv, exclude_case);
}

/* ---- alert ack ------------------------------------------------------------------- */

static int ack_alert(cf_cli_t *cli, cf_ops_t *ops, int argc, char **argv, cf_ops_out_t *out,
                     const char **verb)
{
    cf_ops_ack_t in = {.alert_id = cf__opt_positional(argc, argv, 0, NULL)};
    cf_alert_t a;
    *verb = "alert acknowledged";
    int rc = by_of(cli, argc, argv, &in.by, &out->err);
    return rc == 0 ? cf_ops_alert_ack(ops, &in, &a, out) : rc;
}

/* Exported, documented in cli.h */
int cf__cmd_alert_ack(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL) || !cf__opt_value(argc, argv, "--role"))
        return cf__cli_usage(cli, "alert ack ALERT_ID --role ROLE [--actor NAME]");
    return run_change(cli, argc, argv, ack_alert);
}

/* ---- shared with the register's commands (cmd-evidence.c) ---------------------------- */

/* Exported, documented in cmd-evidence.h */
int cf__change_by(cf_cli_t *cli, int argc, char **argv, cf_ops_by_t *by, cf_error_t *err)
{
    return by_of(cli, argc, argv, by, err);
}

/* Exported, documented in cmd-evidence.h */
int cf__change_limits(cf_ops_limits_t *l, cf_error_t *err)
{
    return limits_of(l, err);
}

/* Exported, documented in cmd-evidence.h */
int cf__change_case_id(const char *text, int64_t *id, cf_error_t *err)
{
    return case_id_of(text, id, err);
}
