/*
 * cmd-case-show.c -- `case show` and `case list`: reading cases. Nothing here
 * writes; clock statuses are computed against "now" ($CASEFLOW_NOW or the
 * system clock) at the moment of reading.
 */
#include "cmd-evidence.h"
#include "ops.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>

/* The case as the API shows it (cf_ops_case_view), with its events and its
 * children's rows. */
static json_t *case_json(cf__session_t *s, const cf_workflow_t *wf, const cf_case_t *c,
                         cf_time_t now, cf_error_t *err)
{
    json_t *events = NULL, *children = NULL;
    cf_case_filter_t f = {.parent = c->id};
    if (cf_store_case_events(s->store, c->id, &events, err) != 0 ||
        cf_store_case_list(s->store, &f, &children, err) != 0) {
        json_decref(events);
        return NULL;
    }
    json_t *o = cf_ops_case_view(s->store, wf, c, now);
    if (!o) {
        json_decref(events);
        json_decref(children);
        cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    json_object_set_new(o, "children", children);
    json_object_set_new(o, "events", events);
    return o;
}

/* The 案由 the case was opened under, if any, on one line:
 * "cause:  js-2024:14 违反医疗保障基金使用规定 (定点医药机构): 串换药品、…". */
static void print_cause(FILE *f, const json_t *cause)
{
    if (!cause)
        return;
    fprintf(f, "cause:  %s:%lld %s (%s): %s\n",
            json_string_value(json_object_get(cause, "dictionary")),
            (long long)json_integer_value(json_object_get(cause, "situation")),
            json_string_value(json_object_get(cause, "name")),
            json_string_value(json_object_get(json_object_get(cause, "subject"), "name")),
            json_string_value(json_object_get(cause, "text")));
}

/* The case file (issue 20): name, 决定书文号, 档案号, handlers and head, each line
 * only when the case has it. */
static void print_file(FILE *f, const json_t *o)
{
    static const char *const lines[][2] = {{"name", "name:  "},
                                           {"decision_number", "decision number: "},
                                           {"archive_number", "archive number: "},
                                           {"responsible", "responsible: "}};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *v = json_string_value(json_object_get(o, lines[i][0]));
        if (v)
            fprintf(f, "%s%s\n", lines[i][1], v);
    }
    size_t i;
    json_t *h, *handlers = json_object_get(o, "handlers");
    if (json_array_size(handlers) == 0)
        return;
    fprintf(f, "handlers:");
    json_array_foreach(handlers, i, h)
        fprintf(f, "%s%s", i ? "、" : " ", json_string_value(h));
    fprintf(f, "\n");
}

static void print_header(FILE *f, const json_t *o, const cf_workflow_t *wf, const cf_case_t *c)
{
    char opened[CF_TIME_BUFSZ];
    cf_time_format(c->opened_at, opened);
    fprintf(f, "case %lld — %s (%s v%u, %.12s)\n", (long long)c->id, wf->doc->title, c->workflow_id,
            c->workflow_version, c->workflow_hash);
    const char *number = json_string_value(json_object_get(o, "number"));
    const char *agency = json_string_value(json_object_get(o, "agency"));
    fprintf(f, "number: %s\nagency: %s\n", number ? number : "-", agency ? agency : "-");
    print_file(f, o);
    fprintf(f, "party:  %s", json_string_value(json_object_get(c->party, "name")));
    const char *party_type = json_string_value(json_object_get(c->party, "type"));
    if (party_type) /* null or absent: no type was given */
        fprintf(f, " (%s)", party_type);
    fprintf(f, "\nmatter: %s\nparent: ", c->matter_id ? c->matter_id : "-");
    c->parent_id ? fprintf(f, "case %lld", (long long)c->parent_id) : fprintf(f, "-");
    fprintf(f, "\nchildren:");
    size_t i;
    json_t *ch;
    json_array_foreach(json_object_get(o, "children"), i, ch)
        fprintf(f, " case %lld (%s)", (long long)json_integer_value(json_object_get(ch, "id")),
                json_string_value(json_object_get(ch, "workflow")));
    fprintf(f, "%s\nstate:  %s (%s)%s, version %lld, opened %s\nhead:   %s\n",
            json_array_size(json_object_get(o, "children")) ? "" : " -", c->state,
            json_string_value(json_object_get(o, "state_name")), c->closed_at ? ", closed" : "",
            (long long)c->version, opened, c->head);
    print_cause(f, c->cause);
}

