/*
 * cmd-evidence.c -- the evidence register from the command line (issue 20 item
 * 2): `evidence add|list` (an item: 书证, 物证 ... with its source, how and when it
 * was obtained, by which officers, its file) and `record add|list` (a 询问笔录 or a
 * 现场检查笔录). Each `add` turns argv into the item's JSON -- the same object the
 * API takes as a request's body -- and runs the operation layer's cf_ops_evidence,
 * so both front ends make the same event. The lists read the case's fold; `case
 * show` prints the register too (cf__print_register).
 *
 * Design: two-word commands of their own (`caseflow evidence add 1 ...`) rather
 * than `case evidence add` (the command table takes names of one or two words; a
 * third word would have changed the parser, the man page and the completion for
 * two commands).
 */
#include "cmd-evidence.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>

/* ---- argv into the item ---------------------------------------------------------------- */

/* Every --officer NAME or NAME:CERTNO ('：' too) as [{name, cert?}]. OUT *out. */
static int officers_of(int argc, char **argv, json_t **out, cf_error_t *err)
{
    const char *vals[64];
    int n = cf__opt_values(argc, argv, "--officer", vals, 64);
    json_t *list = json_array();
    int rc = list ? 0 : CF_ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++) {
        const char *colon = strchr(vals[i], ':'), *wide = strstr(vals[i], "：");
        const char *sep = colon ? colon : wide;
        size_t skip = colon ? 1 : wide ? strlen("：") : 0;
        json_t *o = sep ? json_pack("{s:s%, s:s}", "name", vals[i], (size_t)(sep - vals[i]), "cert",
                                    sep + skip)
                        : json_pack("{s:s}", "name", vals[i]);
        if (!o || (sep && (sep == vals[i] || !sep[skip])))
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                              "--officer '%s' is not NAME or NAME:CERTNO (姓名:执法证号)", vals[i]);
        else if (json_array_append(list, o) != 0)
            rc = CF_ENOMEM;
        json_decref(o);
    }
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}

/* Sets key to --option's value when given. */
static int put_opt(json_t *o, const char *key, int argc, char **argv, const char *option)
{
    const char *v = cf__opt_value(argc, argv, option);
    return v && json_object_set_new(o, key, json_string(v)) != 0 ? CF_ENOMEM : 0;
}

/* The item's fields and the options that give them. */
static const char *const evidence_opts[][2] = {{"kind", "--kind"},
                                               {"title", "--title"},
                                               {"source", "--source"},
                                               {"method", "--method"},
                                               {"obtained_at", "--obtained-at"},
                                               {"note", "--note"}};
static const char *const record_opts[][2] = {
    {"kind", "--kind"},         {"started_at", "--started-at"},
    {"ended_at", "--ended-at"}, {"place", "--place"},
    {"site", "--site"},         {"present", "--present"},
    {"summary", "--summary"}};

/* The item from argv: an evidence item, or a record. OUT *item (new). */
static int item_of(int argc, char **argv, int record, json_t **item, cf_error_t *err)
{
    json_t *o = json_object(), *officers = NULL;
    int rc = o ? officers_of(argc, argv, &officers, err) : CF_ENOMEM;
    size_t n = record ? sizeof(record_opts) / sizeof(record_opts[0])
                      : sizeof(evidence_opts) / sizeof(evidence_opts[0]);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = record ? put_opt(o, record_opts[i][0], argc, argv, record_opts[i][1])
                    : put_opt(o, evidence_opts[i][0], argc, argv, evidence_opts[i][1]);
    if (rc == 0 && json_object_set_new(o, "officers", officers) != 0)
        rc = CF_ENOMEM;
    officers = NULL;
    const char *person = cf__opt_value(argc, argv, "--person");
    if (rc == 0 && record && person &&
        json_object_set_new(o, "person",
                            json_pack("{s:s, s:s?, s:s?}", "name", person, "role",
                                      cf__opt_value(argc, argv, "--person-role"), "id",
                                      cf__opt_value(argc, argv, "--person-id"))) != 0)
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--person is not UTF-8 text");
    if (rc == 0 && !json_is_string(json_object_get(o, "kind")))
        rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--kind is not UTF-8 text");
    json_decref(officers);
    if (rc != 0) {
        json_decref(o);
        return rc;
    }
    *item = o;
    return 0;
}

