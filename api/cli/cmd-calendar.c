/*
 * cmd-calendar.c -- `caseflow calendar load` and `caseflow calendar status`:
 * the calendar years the cases count on, while they run (issue 16, R11).
 *
 * Design: `calendar load` is a thin shell over cf_store_calendar_install (the one
 * operation a daemon could call too: validate, store, recount the provisional
 * clocks with a clock.recomputed event each, rewrite their alerts, bump the
 * calendar version -- one transaction); it prints what moved. `calendar status`
 * reads the stored years and says what is provisional and when next year is
 * due (cf_calendar_missing_year). Rejected: loading years through `init` only
 * (a running database could never take next year's notice).
 *
 * Output of `calendar status --json`: {loaded: [years], last, provisional:
 * [years], horizon ("YYYY-12-31"), provisional_clocks, missing (year or null),
 * warning (text or null)}. Of `calendar load --json`: {year, sha256, unchanged,
 * replaced, recomputed, changes: [{case, clock, was, deadline, provisional?}]}.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#define LOAD_USAGE "calendar load FILE [--replace] [--actor NAME]"

static void print_install(cf_cli_t *cli, const char *path, const cf_calendar_install_t *r)
{
    size_t i;
    json_t *v;
    if (r->unchanged) {
        fprintf(cli->out, "%s: calendar %d already loaded with the same content\n", path, r->year);
        return;
    }
    fprintf(cli->out, "%s: calendar %d %s (sha256 %.16s…); %zu deadline(s) recounted\n", path,
            r->year, r->replaced ? "replaced" : "stored", r->sha256, r->recomputed);
    json_array_foreach(r->changes, i, v)
        fprintf(cli->out, "  case %lld clock %s: %s -> %s%s\n",
                (long long)json_integer_value(json_object_get(v, "case")),
                json_string_value(json_object_get(v, "clock")),
                json_string_value(json_object_get(v, "was")),
                json_string_value(json_object_get(v, "deadline")),
                json_object_get(v, "provisional") ? " (still provisional)" : "");
}

/* Exported, documented in cli.h */
int cf__cmd_calendar_load(cf_cli_t *cli, int argc, char **argv)
{
    static const char *const flags[] = {"--replace", NULL};
    const char *path = cf__opt_positional(argc, argv, 0, flags);
    const char *actor = cf__actor_of(argc, argv);
    if (!path || cf__opt_positional(argc, argv, 1, flags))
        return cf__cli_usage(cli, LOAD_USAGE);
    cf_error_t err;
    cf_error_clear(&err);
    char *buf = NULL;
    size_t len = 0;
    cf__session_t s = {0};
    cf_calendar_install_t r = {0};
    /* A recounted deadline is a clock.recomputed event on the case's chain, and every
     * change the record holds names the person who made it (as case, evidence and alert
     * changes do: no placeholder such as "system"), whether or not a deadline moves. */
    int rc = actor ? 0
                   : cf_error_set(&err, CF_EINVAL, NULL, 0, 0,
                                  "who acts is not named: a deadline the calendar moves is "
                                  "recorded on its case with the person who loaded it (give "
                                  "--actor NAME, or set CASEFLOW_ACTOR)");
    if (rc == 0)
        rc = cf__read_file(path, &buf, &len, &err);
    if (rc == 0)
        rc = cf__session_open(cli, &s, 0, &err);
    if (rc == 0)
        rc = cf_store_calendar_install(s.store, buf, len, path,
                                       cf__opt_flag(argc, argv, "--replace"), cli->now, actor, &r,
                                       &err);
    if (s.store)
        cf__session_close(&s);
    free(buf);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json) {
        json_t *o =
            json_pack("{s:i, s:s, s:b, s:b, s:I, s:O}", "year", r.year, "sha256", r.sha256,
                      "unchanged", r.unchanged, "replaced", r.replaced, "recomputed",
                      (json_int_t)r.recomputed, "changes", r.changes ? r.changes : json_array());
        cf__print_json(cli, o);
        json_decref(o);
    } else {
        print_install(cli, path, &r);
    }
    json_decref(r.changes);
    return CF_EXIT_OK;
}

/* ---- calendar status ------------------------------------------------------------- */

static json_t *status_json(const cf_calendar_t *cal, int64_t clocks, cf_time_t now)
{
    int first, last, horizon;
    cf_calendar_span(cal, &first, &last);
    cf_calendar_horizon(cal, &last, &horizon);
    json_t *loaded = json_array(), *prov = json_array();
    for (int y = first; first && y <= last; y++)
        if (!cf_calendar_is_provisional(cal, y))
            json_array_append_new(loaded, json_integer(y));
    for (int y = last + 1; y <= horizon; y++)
        json_array_append_new(prov, json_integer(y));
    int missing = cf_calendar_missing_year(cal, now);
    char end[16], warning[160];
    snprintf(end, sizeof(end), "%04d-12-31", horizon);
    snprintf(warning, sizeof(warning),
             "calendar: %d not loaded (load the State Council's notice "
             "with `caseflow calendar load`)",
             missing);
    return json_pack("{s:o, s:i, s:o, s:s, s:I, s:o, s:o}", "loaded", loaded, "last", last,
                     "provisional", prov, "horizon", end, "provisional_clocks", (json_int_t)clocks,
                     "missing", missing ? json_integer(missing) : json_null(), "warning",
                     missing ? json_string(warning) : json_null());
}

/* Exported, documented in cli.h */
int cf__cmd_calendar_status(cf_cli_t *cli, int argc, char **argv)
{
    if (cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "calendar status");
    cf__session_t s;
    cf_error_t err;
    int64_t clocks = 0;
    int rc = cf__session_open(cli, &s, 1, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    rc = cf_store_clocks_provisional(s.store, &clocks, &err);
    json_t *o = rc == 0 ? status_json(s.cal, clocks, cli->now) : NULL;
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json) {
        cf__print_json(cli, o);
    } else {
        json_t *loaded = json_object_get(o, "loaded"), *prov = json_object_get(o, "provisional");
        size_t n = json_array_size(loaded), p = json_array_size(prov);
        if (n)
            fprintf(cli->out, "loaded:      %lld–%lld (%zu years)\n",
                    (long long)json_integer_value(json_array_get(loaded, 0)),
                    (long long)json_integer_value(json_array_get(loaded, n - 1)), n);
        else
            fprintf(cli->out, "loaded:      none\n");
        if (p)
            fprintf(cli->out,
                    "provisional: %lld–%lld (weekends and the 放假办法's holidays, no 调休; R11)\n",
                    (long long)json_integer_value(json_array_get(prov, 0)),
                    (long long)json_integer_value(json_array_get(prov, p - 1)));
        fprintf(cli->out, "horizon:     %s (a deadline past it is refused)\n",
                json_string_value(json_object_get(o, "horizon")));
        fprintf(cli->out, "provisional deadlines on running clocks: %lld\n", (long long)clocks);
        if (json_is_string(json_object_get(o, "warning")))
            fprintf(cli->out, "warning: %s\n", json_string_value(json_object_get(o, "warning")));
    }
    json_decref(o);
    return CF_EXIT_OK;
}
