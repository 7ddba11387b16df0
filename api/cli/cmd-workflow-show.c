/*
 * cmd-workflow-show.c -- `workflow show` (the machine, for people or as JSON) and
 * `workflow dot` (Graphviz). Both read the stored definition, so what they print
 * is what cases run on.
 */
#include "ops.h"
#include "overlay.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>

/* Replaces *wf by the overlay at path laid over it, printing any problem. */
static int apply_overlay(cf_cli_t *cli, const char *path, cf_workflow_t **wf, cf_error_t *err)
{
    char *buf = NULL, *merged = NULL;
    size_t len, merged_len;
    cf_errlist_t problems = {0};
    cf_workflow_t *out = NULL;
    int rc = cf__read_file(path, &buf, &len, err);
    if (rc == 0)
        rc = cf_overlay_apply((*wf)->source, (*wf)->source_len, (*wf)->hash, buf, len, path,
                              &merged, &merged_len, &problems);
    if (rc == 0)
        rc = cf_workflow_parse(merged, merged_len, path, &out, &problems);
    for (size_t i = 0; i < problems.items_count; i++)
        fprintf(cli->err, "%s:%d:%d: %s\n", problems.items[i].source, problems.items[i].line,
                problems.items[i].column, problems.items[i].text);
    if (rc != 0 && problems.items_count)
        cf_error_set(err, rc, path, 0, 0, "the overlay does not apply (%zu problem(s))",
                     problems.items_count);
    if (rc == 0) {
        cf_workflow_free(*wf);
        *wf = out;
    }
    cf_errlist_free(&problems);
    free(buf);
    free(merged);
    return rc;
}

/* The stored definition ID (--version N), with --overlay FILE laid over it. */
static int load_stored(cf_cli_t *cli, int argc, char **argv, cf_workflow_t **wf, int *version,
                       const char *usage)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    const char *v = cf__opt_value(argc, argv, "--version");
    const char *overlay = cf__opt_value(argc, argv, "--overlay");
    if (!id)
        return -cf__cli_usage(cli, usage);
    cf__session_t s;
    cf_error_t err;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0)
        rc = cf_store_workflow_get(s.store, id, v ? atoi(v) : 0, wf, version, &err);
    cf__session_close(&s);
    if (rc == 0 && overlay && (rc = apply_overlay(cli, overlay, wf, &err)) != 0) {
        cf_workflow_free(*wf);
        *wf = NULL;
    }
    if (rc == 0 && overlay)
        *version = 0; /* not stored: the merged machine as it would be */
    return rc == 0 ? 0 : -cf__cli_fail(cli, rc, &err);
}

static void print_names(FILE *f, char *const *items, unsigned n, const char *sep)
{
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? sep : "", items[i]);
}

static void print_machine(FILE *f, const cf_workflow_t *wf, int version)
{
    const cf_wf_doc_t *d = wf->doc;
    fprintf(f, "%s version %d (file version %u, %.12s)\n%s — %s\ninitial: %s\n", d->id, version,
            d->version, wf->hash, d->title, d->power_type, d->initial);
    if (d->overlay_of)
        fprintf(f, "laid over: %s (%.12s)\n", d->overlay_of->id, d->overlay_of->hash);
    fprintf(f, "\nstates:\n");
    for (unsigned i = 0; i < d->states_count; i++)
        fprintf(f, "  %-20s %s%s\n", d->states[i].id, d->states[i].name,
                d->states[i].terminal ? "  (terminal)" : "");
    fprintf(f, "\ntransitions:\n");
    for (unsigned i = 0; i < d->transitions_count; i++) {
        const cf_wf_transition_t *t = &d->transitions[i];
        fprintf(f, "  %-20s %s: ", t->action, t->label);
        print_names(f, t->from, t->from_count, ",");
        fprintf(f, " -> %s  [", t->to);
        print_names(f, t->roles, t->roles_count, ",");
        fprintf(f, "]%s%s\n", t->guard ? " if " : "", t->guard ? t->guard : "");
    }
    fprintf(f, "\nclocks:\n");
    for (unsigned i = 0; i < d->clocks_count; i++) {
        const cf_wf_clock_t *k = &d->clocks[i];
        char p[64];
        cf_period_format(cf_wf_period(k->period), p, sizeof(p));
        fprintf(f, "  %-20s %s: %s from ", k->id, k->name, p);
        print_names(f, k->start, k->start_count, "/");
        fprintf(f, " until ");
        print_names(f, k->stop, k->stop_count, "/");
        fprintf(f, "  (%s)\n", k->basis);
    }
    fprintf(f, "\nrules:\n");
    for (unsigned i = 0; i < d->rules_count; i++)
        fprintf(f, "  %-20s on %s...: %s  (%s)\n", d->rules[i].id, d->rules[i].on[0],
                d->rules[i].check, d->rules[i].article);
}

/* Exported, documented in cli.h */
int cf__cmd_workflow_show(cf_cli_t *cli, int argc, char **argv)
{
    cf_workflow_t *wf = NULL;
    int version = 0;
    int rc = load_stored(cli, argc, argv, &wf, &version,
                         "workflow show ID [--version N] [--overlay FILE]");
    if (rc != 0)
        return -rc;
    if (cli->json) {
        json_t *m = cf_ops_workflow_form(wf, version);
        cf__print_json(cli, m);
        json_decref(m);
    } else {
        print_machine(cli->out, wf, version);
    }
    cf_workflow_free(wf);
    return CF_EXIT_OK;
}

/* DOT strings: quote and escape. */
static void dot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void dot_edge(FILE *f, const char *from, const cf_wf_transition_t *t)
{
    fprintf(f, "  ");
    dot_str(f, from);
    fprintf(f, " -> ");
    dot_str(f, strcmp(t->to, "@back") == 0 || strcmp(t->to, "@stay") == 0 ? from : t->to);
    fprintf(f, " [label=");
    char label[512];
    snprintf(label, sizeof(label), "%s%s", t->label,
             strcmp(t->to, "@back") == 0 ? " (返回原状态)" : "");
    dot_str(f, label);
    fprintf(f, "%s];\n", t->guard ? ", style=dashed" : "");
}

/* Exported, documented in cli.h */
int cf__cmd_workflow_dot(cf_cli_t *cli, int argc, char **argv)
{
    cf_workflow_t *wf = NULL;
    int version = 0;
    int rc = load_stored(cli, argc, argv, &wf, &version, "workflow dot ID [--version N]");
    if (rc != 0)
        return -rc;
    const cf_wf_doc_t *d = wf->doc;
    FILE *f = cli->out;
    fprintf(f, "digraph ");
    dot_str(f, d->id);
    fprintf(f, " {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    for (unsigned i = 0; i < d->states_count; i++) {
        fprintf(f, "  ");
        dot_str(f, d->states[i].id);
        fprintf(f, " [label=");
        dot_str(f, d->states[i].name);
        fprintf(f, "%s];\n",
                d->states[i].terminal                      ? ", peripheries=2"
                : strcmp(d->states[i].id, d->initial) == 0 ? ", style=bold"
                                                           : "");
    }
    for (unsigned i = 0; i < d->transitions_count; i++)
        for (unsigned s = 0; s < d->states_count; s++)
            if (cf_workflow_from_matches(wf, &d->transitions[i], d->states[s].id))
                dot_edge(f, d->states[s].id, &d->transitions[i]);
    fprintf(f, "}\n");
    cf_workflow_free(wf);
    return CF_EXIT_OK;
}
