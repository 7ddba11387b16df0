/*
 * cmd-evidence.h -- the register's commands (`evidence add|list`, `record
 * add|list`) and what they share with the case commands. Internal to the command
 * line.
 */
#ifndef CF_CMD_EVIDENCE_H
#define CF_CMD_EVIDENCE_H

#include <stdio.h>

#include "cli.h"
#include "ops.h"

/* cmd-case.c: who acts and when (--actor, --role, --at) into OUT by; the limits
 * the environment sets (CASEFLOW_DOC_MAX, CASEFLOW_BACKDATE_DAYS) into OUT l; a case
 * number as typed into OUT id. Each returns 0 or CF_EINVAL with err filled. */
int cf__change_by(cf_cli_t *cli, int argc, char **argv, cf_ops_by_t *by, cf_error_t *err);
int cf__change_limits(cf_ops_limits_t *l, cf_error_t *err);
int cf__change_case_id(const char *text, int64_t *id, cf_error_t *err);

/* Prints case c's register (its evidence items and records) for people, as `case
 * show` does: nothing when it is empty. */
void cf__print_register(FILE *f, const cf_case_t *c);

#endif