/* The case's facts and documents. */
static void print_facts(FILE *f, const cf_case_t *c)
{
    const char *key;
    json_t *v;
    fprintf(f, "\nfacts:\n");
    json_object_foreach(c->facts, key, v) {
        char *text = json_dumps(v, JSON_ENCODE_ANY);
        fprintf(f, "  %s = %s\n", key, text);
        free(text);
    }
    fprintf(f, "\ndocuments:\n");
    json_object_foreach(c->documents, key, v)
        fprintf(f, "  %s  %s  sha256 %.16s…  %lld bytes\n", key,
                json_string_value(json_object_get(v, "file")),
                json_string_value(json_object_get(v, "sha256")),
                (long long)json_integer_value(json_object_get(v, "size")));
}

/* The clocks of case view o, and a note when deadlines were counted on the provisional
 * calendar. */
static void print_clocks(FILE *f, const json_t *o)
{
    size_t i;
    json_t *v;
    int provisional = 0;
    fprintf(f, "\nclocks:\n");
    json_array_foreach(json_object_get(o, "clocks"), i, v) {
        const json_t *prov = json_object_get(v, "provisional");
        provisional += prov != NULL;
        fprintf(f, "  %-16s %-10s deadline %s  %s  %s%s\n",
                json_string_value(json_object_get(v, "id")),
                json_string_value(json_object_get(v, "status")),
                json_string_value(json_object_get(v, "deadline")),
                json_object_get(v, "left") ? json_string_value(json_object_get(v, "left")) : "",
                json_string_value(json_object_get(v, "name")), prov ? "  (provisional)" : "");
    }
    if (provisional)
        fprintf(f,
                "  provisional: %d deadline(s) counted on the provisional calendar (weekends and "
                "the 放假办法's holidays, no 调休) for a year not loaded yet; recounted when "
                "`caseflow calendar load` stores that year (R11)\n",
                provisional);
}

/* The deadlines a calendar's adjusted working days moved earlier (clock.recomputed events
 * of case view o). */
static void print_moved_earlier(FILE *f, const json_t *o)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "events"), i, v) {
        const char *was = json_string_value(json_object_get(v, "was"));
        const char *now = json_string_value(json_object_get(v, "deadline"));
        if (strcmp(json_string_value(json_object_get(v, "type")), "clock.recomputed") != 0 ||
            !was || !now || strcmp(now, was) >= 0)
            continue; /* same zone (+08:00) and format: text order is time order */
        fprintf(
            f,
            "  %s: calendar %lld moved its deadline earlier, from %s to %s (an adjusted "
            "working day); a warning whose point has passed fires at once\n",
            json_string_value(json_object_get(v, "clock")),
            (long long)json_integer_value(json_object_get(json_object_get(v, "calendar"), "year")),
            was, now);
    }
}

/* The case's events, one a line. */
static void print_timeline(FILE *f, const json_t *o)
{
    size_t i;
    json_t *v;
    fprintf(f, "\ntimeline:\n");
    json_array_foreach(json_object_get(o, "events"), i, v) {
        const char *label = json_string_value(json_object_get(v, "label"));
        const char *clock = json_string_value(json_object_get(v, "clock"));
        fprintf(f, "  #%-3lld %s  %-14s %s%s%s by %s (%s)\n",
                (long long)json_integer_value(json_object_get(v, "seq")),
                json_string_value(json_object_get(v, "at")),
                json_string_value(json_object_get(v, "type")),
                label   ? label
                : clock ? clock
                        : "",
                json_object_get(v, "to") ? " -> " : "",
                json_object_get(v, "to") ? json_string_value(json_object_get(v, "to")) : "",
                json_string_value(json_object_get(v, "actor")),
                json_string_value(json_object_get(v, "role")));
    }
}

static void print_body(FILE *f, const json_t *o, const cf_case_t *c)
{
    print_facts(f, c);
    cf__print_register(f, c);
    print_clocks(f, o);
    print_moved_earlier(f, o);
    print_timeline(f, o);
    fprintf(f, "\nallowed actions:\n");
    cf__print_allowed(f, json_object_get(o, "allowed"));
}

/* " from INSTANT" of a clock counted from elsewhere, and the date fact that gave it
 * (an approved plan's end, 行政处罚法 第七十二条第二款). */
static void print_from(FILE *f, const json_t *ev)
{
    const json_t *by = json_object_get(ev, "from_fact");
    fprintf(f, " from %s", json_string_value(json_object_get(ev, "from")));
    if (by)
        fprintf(f, " (end of %s %s)", json_string_value(json_object_get(by, "fact")),
                json_string_value(json_object_get(by, "date")));
}

