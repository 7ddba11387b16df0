/*
 * audit-report.h -- turning per-case audit results into what an auditor reads:
 * a summary over many cases (on-time rates, medians, deviations by kind) and the
 * report in text, JSON or one self-contained HTML file.
 *
 * The report is written as the cases are audited, never held whole (an audit of
 * 100,000 cases kept as JSON trees was most of its memory and a third of its
 * time): each case's result is rendered to text where it was audited
 * (cf__audit_render, on the audit's threads), its figures go into a tally, and
 * the report takes rendered cases and tallies in case order
 * (cf__audit_report_cases). What stays to the end is the tally: a few counters
 * and one integer per clock stopped and per step taken, for the medians.
 *
 * The JSON report is byte for byte what json_dumps(report, JSON_INDENT(2))
 * would give for {cases: [...], summary: {...}}.
 */
#ifndef CF_AUDIT_REPORT_H
#define CF_AUDIT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "audit.h"

/* One case's result as JSON: {case, workflow, matter, conformant, deviations,
 * clocks, steps}. New reference, or NULL on ENOMEM or when a deviation cannot be
 * rendered (a deviation is never left out). */
json_t *cf__audit_case_json(const cf_audit_t *a, const char *workflow_id, unsigned version,
                            const char *hash, const char *matter_id);

/* The figures of one name: a deviation kind, a clock or a step (state). */
typedef struct cf__audit_group_s {
    char *name;
    size_t count;     /* deviations of the kind; clocks stopped; steps taken */
    size_t met;       /* clocks: how many of count were met */
    int64_t *seconds; /* clocks and steps: count durations; kinds: NULL */
    size_t cap;
} cf__audit_group_t;

typedef struct cf__audit_groups_s {
    cf__audit_group_t *items; /* in the order the names were first met */
    size_t count, cap;
} cf__audit_groups_t;

/* The summary's figures so far. Zero it to start; cf__audit_tally_dispose. */
typedef struct cf__audit_tally_s {
    size_t cases, conformant;
    cf__audit_groups_t kinds, clocks, steps;
    int oom; /* an allocation failed: the figures are incomplete */
} cf__audit_tally_t;

/* Adds a case result (cf__audit_case_json). */
void cf__audit_tally_add(cf__audit_tally_t *t, const json_t *result);
/* Adds all of src after what dst has (src's cases came after dst's). */
void cf__audit_tally_merge(cf__audit_tally_t *dst, const cf__audit_tally_t *src);
/* {replayed, conformant, deviations: {kind: n}, clocks: {id: {stopped, met,
 * on_time_rate, median_seconds}}, steps: {state: {count, median_seconds}}},
 * names in the order first met (each group's durations are sorted in place for
 * the medians). New reference, or NULL on ENOMEM. */
json_t *cf__audit_tally_summary(const cf__audit_tally_t *t);
void cf__audit_tally_dispose(cf__audit_tally_t *t);

/* Appends result (cf__audit_case_json) as format ("text", "json" or "html")
 * lists it among the report's cases; a case after another in w gets the
 * separator between them. w->oom says whether it all fitted. */
void cf__audit_render(cf__jsonw_t *w, const json_t *result, const char *format);

/* A report being written. */
typedef struct cf__audit_report_s {
    FILE *out;
    FILE *body; /* where the cases go: out, or a temporary file for HTML, whose
                   summary comes first */
    const char *format;
    size_t cases; /* written so far */
    int started;  /* something is written on out */
    cf__audit_tally_t tally;
    const json_t *checkpoint; /* borrowed, or NULL: the check against a signed checkpoint
                                 (anchor-run.h), the JSON summary's "checkpoint" */
} cf__audit_report_t;

/* Starts a report in format on out (nothing is written before the first
 * case, or the end). Returns 0, or CF_EIO when HTML's temporary file cannot be
 * made. */
int cf__audit_report_begin(cf__audit_report_t *r, FILE *out, const char *format);
/* Appends n cases, rendered one after another by cf__audit_render into text
 * (len bytes), with their tally. Returns 0 or CF_EIO. */
int cf__audit_report_cases(cf__audit_report_t *r, const char *text, size_t len, size_t n,
                           const cf__audit_tally_t *tally);
/* Writes the summary and ends the report; returns 0, CF_ENOMEM or CF_EIO (out
 * could not be written). *bad: did any case deviate. Releases r either way. */
int cf__audit_report_end(cf__audit_report_t *r, int *bad);
/* Releases a report that will not be ended (an audit that failed). */
void cf__audit_report_abandon(cf__audit_report_t *r);

#endif
