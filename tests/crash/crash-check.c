/*
 * crash-check.c -- `caseflow-crash check`: after the daemon was killed and
 * restarted, is the database what the clients were told?
 *
 *   caseflow-crash check --db FILE|URI --log FILE --port P|--ports P1,... --now ISO
 *                        [--settle S]
 *
 * First the restarted daemon's test clock is moved a minute past --now (the
 * instant it started at), which answers once every alert due by then has fired:
 * those that fell due while it was down, at its start. Several daemons on one
 * database (--ports): each one's clock is moved, and the check waits up to
 * --settle seconds until no alert due by then is pending (a daemon that was
 * killed holds its claims until their lease runs out; another fires them then). Then the database
 * is read through storage/store.h (read-only connection) and every case's events are split into
 * requests: a run led by case.opened, transition, clock.extended, clock.excluded, evidence.added or
 * alert, followed by the clock events it caused. Violations:
 *
 *   missing      an acknowledged request's events are not all there, or differ
 *                (seq, hash, type) from what the answer said
 *   unexplained  a request's events are there but it was answered 409 or
 *                refused, or no client sent it
 *   partial      a request that was in flight (lost) is there, but not as the
 *                same request acknowledged elsewhere looks (a half-written one)
 *   chain        the events' seqs are not 1..n, the case row's version or head
 *                is not the last event, or cf_audit_verify reports a break
 *   alert        a fired alert has no event or several; an alert event has no
 *                fired alert row; an alert due by now is still pending
 *
 * Prints one summary line ("check: ...") and each violation; exits 1 on any.
 */
#include "crash-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "store.h"

#define LEADERS "|case.opened|transition|clock.extended|clock.excluded|alert|evidence.added|"

typedef struct check_s {
    json_t *acks;     /* "case:seq" of the first event -> ack record */
    json_t *inflight; /* "case:if_match:action" -> lost record */
    json_t *rejected; /* "case:if_match:action" -> conflict/refused record */
    json_t *shapes;   /* "type/what/from" -> "type,type,..." of acknowledged runs */
    json_t *pending;  /* [{key, shape, where}] of committed in-flight runs, compared at the end */
    json_t *alert_events; /* alert_id -> count */
    int lost_opens, unacked_opens;
    int acked, acked_transitions, lost, lost_committed, cases, events, violations;
} check_t;

static void violation(check_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->violations < 30) {
        fputs("  violation: ", stdout);
        vprintf(fmt, ap);
        fputc('\n', stdout);
    }
    va_end(ap);
    c->violations++;
}

/* ---- the request log ------------------------------------------------------------------ */

static int read_log(check_t *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1; /* no request yet */
    char line[8192], key[160];
    while (fgets(line, sizeof(line), f)) {
        json_t *r = json_loads(line, 0, NULL);
        const char *k = json_string_value(json_object_get(r, "k"));
        const char *req = json_string_value(json_object_get(r, "req"));
        long long id = json_integer_value(json_object_get(r, "case"));
        long long v = json_integer_value(json_object_get(r, "if_match"));
        const char *action = json_string_value(json_object_get(r, "action"));
        if (!k || !req || !action) {
            json_decref(r);
            continue;
        }
        if (strcmp(k, "ack") == 0) {
            json_t *first = json_array_get(json_object_get(r, "events"), 0);
            snprintf(key, sizeof(key), "%lld:%lld", id,
                     (long long)json_integer_value(json_array_get(first, 0)));
            json_object_set(c->acks, key, r);
            c->acked++;
            c->acked_transitions += strcmp(req, "open") != 0;
        } else if (strcmp(k, "lost") == 0 && strcmp(req, "open") == 0) {
            c->lost_opens++;
            c->lost++;
        } else {
            snprintf(key, sizeof(key), "%lld:%lld:%s", id, v, action);
            json_object_set(strcmp(k, "lost") == 0 ? c->inflight : c->rejected, key, r);
            c->lost += strcmp(k, "lost") == 0;
        }
        json_decref(r);
    }
    fclose(f);
    return 0;
}

/* ---- one case -------------------------------------------------------------------------------- */

