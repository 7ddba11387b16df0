/*
 * cmd-case.c -- `case open`, `case act`, `case extend`, `case exclude`: the
 * commands that change a case. Each follows the same three steps: read (case,
 * pinned workflow, calendar), decide (the pure engine returns events or a refusal), write (the
 * store appends the events in one transaction, failing with a conflict if the
 * case moved meanwhile). `case show` and `case list` are in cmd-case-show.c.
 */
#include "cmd-cause.h"
#include "session.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The acting person: --actor, else $CASEFLOW_ACTOR, else $USER. */
static const char *actor_of(int argc, char **argv)
{
    const char *a = cf__opt_value(argc, argv, "--actor");
    if (!a)
        a = getenv("CASEFLOW_ACTOR");
    if (!a)
        a = getenv("USER");
    return a ? a : "unknown";
}

/* --at TIME (the moment the act took place, not after now), else now. */
static int when_of(cf_cli_t *cli, int argc, char **argv, cf_time_t *at, cf_error_t *err)
{
    const char *text = cf__opt_value(argc, argv, "--at");
    *at = cli->now;
    if (!text)
        return 0;
    int rc = cf_time_parse(text, at, err);
    if (rc == 0 && *at > cli->now)
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--at %s is in the future", text);
    return rc;
}

/* Prints what the events did, one line each, for people. */
static void print_events(cf_cli_t *cli, const json_t *events)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
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
            fprintf(cli->out, "  #%lld %s %s%s%s%s%s\n", seq, type, clock,
                    json_object_get(ev, "outcome") ? " " : "",
                    json_object_get(ev, "outcome")
                        ? json_string_value(json_object_get(ev, "outcome"))
                        : "",
                    deadline ? ", deadline " : "", deadline ? deadline : "");
    }
}

/* Answers a successful change: the case summary (JSON) or the events (text). */
static int answer(cf_cli_t *cli, const cf_case_t *c, const json_t *events, const char *verb)
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
    return CF_EXIT_OK;
}

/* ---- case open ------------------------------------------------------------------ */

typedef struct open_args_s {
    const char *workflow;
    const char *matter_id;
    json_t *matter; /* owned */
    int64_t parent;
    cf_chain_algo_t algo;
} open_args_t;

/* Resolves --matter, --workflow and --parent against the store. */
static int resolve_open(cf__session_t *s, int argc, char **argv, open_args_t *a, cf_error_t *err)
{
    const char *parent = cf__opt_value(argc, argv, "--parent");
    const char *algo = cf__opt_value(argc, argv, "--hash");
    a->workflow = cf__opt_value(argc, argv, "--workflow");
    a->matter_id = cf__opt_value(argc, argv, "--matter");
    if (algo && cf_chain_algo_parse(algo, &a->algo) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--hash must be sha256 or sm3");
    if (a->matter_id) {
        int rc = cf_store_matter_get(s->store, a->matter_id, &a->matter, err);
        if (rc != 0)
            return rc;
        json_t *wfs = json_object_get(a->matter, "workflows");
        if (!a->workflow)
            a->workflow = json_string_value(json_array_get(wfs, 0));
        size_t i;
        json_t *w;
        int listed = 0;
        json_array_foreach(wfs, i, w) listed |=
            a->workflow && !strcmp(json_string_value(w), a->workflow);
        if (!listed)
            return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                                "matter '%s' is not handled by workflow '%s'", a->matter_id,
                                a->workflow ? a->workflow : "(none)");
    }
    if (!a->workflow)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "give --workflow ID or --matter ID");
    if (parent) {
        cf_case_t p;
        a->parent = strtoll(parent, NULL, 10);
        int rc = cf_store_case_get(s->store, a->parent, &p, err);
        if (rc != 0)
            return rc;
        cf_case_dispose(&p);
    }
    return 0;
}

