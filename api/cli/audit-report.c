/*
 * audit-report.c -- the audit report: the tally behind its summary, each case
 * rendered in the three output formats, and the report written case by case
 * (see audit-report.h). The HTML report is one file with its styles inline and
 * no scripts, so it can be mailed, archived and opened offline by a person who
 * reads it.
 */
#include "audit-report.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in audit-report.h */
json_t *cf__audit_case_json(const cf_audit_t *a, const char *workflow_id, unsigned version,
                            const char *hash, const char *matter_id)
{
    /* A deviation that cannot be rendered fails the whole case (NULL): it is never
     * dropped, which would make a case with deviations look conformant. */
    json_t *devs = json_array();
    for (size_t i = 0; devs && i < a->items_count; i++) {
        const cf_deviation_t *d = &a->items[i];
        json_t *item = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)d->seq,
                                 "kind", d->kind, "rule", d->rule, "text", d->text, "basis",
                                 d->basis, "accountability", d->accountability);
        if (!item || json_array_append_new(devs, item) != 0) {
            json_decref(devs);
            return NULL;
        }
    }
    if (!devs)
        return NULL;
    json_t *o =
        json_pack("{s:I, s:{s:s, s:i, s:s}, s:s?, s:b, s:o, s:O, s:O}", "case",
                  (json_int_t)a->case_id, "workflow", "id", workflow_id, "version", (int)version,
                  "hash", hash, "matter", matter_id, "conformant", a->items_count == 0,
                  "deviations", devs, "clocks", a->clocks, "steps", a->steps);
    if (o && a->notes && json_array_size(a->notes)) /* R11/R12, counting versions: not deviations */
        json_object_set(o, "notes", a->notes);
    return o;
}

/* ---- the tally ------------------------------------------------------------------ */

/* The group named name in gs, added (empty) when not there yet; NULL on ENOMEM. */
static cf__audit_group_t *group(cf__audit_groups_t *gs, const char *name)
{
    for (size_t i = 0; i < gs->count; i++)
        if (strcmp(gs->items[i].name, name) == 0)
            return &gs->items[i];
    if (gs->count == gs->cap) {
        size_t cap = gs->cap ? 2 * gs->cap : 8;
        cf__audit_group_t *items = realloc(gs->items, cap * sizeof(*items));
        if (!items)
            return NULL;
        gs->items = items;
        gs->cap = cap;
    }
    cf__audit_group_t *g = &gs->items[gs->count];
    memset(g, 0, sizeof(*g));
    if (!(g->name = strdup(name)))
        return NULL;
    gs->count++;
    return g;
}

/* Adds n durations (and met of them met) to the group named name. */
static void add_to(cf__audit_tally_t *t, cf__audit_groups_t *gs, const char *name,
                   const int64_t *seconds, size_t n, size_t met)
{
    cf__audit_group_t *g = group(gs, name ? name : "");
    if (!g) {
        t->oom = 1;
        return;
    }
    if (seconds && g->count + n > g->cap) {
        size_t cap = g->cap ? g->cap : 16;
        while (cap < g->count + n)
            cap *= 2;
        int64_t *grown = realloc(g->seconds, cap * sizeof(*grown));
        if (!grown) {
            t->oom = 1;
            return;
        }
        g->seconds = grown;
        g->cap = cap;
    }
    if (seconds)
        memcpy(g->seconds + g->count, seconds, n * sizeof(*seconds));
    g->count += n;
    g->met += met;
}