static int is_leader(const char *type)
{
    char probe[64];
    snprintf(probe, sizeof(probe), "|%s|", type ? type : "");
    return strstr(LEADERS, probe) != NULL;
}

/* The request that led a run: "open", "evidence", the action, or "extend:<clock>". */
static void what_of(const json_t *ev, char *out, size_t size)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (strcmp(type, "case.opened") == 0)
        snprintf(out, size, "open");
    else if (strcmp(type, "evidence.added") == 0)
        snprintf(out, size, "evidence");
    else if (strcmp(type, "transition") == 0)
        snprintf(out, size, "%s", json_string_value(json_object_get(ev, "action")));
    else
        snprintf(out, size, "%s:%s", strcmp(type, "clock.extended") == 0 ? "extend" : type,
                 json_string_value(json_object_get(ev, "clock")));
}

/* An acknowledged run [from, to) of case id against its ack record. */
static void match_ack(check_t *c, long long id, const json_t *events, size_t from, size_t to,
                      json_t *ack, const char *shape_key, const char *shape)
{
    json_t *said = json_object_get(ack, "events");
    int same = json_array_size(said) == to - from;
    for (size_t i = from; same && i < to; i++) {
        json_t *ev = json_array_get(events, i), *s = json_array_get(said, i - from);
        same = json_integer_value(json_array_get(s, 0)) ==
                   json_integer_value(json_object_get(ev, "seq")) &&
               json_equal(json_array_get(s, 1), json_object_get(ev, "hash")) &&
               json_equal(json_array_get(s, 2), json_object_get(ev, "type"));
    }
    if (!same)
        violation(
            c, "missing: case %lld seq %lld: the acknowledged events differ from the stored", id,
            (long long)json_integer_value(json_object_get(json_array_get(events, from), "seq")));
    json_object_set_new(ack, "matched", json_true());
    json_object_set_new(c->shapes, shape_key, json_string(shape));
}

/* A run nobody was told about: an alert, or a request in flight when killed. */
static void match_unacked(check_t *c, long long id, const json_t *lead, const char *what,
                          const char *shape_key, const char *shape)
{
    long long seq = json_integer_value(json_object_get(lead, "seq"));
    char key[160];
    if (strcmp(what, "open") == 0) {
        c->unacked_opens++;
    } else {
        snprintf(key, sizeof(key), "%lld:%lld:%s", id, seq - 1, what);
        if (json_object_get(c->rejected, key))
            violation(c, "unexplained: case %lld seq %lld: %s was answered an error, yet written",
                      id, seq, what);
        else if (!json_object_get(c->inflight, key))
            violation(c, "unexplained: case %lld seq %lld: %s was never sent at version %lld", id,
                      seq, what, seq - 1);
        else
            json_object_del(c->inflight, key); /* explained once */
    }
    c->lost_committed++;
    char where[64];
    snprintf(where, sizeof(where), "case %lld seq %lld", id, seq);
    json_array_append_new(
        c->pending, json_pack("{s:s, s:s, s:s}", "key", shape_key, "shape", shape, "where", where));
}

/* Splits the events into runs and checks each. */
static void check_runs(check_t *c, long long id, const json_t *events)
{
    size_t n = json_array_size(events);
    for (size_t from = 0, to; from < n; from = to) {
        json_t *lead = json_array_get(events, from);
        const char *type = json_string_value(json_object_get(lead, "type"));
        char shape[512], what[96], key[160], skey[256];
        snprintf(shape, sizeof(shape), "%s", type);
        for (to = from + 1;
             to < n &&
             !is_leader(json_string_value(json_object_get(json_array_get(events, to), "type")));
             to++)
            snprintf(shape + strlen(shape), sizeof(shape) - strlen(shape), ",%s",
                     json_string_value(json_object_get(json_array_get(events, to), "type")));
        if (strcmp(type, "alert") == 0) {
            const char *aid = json_string_value(json_object_get(lead, "alert_id"));
            json_t *count = json_object_get(c->alert_events, aid ? aid : "");
            json_object_set_new(c->alert_events, aid ? aid : "",
                                json_integer(json_integer_value(count) + 1));
            continue;
        }
        what_of(lead, what, sizeof(what));
        const char *from_state = json_string_value(json_object_get(lead, "from"));
        snprintf(skey, sizeof(skey), "%s/%s/%s", type, what, from_state ? from_state : "");
        snprintf(key, sizeof(key), "%lld:%lld", id,
                 (long long)json_integer_value(json_object_get(lead, "seq")));
        json_t *ack = json_object_get(c->acks, key);
        if (ack)
            match_ack(c, id, events, from, to, ack, skey, shape);
        else
            match_unacked(c, id, lead, what, skey, shape);
    }
}

