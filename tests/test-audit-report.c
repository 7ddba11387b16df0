/*
 * test-audit-report.c -- audit-4.x: the audit report, written case by case.
 *
 * audit-4.1: the summary's figures (deviations by kind, on-time rates, medians)
 *   from a tally, the same whether cases are added one by one or in batches
 *   merged in order, names in the order first met.
 * audit-4.2: the JSON report is exactly what jansson's indented dump of the
 *   whole report gives, with no cases and with several, rendered in batches;
 *   the text report lists the cases then the summary; the HTML report gives
 *   the summary first, then every case's row.
 * The command-line audits over a database (threads, failures) are audit-3.x in
 * test-audit-cli.c.
 */
#include <stdlib.h>
#include <string.h>

#include "audit-report.h"
#include "task.h"

/* Three results as cf__audit_case_json makes them: conformant; two
 * deviations, a clock breached; one deviation, two clocks met. */
static json_t *results(void)
{
    json_t *r = json_loads(
        "[{\"case\": 1, \"workflow\": {\"id\": \"w\", \"version\": 1, \"hash\": \"h\"},"
        "  \"matter\": null, \"conformant\": true, \"deviations\": [],"
        "  \"clocks\": [{\"clock\": \"decision\", \"outcome\": \"met\", \"seconds\": 100}],"
        "  \"steps\": [{\"state\": \"lead\", \"seconds\": 10},"
        "              {\"state\": \"investigating\", \"seconds\": 20}]},"
        " {\"case\": 2, \"workflow\": {\"id\": \"w\", \"version\": 1, \"hash\": \"h\"},"
        "  \"matter\": \"m-1\", \"conformant\": false,"
        "  \"deviations\": [{\"seq\": 3, \"kind\": \"order\", \"rule\": \"r\", \"text\": "
        "\"<跳过>\","
        "                    \"basis\": \"第五十七条\", \"accountability\": \"违反法定程序的\"},"
        "                   {\"seq\": 5, \"kind\": \"clock\", \"rule\": \"k\", \"text\": \"t\","
        "                    \"basis\": \"\", \"accountability\": \"\"}],"
        "  \"clocks\": [{\"clock\": \"decision\", \"outcome\": \"breached\", \"seconds\": 300}],"
        "  \"steps\": [{\"state\": \"lead\", \"seconds\": 30}]},"
        " {\"case\": 3, \"workflow\": {\"id\": \"w\", \"version\": 2, \"hash\": \"h2\"},"
        "  \"matter\": null, \"conformant\": false,"
        "  \"deviations\": [{\"seq\": 2, \"kind\": \"order\", \"rule\": \"r\", \"text\": \"t\","
        "                    \"basis\": \"\", \"accountability\": \"\"}],"
        "  \"clocks\": [{\"clock\": \"decision\", \"outcome\": \"met\", \"seconds\": 200},"
        "              {\"clock\": \"service\", \"outcome\": \"met\", \"seconds\": 50}],"
        "  \"steps\": [{\"state\": \"investigating\", \"seconds\": 40},"
        "              {\"state\": \"lead\", \"seconds\": 50}]}]",
        0, NULL);
    ASSERT(r != NULL);
    return r;
}

static json_int_t int_at(const json_t *o, const char *a, const char *b, const char *c)
{
    return json_integer_value(json_object_get(json_object_get(json_object_get(o, a), b), c));
}

/* audit-4.1 */
TEST_IMPL(audit_report_summary)
{
    json_t *all = results();
    cf__audit_tally_t one = {0}, first = {0}, rest = {0};
    for (size_t i = 0; i < 3; i++)
        cf__audit_tally_add(&one, json_array_get(all, i));
    cf__audit_tally_add(&first, json_array_get(all, 0));
    cf__audit_tally_add(&rest, json_array_get(all, 1));
    cf__audit_tally_add(&rest, json_array_get(all, 2));
    cf__audit_tally_merge(&first, &rest);
    json_t *sum = cf__audit_tally_summary(&one), *merged = cf__audit_tally_summary(&first);
    ASSERT(sum && merged);
    ASSERT(json_equal(sum, merged));
    ASSERT_EQ(json_integer_value(json_object_get(sum, "replayed")), 3);
    ASSERT_EQ(json_integer_value(json_object_get(sum, "conformant")), 1);
    ASSERT_EQ(json_integer_value(json_object_get(json_object_get(sum, "deviations"), "order")), 2);
    ASSERT_EQ(json_integer_value(json_object_get(json_object_get(sum, "deviations"), "clock")), 1);
    ASSERT_EQ(int_at(sum, "clocks", "decision", "stopped"), 3);
    ASSERT_EQ(int_at(sum, "clocks", "decision", "met"), 2);
    ASSERT_EQ(int_at(sum, "clocks", "decision", "median_seconds"), 200);
    double rate = json_real_value(json_object_get(
        json_object_get(json_object_get(sum, "clocks"), "decision"), "on_time_rate"));
    ASSERT(rate > 0.666 && rate < 0.667);
    ASSERT_EQ(int_at(sum, "clocks", "service", "median_seconds"), 50);
    ASSERT_EQ(int_at(sum, "steps", "lead", "count"), 3);
    ASSERT_EQ(int_at(sum, "steps", "lead", "median_seconds"), 30);
    /* an even count: the mean of the middle two */
    ASSERT_EQ(int_at(sum, "steps", "investigating", "median_seconds"), 30);
    /* names in the order first met, merged or not */
    char *text = json_dumps(merged, JSON_COMPACT);
    ASSERT(strstr(text, "\"order\"") < strstr(text, "\"clock\""));
    ASSERT(strstr(text, "\"lead\":{") < strstr(text, "\"investigating\":{"));
    free(text);
    json_decref(sum);
    json_decref(merged);
    cf__audit_tally_dispose(&one);
    cf__audit_tally_dispose(&first);
    cf__audit_tally_dispose(&rest);
    json_decref(all);
    return 0;
}

