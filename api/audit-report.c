/*
 * audit-report.c -- the audit report: summary statistics and the three output
 * formats. The HTML report is one file with its styles inline and no scripts,
 * so it can be mailed, archived and opened offline by a person who reads it.
 */
#include "audit-report.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in audit-report.h */
json_t *cf__audit_case_json(const cf_audit_t *a, const char *workflow_id, unsigned version,
                            const char *hash, const char *matter_id)
{
    json_t *devs = json_array();
    for (size_t i = 0; devs && i < a->items_count; i++) {
        const cf_deviation_t *d = &a->items[i];
        json_array_append_new(devs,
                              json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)d->seq,
                                        "kind", d->kind, "rule", d->rule, "text", d->text, "basis",
                                        d->basis, "accountability", d->accountability));
    }
    return json_pack("{s:I, s:{s:s, s:i, s:s}, s:s?, s:b, s:o, s:O, s:O}", "case",
                     (json_int_t)a->case_id, "workflow", "id", workflow_id, "version", (int)version,
                     "hash", hash, "matter", matter_id, "conformant", a->items_count == 0,
                     "deviations", devs, "clocks", a->clocks, "steps", a->steps);
}

static int by_int(const void *x, const void *y)
{
    json_int_t a = *(const json_int_t *)x, b = *(const json_int_t *)y;
    return a < b ? -1 : a > b;
}

