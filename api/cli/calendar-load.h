/*
 * calendar-load.h -- the working-day calendar read from a directory of YAML files
 * (workflows/calendars/YYYY.yaml), for commands that compute deadlines without a
 * database: `caseflow period`, `caseflow calendar show`. Defined in cmd-period.c.
 */
#ifndef CF_CALENDAR_LOAD_H
#define CF_CALENDAR_LOAD_H

#include "calendar.h"
#include "error.h"

/* The calendar directory a command was given: the value of --calendars in argv,
 * else $CASEFLOW_CALENDARS when set and non-empty, else cf__datadir_calendars()
 * (./workflows/calendars in a source tree, else the installed copy: datadir.h).
 * Borrowed from argv, the environment or a static buffer. */
const char *cf__calendar_dir(int argc, char **argv);

/* Loads every *.yaml file directly in dir, in name order, into a new calendar.
 * OUT *out (free with cf_calendar_free), untouched on failure. Returns 0 (a
 * directory without calendar files gives an empty calendar, which refuses every
 * day with CF_ERANGE); CF_EIO with err naming dir when it cannot be read, or the
 * file when it cannot; the first bad file's CF_EPARSE or CF_EINVALID with err's
 * source the file's path, and its line and column (a year given twice is
 * refused at the second file's `year`); CF_ENOMEM. */
int cf__calendar_load_dir(const char *dir, cf_calendar_t **out, cf_error_t *err);

#endif
