/*
 * datadir.c -- the default data folder of the command line (datadir.h).
 *
 * Why: an installed caseflow (make install, the Debian package) keeps its
 * workflows under PREFIX/share/caseflow, and a clerk or the service runs it from
 * any directory; a developer runs it from the source tree, where ./workflows is
 * the copy being edited. So the working directory's ./workflows wins when it
 * exists (nothing changes for the tree, its tests and its README), and the
 * installed copy is used otherwise: BINDIR/../share/caseflow beside the running
 * binary (found through /proc/self/exe), so an installation moved as a whole, or
 * unpacked into a scratch root (the package test), finds its own data; else the
 * prefix compiled in. $CASEFLOW_DATA_DIR overrides all of them, for a bureau that
 * keeps its own copy (overlays, its province's calendars) elsewhere.
 * Rejected: the compiled-in prefix alone (a package built from a /usr/local tree
 * would look in the wrong place, and the package cannot be checked unpacked).
 */
#include "datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CF_DATADIR
#define CF_DATADIR "/usr/local/share/caseflow"
#endif

static char workflows[4096], calendars[4200];

/* Exported, documented in datadir.h */
const char *cf__datadir_installed(void)
{
    return CF_DATADIR;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* BINDIR/../share/caseflow/workflows of the running binary into out when that is a
 * folder: 1, else 0 (out then holds nothing useful). */
static int beside_binary(char *out, size_t size)
{
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    int len = snprintf(out, size, "%s/../share/caseflow/workflows", exe);
    return len > 0 && (size_t)len < size && is_dir(out);
}

/* Exported, documented in datadir.h */
const char *cf__datadir_workflows(void)
{
    const char *env = getenv("CASEFLOW_DATA_DIR");
    if (env && *env)
        snprintf(workflows, sizeof(workflows), "%s/workflows", env);
    else if (is_dir("workflows"))
        snprintf(workflows, sizeof(workflows), "workflows");
    else if (!beside_binary(workflows, sizeof(workflows)))
        snprintf(workflows, sizeof(workflows), "%s/workflows", CF_DATADIR);
    return workflows;
}

/* Exported, documented in datadir.h */
const char *cf__datadir_calendars(void)
{
    snprintf(calendars, sizeof(calendars), "%s/calendars", cf__datadir_workflows());
    return calendars;
}