static int64_t int_of(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *s_of(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Exported, documented in audit-report.h */
void cf__audit_tally_add(cf__audit_tally_t *t, const json_t *result)
{
    size_t i;
    json_t *x;
    t->cases++;
    t->conformant += json_is_true(json_object_get(result, "conformant"));
    json_array_foreach(json_object_get(result, "deviations"), i, x)
        add_to(t, &t->kinds, s_of(x, "kind"), NULL, 1, 0);
    json_array_foreach(json_object_get(result, "clocks"), i, x) {
        int64_t secs = int_of(x, "seconds");
        add_to(t, &t->clocks, s_of(x, "clock"), &secs, 1,
               strcmp(s_of(x, "outcome"), "breached") != 0);
    }
    json_array_foreach(json_object_get(result, "steps"), i, x) {
        int64_t secs = int_of(x, "seconds");
        add_to(t, &t->steps, s_of(x, "state"), &secs, 1, 0);
    }
}

static void merge_groups(cf__audit_tally_t *t, cf__audit_groups_t *dst,
                         const cf__audit_groups_t *src)
{
    for (size_t i = 0; i < src->count; i++) {
        const cf__audit_group_t *g = &src->items[i];
        add_to(t, dst, g->name, g->seconds, g->count, g->met);
    }
}

/* Exported, documented in audit-report.h */
void cf__audit_tally_merge(cf__audit_tally_t *dst, const cf__audit_tally_t *src)
{
    dst->cases += src->cases;
    dst->conformant += src->conformant;
    dst->oom |= src->oom;
    merge_groups(dst, &dst->kinds, &src->kinds);
    merge_groups(dst, &dst->clocks, &src->clocks);
    merge_groups(dst, &dst->steps, &src->steps);
}

static void dispose_groups(cf__audit_groups_t *gs)
{
    for (size_t i = 0; i < gs->count; i++) {
        free(gs->items[i].name);
        free(gs->items[i].seconds);
    }
    free(gs->items);
}

/* Exported, documented in audit-report.h */
void cf__audit_tally_dispose(cf__audit_tally_t *t)
{
    dispose_groups(&t->kinds);
    dispose_groups(&t->clocks);
    dispose_groups(&t->steps);
    memset(t, 0, sizeof(*t));
}

static int by_int(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* The median of a group's durations (sorting them in place); 0 for none. */
static int64_t median(const cf__audit_group_t *g)
{
    size_t n = g->count;
    if (!n || !g->seconds)
        return 0;
    qsort(g->seconds, n, sizeof(*g->seconds), by_int);
    return n % 2 ? g->seconds[n / 2] : (g->seconds[n / 2 - 1] + g->seconds[n / 2]) / 2;
}

/* Exported, documented in audit-report.h */
json_t *cf__audit_tally_summary(const cf__audit_tally_t *t)
{
    if (t->oom)
        return NULL;
    json_t *kinds = json_object(), *clocks = json_object(), *steps = json_object();
    int ok = kinds && clocks && steps;
    for (size_t i = 0; ok && i < t->kinds.count; i++)
        ok = json_object_set_new(kinds, t->kinds.items[i].name,
                                 json_integer((json_int_t)t->kinds.items[i].count)) == 0;
    for (size_t i = 0; ok && i < t->clocks.count; i++) {
        const cf__audit_group_t *g = &t->clocks.items[i];
        ok = json_object_set_new(clocks, g->name,
                                 json_pack("{s:I, s:I, s:f, s:I}", "stopped", (json_int_t)g->count,
                                           "met", (json_int_t)g->met, "on_time_rate",
                                           g->count ? (double)g->met / (double)g->count : 1.0,
                                           "median_seconds", (json_int_t)median(g))) == 0;
    }
    for (size_t i = 0; ok && i < t->steps.count; i++) {
        const cf__audit_group_t *g = &t->steps.items[i];
        ok = json_object_set_new(steps, g->name,
                                 json_pack("{s:I, s:I}", "count", (json_int_t)g->count,
                                           "median_seconds", (json_int_t)median(g))) == 0;
    }
    json_t *out = ok ? json_pack("{s:I, s:I, s:O, s:O, s:O}", "replayed", (json_int_t)t->cases,
                                 "conformant", (json_int_t)t->conformant, "deviations", kinds,
                                 "clocks", clocks, "steps", steps)
                     : NULL;
    json_decref(kinds);
    json_decref(clocks);
    json_decref(steps);
    return out;
}

/* ---- one case, rendered ----------------------------------------------------------- */

static void render_text(cf__jsonw_t *w, const json_t *c)
{
    size_t j;
    json_t *d;
    json_t *devs = json_object_get(c, "deviations");
    json_t *wf = json_object_get(c, "workflow"), *base = json_object_get(wf, "overlay_of");
    cf__jsonw_fmt(w, "case %lld (%s v%lld, %.12s%s%s%s%.12s): %s\n", (long long)int_of(c, "case"),
                  s_of(wf, "id"), (long long)int_of(wf, "version"), s_of(wf, "hash"),
                  base ? ", laid over " : "", base ? s_of(base, "id") : "", base ? " " : "",
                  base ? s_of(base, "hash") : "",
                  json_array_size(devs) ? "DEVIATIONS" : "conformant");
    json_array_foreach(json_object_get(c, "notes"), j, d)
        cf__jsonw_fmt(w, "  note (%s): %s\n", s_of(d, "kind"), s_of(d, "text"));
    json_array_foreach(devs, j, d) {
        cf__jsonw_fmt(w, "  event %lld  %-11s %s\n", (long long)int_of(d, "seq"), s_of(d, "kind"),
                      s_of(d, "text"));
        if (*s_of(d, "basis"))
            cf__jsonw_fmt(w, "      basis: %s\n", s_of(d, "basis"));
        if (*s_of(d, "accountability"))
            cf__jsonw_fmt(w, "      追责情形: %s\n", s_of(d, "accountability"));
    }
}

/* HTML text with <, >, & and quotes escaped. */
static void html(cf__jsonw_t *w, const char *s)
{
    const char *run = s;
    for (; s && *s; s++) {
        const char *esc = *s == '<'   ? "&lt;"
                          : *s == '>' ? "&gt;"
                          : *s == '&' ? "&amp;"
                          : *s == '"' ? "&quot;"
                                      : NULL;
        if (!esc)
            continue;
        cf__jsonw_raw(w, run, (size_t)(s - run));
        cf__jsonw_text(w, esc);
        run = s + 1;
    }
    if (run)
        cf__jsonw_raw(w, run, (size_t)(s - run));
}

static void render_html(cf__jsonw_t *w, const json_t *c)
{
    size_t j;
    json_t *d;
    json_t *devs = json_object_get(c, "deviations");
    size_t n = json_array_size(devs);
    cf__jsonw_fmt(w, "<tr class=\"%s\"><td rowspan=\"%zu\">%lld</td><td rowspan=\"%zu\">",
                  n ? "bad" : "ok", n ? n : 1, (long long)int_of(c, "case"), n ? n : 1);
    html(w, s_of(json_object_get(c, "workflow"), "id"));
    cf__jsonw_fmt(w, "</td><td rowspan=\"%zu\">%s</td>", n ? n : 1, n ? "有偏差" : "合规");
    if (!n)
        cf__jsonw_text(w, "<td></td><td></td><td></td><td></td><td></td></tr>\n");
    json_array_foreach(devs, j, d) {
        /* A deadline passed on a clock still running has no event of its own
         * (seq 0): it is shown as running, not as "event 0". */
        if (int_of(d, "seq") == 0 && strcmp(s_of(d, "kind"), "deadline") == 0)
            cf__jsonw_fmt(w, "%s<td>计时中 running</td><td data-kind=\"",
                          j ? "<tr class=\"bad\">" : "");
        else
            cf__jsonw_fmt(w, "%s<td>%lld</td><td data-kind=\"", j ? "<tr class=\"bad\">" : "",
                          (long long)int_of(d, "seq"));
        html(w, s_of(d, "kind"));
        cf__jsonw_text(w, "\">");
        html(w, cf__audit_kind_name(s_of(d, "kind")));
        cf__jsonw_text(w, "</td><td>");
        html(w, s_of(d, "text"));
        cf__jsonw_text(w, "</td><td>");
        char *basis = cf__audit_public_text(s_of(d, "basis")); /* no development notes */
        if (!basis)
            w->oom = 1;
        html(w, basis);
        free(basis);
        cf__jsonw_text(w, "</td><td>");
        html(w, s_of(d, "accountability"));
        cf__jsonw_text(w, "</td></tr>\n");
    }
}

/* Exported, documented in audit-report.h */
void cf__audit_render(cf__jsonw_t *w, const json_t *result, const char *format)
{
    if (strcmp(format, "json") == 0) {
        /* an element of "cases", two levels in */
        cf__jsonw_text(w, w->len ? ",\n    " : "\n    ");
        cf__jsonw_pretty(w, result, 2);
    } else if (strcmp(format, "html") == 0) {
        render_html(w, result);
    } else {
        render_text(w, result);
    }
}

/* ---- the report ------------------------------------------------------------------- */

/* Exported, documented in audit-report.h */
int cf__audit_report_begin(cf__audit_report_t *r, FILE *out, const char *format)
{
    memset(r, 0, sizeof(*r));
    r->out = out;
    r->format = format;
    r->body = strcmp(format, "html") == 0 ? tmpfile() : out;
    if (r->body && r->body != out && !(r->ok_body = tmpfile())) {
        fclose(r->body);
        r->body = NULL;
    }
    return r->body ? 0 : CF_EIO;
}

/* The JSON report's opening, before its first case or its end. */
static void start(cf__audit_report_t *r)
{
    if (!r->started && strcmp(r->format, "json") == 0)
        fputs("{\n  \"cases\": [", r->out);
    r->started = 1;
}

/* The end of the HTML rows of the case that starts at p (before end). */
static const char *case_end(const char *p, const char *end)
{
    static const char starts[][28] = {"<tr class=\"bad\"><td rowspan", "<tr class=\"ok\">"};
    for (const char *nl = memchr(p, '\n', (size_t)(end - p)); nl && nl + 1 < end;
         nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1))) {
        for (size_t i = 0; i < 2; i++)
            if ((size_t)(end - nl - 1) >= strlen(starts[i]) &&
                memcmp(nl + 1, starts[i], strlen(starts[i])) == 0)
                return nl + 1;
    }
    return end;
}

/* HTML: each case's rows go to body when it deviates (and has a deviation of
 * r->kind, when set), to ok_body when conformant (dropped when summary_only or a
 * kind is asked for), so that the cases that deviate come first. 0 or CF_EIO. */
static int route_html(cf__audit_report_t *r, const char *text, size_t len)
{
    const char *end = text + len;
    for (const char *p = text, *e; p < end; p = e) {
        e = case_end(p, end);
        size_t n = (size_t)(e - p);
        int ok = strncmp(p, "<tr class=\"ok\">", 15) == 0;
        FILE *to = ok ? (r->summary_only || r->kind ? NULL : r->ok_body) : r->body;
        if (!ok && r->kind) {
            char want[96];
            snprintf(want, sizeof(want), "data-kind=\"%s\"", r->kind);
            char *block = strndup(p, n);
            if (!block)
                return CF_EIO;
            if (!strstr(block, want))
                to = NULL;
            free(block);
        }
        if (to && fwrite(p, 1, n, to) != n)
            return CF_EIO;
        if (to)
            *(ok ? &r->ok_listed : &r->listed) += 1;
    }
    return 0;
}

/* Exported, documented in audit-report.h */
int cf__audit_report_cases(cf__audit_report_t *r, const char *text, size_t len, size_t n,
                           const cf__audit_tally_t *tally)
{
    if (!n)
        return 0;
    if (r->body == r->out)
        start(r);
    if (r->cases && strcmp(r->format, "json") == 0)
        fputc(',', r->body);
    if (r->ok_body) {
        if (route_html(r, text, len) != 0)
            return CF_EIO;
    } else if (len && fwrite(text, 1, len, r->body) != len) {
        return CF_EIO;
    }
    r->cases += n;
    cf__audit_tally_merge(&r->tally, tally);
    return 0;
}

static void write_text_summary(FILE *f, const json_t *sum)
{
    fprintf(f, "\nreplayed %lld, conformant %lld\n", (long long)int_of(sum, "replayed"),
            (long long)int_of(sum, "conformant"));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(sum, "deviations"), k, v)
        fprintf(f, "  %-12s %lld\n", k, (long long)json_integer_value(v));
    fprintf(f, "\n%-20s %8s %8s %10s %14s\n", "clock", "stopped", "met", "on time", "median");
    json_object_foreach(json_object_get(sum, "clocks"), k, v)
        fprintf(f, "%-20s %8lld %8lld %9.1f%% %12.1fd\n", k, (long long)int_of(v, "stopped"),
                (long long)int_of(v, "met"),
                100.0 * json_number_value(json_object_get(v, "on_time_rate")),
                (double)int_of(v, "median_seconds") / 86400.0);
    fprintf(f, "\n%-20s %8s %14s\n", "step (state)", "count", "median");
    json_object_foreach(json_object_get(sum, "steps"), k, v)
        fprintf(f, "%-20s %8lld %12.1fd\n", k, (long long)int_of(v, "count"),
                (double)int_of(v, "median_seconds") / 86400.0);
}