/* ---- add ---------------------------------------------------------------------------------- */

/* The engine's refusal names a field as the API takes it ('started_at'); on the command
 * line it names the option instead (--started-at). text is rewritten in place, cut to
 * size. */
static void name_options(char *text, size_t size, int record)
{
    size_t n = record ? sizeof(record_opts) / sizeof(record_opts[0])
                      : sizeof(evidence_opts) / sizeof(evidence_opts[0]);
    for (size_t i = 0; i < n; i++) {
        const char *key = record ? record_opts[i][0] : evidence_opts[i][0];
        const char *opt = record ? record_opts[i][1] : evidence_opts[i][1];
        char quoted[64], *at;
        snprintf(quoted, sizeof(quoted), "'%s'", key);
        while ((at = strstr(text, quoted)) != NULL) {
            char rest[CF_ERROR_TEXT_MAX];
            snprintf(rest, sizeof(rest), "%s", at + strlen(quoted));
            snprintf(at, size - (size_t)(at - text), "%s%s", opt, rest);
        }
    }
}

/* Answers a successful addition: the case's summary and the event (JSON), or one
 * line naming the item. */
static void answer(cf_cli_t *cli, const cf_case_t *c, const json_t *events)
{
    const json_t *ev = json_array_get(events, 0);
    if (cli->json) {
        json_t *o =
            json_pack("{s:I, s:s, s:I, s:s, s:O}", "id", (json_int_t)c->id, "state", c->state,
                      "version", (json_int_t)c->version, "head", c->head, "events", events);
        cf__print_json(cli, o);
        json_decref(o);
        return;
    }
    fprintf(cli->out, "case %lld: %s added, version %lld (#%lld %s)\n", (long long)c->id,
            json_string_value(json_object_get(ev, "label")), (long long)c->version,
            (long long)json_integer_value(json_object_get(ev, "seq")),
            json_string_value(json_object_get(ev, "type")));
}

static int run_add(cf_cli_t *cli, int argc, char **argv, int record)
{
    cf__session_t s;
    cf_wfcache_t wfs = {0};
    cf_ops_out_t out;
    json_t *item = NULL;
    const char *file = cf__opt_value(argc, argv, "--file");
    cf_ops_doc_t doc = {.path = file};
    cf_ops_evidence_t in = {.record = record, .doc = file ? &doc : NULL};
    cf_ops_out_init(&out);
    int rc = cf__session_open(cli, &s, 1, &out.err);
    cf_ops_t ops = {.store = s.store, .cal = s.cal, .wfs = &wfs};
    if (rc == 0)
        rc = cf__change_limits(&ops.limits, &out.err);
    if (rc == 0)
        rc = cf__change_case_id(cf__opt_positional(argc, argv, 0, NULL), &in.case_id, &out.err);
    if (rc == 0)
        rc = cf__change_by(cli, argc, argv, &in.by, &out.err);
    if (rc == 0 && !in.by.role)
        in.by.role = "handler";
    if (rc == 0)
        rc = item_of(argc, argv, record, &item, &out.err);
    in.item = item;
    if (rc == 0)
        rc = cf_ops_evidence(&ops, &in, &out);
    if (rc == 0)
        answer(cli, &out.c, out.events);
    if (out.refused)
        name_options(out.why.text, sizeof(out.why.text), record);
    json_decref(item);
    cf_wfcache_free(&wfs);
    cf__session_close(&s);
    int exit = rc == 0       ? CF_EXIT_OK
               : out.refused ? cf__print_refusal(cli, rc, &out.why)
                             : cf__cli_fail(cli, rc, &out.err);
    cf_ops_out_dispose(&out);
    return exit;
}

/* Exported, documented in cli.h */
int cf__cmd_evidence_add(cf_cli_t *cli, int argc, char **argv)
{
    return run_add(cli, argc, argv, 0);
}