static void check_case(check_t *c, cf_store_t *s, long long id)
{
    json_t *events = NULL;
    cf_case_t k;
    cf_error_t err;
    if (cf_store_case_events(s, id, &events, &err) != 0 ||
        cf_store_case_get(s, id, &k, &err) != 0) {
        violation(c, "chain: case %lld cannot be read: %s", id, err.text);
        json_decref(events);
        return;
    }
    size_t n = json_array_size(events);
    c->cases++;
    c->events += (int)n;
    for (size_t i = 0; i < n; i++)
        if (json_integer_value(json_object_get(json_array_get(events, i), "seq")) !=
            (long long)i + 1)
            violation(
                c, "chain: case %lld: event %zu has seq %lld", id, i + 1,
                (long long)json_integer_value(json_object_get(json_array_get(events, i), "seq")));
    const char *last = json_string_value(json_object_get(json_array_get(events, n - 1), "hash"));
    if (k.version != (int64_t)n || !last || strcmp(k.head, last) != 0)
        violation(c, "chain: case %lld: row at version %lld, %zu events", id, (long long)k.version,
                  n);
    cf_audit_t a;
    if (cf_audit_init(&a, id) == 0 && cf_audit_verify(events, k.algo, k.head, &a) == 0 &&
        a.items_count)
        violation(c, "chain: case %lld: %s", id, a.items[0].text);
    cf_audit_dispose(&a);
    check_runs(c, id, events);
    cf_case_dispose(&k);
    json_decref(events);
}

/* ---- after every case ------------------------------------------------------------------------ */

static void check_alerts(check_t *c, cf_store_t *s, cf_time_t now, int *fired, int *pending)
{
    json_t *list = NULL, *a;
    cf_error_t err;
    size_t i;
    *fired = *pending = 0;
    if (cf_store_alert_list(s, CF_CRASH_AGENCY, 0, &list, &err) != 0) {
        violation(c, "alert: cannot list: %s", err.text);
        return;
    }
    json_array_foreach(list, i, a) {
        const char *id = json_string_value(json_object_get(a, "alert_id"));
        long long events = json_integer_value(json_object_get(c->alert_events, id));
        cf_time_t due = 0;
        cf_time_parse(json_string_value(json_object_get(a, "due_at")), &due, NULL);
        if (json_object_get(a, "fired_at")) {
            (*fired)++;
            if (events != 1)
                violation(c, "alert: %s fired, with %lld alert events", id, events);
            json_object_del(c->alert_events, id);
        } else {
            (*pending)++;
            if (due <= now)
                violation(c, "alert: %s was due and is still pending", id);
            if (events)
                violation(c, "alert: %s has an alert event but is pending", id);
        }
    }
    const char *id;
    json_t *count;
    json_object_foreach(c->alert_events, id, count)
        violation(c, "alert: an alert event %s without its fired alert", id);
    json_decref(list);
}

/* Every acknowledged request was found; every committed in-flight one looks like an
 * acknowledged one of the same kind. */
static int check_leftovers(check_t *c)
{
    const char *key;
    json_t *v;
    size_t i;
    int unverified = 0;
    json_object_foreach(c->acks, key, v)
        if (!json_is_true(json_object_get(v, "matched")))
            violation(c, "missing: the acknowledged %s at case:seq %s is not in the database",
                      json_string_value(json_object_get(v, "action")), key);
    json_array_foreach(c->pending, i, v) {
        const char *want = json_string_value(
            json_object_get(c->shapes, json_string_value(json_object_get(v, "key"))));
        const char *got = json_string_value(json_object_get(v, "shape"));
        if (!want)
            unverified++;
        else if (strcmp(want, got) != 0)
            violation(c, "partial: %s: in flight, written as [%s], acknowledged ones are [%s]",
                      json_string_value(json_object_get(v, "where")), got, want);
    }
    if (c->unacked_opens > c->lost_opens)
        violation(c, "unexplained: %d cases nobody was told about, %d opens in flight",
                  c->unacked_opens, c->lost_opens);
    return unverified;
}