static int open_case(cf_cli_t *cli, cf__session_t *s, int argc, char **argv, cf_error_t *err,
                     cf_refusal_t *why)
{
    open_args_t a = {0};
    cf_workflow_t *wf = NULL;
    json_t *facts = NULL, *events = NULL, *cause = NULL;
    const char *party = cf__opt_value(argc, argv, "--party");
    const char *ptype = cf__opt_value(argc, argv, "--party-type");
    cf_case_t c;
    int rc = cf_case_init(&c);
    if (rc == 0)
        rc = resolve_open(s, argc, argv, &a, err);
    if (rc == 0)
        rc = cf_store_workflow_get(s->store, a.workflow, 0, &wf, NULL, err);
    if (rc == 0)
        rc = cf__facts_from_args(wf, argc, argv, &facts, err);
    if (rc == 0 &&
        (rc = cf__open_options(s->store, wf, argc, argv, facts, &cause, why, err)) == CF_EREFUSED)
        rc = -rc; /* the party is not of the cause's subject type: reported from why */
    json_t *pj = json_pack("{s:s, s:s?}", "name", party, "type", ptype);
    cf_open_t req = {.actor = actor_of(argc, argv),
                     .role = cf__opt_value(argc, argv, "--role"),
                     .party = pj,
                     .matter_id = a.matter_id,
                     .matter = a.matter,
                     .parent = a.parent,
                     .facts = facts,
                     .algo = a.algo,
                     .cause = cause};
    if (!req.role)
        req.role = "handler";
    if (rc == 0)
        rc = when_of(cli, argc, argv, &req.at, err);
    if (rc == 0 && (rc = cf_engine_open(wf, s->cal, &req, &events, why)) != 0)
        rc = -rc; /* a refusal: reported from why */
    c.algo = a.algo;
    if (rc == 0)
        rc = cf_store_case_open(s->store, &c, events, err);
    if (rc == 0)
        answer(cli, &c, events, "opened");
    json_decref(pj);
    json_decref(facts);
    json_decref(cause);
    json_decref(events);
    json_decref(a.matter);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* ---- case act --------------------------------------------------------------------- */

/* Reads one --doc NAME=FILE, stores its content and adds {sha256, size, file}. */
static int attach_one(cf__session_t *s, const char *arg, json_t *docs, cf_error_t *err)
{
    char *name = NULL, *buf = NULL, hex[65];
    const char *path;
    size_t len = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (cf__split_kv(arg, &name, &path) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--doc '%s' is not NAME=FILE", arg);
    int rc = cf__read_file(path, &buf, &len, err);
    if (rc == 0 && !EVP_Digest(buf, len, md, &md_len, EVP_sha256(), NULL))
        rc = CF_ENOMEM;
    for (unsigned i = 0; rc == 0 && i < md_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (rc == 0)
        rc = cf_store_document_put(s->store, hex, buf, len, err);
    const char *base = strrchr(path, '/');
    if (rc == 0 && json_object_set_new(docs, name,
                                       json_pack("{s:s, s:I, s:s}", "sha256", hex, "size",
                                                 (json_int_t)len, "file", base ? base + 1 : path)))
        rc = CF_ENOMEM;
    free(name);
    free(buf);
    return rc;
}

static int attach_docs(cf__session_t *s, int argc, char **argv, json_t **docs, cf_error_t *err)
{
    const char *vals[64];
    int n = cf__opt_values(argc, argv, "--doc", vals, 64);
    json_t *out = json_object();
    int rc = out ? 0 : CF_ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = attach_one(s, vals[i], out, err);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *docs = out;
    return 0;
}

static int act_case(cf_cli_t *cli, cf__session_t *s, int argc, char **argv, cf_error_t *err,
                    cf_refusal_t *why)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *facts = NULL, *docs = NULL, *events = NULL, *matter = NULL;
    int rc = cf__session_case(s, cf__opt_positional(argc, argv, 0, NULL), &c, &wf, err);
    if (rc != 0)
        return rc;
    cf_act_t req = {.action = cf__opt_positional(argc, argv, 1, NULL),
                    .actor = actor_of(argc, argv),
                    .role = cf__opt_value(argc, argv, "--role")};
    rc = cf__facts_from_args(wf, argc, argv, &facts, err);
    if (rc == 0)
        rc = when_of(cli, argc, argv, &req.at, err);
    if (rc == 0 && c.matter_id)
        rc = cf_store_matter_get(s->store, c.matter_id, &matter, err);
    if (rc == 0)
        rc = attach_docs(s, argc, argv, &docs, err);
    const char *render[16]; /* --render NAME: a 文书 rendered from the case, attached */
    int renders = cf__opt_values(argc, argv, "--render", render, 16);
    for (int i = 0; rc == 0 && i < renders; i++)
        rc = cf__doc_attach_rendered(s, wf, &c, render[i], facts, req.at, docs, err);
    req.facts = facts;
    req.documents = docs;
    req.matter = matter;
    if (rc == 0 && (rc = cf_engine_act(wf, s->cal, &c, &req, &events, why)) != 0)
        rc = -rc;
    if (rc == 0)
        rc = cf_store_case_append(s->store, &c, events, err);
    if (rc == 0)
        answer(cli, &c, events, req.action);
    json_decref(facts);
    json_decref(docs);
    json_decref(events);
    json_decref(matter);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* Runs fn with an open session and reports its outcome. */
static int run_change(cf_cli_t *cli, int argc, char **argv,
                      int (*fn)(cf_cli_t *, cf__session_t *, int, char **, cf_error_t *,
                                cf_refusal_t *))
{
    cf__session_t s;
    cf_error_t err;
    cf_refusal_t why = {0};
    cf_error_clear(&err);
    int rc = cf__session_open(cli, &s, 1, &err);
    if (rc == 0)
        rc = fn(cli, &s, argc, argv, &err, &why);
    cf__session_close(&s);
    int exit = rc > 0   ? cf__print_refusal(cli, -rc, &why)
               : rc < 0 ? cf__cli_fail(cli, rc, &err)
                        : CF_EXIT_OK;
    cf_refusal_dispose(&why);
    return exit;
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

/* Exported, documented in cli.h */
int cf__cmd_case_open(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_value(argc, argv, "--party"))
        return cf__cli_usage(cli, "case open (--workflow ID | --matter ID) --party NAME "
                                  "[--party-type T] [--parent CASE] [--fact K=V]... [--actor A] "
                                  "[--role R] [--at TIME] [--hash sha256|sm3] [--cause ID] "
                                  "[--officer NAME:CERTNO]...");
    return run_change(cli, argc, argv, open_case);
}

/* ---- case extend ------------------------------------------------------------------ */

/* The engine's decision on a clock of case c, from the command's options. */
typedef int (*clock_decide_fn)(cf_cli_t *cli, const cf_workflow_t *wf, const cf_calendar_t *cal,
                               const cf_case_t *c, int argc, char **argv, json_t **events,
                               cf_refusal_t *why, cf_error_t *err);

/* Reads the case, lets decide make the clock's events, appends them. A refusal
 * comes back as a positive code (run_change prints it from why). */
static int change_clock(cf_cli_t *cli, cf__session_t *s, int argc, char **argv, cf_error_t *err,
                        cf_refusal_t *why, clock_decide_fn decide, const char *verb)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL;
    int rc = cf__session_case(s, cf__opt_positional(argc, argv, 0, NULL), &c, &wf, err);
    if (rc != 0)
        return rc;
    rc = decide(cli, wf, s->cal, &c, argc, argv, &events, why, err);
    if (rc == 0)
        rc = cf_store_case_append(s->store, &c, events, err);
    if (rc == 0)
        answer(cli, &c, events, verb);
    json_decref(events);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

static int decide_extend(cf_cli_t *cli, const cf_workflow_t *wf, const cf_calendar_t *cal,
                         const cf_case_t *c, int argc, char **argv, json_t **events,
                         cf_refusal_t *why, cf_error_t *err)
{
    cf_extend_t req = {.clock = cf__opt_value(argc, argv, "--clock"),
                       .actor = actor_of(argc, argv),
                       .role = cf__opt_value(argc, argv, "--role"),
                       .reason = cf__opt_value(argc, argv, "--reason")};
    int rc = cf_period_parse(cf__opt_value(argc, argv, "--by"), &req.by, err);
    if (rc == 0)
        rc = when_of(cli, argc, argv, &req.at, err);
    if (rc == 0 && (rc = cf_engine_extend(wf, cal, c, &req, events, why)) != 0)
        rc = -rc;
    return rc;
}

static int extend_case(cf_cli_t *cli, cf__session_t *s, int argc, char **argv, cf_error_t *err,
                       cf_refusal_t *why)
{
    return change_clock(cli, s, argc, argv, err, why, decide_extend, "extended");
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

static int decide_exclude(cf_cli_t *cli, const cf_workflow_t *wf, const cf_calendar_t *cal,
                          const cf_case_t *c, int argc, char **argv, json_t **events,
                          cf_refusal_t *why, cf_error_t *err)
{
    cf_exclude_t req = {.clock = cf__opt_value(argc, argv, "--clock"),
                        .actor = actor_of(argc, argv),
                        .role = cf__opt_value(argc, argv, "--role"),
                        .reason = cf__opt_value(argc, argv, "--reason")};
    int rc = cf_time_parse(cf__opt_value(argc, argv, "--from"), &req.from, err);
    if (rc == 0)
        rc = cf_time_parse(cf__opt_value(argc, argv, "--to"), &req.to, err);
    if (rc == 0)
        rc = when_of(cli, argc, argv, &req.at, err);
    if (rc == 0 && (rc = cf_engine_exclude(wf, cal, c, &req, events, why)) != 0)
        rc = -rc;
    return rc;
}

static int exclude_case(cf_cli_t *cli, cf__session_t *s, int argc, char **argv, cf_error_t *err,
                        cf_refusal_t *why)
{
    return change_clock(cli, s, argc, argv, err, why, decide_exclude, "excluded");
}

/* Exported, documented in cli.h */
int cf__cmd_case_exclude(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL) || !cf__opt_value(argc, argv, "--clock") ||
        !cf__opt_value(argc, argv, "--from") || !cf__opt_value(argc, argv, "--to") ||
        !cf__opt_value(argc, argv, "--reason") || !cf__opt_value(argc, argv, "--role"))
        return cf__cli_usage(cli, "case exclude CASE --clock ID --from TIME --to TIME --reason "
                                  "检测|检验|鉴定|听证|公告|专家评审 --role ROLE [--actor NAME] "
                                  "[--at TIME]");
    return run_change(cli, argc, argv, exclude_case);
}
