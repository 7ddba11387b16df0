/*
 * audit-report.h -- turning per-case audit results into what an auditor reads:
 * a summary over many cases (on-time rates, medians, deviations by kind) and the
 * report in text, JSON or one self-contained HTML file.
 */
#ifndef CF_AUDIT_REPORT_H
#define CF_AUDIT_REPORT_H

#include <stdio.h>

#include "audit.h"

/* One case's result as JSON: {case, workflow, matter, conformant, deviations,
 * clocks, steps}. New reference, or NULL on ENOMEM. */
json_t *cf__audit_case_json(const cf_audit_t *a, const char *workflow_id, unsigned version,
                            const char *hash, const char *matter_id);

/* The summary of an array of case results (cf__audit_case_json): {replayed,
 * conformant, deviations: {kind: n}, clocks: {id: {stopped, met, on_time_rate,
 * median_seconds}}, steps: {state: {count, median_seconds}}}. */
json_t *cf__audit_summary(const json_t *cases);

/* Writes the report {cases, summary} in format "text", "json" or "html". */
void cf__audit_write(FILE *f, const json_t *report, const char *format);

#endif
