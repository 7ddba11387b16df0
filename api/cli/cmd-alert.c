/*
 * cmd-alert.c -- `alert list`: an agency's alerts, the warning points and deadlines of
 * its cases' running clocks, pending or fired, with who acknowledged each fired one
 * (issue 17 item 3: what GET /v1/alerts answers, through the same code,
 * cf_ops_alert_page, paged alike: --limit and --cursor, docs/api.md "Paging"). It is
 * where the id that `alert ack` takes (cmd-case.c) is found.
 *
 * `alert deliveries` and `alert retry`: the webhook outbox, what GET
 * /v1/alerts/deliveries and POST /v1/alerts/{alert_id}/retry do, through the same code
 * (api/ops/ops-outbox.c), answering the same JSON under --json. A retry from here is
 * posted by a running daemon's next outbox claim (within 3 s), or by the next daemon to
 * start: ops-outbox.c says why.
 *
 * The two lists are read and printed by one path (show_page: a read-only session, the
 * page as JSON or a table, the next page's cursor on the errors) and take --limit alike
 * (limit_of); each brings its query, its checks and its row printer.
 */
#include "cli.h"
#include "ops.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --limit (1 to CF_STORE_PAGE_MAX; absent: the most) into OUT *n; CF_EINVAL. */
static int limit_of(const char *text, int *n)
{
    char *end = NULL;
    *n = CF_STORE_PAGE_MAX;
    if (text &&
        ((*n = (int)strtol(text, &end, 10)) < 1 || *n > CF_STORE_PAGE_MAX || *end || end == text))
        return CF_EINVAL;
    return 0;
}

/* Prints one row of a page for people; row NULL: the heading. */
typedef void (*row_fn)(cf_cli_t *cli, const json_t *row);
/* Reads one page of query q on s: OUT *rows (new), next (size bytes: the next cursor, or
 * ""); as cf_ops_alert_page and cf_ops_delivery_page. */
typedef int (*page_fn)(cf_store_t *s, const void *q, json_t **rows, char *next, size_t size,
                       cf_error_t *err);

/* Reads a page (page, q) on a read-only session and prints it: as JSON under --json, else
 * a heading and a row a line (print); then, when there is a next page, "N <noun> shown;
 * the next page: --cursor NEXT" on the errors, so that the output stays the page alone. */
static int show_page(cf_cli_t *cli, page_fn page, const void *q, const char *noun, row_fn print)
{
    cf__session_t s;
    cf_error_t err;
    json_t *list = NULL, *row;
    char next[200];
    size_t i;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0)
        rc = page(s.store, q, &list, next, sizeof(next), &err);
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json)
        cf__print_json(cli, list);
    else {
        print(cli, NULL);
        json_array_foreach(list, i, row)
            print(cli, row);
    }
    if (next[0])
        fprintf(cli->err, "caseflow: %zu %s shown; the next page: --cursor %s\n",
                json_array_size(list), noun, next);
    json_decref(list);
    return CF_EXIT_OK;
}

/* ---- alert list ----------------------------------------------------------------------------- */