/* Median of the integer array values (sorted in place by a copy). */
static json_int_t median(const json_t *values)
{
    size_t n = json_array_size(values);
    if (!n)
        return 0;
    json_int_t *v = malloc(n * sizeof(*v));
    if (!v)
        return 0;
    for (size_t i = 0; i < n; i++)
        v[i] = json_integer_value(json_array_get(values, i));
    qsort(v, n, sizeof(*v), by_int);
    json_int_t m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

/* Adds value to the array at groups[name][key], creating both as needed. */
static void collect(json_t *groups, const char *name, const char *key, json_int_t value)
{
    json_t *g = json_object_get(groups, name);
    if (!g) {
        g = json_object();
        json_object_set_new(groups, name, g);
    }
    json_t *a = json_object_get(g, key);
    if (!a) {
        a = json_array();
        json_object_set_new(g, key, a);
    }
    json_array_append_new(a, json_integer(value));
}

static json_t *clock_summary(json_t *samples)
{
    json_t *out = json_object();
    const char *id;
    json_t *g;
    json_object_foreach(samples, id, g)
    {
        json_t *secs = json_object_get(g, "seconds"), *met = json_object_get(g, "met");
        size_t n = json_array_size(secs), ok = 0, i;
        json_t *v;
        json_array_foreach(met, i, v) ok += json_integer_value(v) != 0;
        json_object_set_new(out, id,
                            json_pack("{s:i, s:i, s:f, s:I}", "stopped", (int)n, "met", (int)ok,
                                      "on_time_rate", n ? (double)ok / (double)n : 1.0,
                                      "median_seconds", median(secs)));
    }
    return out;
}

/* Exported, documented in audit-report.h */
json_t *cf__audit_summary(const json_t *cases)
{
    json_t *kinds = json_object(), *clocks = json_object(), *steps = json_object();
    size_t i, j;
    json_t *c, *x;
    int conformant = 0;
    json_array_foreach((json_t *)cases, i, c)
    {
        conformant += json_is_true(json_object_get(c, "conformant"));
        json_array_foreach(json_object_get(c, "deviations"), j, x)
        {
            const char *k = json_string_value(json_object_get(x, "kind"));
            json_object_set_new(kinds, k,
                                json_integer(json_integer_value(json_object_get(kinds, k)) + 1));
        }
        json_array_foreach(json_object_get(c, "clocks"), j, x)
        {
            const char *id = json_string_value(json_object_get(x, "clock"));
            const char *outcome = json_string_value(json_object_get(x, "outcome"));
            collect(clocks, id, "seconds", json_integer_value(json_object_get(x, "seconds")));
            collect(clocks, id, "met", outcome && strcmp(outcome, "breached") != 0);
        }
        json_array_foreach(json_object_get(c, "steps"), j, x)
            collect(steps, json_string_value(json_object_get(x, "state")), "seconds",
                    json_integer_value(json_object_get(x, "seconds")));
    }
    json_t *step_out = json_object();
    const char *name;
    json_object_foreach(steps, name, x)
    {
        json_t *secs = json_object_get(x, "seconds");
        json_object_set_new(step_out, name,
                            json_pack("{s:i, s:I}", "count", (int)json_array_size(secs),
                                      "median_seconds", median(secs)));
    }
    json_t *out = json_pack("{s:i, s:i, s:o, s:o, s:o}", "replayed", (int)json_array_size(cases),
                            "conformant", conformant, "deviations", kinds, "clocks",
                            clock_summary(clocks), "steps", step_out);
    json_decref(clocks);
    json_decref(steps);
    return out;
}

/* ---- writers -------------------------------------------------------------------- */

static const char *s_of(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void write_text(FILE *f, const json_t *report)
{
    size_t i, j;
    json_t *c, *d;
    json_array_foreach(json_object_get(report, "cases"), i, c)
    {
        json_t *devs = json_object_get(c, "deviations");
        json_t *wf = json_object_get(c, "workflow"), *base = json_object_get(wf, "overlay_of");
        fprintf(f, "case %lld (%s v%lld, %.12s%s%s%s%.12s): %s\n",
                (long long)json_integer_value(json_object_get(c, "case")), s_of(wf, "id"),
                (long long)json_integer_value(json_object_get(wf, "version")), s_of(wf, "hash"),
                base ? ", laid over " : "", base ? s_of(base, "id") : "", base ? " " : "",
                base ? s_of(base, "hash") : "",
                json_array_size(devs) ? "DEVIATIONS" : "conformant");
        json_array_foreach(devs, j, d)
        {
            fprintf(f, "  event %lld  %-11s %s\n",
                    (long long)json_integer_value(json_object_get(d, "seq")), s_of(d, "kind"),
                    s_of(d, "text"));
            if (*s_of(d, "basis"))
                fprintf(f, "      basis: %s\n", s_of(d, "basis"));
            if (*s_of(d, "accountability"))
                fprintf(f, "      追责情形: %s\n", s_of(d, "accountability"));
        }
    }
    json_t *sum = json_object_get(report, "summary");
    fprintf(f, "\nreplayed %lld, conformant %lld\n",
            (long long)json_integer_value(json_object_get(sum, "replayed")),
            (long long)json_integer_value(json_object_get(sum, "conformant")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(sum, "deviations"), k, v)
        fprintf(f, "  %-12s %lld\n", k, (long long)json_integer_value(v));
    fprintf(f, "\n%-20s %8s %8s %10s %14s\n", "clock", "stopped", "met", "on time", "median");
    json_object_foreach(json_object_get(sum, "clocks"), k, v)
        fprintf(f, "%-20s %8lld %8lld %9.1f%% %12.1fd\n", k,
                (long long)json_integer_value(json_object_get(v, "stopped")),
                (long long)json_integer_value(json_object_get(v, "met")),
                100.0 * json_number_value(json_object_get(v, "on_time_rate")),
                (double)json_integer_value(json_object_get(v, "median_seconds")) / 86400.0);
    fprintf(f, "\n%-20s %8s %14s\n", "step (state)", "count", "median");
    json_object_foreach(json_object_get(sum, "steps"), k, v) fprintf(
        f, "%-20s %8lld %12.1fd\n", k, (long long)json_integer_value(json_object_get(v, "count")),
        (double)json_integer_value(json_object_get(v, "median_seconds")) / 86400.0);
}

/* HTML text with <, >, & and quotes escaped. */
static void html(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void write_html_cases(FILE *f, const json_t *cases)
{
    size_t i, j;
    json_t *c, *d;
    fputs("<h2>案件 Cases</h2>\n<table><tr><th>case</th><th>workflow</th><th>result</th>"
          "<th>event</th><th>kind</th><th>deviation</th><th>basis</th><th>追责情形</th></tr>\n",
          f);
    json_array_foreach((json_t *)cases, i, c)
    {
        json_t *devs = json_object_get(c, "deviations");
        size_t n = json_array_size(devs);
        fprintf(f, "<tr class=\"%s\"><td rowspan=\"%zu\">%lld</td><td rowspan=\"%zu\">",
                n ? "bad" : "ok", n ? n : 1,
                (long long)json_integer_value(json_object_get(c, "case")), n ? n : 1);
        html(f, s_of(json_object_get(c, "workflow"), "id"));
        fprintf(f, "</td><td rowspan=\"%zu\">%s</td>", n ? n : 1, n ? "deviations" : "conformant");
        if (!n)
            fputs("<td></td><td></td><td></td><td></td><td></td></tr>\n", f);
        json_array_foreach(devs, j, d)
        {
            fprintf(f, "%s<td>%lld</td><td>", j ? "<tr class=\"bad\">" : "",
                    (long long)json_integer_value(json_object_get(d, "seq")));
            html(f, s_of(d, "kind"));
            fputs("</td><td>", f);
            html(f, s_of(d, "text"));
            fputs("</td><td>", f);
            html(f, s_of(d, "basis"));
            fputs("</td><td>", f);
            html(f, s_of(d, "accountability"));
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n", f);
}

static void write_html(FILE *f, const json_t *report)
{
    json_t *sum = json_object_get(report, "summary");
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
          "<title>caseflow 审计回放报告</title>\n<style>body{font-family:sans-serif;margin:2em}"
          "table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #999;"
          "padding:4px 8px;text-align:left;vertical-align:top}tr.bad td{background:#fde8e8}"
          "tr.ok td{background:#eefbe9}</style></head><body>\n<h1>审计回放报告 Audit replay</h1>\n",
          f);
    fprintf(f, "<p>replayed %lld cases, %lld conformant.</p>\n",
            (long long)json_integer_value(json_object_get(sum, "replayed")),
            (long long)json_integer_value(json_object_get(sum, "conformant")));
    const char *k;
    json_t *v;
    fputs("<h2>偏差 Deviations by kind</h2>\n<table><tr><th>kind</th><th>count</th></tr>\n", f);
    json_object_foreach(json_object_get(sum, "deviations"), k, v)
        fprintf(f, "<tr><td>%s</td><td>%lld</td></tr>\n", k, (long long)json_integer_value(v));
    fputs("</table>\n<h2>期限 Clocks</h2>\n<table><tr><th>clock</th><th>stopped</th><th>met</th>"
          "<th>on time</th><th>median (days)</th></tr>\n",
          f);
    json_object_foreach(json_object_get(sum, "clocks"), k, v)
        fprintf(f, "<tr><td>%s</td><td>%lld</td><td>%lld</td><td>%.1f%%</td><td>%.1f</td></tr>\n",
                k, (long long)json_integer_value(json_object_get(v, "stopped")),
                (long long)json_integer_value(json_object_get(v, "met")),
                100.0 * json_number_value(json_object_get(v, "on_time_rate")),
                (double)json_integer_value(json_object_get(v, "median_seconds")) / 86400.0);
    fputs("</table>\n<h2>环节 Steps</h2>\n<table><tr><th>state</th><th>count</th>"
          "<th>median (days)</th></tr>\n",
          f);
    json_object_foreach(json_object_get(sum, "steps"), k, v)
        fprintf(f, "<tr><td>%s</td><td>%lld</td><td>%.1f</td></tr>\n", k,
                (long long)json_integer_value(json_object_get(v, "count")),
                (double)json_integer_value(json_object_get(v, "median_seconds")) / 86400.0);
    fputs("</table>\n", f);
    write_html_cases(f, json_object_get(report, "cases"));
    fputs("</body></html>\n", f);
}

/* Exported, documented in audit-report.h */
void cf__audit_write(FILE *f, const json_t *report, const char *format)
{
    if (strcmp(format, "json") == 0) {
        json_dumpf(report, f, JSON_INDENT(2));
        fputc('\n', f);
    } else if (strcmp(format, "html") == 0) {
        write_html(f, report);
    } else {
        write_text(f, report);
    }
}
