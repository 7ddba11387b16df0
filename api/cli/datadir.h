/*
 * datadir.h -- where the command line finds the data it ships with (the
 * workflows, their calendars/ and causes/ folders, templates): the folder a
 * command was given, else $CASEFLOW_DATA_DIR/workflows, else ./workflows when
 * the working directory is a source tree, else the installed copy beside the
 * binary (BINDIR/../share/caseflow), else the one under the prefix compiled in (CF_DATADIR,
 * `share/caseflow` of the CMake install prefix; docs/operations.md). Defined in datadir.c.
 */
#ifndef CF_DATADIR_H
#define CF_DATADIR_H

/* The data folder compiled in: CMAKE_INSTALL_PREFIX/share/caseflow. A literal. */
const char *cf__datadir_installed(void);

/* The workflows folder to use when a command was given none: $CASEFLOW_DATA_DIR
 * "/workflows" when that variable is set and non-empty, else "workflows" when
 * that is a folder of the working directory, else BINDIR/../share/caseflow/workflows
 * of the running binary when that is a folder, else cf__datadir_installed()
 * "/workflows". Borrowed (a static buffer, valid until the next call). */
const char *cf__datadir_workflows(void);

/* The calendars folder to use when a command was given none:
 * cf__datadir_workflows() "/calendars". Borrowed, like the above. */
const char *cf__datadir_calendars(void);

#endif
