/*
 * cmd-cause.h -- what `case open` borrows from the 案由 commands (cmd-cause.c):
 * --officer read into
 * officers. Internal to the command line.
 */
#ifndef CF_CMD_CAUSE_H
#define CF_CMD_CAUSE_H

#include "engine.h"
#include "store.h"

/* --officer NAME:CERTNO (repeatable; the last ':' separates them, a full-width
 * '：' is taken when there is no ':') as OUT *officers, a new [{"name", "cert"}],
 * or NULL when none is given; the operation puts them in the fact officers.
 * Returns 0, or CF_EINVAL naming an --officer that is not NAME:CERTNO. */
int cf__officers_of(int argc, char **argv, json_t **officers, cf_error_t *err);

#endif
