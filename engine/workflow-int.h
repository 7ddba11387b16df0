/*
 * workflow-int.h -- what workflow.c and workflow-check.c share; not public.
 */
#ifndef CF_WORKFLOW_INT_H
#define CF_WORKFLOW_INT_H

#include "workflow.h"

/* Checks the loaded document as a machine, compiles its guards and rule checks
 * into wf->guards / wf->checks, and appends every problem found (with lines from
 * the source bytes) to problems. Returns 0 (problems may have grown) or CF_ENOMEM. */
int cf__workflow_check(cf_workflow_t *wf, const char *source, cf_errlist_t *problems);

#endif