/* Writes a report of results[0 .. n) in format, the cases in two batches (the
 * first case alone, then the rest). Returns the text (free it). */
static char *report(const json_t *all, size_t n, const char *format)
{
    FILE *f = tmpfile();
    ASSERT(f != NULL);
    cf__audit_report_t r;
    ASSERT_EQ(cf__audit_report_begin(&r, f, format), 0);
    for (size_t from = 0; from < n; from = from ? n : 1) {
        cf__jsonw_t w = {0};
        cf__audit_tally_t t = {0};
        size_t to = from ? n : 1;
        for (size_t i = from; i < to; i++) {
            cf__audit_render(&w, json_array_get(all, i), format);
            cf__audit_tally_add(&t, json_array_get(all, i));
        }
        ASSERT_EQ(cf__audit_report_cases(&r, w.p, w.len, to - from, &t), 0);
        free(w.p);
        cf__audit_tally_dispose(&t);
    }
    int bad = -1;
    ASSERT_EQ(cf__audit_report_end(&r, &bad), 0);
    ASSERT_EQ(bad, n > 1);
    long size = ftell(f);
    char *out = malloc((size_t)size + 1);
    rewind(f);
    ASSERT_EQ(fread(out, 1, (size_t)size, f), (size_t)size);
    out[size] = '\0';
    fclose(f);
    return out;
}

/* The JSON report of results[0 .. n): jansson's own dump of it, byte for byte. */
static void check_json(const json_t *all, size_t n)
{
    char *out = report(all, n, "json");
    json_error_t jerr;
    json_t *parsed = json_loads(out, 0, &jerr);
    if (!parsed)
        CF__FAIL("the report is not JSON (line %d: %s):\n%s", jerr.line, jerr.text, out);
    char *again = json_dumps(parsed, JSON_INDENT(2));
    ASSERT(again != NULL);
    size_t len = strlen(again);
    if (strncmp(out, again, len) != 0 || strcmp(out + len, "\n") != 0)
        CF__FAIL("the report is not jansson's dump of itself:\n%s\n---\n%s", out, again);
    json_t *cases = json_object_get(parsed, "cases");
    ASSERT_EQ(json_array_size(cases), n);
    for (size_t i = 0; i < n; i++)
        ASSERT(json_equal(json_array_get(cases, i), json_array_get(all, i)));
    ASSERT_EQ(json_integer_value(json_object_get(json_object_get(parsed, "summary"), "replayed")),
              (json_int_t)n);
    json_decref(parsed);
    free(again);
    free(out);
}

/* audit-4.2 */
TEST_IMPL(audit_report_formats)
{
    json_t *all = results();
    check_json(all, 0);
    check_json(all, 1);
    check_json(all, 3);
    char *text = report(all, 3, "text");
    ASSERT_CONTAINS(text, "case 1 (w v1, h): conformant\ncase 2 (w v1, h): DEVIATIONS\n");
    ASSERT_CONTAINS(text, "      追责情形: 违反法定程序的\n  event 5  clock       t\ncase 3");
    ASSERT(strstr(text, "case 3") < strstr(text, "replayed 3, conformant 1"));
    free(text);
    char *html = report(all, 3, "html");
    ASSERT(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    ASSERT(strstr(html, "<p>回放 3 件，合规 1 件，有偏差 2 件。</p>") <
           strstr(html, "<td>&lt;跳过&gt;"));
    ASSERT_CONTAINS(html, "<tr class=\"ok\"><td rowspan=\"1\">1</td>");
    ASSERT_CONTAINS(html, "<tr class=\"bad\"><td rowspan=\"2\">2</td>");
    ASSERT_CONTAINS(html, "<td rowspan=\"1\">3</td>");
    ASSERT(strlen(html) > 16 && strcmp(html + strlen(html) - 15, "</body></html>\n") == 0);
    free(html);
    json_decref(all);
    return 0;
}