/* Exported, documented in cli.h */
int cf__cmd_record_add(cf_cli_t *cli, int argc, char **argv)
{
    return run_add(cli, argc, argv, 1);
}

/* ---- list and show ------------------------------------------------------------------------ */

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "张三 (65010020001), 王五 (65010020002)" on f. */
static void print_officers(FILE *f, const json_t *officers)
{
    size_t i;
    json_t *k;
    json_array_foreach((json_t *)officers, i, k)
        fprintf(f, "%s%s (%s)", i ? ", " : "", str(k, "name"), str(k, "cert"));
}

static void print_file(FILE *f, const json_t *item)
{
    const json_t *file = json_object_get(item, "file");
    if (file)
        fprintf(f, "\n      file %s  sha256 %.16s…  %lld bytes", str(file, "file"),
                str(file, "sha256"), (long long)json_integer_value(json_object_get(file, "size")));
}

static void print_evidence(FILE *f, const json_t *items)
{
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)items, i, e) {
        fprintf(f, "  %lld. %s  %s\n      from %s, %s, %s, by ",
                (long long)json_integer_value(json_object_get(e, "no")), str(e, "kind"),
                str(e, "title"), str(e, "source"), str(e, "method"), str(e, "obtained_at"));
        print_officers(f, json_object_get(e, "officers"));
        if (json_object_get(e, "note"))
            fprintf(f, "\n      %s", str(e, "note"));
        print_file(f, e);
        fputc('\n', f);
    }
}

static void print_records(FILE *f, const json_t *records)
{
    size_t i;
    json_t *r;
    json_array_foreach((json_t *)records, i, r) {
        const json_t *p = json_object_get(r, "person");
        fprintf(f, "  %lld. %s  ", (long long)json_integer_value(json_object_get(r, "no")),
                str(r, "kind"));
        p ? fprintf(f, "%s（%s）", str(p, "name"), str(p, "role"))
          : fprintf(f, "%s", str(r, "site"));
        fprintf(f, "  counts as %s\n      %s%s%s at %s, by ", str(r, "evidence_kind"),
                str(r, "started_at"), json_object_get(r, "ended_at") ? " – " : "",
                str(r, "ended_at"), str(r, "place"));
        print_officers(f, json_object_get(r, "officers"));
        if (json_object_get(r, "summary"))
            fprintf(f, "\n      %s", str(r, "summary"));
        print_file(f, r);
        fputc('\n', f);
    }
}

/* Exported, documented in cmd-evidence.h */
void cf__print_register(FILE *f, const cf_case_t *c)
{
    if (json_array_size(c->evidence)) {
        fprintf(f, "\nevidence:\n");
        print_evidence(f, c->evidence);
    }
    if (json_array_size(c->records)) {
        fprintf(f, "\nrecords:\n");
        print_records(f, c->records);
    }
}

static int run_list(cf_cli_t *cli, int argc, char **argv, int record)
{
    cf__session_t s;
    cf_error_t err;
    cf_case_t c;
    int64_t id = 0;
    int rc = cf__change_case_id(cf__opt_positional(argc, argv, 0, NULL), &id, &err);
    if (rc == 0)
        rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    rc = cf_store_case_get(s.store, id, &c, &err);
    if (rc == 0) {
        const json_t *list = record ? c.records : c.evidence;
        json_t *empty = json_array();
        if (cli->json)
            cf__print_json(cli, list ? list : empty);
        else if (record)
            print_records(cli->out, list);
        else
            print_evidence(cli->out, list);
        json_decref(empty);
        cf_case_dispose(&c);
    }
    cf__session_close(&s);
    return rc == 0 ? CF_EXIT_OK : cf__cli_fail(cli, rc, &err);
}

/* Exported, documented in cli.h */
int cf__cmd_evidence_list(cf_cli_t *cli, int argc, char **argv)
{
    return run_list(cli, argc, argv, 0);
}

/* Exported, documented in cli.h */
int cf__cmd_record_list(cf_cli_t *cli, int argc, char **argv)
{
    return run_list(cli, argc, argv, 1);
}
