/*
 * store-lock.c -- one daemon per database: `caseflow serve` holds an exclusive
 * lock on a file beside the database for as long as it runs, with its pid in it.
 *
 * Two daemons on one SQLite file would both run their schedulers (every alert
 * fired twice, on two chains of commits contending for the write lock) and both
 * cache cases. The command line is not locked out: its writes are ordinary
 * transactions, checked against the case's version.
 *
 * SQLite only: on PostgreSQL several daemons share one database (issue 24), and
 * there is no file beside it to lock; the lock is then not taken (fd -1).
 *
 * The lock is flock(2) on "<database>-serve.lock": it belongs to the open file,
 * so it is dropped when the process ends however it ends (no stale lock after a
 * crash or SIGKILL), and two opens in one process conflict as two processes do.
 * The pid written into the file is only what the refusal names. Rejected: fcntl
 * record locks (per process: a second daemon in the same process, as in tests,
 * would not be refused; and closing any descriptor of the file drops them); a
 * row in the database (left behind by a crash, and needing a write to take).
 */
#include "store-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Exported, documented in store.h */
int cf_store_daemon_lock(const char *db_path, int *fd, cf_error_t *err)
{
    char path[4096], pid[32] = "";
    if (cf_db_is_pg(db_path)) {
        *fd = -1; /* several nodes share a PostgreSQL database: no file, no lock */
        return 0;
    }
    if ((size_t)snprintf(path, sizeof(path), "%s-serve.lock", db_path) >= sizeof(path))
        return cf_error_set(err, CF_EINVAL, db_path, 0, 0, "database path too long");
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0)
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot open the daemon's lock: %s",
                            strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        ssize_t n = busy ? pread(f, pid, sizeof(pid) - 1, 0) : 0;
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(f);
        if (!busy)
            return cf_error_set(err, CF_EIO, path, 0, 0, "cannot lock: %s", strerror(errno));
        return cf_error_set(err, CF_EBUSY, db_path, 0, 0,
                            "another caseflow serve (pid %s) already runs on this database; "
                            "one daemon per database (lock %s)",
                            pid[0] ? pid : "unknown", path);
    }
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        close(f);
        return cf_error_set(err, CF_EIO, path, 0, 0, "cannot write the daemon's lock: %s",
                            strerror(errno));
    }
    *fd = f;
    return 0;
}

/* Exported, documented in store.h */
void cf_store_daemon_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* drops the lock; the file stays, empty of meaning until the next lock */
}
