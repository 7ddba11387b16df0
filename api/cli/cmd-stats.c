/*
 * cmd-stats.c -- `caseflow stats`: what a bureau reports for an agency and a
 * period (issue 20 item 4), from cf_ops_stats (the same figures GET /v1/stats
 * answers). Three forms: text for a person, --json, --format csv for a
 * spreadsheet (the API's CSV, byte for byte).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ops.h"
#include "session.h"

/* "7d", "12h" or seconds; -1 when not such a span. */
static int64_t span_secs(const char *text)
{
    char *end;
    long long n = strtoll(text, &end, 10);
    if (end == text || n <= 0 || n > 36500LL * 86400)
        return -1;
    if (*end == '\0')
        return n;
    if (end[1] != '\0')
        return -1;
    return *end == 'd' ? n * 86400 : *end == 'h' ? n * 3600 : -1;
}

/* "key n, key n" of an object of counts, or "-" when empty. */
static void print_counts(FILE *f, const char *label, const json_t *o)
{
    const char *k;
    json_t *v;
    int first = 1;
    fprintf(f, "%-14s", label);
    json_object_foreach((json_t *)o, k, v) {
        fprintf(f, "%s%s %lld", first ? "" : ", ", k, (long long)json_integer_value(v));
        first = 0;
    }
    fprintf(f, "%s\n", first ? "-" : "");
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static void print_text(FILE *f, const json_t *o)
{
    const json_t *fines = json_object_get(o, "fines"), *funds = json_object_get(o, "funds");
    fprintf(f, "agency:       %s\nperiod:       %s to %s\n", str(o, "agency"), str(o, "from"),
            str(o, "to"));
    if (json_is_string(json_object_get(o, "handler")))
        fprintf(f, "handler:      %s\n", str(o, "handler"));
    fprintf(f, "cases:        opened %lld, filed %lld, decided %lld, closed %lld\n",
            num(o, "opened"), num(o, "filed"), num(o, "decided"), num(o, "closed"));
    print_counts(f, "power type:", json_object_get(o, "by_power_type"));
    print_counts(f, "state:", json_object_get(o, "by_state"));
    print_counts(f, "cause:", json_object_get(o, "by_cause"));
    print_counts(f, "handler:", json_object_get(o, "by_handler"));
    fprintf(f, "fines:        decided %s, paid %s, outstanding %s\n", str(fines, "decided"),
            str(fines, "paid"), str(fines, "outstanding"));
    fprintf(f, "funds:        ordered returned %s, recovered %s\n", str(funds, "ordered"),
            str(funds, "recovered"));
    const char *id;
    json_t *k;
    json_object_foreach(json_object_get(o, "clocks"), id, k) {
        json_t *rate = json_object_get(k, "on_time_rate");
        fprintf(f, "clock %-8s met %lld, late %lld", id, num(k, "met"), num(k, "late"));
        if (json_is_real(rate))
            fprintf(f, ", on time %.1f%%", 100.0 * json_real_value(rate));
        fprintf(f, "\n");
    }
    fprintf(f, "now:          overdue %lld, due within %lld days %lld\n", num(o, "overdue"),
            num(o, "due_within_days"), num(o, "due"));
}

/* Exported, documented in cli.h */
int cf__cmd_stats(cf_cli_t *cli, int argc, char **argv)
{
    const char *due = cf__opt_value(argc, argv, "--due-within");
    const char *format = cf__opt_value(argc, argv, "--format");
    cf_ops_stats_t in = {.agency = cf__opt_value(argc, argv, "--agency"),
                         .handler = cf__opt_value(argc, argv, "--handler"),
                         .from = cf__opt_value(argc, argv, "--from"),
                         .to = cf__opt_value(argc, argv, "--to"),
                         .now = cli->now,
                         .due_within = due ? span_secs(due) : 0};
    if (in.due_within < 0)
        return cf__cli_usage_error(cli, "stats", "--due-within '%s' is not 7d, 12h or seconds",
                                   due);
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "text") != 0)
        return cf__cli_usage_error(cli, "stats", "--format is text or csv, not '%s'", format);
    cf__session_t s;
    cf_error_t err;
    json_t *o = NULL;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0) {
        rc = cf_ops_stats(s.store, &in, &o, &err);
        cf__session_close(&s);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (format && strcmp(format, "csv") == 0) {
        char *csv = cf_ops_stats_csv(o);
        if (csv) /* CSV lines end in CR LF (RFC 4180): the bytes as they are */
            fflush(cli->out), fputs(csv, cli->raw);
        free(csv);
        json_decref(o);
        return csv ? 0 : cf__cli_fail(cli, CF_ENOMEM, NULL);
    }
    if (cli->json)
        cf__print_json(cli, o);
    else
        print_text(cli->out, o);
    json_decref(o);
    return 0;
}
