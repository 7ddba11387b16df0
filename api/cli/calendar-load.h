/*
 * calendar-load.h -- the working-day calendar read from a directory of YAML files
 * (workflows/calendars/YYYY.yaml), for commands that compute deadlines without a
 * database: `caseflow period`, `caseflow calendar show`; and the walk of such a
 * directory that `caseflow init` stores. Defined in cmd-period.c.
 */
#ifndef CF_CALENDAR_LOAD_H
#define CF_CALENDAR_LOAD_H

#include <stddef.h>

#include "calendar.h"
#include "error.h"

/* The calendar directory a command was given: the value of --calendars in argv,
 * else $CASEFLOW_CALENDARS when set and non-empty, else "workflows/calendars"
 * (relative to the working directory). Borrowed from argv, the environment or a
 * literal. */
const char *cf__calendar_dir(int argc, char **argv);

/* Calls fn(ctx, path, text, len, err) for every *.yaml file directly in dir, in
 * name order, with the file's whole text (borrowed for the call), and stops at
 * the first non-zero return, which it returns. Returns 0; CF_EIO with err naming
 * dir when it cannot be listed, or the file when it cannot be read (fn is then
 * not called for it); CF_ENOMEM. The one walk of a calendar folder: `period`
 * and `calendar show` load the files into one calendar, `init` stores each. */
typedef int (*cf__calendar_file_fn)(void *ctx, const char *path, const char *text, size_t len,
                                    cf_error_t *err);
int cf__calendar_each_file(const char *dir, cf__calendar_file_fn fn, void *ctx, cf_error_t *err);

/* Loads every *.yaml file directly in dir, in name order, into a new calendar.
 * OUT *out (free with cf_calendar_free), untouched on failure. Returns 0 (a
 * directory without calendar files gives an empty calendar, which refuses every
 * day with CF_ERANGE); CF_EIO with err naming dir when it cannot be read, or the
 * file when it cannot; the first bad file's CF_EPARSE or CF_EINVALID with err's
 * source the file's path, and its line and column (a year given twice is
 * refused at the second file's `year`); CF_ENOMEM. */
int cf__calendar_load_dir(const char *dir, cf_calendar_t **out, cf_error_t *err);

#endif
