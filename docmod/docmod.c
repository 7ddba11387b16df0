/*
 * docmod.c -- finding and loading the document module (docmod.h) on first use.
 *
 * One table per process, kept once loaded: the module is never unloaded (the
 * libraries it pulls in keep process-wide state, fontconfig's and glib's caches,
 * that an unload would leave dangling). Loading is under a mutex, so two threads
 * of the daemon rendering at once load it once. RTLD_NOW: a module that does not
 * fit the binary (a symbol of docmod.list missing) is refused at load, with the
 * loader's message, not when a function is first called; RTLD_LOCAL: the
 * libraries' symbols stay out of the binary's namespace.
 */
#include "docmod.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CF_DOCMOD_LIBDIR
#define CF_DOCMOD_LIBDIR "/usr/local/lib/caseflow"
#endif
#ifndef CF_DOCMOD_RELDIR
#define CF_DOCMOD_RELDIR "lib/caseflow"
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const cf_docmod_t *table;

/* The running binary's folder into out: 0, or -1. */
static int exe_dir(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0)
        return -1;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* The places to look, in order, into paths (each PATH_MAX-ish); returns how many. */
static int candidates(char paths[][4200], int max)
{
    const char *env = getenv("CASEFLOW_DOCS_MODULE");
    char dir[4096];
    int n = 0;
    if (env && *env) {
        snprintf(paths[n++], sizeof(paths[0]), "%s", env);
        return n;
    }
    if (exe_dir(dir, sizeof(dir)) == 0) {
        snprintf(paths[n++], sizeof(paths[0]), "%s/%s", dir, CF_DOCMOD_FILE);
        snprintf(paths[n++], sizeof(paths[0]), "%s/../%s/%s", dir, CF_DOCMOD_RELDIR,
                 CF_DOCMOD_FILE);
    }
    if (n < max)
        snprintf(paths[n++], sizeof(paths[0]), "%s/%s", CF_DOCMOD_LIBDIR, CF_DOCMOD_FILE);
    return n;
}

/* dlopen()s path and checks its table: the table, or NULL with why (size bytes). */
static const cf_docmod_t *open_one(const char *path, char *why, size_t size)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, size, "%s", dlerror());
        return NULL;
    }
    const cf_docmod_t *t = dlsym(h, CF_DOCMOD_SYMBOL);
    if (!t || t->abi != CF_DOCMOD_ABI) {
        snprintf(why, size, "%.900s: %s", path,
                 t ? "built for another version of caseflow (its table differs)"
                   : "not a caseflow document module (no " CF_DOCMOD_SYMBOL ")");
        dlclose(h);
        return NULL;
    }
    return t;
}

static const cf_docmod_t *load_locked(cf_error_t *err)
{
    char paths[3][4200], why[1024] = "";
    int n = candidates(paths, 3), first = -1;
    struct stat st;
    for (int i = 0; i < n; i++) {
        if (stat(paths[i], &st) != 0)
            continue;
        const cf_docmod_t *t = open_one(paths[i], why, sizeof(why));
        if (t)
            return t;
        if (first < 0)
            first = i;
    }
    if (first >= 0) /* there, but not loadable */
        cf_error_set(err, CF_EIO, paths[first], 0, 0,
                     "the document module (for import and 文书) cannot be loaded: %s", why);
    else
        cf_error_set(err, CF_EIO, paths[0], 0, 0,
                     "the document module %s (for import and 文书) is missing: looked for "
                     "%s%s%s%s%s (reinstall caseflow, or set CASEFLOW_DOCS_MODULE)",
                     CF_DOCMOD_FILE, paths[0], n > 1 ? ", " : "", n > 1 ? paths[1] : "",
                     n > 2 ? ", " : "", n > 2 ? paths[2] : "");
    return NULL;
}

/* Exported, documented in docmod.h */
const cf_docmod_t *cf_docmod_load(cf_error_t *err)
{
    pthread_mutex_lock(&lock);
    if (!table)
        table = load_locked(err);
    const cf_docmod_t *t = table;
    pthread_mutex_unlock(&lock);
    return t;
}

/* Exported, documented in docmod.h */
int cf_docmod_loaded(void)
{
    pthread_mutex_lock(&lock);
    int loaded = table != NULL;
    pthread_mutex_unlock(&lock);
    return loaded;
}