/* HTML-escaped s on f. */
static void html_out(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* The name people use for id (a state, clock or action), then the id, small. */
static void named(FILE *f, const cf__audit_report_t *r, const char *id)
{
    const char *name = json_string_value(json_object_get(r->names, id));
    html_out(f, name ? name : id);
    if (name) {
        fputs(" <small>", f);
        html_out(f, id);
        fputs("</small>", f);
    }
}

/* The context an auditor signs: one row per field of r->context, then the rules. */
static void write_html_context(FILE *f, const cf__audit_report_t *r)
{
    static const char *const fields[][2] = {
        {"agency", "机关 Agency"},
        {"case", "案件 Case"},
        {"case_number", "案号"},
        {"party", "当事人 Party"},
        {"handlers", "承办人 Handlers"},
        {"period", "期间 Period covered"},
        {"generated_at", "生成时间 Generated"},
        {"version", "工具版本 caseflow version"},
        {"database", "数据库 Database"},
        {"filter", "筛选 Filter"},
    };
    fputs("<h2>报告信息 Context</h2>\n<table>\n", f);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = json_string_value(json_object_get(r->context, fields[i][0]));
        if (!v)
            continue;
        fprintf(f, "<tr><th>%s</th><td>", fields[i][1]);
        html_out(f, v);
        fputs("</td></tr>\n", f);
    }
    size_t i;
    json_t *wf;
    json_array_foreach(r->workflows, i, wf) {
        fputs(i ? "<tr><th></th><td>" : "<tr><th>流程定义 Workflows (SHA-256)</th><td>", f);
        html_out(f, json_string_value(json_object_get(wf, "title")));
        fputs(" <small>", f);
        html_out(f, json_string_value(json_object_get(wf, "id")));
        fprintf(f, " v%lld ", (long long)json_integer_value(json_object_get(wf, "version")));
        html_out(f, json_string_value(json_object_get(wf, "hash")));
        fputs("</small></td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void write_html_summary(FILE *f, const json_t *sum, const cf__audit_report_t *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
          "<title>caseflow 审计回放报告</title>\n<style>body{font-family:sans-serif;margin:2em}"
          "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #999;"
          "padding:4px 8px;text-align:left;vertical-align:top}tr.bad td{background:#fde8e8}"
          "tr.ok td{background:#eefbe9}small{color:#666}</style></head><body>\n"
          "<h1>审计回放报告 Audit replay</h1>\n",
          f);
    write_html_context(f, r);
    long long replayed = int_of(sum, "replayed"), conformant = int_of(sum, "conformant");
    fprintf(f, "<p>回放 %lld 件，合规 %lld 件，有偏差 %lld 件。</p>\n", replayed, conformant,
            replayed - conformant);
    const char *k;
    json_t *v;
    fputs("<h2>偏差 Deviations by kind</h2>\n<table><tr><th>偏差类型</th><th>件数</th></tr>\n", f);
    json_object_foreach(json_object_get(sum, "deviations"), k, v) {
        fputs("<tr><td>", f);
        html_out(f, cf__audit_kind_name(k));
        fprintf(f, " <small>%s</small></td><td>%lld</td></tr>\n", k,
                (long long)json_integer_value(v));
    }
    fputs("</table>\n<h2>期限 Clocks</h2>\n<table><tr><th>期限</th><th>已停止</th><th>按期</th>"
          "<th>按期率</th><th>中位用时（天）</th></tr>\n",
          f);
    json_object_foreach(json_object_get(sum, "clocks"), k, v) {
        fputs("<tr><td>", f);
        named(f, r, k);
        fprintf(f, "</td><td>%lld</td><td>%lld</td><td>%.1f%%</td><td>%.1f</td></tr>\n",
                (long long)int_of(v, "stopped"), (long long)int_of(v, "met"),
                100.0 * json_number_value(json_object_get(v, "on_time_rate")),
                (double)int_of(v, "median_seconds") / 86400.0);
    }
    fputs("</table>\n<h2>环节 Steps</h2>\n<table><tr><th>环节</th><th>次数</th>"
          "<th>中位用时（天）</th></tr>\n",
          f);
    json_object_foreach(json_object_get(sum, "steps"), k, v) {
        fputs("<tr><td>", f);
        named(f, r, k);
        fprintf(f, "</td><td>%lld</td><td>%.1f</td></tr>\n", (long long)int_of(v, "count"),
                (double)int_of(v, "median_seconds") / 86400.0);
    }
    fputs("</table>\n<h2>案件 Cases</h2>\n", f);
    if (r->summary_only || r->kind)
        fprintf(f, "<p>列出有偏差的案件 %zu 件%s%s%s；合规案件未列出。</p>\n", r->listed,
                r->kind ? "（偏差类型：" : "", r->kind ? cf__audit_kind_name(r->kind) : "",
                r->kind ? "）" : "");
    else
        fputs("<p>有偏差的案件在前，合规案件在后。</p>\n", f);
    fputs("<table><tr><th>案件</th><th>流程</th><th>结果</th><th>事件</th><th>偏差类型</th>"
          "<th>偏差</th><th>依据</th><th>追责情形</th></tr>\n",
          f);
}

/* Copies the whole of from (read from its start) onto to. */
static int copy_file(FILE *from, FILE *to)
{
    char buf[1 << 16];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return CF_EIO;
    return ferror(from) ? CF_EIO : 0;
}

static int write_end(cf__audit_report_t *r, const json_t *sum)
{
    FILE *f = r->out;
    start(r);
    if (strcmp(r->format, "json") == 0) {
        cf__jsonw_t w = {0};
        cf__jsonw_pretty(&w, sum, 1);
        char *text = cf__jsonw_finish(&w);
        if (!text)
            return CF_ENOMEM;
        fprintf(f, "%s,\n  \"summary\": %s\n}\n", r->cases ? "\n  ]" : "]", text);
        free(text);
    } else if (strcmp(r->format, "html") == 0) {
        write_html_summary(f, sum, r);
        int rc = copy_file(r->body, f);
        if (rc == 0)
            rc = copy_file(r->ok_body, f);
        if (rc != 0)
            return rc;
        fputs("</table>\n</body></html>\n", f);
    } else {
        write_text_summary(f, sum);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : CF_EIO;
}

/* Exported, documented in audit-report.h */
int cf__audit_report_end(cf__audit_report_t *r, int *bad)
{
    json_t *sum = cf__audit_tally_summary(&r->tally);
    if (sum && r->checkpoint)
        json_object_set(sum, "checkpoint", (json_t *)r->checkpoint);
    int rc = sum ? write_end(r, sum) : CF_ENOMEM;
    *bad = r->tally.conformant != r->tally.cases;
    json_decref(sum);
    cf__audit_report_abandon(r);
    return rc;
}

/* Exported, documented in audit-report.h */
void cf__audit_report_abandon(cf__audit_report_t *r)
{
    if (r->body && r->body != r->out)
        fclose(r->body);
    if (r->ok_body)
        fclose(r->ok_body);
    cf__audit_tally_dispose(&r->tally);
    memset(r, 0, sizeof(*r));
}