/* One alert for people: due, case, alert id, state. */
static void print_alert(cf_cli_t *cli, const json_t *row)
{
    if (!row) {
        fprintf(cli->out, "%-25s %-6s %-46s %s\n", "due", "case", "alert", "state");
        return;
    }
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

static int alert_page(cf_store_t *s, const void *q, json_t **rows, char *next, size_t size,
                      cf_error_t *err)
{
    return cf_ops_alert_page(s, q, rows, next, size, err);
}

/* Exported, documented in cli.h */
int cf__cmd_alert_list(cf_cli_t *cli, int argc, char **argv)
{
    const char *cursor = cf__opt_value(argc, argv, "--cursor");
    char after[160];
    cf_ops_alerts_t q = {.agency = cf__opt_value(argc, argv, "--agency"),
                         .handler = cf__opt_value(argc, argv, "--handler")};
    if (cf_ops_alert_state(cf__opt_value(argc, argv, "--state"), &q.pending, &q.unacked) != 0)
        return cf__cli_usage_error(cli, "alert list",
                                   "--state is pending, fired or unacknowledged");
    if (limit_of(cf__opt_value(argc, argv, "--limit"), &q.limit) != 0)
        return cf__cli_usage_error(cli, "alert list", "--limit takes 1 to %d", CF_STORE_PAGE_MAX);
    if (cursor && cf_ops_alert_cursor(cursor, &q.after_due, after, sizeof(after)) != 0)
        return cf__cli_usage_error(cli, "alert list",
                                   "--cursor is an alert id (the last one shown)");
    q.after_id = cursor ? after : NULL;
    return show_page(cli, alert_page, &q, "alerts", print_alert);
}

/* ---- alert deliveries, alert retry ---------------------------------------------------------- */

/* One delivery for people: created, state, attempts, delivery id, webhook. */
static void print_delivery(cf_cli_t *cli, const json_t *row)
{
    if (!row)
        fprintf(cli->out, "%-25s %-8s %-8s %-46s %s\n", "created", "state", "attempts", "delivery",
                "webhook");
    else
        fprintf(cli->out, "%-25s %-8s %-8lld %-46s %s\n",
                json_string_value(json_object_get(row, "created_at")),
                json_string_value(json_object_get(row, "state")),
                (long long)json_integer_value(json_object_get(row, "attempts")),
                json_string_value(json_object_get(row, "alert_id")),
                json_string_value(json_object_get(row, "url")));
}

static int delivery_page(cf_store_t *s, const void *q, json_t **rows, char *next, size_t size,
                         cf_error_t *err)
{
    return cf_ops_delivery_page(s, q, rows, next, size, err);
}

/* Exported, documented in cli.h */
int cf__cmd_alert_deliveries(cf_cli_t *cli, int argc, char **argv)
{
    const char *cursor = cf__opt_value(argc, argv, "--cursor");
    cf_ops_deliveries_t q = {.agency = cf__opt_value(argc, argv, "--agency"),
                             .state = cf__opt_value(argc, argv, "--state"),
                             .after_id = cursor};
    if (cf_ops_delivery_state(q.state) != 0)
        return cf__cli_usage_error(cli, "alert deliveries",
                                   "--state is pending or given_up (a delivered row is gone)");
    if (limit_of(cf__opt_value(argc, argv, "--limit"), &q.limit) != 0)
        return cf__cli_usage_error(cli, "alert deliveries", "--limit takes 1 to %d",
                                   CF_STORE_PAGE_MAX);
    if (cursor && (!cursor[0] || strlen(cursor) >= 160))
        return cf__cli_usage_error(cli, "alert deliveries",
                                   "--cursor is a delivery id (the last one shown)");
    return show_page(cli, delivery_page, &q, "deliveries", print_delivery);
}

/* Exported, documented in cli.h */
int cf__cmd_alert_retry(cf_cli_t *cli, int argc, char **argv)
{
    cf_ops_retry_t in = {.by = {.actor = cf__actor_of(argc, argv),
                                .role = cf__opt_value(argc, argv, "--role"),
                                .agency = cf__opt_value(argc, argv, "--agency"),
                                .now = cli->now,
                                .if_match = -1},
                         .alert_id = cf__opt_positional(argc, argv, 0, NULL),
                         .url = cf__opt_value(argc, argv, "--url")};
    cf__session_t s;
    cf_error_t err;
    json_t *answer = NULL;
    int rc = cf_ops_delivery_retry_check(&in, &err); /* before the database is opened */
    if (rc == 0)
        rc = cf__session_open(cli, &s, 0, &err);
    if (rc == 0) {
        cf_ops_t ops = {.store = s.store};
        rc = cf_ops_delivery_retry(&ops, &in, &answer, &err);
        cf__session_close(&s);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    size_t i;
    json_t *row;
    if (cli->json)
        cf__print_json(cli, answer);
    else {
        fprintf(cli->out, "owed again: %s\n", in.alert_id);
        json_array_foreach(json_object_get(answer, "deliveries"), i, row)
            fprintf(cli->out, "  to %s\n", json_string_value(json_object_get(row, "url")));
        fprintf(cli->out, "a running daemon with webhooks posts it at its next outbox claim "
                          "(within 3 s); else the next daemon to start\n");
    }
    json_decref(answer);
    return CF_EXIT_OK;
}
