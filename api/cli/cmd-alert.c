/*
 * cmd-alert.c -- `alert list`: an agency's alerts, the warning points and deadlines of
 * its cases' running clocks, pending or fired, with who acknowledged each fired one
 * (issue 17 item 3: what GET /v1/alerts answers, through the same code,
 * cf_ops_alert_page, paged alike: --limit and --cursor, docs/api.md "Paging"). It is
 * where the id that `alert ack` takes (cmd-case.c) is found.
 */
#include "cli.h"
#include "ops.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>

/* One row for people: due, state, alert id, case. */
static void print_row(cf_cli_t *cli, const json_t *row)
{
    const char *fired = json_string_value(json_object_get(row, "fired_at"));
    const char *by = json_string_value(json_object_get(row, "acknowledged_by"));
    char state[160];
    if (!fired)
        snprintf(state, sizeof(state), "pending");
    else if (by)
        snprintf(state, sizeof(state), "acknowledged by %s", by);
    else
        snprintf(state, sizeof(state), "fired");
    fprintf(cli->out, "%-25s %-6lld %-46s %s\n", json_string_value(json_object_get(row, "due_at")),
            (long long)json_integer_value(json_object_get(row, "case")),
            json_string_value(json_object_get(row, "alert_id")), state);
}

/* Exported, documented in cli.h */
int cf__cmd_alert_list(cf_cli_t *cli, int argc, char **argv)
{
    const char *limit = cf__opt_value(argc, argv, "--limit");
    const char *cursor = cf__opt_value(argc, argv, "--cursor");
    char after[160], next[200];
    char *end = NULL;
    cf_ops_alerts_t q = {.agency = cf__opt_value(argc, argv, "--agency"),
                         .handler = cf__opt_value(argc, argv, "--handler"),
                         .limit = CF_STORE_PAGE_MAX};
    if (cf_ops_alert_state(cf__opt_value(argc, argv, "--state"), &q.pending, &q.unacked) != 0)
        return cf__cli_usage_error(cli, "alert list",
                                   "--state is pending, fired or unacknowledged");
    if (limit && ((q.limit = (int)strtol(limit, &end, 10)) < 1 || q.limit > CF_STORE_PAGE_MAX ||
                  *end || end == limit))
        return cf__cli_usage_error(cli, "alert list", "--limit takes 1 to %d", CF_STORE_PAGE_MAX);
    if (cursor && cf_ops_alert_cursor(cursor, &q.after_due, after, sizeof(after)) != 0)
        return cf__cli_usage_error(cli, "alert list",
                                   "--cursor is an alert id (the last one shown)");
    q.after_id = cursor ? after : NULL;
    cf__session_t s;
    cf_error_t err;
    json_t *list = NULL;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0)
        rc = cf_ops_alert_page(s.store, &q, &list, next, sizeof(next), &err);
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    size_t i;
    json_t *row;
    if (cli->json)
        cf__print_json(cli, list);
    else {
        fprintf(cli->out, "%-25s %-6s %-46s %s\n", "due", "case", "alert", "state");
        json_array_foreach(list, i, row)
            print_row(cli, row);
    }
    if (next[0])
        fprintf(cli->err, "caseflow: %zu alerts shown; the next page: --cursor %s\n",
                json_array_size(list), next);
    json_decref(list);
    return CF_EXIT_OK;
}