/* --explain: for each clock, the events that set and moved its deadline. */
static void print_explain(FILE *f, const json_t *o)
{
    size_t i, j;
    json_t *k, *ev;
    fprintf(f, "\nhow each deadline was reached:\n");
    json_array_foreach(json_object_get(o, "clocks"), i, k) {
        const char *id = json_string_value(json_object_get(k, "id"));
        fprintf(f, "  %s (%s):\n", id, json_string_value(json_object_get(k, "name")));
        json_array_foreach(json_object_get(o, "events"), j, ev) {
            const char *clock = json_string_value(json_object_get(ev, "clock"));
            if (!clock || strcmp(clock, id) != 0)
                continue;
            const char *type = json_string_value(json_object_get(ev, "type")) + 6;
            const char *what = json_string_value(json_object_get(ev, "period"));
            if (!what)
                what = json_string_value(json_object_get(ev, "by"));
            if (!what)
                what = json_string_value(json_object_get(ev, "excluded"));
            if (!what)
                what = json_string_value(json_object_get(ev, "paused_for"));
            if (!what)
                what = json_string_value(json_object_get(ev, "outcome"));
            fprintf(f, "    #%-3lld %s  %-8s %-14s",
                    (long long)json_integer_value(json_object_get(ev, "seq")),
                    json_string_value(json_object_get(ev, "at")), type, what ? what : "");
            if (json_object_get(ev, "reason") && *json_string_value(json_object_get(ev, "reason")))
                fprintf(f, " %s", json_string_value(json_object_get(ev, "reason")));
            if (json_object_get(ev, "from") && json_object_get(ev, "to"))
                fprintf(f, " %s..%s", json_string_value(json_object_get(ev, "from")),
                        json_string_value(json_object_get(ev, "to")));
            else if (json_object_get(ev, "from"))
                print_from(f, ev);
            if (json_object_get(ev, "was"))
                fprintf(f, " was %s", json_string_value(json_object_get(ev, "was")));
            if (json_object_get(ev, "deadline"))
                fprintf(f, " -> %s", json_string_value(json_object_get(ev, "deadline")));
            if (json_object_get(ev, "provisional"))
                fprintf(f, " [provisional]");
            fprintf(f, " (%s, %s)\n", json_string_value(json_object_get(ev, "actor")),
                    json_string_value(json_object_get(ev, "role")));
        }
    }
}

/* --explain, then: each running clock's deadline counted from scratch as the
 * engine counts it now (R8, R11), and whether the recorded one differs: the lines
 * of cf_ops_clock_explain, the same the API gives as clocks[].explain. */
static void print_counts(FILE *f, const cf_workflow_t *wf, const cf_calendar_t *cal,
                         const cf_case_t *c)
{
    for (unsigned i = 0; i < c->clocks_count; i++) {
        json_t *lines = cf_ops_clock_explain(wf, cal, c, &c->clocks[i]), *line;
        size_t j;
        if (!lines)
            continue;
        fprintf(f, "  %s counted once from its start (R8):\n", c->clocks[i].id);
        json_array_foreach(lines, j, line)
            fprintf(f, "      %s\n", json_string_value(line));
        json_decref(lines);
    }
}

/* Exported, documented in cli.h */
int cf__cmd_case_show(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {"--explain", NULL};
    const char *id = cf__opt_positional(argc, argv, 0, flags);
    if (!id)
        return cf__cli_usage(cli, "case show CASE [--explain]");
    cf__session_t s;
    cf_error_t err;
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    int explain = cf__opt_flag(argc, argv, "--explain");
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY | explain, &err);
    if (rc == 0 && (rc = cf__session_case(&s, id, &c, &wf, &err)) != 0)
        cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    json_t *o = case_json(&s, wf, &c, cli->now, &err);
    if (o && explain) /* issue 22: clocks[].explain, as GET /v1/cases/{id} */
        cf_ops_view_explain(o, wf, s.cal, &c);
    if (!o)
        rc = cf__cli_fail(cli, CF_ESTORE, &err);
    else if (cli->json)
        cf__print_json(cli, o);
    else {
        print_header(cli->out, o, wf, &c);
        print_body(cli->out, o, &c);
        if (explain) {
            print_explain(cli->out, o);
            print_counts(cli->out, wf, s.cal, &c);
        }
    }
    json_decref(o);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    cf__session_close(&s);
    return rc;
}