/* How many alerts due by now are still pending, or -1. */
static int due_pending(cf_store_t *s, cf_time_t now)
{
    json_t *list = NULL, *a;
    size_t i;
    int n = 0;
    if (cf_store_alert_list(s, CF_CRASH_AGENCY, 1, &list, NULL) != 0)
        return -1;
    json_array_foreach(list, i, a) {
        cf_time_t due = 0;
        cf_time_parse(json_string_value(json_object_get(a, "due_at")), &due, NULL);
        n += due <= now;
    }
    json_decref(list);
    return n;
}

/* Waits up to seconds until no alert due by now is pending. */
static void settle(cf_store_t *s, cf_time_t now, int seconds)
{
    struct timespec half = {0, 500000000L};
    for (int i = 0; i < 2 * seconds && due_pending(s, now) != 0; i++)
        nanosleep(&half, NULL);
}

/* Moves every daemon's clock to now; the worst status (-1: one did not answer). */
static int move_clocks(int argc, char **argv, cf_time_t now)
{
    int ports[8], n = crash_ports(argc, argv, ports, 8), worst = n ? 200 : -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int i = 0; i < n; i++) {
        crash_http_t http = {.port = ports[i]};
        int st = crash_clock(&http, now);
        curl_easy_cleanup(http.easy);
        if (st != 200)
            worst = st;
    }
    curl_global_cleanup();
    return worst;
}

/* Exported, documented in crash-int.h */
int crash_check(int argc, char **argv)
{
    const char *db = crash_opt(argc, argv, "--db", NULL),
               *log = crash_opt(argc, argv, "--log", NULL);
    int ports[8];
    cf_time_t now;
    if (!db || !log || crash_ports(argc, argv, ports, 8) < 1 ||
        cf_time_parse(crash_opt(argc, argv, "--now", ""), &now, NULL) != 0) {
        fprintf(stderr, "caseflow-crash check: --db, --log, --port(s) and --now are required\n");
        return 2;
    }
    now += 60; /* forward of wherever the restarted daemon's clock got to */
    int st = move_clocks(argc, argv, now);
    check_t c = {.acks = json_object(),
                 .inflight = json_object(),
                 .rejected = json_object(),
                 .shapes = json_object(),
                 .pending = json_array(),
                 .alert_events = json_object()};
    if (st != 200)
        violation(&c, "alert: the restarted daemon's clock did not move (%d)", st);
    cf_store_t *s = NULL;
    cf_error_t err;
    json_t *cases = NULL, *row;
    cf_case_filter_t all = {0};
    size_t i;
    if (read_log(&c, log) != 0 || cf_store_open_existing(db, &s, &err) != 0 ||
        cf_store_query_only(s, &err) != 0 || cf_store_case_list(s, &all, &cases, &err) != 0) {
        fprintf(stderr, "caseflow-crash check: cannot read %s or %s: %s\n", log, db, err.text);
        return 2;
    }
    settle(s, now, atoi(crash_opt(argc, argv, "--settle", "0")));
    json_array_foreach(cases, i, row)
        check_case(&c, s, json_integer_value(json_object_get(row, "id")));
    int fired, pending;
    check_alerts(&c, s, now, &fired, &pending);
    int unverified = check_leftovers(&c);
    printf("check: %d cases, %d events; %d acknowledged requests (%d transitions and "
           "extensions), %d lost in flight (%d committed whole, %d unverifiable); %d alerts "
           "fired, %d pending; %d violations\n",
           c.cases, c.events, c.acked, c.acked_transitions, c.lost, c.lost_committed, unverified,
           fired, pending, c.violations);
    json_decref(cases);
    cf_store_close(s);
    json_decref(c.acks);
    json_decref(c.inflight);
    json_decref(c.rejected);
    json_decref(c.shapes);
    json_decref(c.pending);
    json_decref(c.alert_events);
    return c.violations ? 1 : 0;
}