/* "3d", "12h", "90m", or plain seconds. Returns seconds, or -1. */
static int64_t parse_span(const char *text)
{
    char *end;
    long long n = strtoll(text, &end, 10);
    if (end == text || n < 0)
        return -1;
    if (*end == '\0')
        return n;
    if (end[1] != '\0')
        return -1;
    switch (*end) {
    case 'd':
        return n * 86400;
    case 'h':
        return n * 3600;
    case 'm':
        return n * 60;
    }
    return -1;
}

static void print_row(cf_cli_t *cli, const json_t *row)
{
    const char *deadline = json_string_value(json_object_get(row, "next_deadline"));
    const char *number = json_string_value(json_object_get(row, "number"));
    const char *name = json_string_value(json_object_get(row, "name"));
    fprintf(cli->out, "%-6lld %-18s %-22s %-25s %s%s%s%s%s%s\n",
            (long long)json_integer_value(json_object_get(row, "id")),
            json_string_value(json_object_get(row, "workflow")),
            json_string_value(json_object_get(row, "state")), deadline ? deadline : "-",
            json_string_value(json_object_get(json_object_get(row, "party"), "name")),
            number ? "  " : "", number ? number : "", name ? "  " : "", name ? name : "",
            json_object_get(row, "provisional") ? "  (provisional deadline)" : "");
}

/* --limit N (1 to CF_STORE_PAGE_MAX) and --cursor ID (the last id of the page before)
 * into f. Returns 0, or -1 when one is not such a number. */
static int page_of(int argc, char **argv, cf_case_filter_t *f)
{
    const char *limit = cf__opt_value(argc, argv, "--limit");
    const char *cursor = cf__opt_value(argc, argv, "--cursor");
    char *end;
    if (limit) {
        f->limit = strtoll(limit, &end, 10);
        if (*end || end == limit || f->limit < 1 || f->limit > CF_STORE_PAGE_MAX)
            return -1;
    }
    if (cursor) {
        f->after = strtoll(cursor, &end, 10);
        if (*end || end == cursor || f->after < 1)
            return -1;
    }
    return 0;
}

/* Exported, documented in cli.h */
int cf__cmd_case_list(cf_cli_t *cli, int argc, char **argv)
{
    const char *due = cf__opt_value(argc, argv, "--due-within");
    const char *parent = cf__opt_value(argc, argv, "--parent");
    cf_case_filter_t f = {.state = cf__opt_value(argc, argv, "--state"),
                          .workflow = cf__opt_value(argc, argv, "--workflow"),
                          .matter = cf__opt_value(argc, argv, "--matter"),
                          .number = cf__opt_value(argc, argv, "--number"),
                          .handler = cf__opt_value(argc, argv, "--handler"),
                          .parent = parent ? strtoll(parent, NULL, 10) : 0,
                          .open_only = cf__opt_flag(argc, argv, "--open"),
                          .overdue = cf__opt_flag(argc, argv, "--overdue"),
                          .now = cli->now,
                          .due_within = due ? parse_span(due) : 0};
    if (f.due_within < 0)
        return cf__cli_usage_error(cli, "case list",
                                   "--due-within '%s' is not 3d, 12h, 90m or "
                                   "seconds",
                                   due);
    if (page_of(argc, argv, &f) != 0)
        return cf__cli_usage_error(cli, "case list", "--limit takes 1 to %d, --cursor a case id",
                                   CF_STORE_PAGE_MAX);
    cf__session_t s;
    cf_error_t err;
    json_t *list = NULL;
    int explain = cf__opt_flag(argc, argv, "--explain");
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY | (explain && !cli->json), &err);
    if (rc == 0)
        rc = cf_store_case_list(s.store, &f, &list, &err);
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    size_t i, n = json_array_size(list);
    json_t *row;
    if (cli->json)
        cf__print_json(cli, list);
    else {
        fprintf(cli->out, "%-6s %-18s %-22s %-25s %s\n", "case", "workflow", "state",
                "next deadline", "party");
        json_array_foreach(list, i, row)
            print_row(cli, row);
    }
    if (f.limit && n == (size_t)f.limit) /* a full page: there may be more */
        fprintf(cli->err, "caseflow: %zu cases shown; the next page: --cursor %lld\n", n,
                (long long)json_integer_value(json_object_get(json_array_get(list, n - 1), "id")));
    json_decref(list);
    return CF_EXIT_OK;
}
